//! Incremental sync of tracker issues into the inbox, one run (a job) per integration.
//!
//! Per linked project: ask the tracker what changed since the stored cursor (GitHub
//! answers an unchanged repository with a free `304`), upsert those issues in batches,
//! fetch comments only for issues whose `updated_at` or comment count moved, and store
//! the new cursor. Once a day a run lists everything instead, and issues the tracker no
//! longer returns are marked as removed upstream (closed, kept, visible as such).
//! Every run is a `sync_runs` row: state, counts, requests made, error.

use aiops_types::{Page, SyncQueued, SyncRequest, SyncRun, SyncRunListParams, SyncState};
use time::{Duration, OffsetDateTime};

use crate::integrations::{acting_connection, tracker_error};
use crate::page::PageQuery;
use crate::ports::{
    IntegrationStore, LinkRecord, ProjectStore, SessionStore, SyncCounts, SyncStore, TenantStore,
    UserStore, Viewer,
};
use crate::sealed::SecretKey;
use crate::tracker::{SyncCursor, Target, Tracker, TrackerError, Trackers};
use crate::{CoreError, CoreResult, Principal, integrations, projects};

/// How often a run lists every issue instead of the changes, to notice deletions.
pub const FULL_SYNC_EVERY: Duration = Duration::hours(24);
/// Issues stored per write transaction.
const BATCH: usize = 200;

/// Queues runs now (`POST /api/v1/issues/sync`): for one integration, the integrations
/// linked to a project, or every integration the caller sees. An integration with a run
/// already queued or running gets that run back, not a second one.
pub fn request(
    store: &(impl TenantStore + ProjectStore + IntegrationStore + SyncStore),
    caller: &Principal,
    req: &SyncRequest,
) -> CoreResult<SyncQueued> {
    if let Some(g) = caller.session {
        // A session key syncs its own project's trackers, nothing else.
        caller.confine_project(req.project.unwrap_or(g.project_id))?;
        if req.integration.is_some() || req.project.is_none() {
            return Err(CoreError::Forbidden(
                "a session key syncs only its own project: pass --project".into(),
            ));
        }
    }
    let ids: Vec<i64> = match (req.integration, req.project) {
        (Some(id), _) => vec![integrations::get(store, caller, id)?.id],
        (None, Some(pid)) => {
            let project = projects::get(store, caller, pid)?;
            store
                .list_links(Some(project.id), None)?
                .into_iter()
                .map(|l| l.link.integration_id)
                .collect()
        }
        (None, None) => {
            let mut all = Vec::new();
            let mut page = PageQuery {
                after: None,
                limit: 500,
            };
            loop {
                let rows = store.list_integrations(caller.viewer(), None, page)?;
                let more = rows.len() as i64 == page.fetch();
                all.extend(rows.iter().take(page.limit as usize).map(|i| i.id));
                if !more {
                    break;
                }
                page.after = all.last().copied();
            }
            all
        }
    };
    if ids.is_empty() {
        return Err(CoreError::invalid(
            "integration",
            "nothing to sync: no integration linked (see `aiops integrations create` and `aiops projects link`)",
        ));
    }
    let runs = ids
        .into_iter()
        .map(|id| {
            if req.full {
                store.request_full_sync(id)?;
            }
            store.queue_sync(id, "manual", Some(caller.user_id))
        })
        .collect::<CoreResult<Vec<_>>>()?;
    Ok(SyncQueued { runs })
}

