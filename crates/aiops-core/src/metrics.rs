//! What `GET /metrics` reports from the store, read at scrape time: sessions per state,
//! sync runs and failures per integration, and the job queue's depth. The HTTP side
//! (request counts and latencies, the exposition format) lives in `aiops-server`.

use aiops_types::{JobState, SessionState};

use crate::CoreResult;
use crate::jobs::JobStore;
use crate::ports::{SyncRunTotals, SystemStore};

/// The store's part of one scrape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpsSnapshot {
    /// Every [`SessionState`], in its declared order, with its number of sessions (0
    /// included, so a dashboard sees a series for each state from the first scrape).
    pub sessions: Vec<(SessionState, u64)>,
    /// Per integration with at least one sync run.
    pub sync: Vec<SyncRunTotals>,
    /// See [`job_queue_depth`].
    pub job_queue_depth: u64,
}

/// Reads everything `/metrics` takes from the database, in a few aggregate queries.
pub fn snapshot(store: &(impl SystemStore + JobStore)) -> CoreResult<OpsSnapshot> {
    let counted = store.sessions_by_state()?;
    let sessions = SessionState::ALL
        .into_iter()
        .map(|state| {
            let n = counted
                .iter()
                .find(|(s, _)| s == state.as_str())
                .map_or(0, |(_, n)| *n);
            (state, n)
        })
        .collect();
    Ok(OpsSnapshot {
        sessions,
        sync: store.sync_run_totals()?,
        job_queue_depth: job_queue_depth(store)?,
    })
}

/// Background work waiting for a worker, as a count of queued rows: issue syncs queued
/// in `sync_runs` plus backups, restores and tool installs queued in `jobs`.
pub fn job_queue_depth(store: &(impl SystemStore + JobStore)) -> CoreResult<u64> {
    Ok(store.queued_sync_runs()? + store.count_jobs(JobState::Queued)?)
}
