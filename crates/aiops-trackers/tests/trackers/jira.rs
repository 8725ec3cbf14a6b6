//! The Jira provider against the fake Jira Cloud (`aiops_fakes::jira`): search paging and
//! the incremental overlap, errors and rate limits here; every verb in [`verbs`].

mod verbs;

use std::collections::HashSet;
use std::time::Duration;

use aiops_core::tracker::{
    Connection, RemoteIssue, SyncCursor, Target, Token, Tracker, TrackerError,
};
use aiops_fakes::jira::{self, JiraState, SEARCH_MAX_RESULTS_HEAVY};
use aiops_fakes::{Fake, Fault};
use aiops_trackers::jira::Jira;
use aiops_types::{IssueStatus, Provider};
use time::macros::datetime;

const TOKEN: &str = "ATATT3xFfGF0-jira-test-token";
const LOGIN: &str = "alice";
const PROJECT: &str = "PROJ";
const SEARCH: &str = "/rest/api/3/search/jql";

fn fake() -> Fake<JiraState> {
    let fake = jira::start();
    fake.state().add_token(TOKEN, LOGIN);
    fake.state().add_project(PROJECT);
    fake
}

fn connection(fake: &Fake<JiraState>, token: &str, email: Option<&str>) -> Connection {
    Connection {
        provider: Provider::Jira,
        base_url: fake.url().to_owned(),
        token: Token::new(token),
        email: email.map(str::to_owned),
        jira_close_transitions: vec![],
        jira_reopen_transitions: vec![],
    }
}

fn open(fake: &Fake<JiraState>) -> Jira {
    let c = connection(fake, TOKEN, Some("alice@example.com"));
    Jira::open(&c, Duration::from_secs(10)).expect("open")
}

fn target() -> Target {
    Target {
        external: PROJECT.into(),
    }
}

fn keys(issues: &[RemoteIssue]) -> Vec<String> {
    issues.iter().map(|i| i.remote_id.clone()).collect()
}

fn assert_unique(issues: &[RemoteIssue]) {
    let unique: HashSet<_> = issues.iter().map(|i| &i.remote_id).collect();
    assert_eq!(
        unique.len(),
        issues.len(),
        "duplicate keys in {:?}",
        keys(issues)
    );
}

#[test]
fn full_sync_reads_every_page_of_250_issues() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 250);
    let jira = open(&fake);

    let changes = jira.changes(&target(), &SyncCursor::default()).unwrap();

    // The provider asks for 100 a page; with comments among the fields the fake (like
    // Jira) answers with fewer, and paging must still reach the end.
    let pages = 250_usize.div_ceil(SEARCH_MAX_RESULTS_HEAVY);
    assert_eq!(pages, 5);
    let searches = fake.state().searches.clone();
    assert_eq!(searches.len(), pages, "pages the fake served");
    assert_eq!(fake.count("POST", SEARCH), pages, "one request per page");
    assert_eq!(jira.requests() as usize, pages);
    assert!(searches.iter().all(|s| s.max_results == Some(100)));
    assert!(searches[0].next_page_token.is_none());
    assert!(searches[1..].iter().all(|s| s.next_page_token.is_some()));
    assert_eq!(searches[0].jql, r#"project = "PROJ" ORDER BY updated ASC"#);

    assert_eq!(changes.issues.len(), 250);
    assert_unique(&changes.issues);
    let want: Vec<String> = (1..=250).map(|n| format!("PROJ-{n}")).collect();
    assert_eq!(keys(&changes.issues), want, "oldest update first");
    assert!(changes.complete, "a listing without `since` is complete");
    assert!(!changes.not_modified);
    assert_eq!(changes.cursor.etag, None);
    assert_eq!(
        changes.cursor.since,
        Some(fake.state().now()),
        "newest update"
    );

    let first = &changes.issues[0];
    assert_eq!(first.external_id, "PROJ-1");
    assert_eq!(first.title, "Issue 1");
    assert_eq!(
        first.description, "Body 1",
        "ADF description read as Markdown"
    );
    assert_eq!(first.status, IssueStatus::Open);
    assert_eq!(first.provider_status, "To Do");
    assert_eq!(first.author.as_deref(), Some(jira::SEED_REPORTER));
    assert_eq!(first.assignee, None);
    assert_eq!(first.comments, 0);
    assert_eq!(first.url, Some(format!("{}/browse/PROJ-1", fake.url())));
    assert_eq!(first.created_at, datetime!(2026-01-01 00:00:01 UTC));
    assert_eq!(first.closed_at, None);
}

