//! Storing tracker issues: what `apply_remote_issues` reports (created, changed, comments
//! to fetch), comment replacement keeping aiops authorship, and removal marking.

use aiops_core::ports::{
    IntegrationRow, IntegrationStore, NewAudit, ProjectRow, ProjectStore, SyncStore, TenantRow,
    TenantStore, TokenWrite, Viewer,
};
use aiops_core::tracker::{RemoteComment, RemoteIssue};
use aiops_db::Db;
use aiops_types::{IssueStatus, ProjectLink, Provider};
use time::OffsetDateTime;
use time::macros::datetime;

fn audit() -> NewAudit {
    NewAudit::new(None, "test", "test")
}

fn linked_db() -> (tempfile::TempDir, Db, ProjectLink) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("aiops.db"), 1).unwrap();
    let t = db
        .insert_tenant(
            &TenantRow {
                slug: "a".into(),
                name: "A".into(),
                color: "#000000".into(),
                description: String::new(),
            },
            0,
            audit(),
        )
        .unwrap();
    let p = db
        .insert_project(
            &ProjectRow {
                tenant_id: t.id,
                slug: "web".into(),
                name: "web".into(),
                repo_url: "https://example.com/r.git".into(),
                default_branch: "main".into(),
                description: String::new(),
                workspace: Default::default(),
                merge_method: Default::default(),
            },
            audit(),
        )
        .unwrap();
    let i = db
        .insert_integration(
            &IntegrationRow {
                tenant_id: t.id,
                provider: Provider::Github,
                name: "gh".into(),
                base_url: "https://api.github.com".into(),
                email: None,
                jira_close_transitions: vec![],
                jira_reopen_transitions: vec![],
                sync_interval_secs: 0,
            },
            TokenWrite::Keep,
            audit(),
        )
        .unwrap();
    let link = db
        .insert_link(p.id, i.id, "o/r", TokenWrite::Keep, audit())
        .unwrap();
    (dir, db, link)
}

fn remote(n: u32, updated: OffsetDateTime, comments: u32) -> RemoteIssue {
    RemoteIssue {
        remote_id: n.to_string(),
        external_id: format!("#{n}"),
        title: format!("Issue {n}"),
        description: String::new(),
        status: IssueStatus::Open,
        provider_status: "open".into(),
        labels: vec!["bug".into()],
        assignee: None,
        author: Some("octocat".into()),
        url: None,
        comments,
        created_at: datetime!(2026-01-01 0:00 UTC),
        updated_at: updated,
        closed_at: None,
    }
}

fn comment(id: &str, body: &str) -> RemoteComment {
    RemoteComment {
        remote_id: id.into(),
        author: "octocat".into(),
        body: body.into(),
        created_at: datetime!(2026-01-02 0:00 UTC),
        updated_at: datetime!(2026-01-02 0:00 UTC),
    }
}

#[test]
fn comments_are_fetched_until_they_add_up() {
    let (_dir, db, link) = linked_db();
    let t1 = datetime!(2026-01-03 0:00 UTC);
    let first = db
        .apply_remote_issues(&link, &[remote(1, t1, 2), remote(2, t1, 0)], None)
        .unwrap();
    assert!(first.iter().all(|a| a.created));
    assert_eq!(
        first.iter().map(|a| a.comments_stale).collect::<Vec<_>>(),
        [true, false],
        "only the issue with comments needs them"
    );
    // The run stopped before fetching: the next listing (unchanged) still asks for them.
    let again = db
        .apply_remote_issues(&link, &[remote(1, t1, 2), remote(2, t1, 0)], None)
        .unwrap();
    assert!(again.iter().all(|a| !a.created && !a.changed));
    assert!(again[0].comments_stale, "2 comments counted, 0 stored");
    assert!(!again[1].comments_stale);

    db.replace_remote_comments(first[0].issue_id, &[comment("10", "a"), comment("11", "b")])
        .unwrap();
    let settled = db
        .apply_remote_issues(&link, &[remote(1, t1, 2)], None)
        .unwrap();
    assert!(!settled[0].comments_stale, "they add up now");
    let issue = aiops_core::ports::IssueStore::issue(&db, Viewer::All, first[0].issue_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (issue.comments, issue.labels.as_slice()),
        (2, ["bug".to_owned()].as_slice())
    );
}

