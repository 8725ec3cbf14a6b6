//! Sync planning ([`super`]) against an in-memory store and a scripted tracker: what one
//! link's run writes, full against incremental listings, errors, and queueing runs.

use aiops_types::{SyncRequest, SyncState, TenantRole};
use time::OffsetDateTime;

use super::*;
use crate::fakes::{
    FakeSync, FakeTenancy, FakeTrackers, integration, link, member, project_in, remote_issue,
    sync_run, tenant,
};
use crate::ports::Applied;
use crate::principal::SessionGrant;
use crate::tracker::{Changes, RemoteIssue};

/// A cursor the tracker hands back, recognisable in what is saved.
fn next_cursor() -> SyncCursor {
    SyncCursor {
        since: Some(time::macros::datetime!(2026-12-08 09:00 UTC)),
        etag: Some("\"e2\"".into()),
    }
}

/// Issues `1..=n`, each without comments.
fn issues(n: usize) -> Vec<RemoteIssue> {
    (1..=n).map(|i| remote_issue(&i.to_string(), 0)).collect()
}

fn listing(issues: Vec<RemoteIssue>, complete: bool) -> Changes {
    Changes {
        issues,
        cursor: next_cursor(),
        not_modified: false,
        complete,
    }
}

/// Link 1 (`acme/web`) of integration 5, synced with `answer` from the stored cursor.
fn run_link(store: &FakeSync, answer: Changes) -> (Result<(), LinkError>, SyncCounts) {
    let trackers = FakeTrackers::default();
    trackers.0.answer("acme/web", Ok(answer));
    let tracker = trackers.open(&connection()).unwrap();
    let l = link(1, 10, 5, "acme/web");
    let mut counts = SyncCounts::default();
    let r = sync_link(store, tracker.as_ref(), &l, &l.cursor, 7, &mut counts, 0);
    (r, counts)
}

fn connection() -> crate::tracker::Connection {
    crate::tracker::Connection {
        provider: aiops_types::Provider::Github,
        base_url: "https://api.github.com".into(),
        token: crate::tracker::Token::new("t"),
        email: None,
        jira_close_transitions: vec![],
        jira_reopen_transitions: vec![],
    }
}

/// A `304`: the new cursor is saved (not as a full listing) and nothing else happens.
#[test]
fn an_unchanged_listing_only_saves_the_cursor() {
    let store = FakeSync::default();
    let unchanged = Changes {
        not_modified: true,
        ..listing(Vec::new(), true)
    };
    let (r, counts) = run_link(&store, unchanged);
    assert!(r.is_ok());
    assert_eq!(store.log(), ["save_cursor 1 partial"]);
    assert_eq!(store.cursors.lock().unwrap()[0].1, next_cursor());
    assert_eq!(counts, SyncCounts::default());
}

/// 450 changed issues are stored 200, 200, 50, progress saved after each batch; created
/// and updated follow what the store reports, unchanged issues count as neither.
#[test]
fn changed_issues_are_stored_in_batches_of_200() {
    let store = FakeSync {
        // Numbers ending in 0 are new, in 1 changed, the rest already as stored.
        outcome: Some(|i| {
            let n: i64 = i.remote_id.parse().unwrap();
            Applied {
                issue_id: n,
                created: n % 10 == 0,
                changed: n % 10 <= 1,
                comments_stale: false,
            }
        }),
        ..FakeSync::default()
    };
    let (r, counts) = run_link(&store, listing(issues(450), false));
    assert!(r.is_ok());
    assert_eq!(
        store.log(),
        [
            "apply 200",
            "progress 450",
            "apply 200",
            "progress 450",
            "apply 50",
            "progress 450",
            "save_cursor 1 partial",
        ]
    );
    assert_eq!(counts.issues_seen, 450);
    assert_eq!(counts.issues_created, 45);
    assert_eq!(counts.issues_updated, 45, "changed but not new");
    assert_eq!(counts.comments_fetched, 0);
    assert_eq!(counts.requests, 1, "the listing only");
}

/// Comments are fetched once for each issue the store calls stale, and only for those,
/// each stored on the issue the store named.
#[test]
fn comments_are_fetched_only_for_stale_issues() {
    let store = FakeSync::default(); // new issues with comments are stale
    let trackers = FakeTrackers::default();
    let mut listed = issues(4);
    listed[1].comments = 2;
    listed[3].comments = 1;
    trackers.0.answer("acme/web", Ok(listing(listed, false)));
    let tracker = trackers.open(&connection()).unwrap();
    let l = link(1, 10, 5, "acme/web");
    let mut counts = SyncCounts::default();
    assert!(sync_link(&store, tracker.as_ref(), &l, &l.cursor, 7, &mut counts, 3).is_ok());
    assert_eq!(
        trackers.0.calls(),
        ["changes acme/web", "comments 2", "comments 4"]
    );
    assert_eq!(
        store.log(),
        [
            "apply 4",
            "replace_comments 1002",
            "replace_comments 1004",
            "progress 4",
            "save_cursor 1 partial",
        ]
    );
    assert_eq!(counts.comments_fetched, 2);
    assert_eq!(counts.issues_created, 4);
    assert_eq!(
        counts.requests,
        3 + 3,
        "those before, plus listing and two fetches"
    );
}