#[test]
fn incremental_sync_overlaps_two_minutes_and_returns_each_issue_once() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 4);
    {
        let mut s = fake.state();
        s.set_updated("PROJ-1", datetime!(2026-01-01 10:00:10 UTC));
        s.set_updated("PROJ-2", datetime!(2026-01-01 10:00:40 UTC));
        s.set_updated("PROJ-3", datetime!(2026-01-01 10:01:20 UTC));
        s.set_updated("PROJ-4", datetime!(2026-01-01 09:00:00 UTC));
    }
    let jira = open(&fake);
    let first = jira.changes(&target(), &SyncCursor::default()).unwrap();
    assert_eq!(first.issues.len(), 4);
    let since = first.cursor.since.expect("a cursor");
    assert_eq!(since, datetime!(2026-01-01 10:01:20 UTC));

    // Edited within the cursor's own minute: a minute-granular `>` would miss it.
    fake.state().touch(PROJECT, 2);
    fake.state()
        .set_updated("PROJ-2", datetime!(2026-01-01 10:01:50 UTC));
    let second = jira.changes(&target(), &first.cursor).unwrap();

    let jql = fake.state().searches.last().unwrap().jql.clone();
    assert_eq!(
        jql, r#"project = "PROJ" AND updated >= "2026-01-01 09:59" ORDER BY updated ASC"#,
        "cursor minus two minutes, in minutes"
    );
    // PROJ-1 and PROJ-3 did not change but fall inside the overlap; PROJ-4 is older.
    assert_eq!(keys(&second.issues), ["PROJ-1", "PROJ-3", "PROJ-2"]);
    assert_unique(&second.issues);
    let edited = second
        .issues
        .iter()
        .find(|i| i.remote_id == "PROJ-2")
        .unwrap();
    assert_eq!(edited.title, "Issue 2 (edited)");
    assert!(!second.complete, "an incremental listing is not complete");
    assert_eq!(
        second.cursor.since,
        Some(datetime!(2026-01-01 10:01:50 UTC))
    );

    // Nothing new: the overlap returns the same issues again, each once, and the
    // cursor does not move back.
    let third = jira.changes(&target(), &second.cursor).unwrap();
    assert_unique(&third.issues);
    assert_eq!(third.cursor.since, second.cursor.since);
}

#[test]
fn an_issue_seen_on_two_pages_is_kept_once_as_last_seen() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 3);
    let stale = fake.state().issue_json(fake.url(), "PROJ-1").unwrap();
    fake.state().touch(PROJECT, 1);
    // Page one (canned) still shows PROJ-1 before its edit; page two comes from the fake,
    // which lists PROJ-1 again, edited, after the others.
    let page_one = serde_json::json!({
        "issues": [stale],
        "isLast": false,
        "nextPageToken": jira::page_token(0),
    });
    fake.fail_next(Fault::new(200, &page_one.to_string()));
    let jira = open(&fake);

    let changes = jira.changes(&target(), &SyncCursor::default()).unwrap();

    assert_eq!(fake.count("POST", SEARCH), 2);
    assert_eq!(keys(&changes.issues), ["PROJ-2", "PROJ-3", "PROJ-1"]);
    assert_eq!(
        changes.issues[2].title, "Issue 1 (edited)",
        "the later copy wins"
    );
}

#[test]
fn a_jql_target_is_searched_in_parentheses() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 2);
    let jira = open(&fake);
    let t = Target {
        external: "jql:project = PROJ".into(),
    };
    let changes = jira.changes(&t, &SyncCursor::default()).unwrap();
    assert_eq!(changes.issues.len(), 2);
    assert_eq!(
        fake.state().searches[0].jql,
        "(project = PROJ) ORDER BY updated ASC"
    );
}

#[test]
fn the_connection_test_returns_the_account_id() {
    let fake = fake();
    assert_eq!(open(&fake).test_connection().unwrap(), LOGIN);
    assert_eq!(fake.count("GET", "/rest/api/3/myself"), 1);
}

#[test]
fn a_connection_without_email_is_invalid() {
    let fake = fake();
    for email in [None, Some("  ")] {
        let c = connection(&fake, TOKEN, email);
        match Jira::open(&c, Duration::from_secs(10)) {
            Err(TrackerError::Invalid(m)) => assert_eq!(m, "Jira needs the account email"),
            Err(e) => panic!("wrong error {e:?}"),
            Ok(_) => panic!("opened without an email"),
        }
    }
    assert!(fake.requests().is_empty(), "refused before any request");
}

#[test]
fn a_wrong_token_is_unauthorized_and_never_echoed() {
    let fake = fake();
    let secret = "ATATT-wrong-secret-value";
    for (token, email) in [
        (secret, "alice@example.com"),
        (TOKEN, "mallory@example.com"),
    ] {
        let c = connection(&fake, token, Some(email));
        let jira = Jira::open(&c, Duration::from_secs(10)).unwrap();
        match jira.test_connection() {
            Err(TrackerError::Unauthorized(m)) => {
                assert!(m.contains("You are not authenticated"), "Jira's text: {m}");
                assert!(!m.contains(token), "the token leaked: {m}");
            }
            other => panic!("expected Unauthorized, got {other:?}"),
        }
    }
}

#[test]
fn an_unknown_issue_is_not_found_with_jiras_message() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 1);
    match open(&fake).get_issue(&target(), "PROJ-99") {
        Err(TrackerError::NotFound(m)) => assert!(
            m.contains("Issue does not exist or you do not have permission to see it."),
            "{m}"
        ),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[test]
fn malformed_targets_and_keys_are_refused_before_any_request() {
    let fake = fake();
    let jira = open(&fake);
    let bad = Target {
        external: "proj".into(),
    };
    assert!(matches!(
        jira.changes(&bad, &SyncCursor::default()),
        Err(TrackerError::Invalid(_))
    ));
    assert!(matches!(
        jira.get_issue(&target(), "../../myself"),
        Err(TrackerError::Invalid(_))
    ));
    assert_eq!(jira.requests(), 0);
}

#[test]
fn a_429_with_retry_after_is_waited_out_and_retried() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 3);
    fake.fail_next(
        Fault::new(
            429,
            r#"{"errorMessages":["Rate limit exceeded."],"errors":{}}"#,
        )
        .header("Retry-After", "1"),
    );
    let jira = open(&fake);

    let changes = jira.changes(&target(), &SyncCursor::default()).unwrap();

    assert_eq!(changes.issues.len(), 3);
    assert_eq!(fake.count("POST", SEARCH), 2, "the 429, then the retry");
    assert_eq!(jira.requests(), 2, "the retry is counted");
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
}
