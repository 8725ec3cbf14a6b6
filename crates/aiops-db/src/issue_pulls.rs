//! `issue_pull_requests`: the pull requests aiops opened for issues and their state as
//! aiops last saw it, shown on inbox rows (issue 20). A change is an `issue.updated`
//! event of each issue it touches, in the same transaction.

use aiops_core::CoreResult;
use aiops_types::IssuePullRequest;
use rusqlite::{Transaction, params};

use crate::issue_events::{IssueEvent, emit};
use crate::time_text::now;
use crate::{Ts, internal};

/// See [`aiops_core::ports::IssueStore::record_pull_request`]. An `issue_id` outside
/// `project_id` records nothing.
pub(crate) fn record(
    tx: &Transaction<'_>,
    project_id: i64,
    issue_id: Option<i64>,
    pr: &IssuePullRequest,
) -> CoreResult<()> {
    let t = Ts(now());
    let number = i64::try_from(pr.number).unwrap_or(i64::MAX);
    let (provider, state) = (pr.provider.as_str(), pr.state.as_str());
    let mut touched = Vec::new();
    if let Some(issue) = issue_id {
        let n = tx
            .execute(
                "INSERT INTO issue_pull_requests
                     (issue_id, provider, number, url, state, opened_at, updated_at)
                 SELECT id, ?2, ?3, ?4, ?5, ?6, ?6 FROM issues WHERE id = ?1 AND project_id = ?7
                 ON CONFLICT (issue_id, provider, number)
                 DO UPDATE SET url = excluded.url, state = excluded.state,
                     updated_at = excluded.updated_at",
                params![issue, provider, number, pr.url, state, t, project_id],
            )
            .map_err(internal)?;
        if n > 0 {
            touched.push(issue);
        }
    }
    let mut st = tx
        .prepare_cached(
            "UPDATE issue_pull_requests SET state = ?3, updated_at = ?4
             WHERE provider = ?1 AND number = ?2 AND state <> ?3
               AND issue_id IN (SELECT id FROM issues WHERE project_id = ?5)
             RETURNING issue_id",
        )
        .map_err(internal)?;
    let rows = st
        .query_map(params![provider, number, state, t, project_id], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(internal)?;
    for id in rows {
        touched.push(id.map_err(internal)?);
    }
    touched.sort_unstable();
    touched.dedup();
    for id in touched {
        emit(tx, IssueEvent::Updated, id, None)?;
    }
    Ok(())
}