/// The sync run; `NotFound` when the caller cannot see it (a session key: only runs of
/// integrations linked to its project).
pub fn get_run(
    store: &(impl IntegrationStore + SyncStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<SyncRun> {
    let run = store
        .sync_run(caller.viewer(), id)?
        .ok_or_else(|| CoreError::not_found(format!("sync run {id}")))?;
    if let Some(g) = caller.session {
        let linked = store
            .list_links(Some(g.project_id), None)?
            .iter()
            .any(|l| l.link.integration_id == run.integration_id);
        if !linked {
            return Err(CoreError::not_found(format!("sync run {id}")));
        }
    }
    Ok(run)
}

/// Sync runs the caller can see, newest first; only of `params.integration` when given
/// (`NotFound` when the caller cannot see that integration).
pub fn list_runs(
    store: &(impl IntegrationStore + SyncStore),
    caller: &Principal,
    params: &SyncRunListParams,
    page: PageQuery,
) -> CoreResult<Page<SyncRun>> {
    if let Some(id) = params.integration {
        integrations::get(store, caller, id)?;
    }
    let rows = store.list_sync_runs(caller.viewer(), params.integration, page)?;
    Ok(page.finish(rows, |r| r.id))
}

/// Queues a scheduled run for every integration that is due; returns the run ids.
pub fn queue_due(store: &impl SyncStore, now: OffsetDateTime) -> CoreResult<Vec<i64>> {
    store
        .due_integrations(now)?
        .into_iter()
        .map(|id| store.queue_sync(id, "schedule", None).map(|r| r.id))
        .collect()
}

/// Executes a queued run to the end. The run row records the outcome; the returned error
/// is only for storage failures that kept it from doing so.
pub fn execute(
    store: &(impl UserStore + IntegrationStore + SyncStore + SessionStore),
    trackers: &dyn Trackers,
    key: &SecretKey,
    run_id: i64,
) -> CoreResult<SyncRun> {
    let Some(run) = store.start_sync(run_id)? else {
        return store
            .sync_run(Viewer::All, run_id)?
            .ok_or_else(|| CoreError::not_found(format!("sync run {run_id}")));
    };
    let mut counts = SyncCounts::default();
    let finished = match sync_integration(
        store,
        trackers,
        key,
        run.integration_id,
        run_id,
        &mut counts,
    ) {
        Ok(()) => {
            store.set_integration_health(run.integration_id, None)?;
            store.finish_sync(run_id, SyncState::Succeeded, &counts, None)?
        }
        Err(e) => {
            let message = crate::redact::redact(&e.to_string()).into_owned();
            store.finish_sync(run_id, SyncState::Failed, &counts, Some(&message))?
        }
    };
    announce(store, &finished)?;
    Ok(finished)
}

/// `sync.finished` / `sync.failed` on the event stream, for the integration's tenant: the
/// run, plus `integration_name` so a notification can say which one.
fn announce(store: &(impl IntegrationStore + SessionStore), run: &SyncRun) -> CoreResult<()> {
    let integration = store
        .integration(Viewer::All, run.integration_id)?
        .map(|r| r.integration);
    let kind = if run.state == SyncState::Failed {
        "sync.failed"
    } else {
        "sync.finished"
    };
    let mut payload = serde_json::to_value(run).map_err(|e| CoreError::Internal(e.to_string()))?;
    if let (Some(obj), Some(i)) = (payload.as_object_mut(), &integration) {
        obj.insert("integration_name".into(), i.name.clone().into());
    }
    store.insert_event(&crate::ports::NewEvent {
        kind: kind.to_owned(),
        tenant_id: integration.map(|i| i.tenant_id),
        project_id: None,
        user_id: None,
        payload,
    })?;
    Ok(())
}

fn sync_integration(
    store: &(impl UserStore + IntegrationStore + SyncStore),
    trackers: &dyn Trackers,
    key: &SecretKey,
    integration_id: i64,
    run_id: i64,
    counts: &mut SyncCounts,
) -> CoreResult<()> {
    let rec = store
        .integration(Viewer::All, integration_id)?
        .ok_or_else(|| CoreError::not_found(format!("integration {integration_id}")))?;
    let now = OffsetDateTime::now_utc();
    for link in store.list_links(None, Some(integration_id))? {
        let (conn, credential) = acting_connection(store, key, None, &rec, Some(&link))?;
        let to_core = |e: TrackerError| tracker_error(store, &rec.integration, credential, e);
        let tracker = trackers.open(&conn).map_err(to_core)?;
        let full = link
            .last_full_sync_at
            .is_none_or(|t| now - t >= FULL_SYNC_EVERY);
        let cursor = if full {
            SyncCursor::default()
        } else {
            link.cursor.clone()
        };
        let before = counts.requests;
        let result = sync_link(
            store,
            tracker.as_ref(),
            &link,
            &cursor,
            run_id,
            counts,
            before,
        );
        counts.requests = before + tracker.requests();
        store.sync_progress(run_id, counts)?;
        match result {
            Ok(()) => {}
            Err(LinkError::Tracker(e)) => {
                return Err(to_core(e));
            }
            Err(LinkError::Core(e)) => return Err(e),
        }
    }
    Ok(())
}

enum LinkError {
    Tracker(TrackerError),
    Core(CoreError),
}

impl From<TrackerError> for LinkError {
    fn from(e: TrackerError) -> Self {
        Self::Tracker(e)
    }
}

impl From<CoreError> for LinkError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

fn sync_link(
    store: &(impl IntegrationStore + SyncStore),
    tracker: &dyn Tracker,
    link: &LinkRecord,
    cursor: &SyncCursor,
    run_id: i64,
    counts: &mut SyncCounts,
    requests_before: u32,
) -> Result<(), LinkError> {
    let target = Target {
        external: link.link.external.clone(),
    };
    let changes = tracker.changes(&target, cursor)?;
    if changes.not_modified {
        store.save_cursor(link.link.id, &changes.cursor, false)?;
        return Ok(());
    }
    counts.issues_seen += changes.issues.len() as u32;
    for batch in changes.issues.chunks(BATCH) {
        let applied = store.apply_remote_issues(&link.link, batch, None)?;
        for (a, issue) in applied.iter().zip(batch) {
            if a.created {
                counts.issues_created += 1;
            } else if a.changed {
                counts.issues_updated += 1;
            }
            if a.comments_stale {
                let comments = tracker.comments(&target, &issue.remote_id)?;
                store.replace_remote_comments(a.issue_id, &comments)?;
                counts.comments_fetched += 1;
            }
        }
        counts.requests = requests_before + tracker.requests();
        store.sync_progress(run_id, counts)?;
    }
    if changes.complete {
        let present: Vec<String> = changes.issues.iter().map(|i| i.remote_id.clone()).collect();
        counts.issues_removed += store.mark_removed(link.link.id, &present)?;
    }
    store.save_cursor(link.link.id, &changes.cursor, changes.complete)?;
    Ok(())
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