#[test]
fn replacing_comments_keeps_aiops_authorship_and_drops_deleted_ones() {
    let (_dir, db, link) = linked_db();
    let t1 = datetime!(2026-01-03 0:00 UTC);
    let id = db
        .apply_remote_issues(&link, &[remote(1, t1, 0)], None)
        .unwrap()[0]
        .issue_id;
    let mine = db
        .put_remote_comment(id, &comment("10", "from aiops"), None, audit())
        .unwrap();
    db.replace_remote_comments(
        id,
        &[comment("10", "edited at GitHub"), comment("11", "new")],
    )
    .unwrap();
    let c = aiops_core::ports::IssueStore::comment(&db, id, mine.id)
        .unwrap()
        .unwrap();
    assert_eq!(c.body, "edited at GitHub");
    db.replace_remote_comments(id, &[comment("11", "new")])
        .unwrap();
    assert!(
        aiops_core::ports::IssueStore::comment(&db, id, mine.id)
            .unwrap()
            .is_none(),
        "deleted upstream, deleted here"
    );
}

#[test]
fn issues_missing_from_a_full_listing_are_marked_removed_and_closed() {
    let (_dir, db, link) = linked_db();
    let t1 = datetime!(2026-01-03 0:00 UTC);
    let applied = db
        .apply_remote_issues(&link, &[remote(1, t1, 0), remote(2, t1, 0)], None)
        .unwrap();
    assert_eq!(db.mark_removed(link.id, &["1".into()]).unwrap(), 1);
    assert_eq!(db.mark_removed(link.id, &["1".into()]).unwrap(), 0, "once");
    let gone = aiops_core::ports::IssueStore::issue(&db, Viewer::All, applied[1].issue_id)
        .unwrap()
        .unwrap();
    assert!(gone.removed_upstream);
    assert_eq!(gone.status, IssueStatus::Closed);
    // Back upstream (e.g. a transfer undone): the next listing clears the mark.
    db.apply_remote_issues(&link, &[remote(2, t1, 0)], None)
        .unwrap();
    let back = aiops_core::ports::IssueStore::issue(&db, Viewer::All, applied[1].issue_id)
        .unwrap()
        .unwrap();
    assert!(!back.removed_upstream);
}

/// What `/metrics` reads: finished and failed runs per integration, and the queue.
#[test]
fn sync_run_totals_count_finished_and_failed_runs_and_the_queue() {
    use aiops_core::ports::{SyncCounts, SyncRunTotals, SystemStore};
    use aiops_types::SyncState;

    let (_dir, db, link) = linked_db();
    assert_eq!(
        db.sync_run_totals().unwrap(),
        vec![],
        "no run yet: no entry"
    );
    for (state, error) in [
        (SyncState::Succeeded, None),
        (SyncState::Failed, Some("401")),
    ] {
        let run = db.queue_sync(link.integration_id, "manual", None).unwrap();
        db.start_sync(run.id)
            .unwrap()
            .expect("the queued run starts");
        db.finish_sync(run.id, state, &SyncCounts::default(), error)
            .unwrap();
    }
    db.queue_sync(link.integration_id, "schedule", None)
        .unwrap();
    assert_eq!(
        db.sync_run_totals().unwrap(),
        vec![SyncRunTotals {
            integration_id: link.integration_id,
            provider: "github".into(),
            finished: 2,
            failed: 1,
        }],
        "the queued run is not finished"
    );
    assert_eq!(db.queued_sync_runs().unwrap(), 1);
    assert_eq!(
        db.sessions_by_state().unwrap(),
        vec![],
        "no session: no row"
    );
}