/// A full listing marks removed exactly what it did not return and saves the cursor as
/// a full one; the store's count of newly removed issues is the run's.
#[test]
fn a_complete_listing_marks_the_missing_removed() {
    let store = FakeSync {
        removed: 2,
        ..FakeSync::default()
    };
    let (r, counts) = run_link(&store, listing(issues(3), true));
    assert!(r.is_ok());
    let log = store.log();
    assert_eq!(
        log[log.len() - 2..],
        ["mark_removed 1 1,2,3", "save_cursor 1 full"]
    );
    assert_eq!(counts.issues_removed, 2);
}

/// An incremental listing says nothing about issues it left out.
#[test]
fn an_incomplete_listing_removes_nothing() {
    let store = FakeSync::default();
    let (r, counts) = run_link(&store, listing(issues(3), false));
    assert!(r.is_ok());
    assert!(
        !store.log().iter().any(|w| w.starts_with("mark_removed")),
        "{:?}",
        store.log()
    );
    assert_eq!(store.log().last().unwrap(), "save_cursor 1 partial");
    assert_eq!(counts.issues_removed, 0);
}

/// A store whose integration 5 has `links`, each answered with an empty listing.
fn integration_with(key: &SecretKey, links: Vec<LinkRecord>, trackers: &FakeTrackers) -> FakeSync {
    for l in &links {
        trackers
            .0
            .answer(&l.link.external, Ok(listing(Vec::new(), false)));
    }
    FakeSync {
        integrations: vec![integration(5, key)],
        links: links.into(),
        ..FakeSync::default()
    }
}

/// A link never fully listed, or last fully listed a day or more ago, is listed from
/// scratch; a link fully listed within the day continues from its cursor.
#[test]
fn a_link_is_listed_in_full_once_a_day() {
    let key = SecretKey::generate();
    let now = OffsetDateTime::now_utc();
    let stored = SyncCursor {
        since: Some(now - Duration::hours(2)),
        etag: Some("\"e1\"".into()),
    };
    let with = |id, external, full: Option<OffsetDateTime>| LinkRecord {
        cursor: stored.clone(),
        last_full_sync_at: full,
        ..link(id, 10, 5, external)
    };
    let trackers = FakeTrackers::default();
    let store = integration_with(
        &key,
        vec![
            with(1, "never", None),
            with(
                2,
                "stale",
                Some(now - FULL_SYNC_EVERY - Duration::minutes(1)),
            ),
            with(3, "recent", Some(now - Duration::hours(1))),
        ],
        &trackers,
    );
    let mut counts = SyncCounts::default();
    sync_integration(&store, &trackers, &key, 5, 7, &mut counts).unwrap();
    assert_eq!(
        *trackers.0.cursors.lock().unwrap(),
        [
            ("never".to_owned(), SyncCursor::default()),
            ("stale".to_owned(), SyncCursor::default()),
            ("recent".to_owned(), stored),
        ]
    );
    assert_eq!(
        counts.requests, 3,
        "one listing per link, summed over links"
    );
}

/// A tracker failure is the tracker's error (a rate limit stays a rate limit); the
/// requests made up to it are counted and saved, and later links are not asked.
#[test]
fn a_tracker_error_ends_the_run_with_its_requests_counted() {
    let key = SecretKey::generate();
    let trackers = FakeTrackers::default();
    let mut stale = issues(2);
    stale[0].comments = 1;
    trackers.0.answer("first", Ok(listing(stale, false)));
    let store = FakeSync {
        integrations: vec![integration(5, &key)],
        links: vec![link(1, 10, 5, "first"), link(2, 11, 5, "second")].into(),
        ..FakeSync::default()
    };
    *trackers.0.fail.lock().unwrap() = Some((
        "comments",
        TrackerError::RateLimited {
            retry_after_secs: 60,
        },
    ));
    let mut counts = SyncCounts::default();
    let err = sync_integration(&store, &trackers, &key, 5, 7, &mut counts).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::RateLimited {
                retry_after_secs: 60
            }
        ),
        "{err:?}"
    );
    assert_eq!(trackers.0.calls(), ["changes first", "comments 1"]);
    assert_eq!(counts.requests, 2, "the listing and the failed fetch");
    assert_eq!(store.progress.lock().unwrap().last().unwrap().requests, 2);
    assert!(store.cursors.lock().unwrap().is_empty(), "no cursor moves");
}

