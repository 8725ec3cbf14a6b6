//! Background jobs: issue sync, session reconciliation and scheduled backups. One worker runs queued sync runs one at a time (a run
//! makes at most a few hundred tracker requests, and trackers prefer serial clients);
//! a scheduler queues a run for every integration whose interval has passed.
//!
//! Runs live in the `sync_runs` table, not in memory: a run left `running` by a stopped
//! server is marked failed at start, and queued runs survive a restart. Each tick also
//! reconciles live sessions with tmux (one `list-panes`; never a `capture-pane` loop).

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::AppState;

/// Starts the worker; abort the handle to stop it (an in-flight run finishes on its
/// blocking thread, and its row is completed by it).
pub fn start(state: AppState) -> JoinHandle<()> {
    tokio::spawn(crate::git_watch::run(state.clone()));
    tokio::spawn(crate::chat::run(state.clone()));
    tokio::spawn(async move {
        let db = state.clone();
        match tokio::task::spawn_blocking(move || {
            let runs = aiops_core::ports::SyncStore::fail_interrupted_syncs(db.db())?;
            let jobs = aiops_core::jobs::JobStore::fail_interrupted_jobs(db.db())?;
            Ok::<_, aiops_core::CoreError>((runs, jobs))
        })
        .await
        {
            Ok(Ok((runs, jobs))) if runs + jobs > 0 => tracing::warn!(
                runs,
                jobs,
                "sync runs and jobs interrupted by a restart marked failed"
            ),
            Ok(Err(e)) => tracing::error!(error = %e, "cannot mark interrupted sync runs and jobs"),
            _ => {}
        }
        let every = Duration::from_secs(state.settings().scheduler_tick_secs);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    reconcile_sessions(&state).await;
                    if let Err(e) = crate::backups::schedule(&state).await {
                        tracing::error!(error = ?e, "backup scheduler failed");
                    }
                    let db = state.clone();
                    let due = tokio::task::spawn_blocking(move || {
                        aiops_core::sync::queue_due(db.db(), time::OffsetDateTime::now_utc())
                    })
                    .await;
                    if let Ok(Err(e)) = due {
                        tracing::error!(error = %e, "sync scheduler failed");
                    }
                }
                _ = state.jobs().notified() => {}
            }
            drain(&state).await;
        }
    })
}

/// Events kept for clients resuming with `Last-Event-ID`; older ones are pruned each tick.
const EVENTS_KEPT: i64 = 100_000;

/// Ends sessions whose tmux pane is gone or dead (at start: sessions outlive the server;
/// then on every tick, for launchers that died without reporting).
async fn reconcile_sessions(state: &AppState) {
    let st = state.clone();
    let done = tokio::task::spawn_blocking(move || {
        aiops_core::ports::SessionStore::prune_events(st.db(), EVENTS_KEPT)?;
        let local = aiops_core::sessions::ops::reconcile(st.db(), &st.host())?;
        let hosts = aiops_core::sessions::sites::watch(st.db(), &st.host())?;
        for (host, why) in &hosts.down {
            tracing::warn!(host, error = %why, "session host does not answer");
        }
        for host in &hosts.back {
            tracing::info!(host, "session host answers again");
        }
        if !hosts.down.is_empty() || !hosts.back.is_empty() {
            // Its sessions' `host_unreachable` changed: lists and pages re-read them.
            st.notify_events();
        }
        Ok::<_, aiops_core::CoreError>(local + hosts.changed)
    })
    .await;
    match done {
        Ok(Ok(n)) if n > 0 => {
            tracing::info!(
                sessions = n,
                "sessions ended while unobserved were reconciled"
            );
            state.notify_events();
        }
        Ok(Err(e)) => tracing::error!(error = %e, "cannot reconcile sessions with tmux"),
        _ => {}
    }
}

/// Runs every queued sync, oldest first.
async fn drain(state: &AppState) {
    let db = state.clone();
    let queued = match tokio::task::spawn_blocking(move || {
        aiops_core::ports::SyncStore::queued_syncs(db.db())
    })
    .await
    {
        Ok(Ok(ids)) => ids,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot read the sync queue");
            return;
        }
        Err(_) => return,
    };
    for id in queued {
        let st = state.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            aiops_core::sync::execute(st.db(), st.trackers(), st.secret_key(), id)
        })
        .await;
        // The run announced its end on the event log.
        state.notify_events();
        match outcome {
            Ok(Ok(run)) => tracing::info!(
                run = run.id,
                integration = run.integration_id,
                state = run.state.as_str(),
                seen = run.issues_seen,
                requests = run.requests,
                error = run.error.as_deref().unwrap_or(""),
                "sync run finished"
            ),
            Ok(Err(e)) => tracing::error!(run = id, error = %e, "sync run could not be recorded"),
            Err(e) => tracing::error!(run = id, error = %e, "sync run panicked"),
        }
    }
}