/// A run that fails ends `failed` with the error, announced as `sync.failed` with the
/// integration's name; the integration's health is left alone for a rate limit.
#[test]
fn a_failed_run_is_recorded_and_announced() {
    let key = SecretKey::generate();
    let trackers = FakeTrackers::default();
    trackers.0.answer(
        "acme/web",
        Err(TrackerError::RateLimited {
            retry_after_secs: 30,
        }),
    );
    let store = FakeSync {
        integrations: vec![integration(5, &key)],
        links: vec![link(1, 10, 5, "acme/web")].into(),
        runs: vec![sync_run(7, 5, SyncState::Queued)].into(),
        ..FakeSync::default()
    };
    let run = execute(&store, &trackers, &key, 7).unwrap();
    assert_eq!(run.state, SyncState::Failed);
    assert_eq!(run.requests, 1);
    assert_eq!(
        run.error.as_deref(),
        Some("too many attempts; retry in 30 s")
    );
    assert_eq!(
        store.log(),
        [
            "start 7",
            "progress 0",
            "finish 7 Failed",
            "event sync.failed 1 gh5"
        ]
    );
}

/// A run that is not queued any more (another worker took it) is returned as it is,
/// without touching the tracker.
#[test]
fn a_run_no_longer_queued_is_not_run_again() {
    let key = SecretKey::generate();
    let trackers = FakeTrackers::default();
    let store = FakeSync {
        runs: vec![sync_run(7, 5, SyncState::Running)].into(),
        ..FakeSync::default()
    };
    let run = execute(&store, &trackers, &key, 7).unwrap();
    assert_eq!(run.state, SyncState::Running);
    assert_eq!(store.log(), ["start 7"]);
    assert_eq!(
        trackers.0.opened.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}

/// Tenant acme (1) with projects 10 and 11, user 2 its member; integrations 5 and 6
/// linked to project 10, project 11 linked to nothing.
fn linked_world(key: &SecretKey) -> FakeSync {
    FakeSync {
        integrations: vec![integration(5, key), integration(6, key)],
        links: vec![link(1, 10, 5, "acme/web"), link(2, 10, 6, "acme/web2")].into(),
        tenancy: FakeTenancy {
            tenants: vec![tenant(1, "acme")],
            projects: vec![
                project_in(10, (1, "acme"), "web"),
                project_in(11, (1, "acme"), "api"),
            ]
            .into(),
            tenant_members: vec![(1, 2, TenantRole::Member)],
            ..FakeTenancy::default()
        },
        ..FakeSync::default()
    }
}

fn session_key(project_id: i64) -> Principal {
    Principal {
        session: Some(SessionGrant {
            session_id: 3,
            issue_id: None,
            project_id,
        }),
        ..member(2)
    }
}

fn ask(integration: Option<i64>, project: Option<i64>, full: bool) -> SyncRequest {
    SyncRequest {
        integration,
        project,
        full,
    }
}

/// A session key syncs its own project only, and must name it: without `--project`, or
/// naming an integration, it is `Forbidden` and nothing is queued.
#[test]
fn a_session_key_must_name_its_own_project() {
    let store = linked_world(&SecretKey::generate());
    let key = session_key(10);
    for req in [ask(None, None, false), ask(Some(5), Some(10), false)] {
        let err = request(&store, &key, &req).unwrap_err();
        assert!(matches!(err, CoreError::Forbidden(_)), "{req:?}: {err:?}");
    }
    let err = request(&store, &key, &ask(None, Some(11), false)).unwrap_err();
    assert!(
        matches!(err, CoreError::Forbidden(_)),
        "another project: {err:?}"
    );
    assert!(store.log().is_empty(), "{:?}", store.log());
    let queued = request(&store, &key, &ask(None, Some(10), false)).unwrap();
    assert_eq!(queued.runs.len(), 2);
}

/// A project linked to nothing has nothing to sync: `Invalid`.
#[test]
fn nothing_linked_is_nothing_to_sync() {
    let store = linked_world(&SecretKey::generate());
    let err = request(&store, &member(2), &ask(None, Some(11), false)).unwrap_err();
    assert!(
        matches!(&err, CoreError::Invalid { message, .. } if message.contains("nothing to sync")),
        "{err:?}"
    );
    assert!(store.log().is_empty());
}

/// Each linked integration is queued once; one already queued comes back as it is, not
/// doubled; `full` asks for a full listing before queueing.
#[test]
fn a_request_queues_each_integration_once() {
    let store = linked_world(&SecretKey::generate());
    store
        .runs
        .lock()
        .unwrap()
        .push(sync_run(50, 6, SyncState::Queued));
    let queued = request(&store, &member(2), &ask(None, Some(10), true)).unwrap();
    let ids: Vec<(i64, i64)> = queued
        .runs
        .iter()
        .map(|r| (r.integration_id, r.id))
        .collect();
    assert_eq!(ids, [(5, 101), (6, 50)]);
    assert_eq!(
        store.log(),
        [
            "request_full_sync 5",
            "queue_sync 5",
            "request_full_sync 6",
            "queue_sync 6",
        ]
    );
    // Every integration the caller sees, when nothing is named.
    store.log.lock().unwrap().clear();
    let all = request(&store, &member(2), &ask(None, None, false)).unwrap();
    assert_eq!(all.runs.len(), 2);
    assert_eq!(store.log(), ["queue_sync 5", "queue_sync 6"]);
}
