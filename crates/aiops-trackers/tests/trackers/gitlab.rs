//! The GitLab provider against the fake GitLab (`aiops_fakes::gitlab`).

use std::collections::HashSet;
use std::time::Duration;

use aiops_core::tracker::{
    Connection, NewRemoteIssue, RemoteIssuePatch, SyncCursor, Target, Token, Tracker, TrackerError,
};
use aiops_fakes::gitlab::{self, GitLabState};
use aiops_fakes::{Fake, Fault};
use aiops_trackers::gitlab::GitLab;
use aiops_types::{IssueStatus, Provider};

const TOKEN: &str = "glpat-s3cr3t-token";
const PROJECT: &str = "acme/platform/api";

fn fake() -> Fake<GitLabState> {
    let f = gitlab::start();
    f.state().add_token(TOKEN, "alice");
    f
}

fn client(f: &Fake<GitLabState>, token: &str) -> GitLab {
    let c = Connection {
        provider: Provider::Gitlab,
        base_url: f.url().to_owned(),
        token: Token::new(token),
        email: None,
        jira_close_transitions: vec![],
        jira_reopen_transitions: vec![],
    };
    GitLab::open(&c, Duration::from_secs(10)).expect("open")
}

fn target(external: &str) -> Target {
    Target {
        external: external.to_owned(),
    }
}

#[test]
fn changes_pages_everything_then_only_what_changed() {
    let f = fake();
    f.state().seed_issues(PROJECT, 250);
    let gl = client(&f, TOKEN);

    let full = gl
        .changes(&target(PROJECT), &SyncCursor::default())
        .unwrap();
    assert_eq!(full.issues.len(), 250);
    let iids: HashSet<_> = full.issues.iter().map(|i| i.remote_id.clone()).collect();
    assert_eq!(iids.len(), 250, "each issue exactly once");
    assert!(full.complete, "a listing without a cursor is complete");
    assert!(!full.not_modified);
    assert_eq!(full.cursor.etag, None, "GitLab has no ETag for issue lists");
    assert_eq!(
        f.count("GET", "/api/v4/projects/"),
        3,
        "250 issues at 100 per page"
    );
    assert_eq!(gl.requests(), 3);
    let first = &f.requests()[0];
    assert_eq!(first.path, "/api/v4/projects/acme%2Fplatform%2Fapi/issues");
    assert_eq!(first.param("scope").as_deref(), Some("all"));
    assert_eq!(first.param("order_by").as_deref(), Some("updated_at"));
    assert_eq!(first.param("sort").as_deref(), Some("asc"));
    assert_eq!(first.param("per_page").as_deref(), Some("100"));
    assert_eq!(first.param("updated_after"), None);
    let newest = f.state().issue(PROJECT, 250).unwrap().updated_at;
    assert_eq!(
        full.cursor.since,
        Some(newest),
        "cursor = newest updated_at"
    );
    let one = &full.issues[0];
    assert_eq!(
        (one.remote_id.as_str(), one.external_id.as_str()),
        ("1", "#1")
    );
    assert_eq!(
        (one.title.as_str(), one.description.as_str()),
        ("Issue 1", "Body 1")
    );
    assert_eq!(one.provider_status, "opened");
    assert_eq!(one.status, IssueStatus::Open);

    f.state().touch(PROJECT, 3);
    f.state().touch(PROJECT, 7);
    f.clear_requests();
    let delta = gl.changes(&target(PROJECT), &full.cursor).unwrap();
    assert_eq!(f.requests().len(), 1, "one page is enough for a delta");
    assert!(f.requests()[0].param("updated_after").is_some());
    let got: Vec<&str> = delta.issues.iter().map(|i| i.remote_id.as_str()).collect();
    // `updated_after` is inclusive: the issue at the old cursor (#250) comes back once.
    assert_eq!(got, ["250", "3", "7"]);
    assert!(delta.issues[1].title.ends_with("(edited)"));
    assert!(!delta.complete, "a delta is not a full listing");
    let touched = f.state().issue(PROJECT, 7).unwrap().updated_at;
    assert_eq!(delta.cursor.since, Some(touched));
}

#[test]
fn an_edit_while_paging_keeps_the_old_cursor_and_is_not_complete() {
    let f = fake();
    f.state().seed_issues(PROJECT, 250);
    // #5 is edited right before page 2 is served: it moves to the end of the list and
    // everything after it shifts left by one, so #101 falls between pages 1 and 2.
    f.state().touch_before_page(PROJECT, 5, 2);
    let gl = client(&f, TOKEN);

    let raced = gl
        .changes(&target(PROJECT), &SyncCursor::default())
        .unwrap();
    let iids: HashSet<_> = raced.issues.iter().map(|i| i.remote_id.as_str()).collect();
    assert_eq!(iids.len(), raced.issues.len(), "#5 is returned once");
    assert!(!iids.contains("101"), "the fake really skipped #101");
    let five = raced.issues.iter().find(|i| i.remote_id == "5").unwrap();
    assert!(
        five.title.ends_with("(edited)"),
        "the newest copy of #5 wins"
    );
    assert!(
        !raced.complete,
        "a listing that skipped an issue cannot prove deletions"
    );
    assert_eq!(raced.cursor.since, None, "the next run starts over");

    let again = gl.changes(&target(PROJECT), &raced.cursor).unwrap();
    assert_eq!(again.issues.len(), 250);
    assert!(again.complete);
}

#[test]
fn every_verb_reaches_gitlab() {
    let f = fake();
    let bob_id = f.state().add_user("bob");
    f.state().add_project(PROJECT);
    let gl = client(&f, TOKEN);
    let t = target(PROJECT);

    assert_eq!(gl.test_connection().unwrap(), "alice");
    let auth = &f.requests()[0];
    assert_eq!(auth.headers["private-token"], TOKEN, "PRIVATE-TOKEN auth");
    assert!(auth.headers.get("authorization").is_none());

    let new = NewRemoteIssue {
        title: "Crash on save".into(),
        description: "Steps:\n1. save".into(),
        labels: vec!["bug".into(), "p1".into()],
        assignee: Some("bob".into()),
    };
    let created = gl.create_issue(&t, &new).unwrap();
    assert_eq!(created.remote_id, "1");
    assert_eq!(created.labels, ["bug", "p1"]);
    assert_eq!(created.assignee.as_deref(), Some("bob"));
    assert_eq!(
        created.author.as_deref(),
        Some("alice"),
        "written as the token's user"
    );
    assert!(
        created
            .url
            .as_deref()
            .unwrap()
            .ends_with("/acme/platform/api/-/issues/1")
    );
    assert_eq!(
        f.requests()
            .iter()
            .filter(|r| r.path == "/api/v4/users")
            .count(),
        1
    );
    {
        let st = f.state();
        let i = st.issue(PROJECT, 1).unwrap();
        assert_eq!(
            (i.title.as_str(), i.body.as_str()),
            ("Crash on save", "Steps:\n1. save")
        );
        assert_eq!(i.labels, ["bug", "p1"]);
        assert_eq!(i.assignees, ["bob"]);
        assert_eq!(st.user("bob").unwrap().id, bob_id);
    }
    assert_eq!(gl.get_issue(&t, "1").unwrap(), created);

    let patch = RemoteIssuePatch {
        title: Some("Crash on save (v2)".into()),
        labels: Some(vec!["bug".into()]),
        ..Default::default()
    };
    let updated = gl.update_issue(&t, "1", &patch).unwrap();
    assert_eq!(updated.title, "Crash on save (v2)");
    {
        let st = f.state();
        let i = st.issue(PROJECT, 1).unwrap();
        assert_eq!(i.labels, ["bug"], "labels replace the set");
        assert_eq!(i.body, "Steps:\n1. save", "fields not in the patch stay");
    }
    let cleared = RemoteIssuePatch {
        labels: Some(vec![]),
        ..Default::default()
    };
    assert!(
        gl.update_issue(&t, "1", &cleared)
            .unwrap()
            .labels
            .is_empty()
    );
    assert!(f.state().issue(PROJECT, 1).unwrap().labels.is_empty());

    let closed = gl.set_status(&t, "1", IssueStatus::Closed).unwrap();
    assert_eq!(
        (closed.status, closed.provider_status.as_str()),
        (IssueStatus::Closed, "closed")
    );
    assert!(closed.closed_at.is_some());
    assert_eq!(f.state().issue(PROJECT, 1).unwrap().state, "closed");
    let reopened = gl.set_status(&t, "1", IssueStatus::Open).unwrap();
    assert_eq!(reopened.status, IssueStatus::Open);
    assert_eq!(reopened.closed_at, None);
    assert_eq!(f.state().issue(PROJECT, 1).unwrap().state, "opened");

    assert_eq!(
        gl.assign(&t, "1", Some("alice"))
            .unwrap()
            .assignee
            .as_deref(),
        Some("alice")
    );
    assert_eq!(f.state().issue(PROJECT, 1).unwrap().assignees, ["alice"]);
    assert_eq!(gl.assign(&t, "1", None).unwrap().assignee, None);
    assert!(f.state().issue(PROJECT, 1).unwrap().assignees.is_empty());
    match gl.assign(&t, "1", Some("nobody")) {
        Err(TrackerError::Invalid(m)) => assert!(m.contains("nobody"), "{m}"),
        other => panic!("an unknown user must be Invalid, got {other:?}"),
    }

    let c = gl.add_comment(&t, "1", "First!").unwrap();
    assert_eq!((c.author.as_str(), c.body.as_str()), ("alice", "First!"));
    let edited = gl
        .edit_comment(&t, "1", &c.remote_id, "First, edited")
        .unwrap();
    assert_eq!(edited.remote_id, c.remote_id);
    assert_eq!(edited.body, "First, edited");

    let comments = gl.comments(&t, "1").unwrap();
    assert_eq!(
        comments.len(),
        1,
        "system notes are not comments: {comments:?}"
    );
    assert_eq!(comments[0].body, "First, edited");
    let st_notes = f.state().issue(PROJECT, 1).unwrap().notes.clone();
    assert!(
        st_notes.iter().filter(|n| n.system).count() >= 4,
        "the fake wrote system notes for label, state and assignee changes"
    );
    assert_eq!(
        f.state().issue(PROJECT, 1).unwrap().comments()[0].body,
        "First, edited"
    );
    assert_eq!(
        gl.get_issue(&t, "1").unwrap().comments,
        1,
        "user_notes_count"
    );
}

#[test]
fn comments_follow_every_page_oldest_first() {
    let f = fake();
    f.state().seed_issues(PROJECT, 1);
    for n in 0..150 {
        f.state()
            .add_comment(PROJECT, 1, "bob", &format!("note {n}"));
        if n % 50 == 0 {
            f.state()
                .add_system_note(PROJECT, 1, "changed the description");
        }
    }
    let gl = client(&f, TOKEN);
    let comments = gl.comments(&target(PROJECT), "1").unwrap();
    assert_eq!(comments.len(), 150);
    assert_eq!(comments[0].body, "note 0");
    assert_eq!(comments[149].body, "note 149");
    assert!(comments.iter().all(|c| c.author == "bob"));
    assert_eq!(gl.requests(), 2, "153 notes at 100 per page");
}

#[test]
fn project_by_subgroup_path_or_numeric_id() {
    let f = fake();
    f.state().seed_issues("group/sub/project", 3);
    let id = f.state().project("group/sub/project").unwrap().id;
    let gl = client(&f, TOKEN);

    let by_path = gl.get_issue(&target("group/sub/project"), "2").unwrap();
    assert_eq!(by_path.title, "Issue 2");
    assert_eq!(
        f.requests()[0].path,
        "/api/v4/projects/group%2Fsub%2Fproject/issues/2"
    );

    let by_id = gl.get_issue(&target(&id.to_string()), "2").unwrap();
    assert_eq!(by_id, by_path);
    assert_eq!(
        f.requests()[1].path,
        format!("/api/v4/projects/{id}/issues/2")
    );
    let all = gl
        .changes(&target(&id.to_string()), &SyncCursor::default())
        .unwrap();
    assert_eq!(all.issues.len(), 3);
}

#[test]
fn errors_map_to_the_port() {
    let f = fake();
    f.state().seed_issues(PROJECT, 1);

    let wrong = client(&f, "glpat-wrong-token");
    match wrong.test_connection() {
        Err(TrackerError::Unauthorized(m)) => {
            assert!(!m.contains("glpat-wrong-token"), "token leaked: {m}");
            assert!(m.contains("401"), "{m}");
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert!(matches!(
        wrong.get_issue(&target(PROJECT), "1"),
        Err(TrackerError::Unauthorized(_))
    ));

    let gl = client(&f, TOKEN);
    match gl.get_issue(&target("acme/missing"), "1") {
        Err(TrackerError::NotFound(m)) => assert!(m.contains("Project Not Found"), "{m}"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(matches!(
        gl.get_issue(&target(PROJECT), "99"),
        Err(TrackerError::NotFound(_))
    ));
    let empty = NewRemoteIssue {
        title: String::new(),
        ..Default::default()
    };
    match gl.create_issue(&target(PROJECT), &empty) {
        Err(TrackerError::Invalid(m)) => assert!(m.contains("can't be blank"), "{m}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let before = gl.requests();
    assert!(matches!(
        gl.get_issue(&target(PROJECT), "../../users"),
        Err(TrackerError::Invalid(_))
    ));
    assert_eq!(gl.requests(), before, "a bad iid never reaches the network");
}

#[test]
fn a_429_is_waited_out_and_retried() {
    let f = fake();
    f.state().seed_issues(PROJECT, 1);
    f.fail_next(Fault::new(429, r#"{"message":"Retry later"}"#).header("Retry-After", "1"));
    let gl = client(&f, TOKEN);

    let issue = gl.get_issue(&target(PROJECT), "1").unwrap();
    assert_eq!(issue.title, "Issue 1");
    assert_eq!(gl.requests(), 2, "the 429 and the retry");
    let statuses: Vec<u16> = f.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
}

#[test]
fn the_client_stops_at_half_of_the_rate_limit() {
    let f = fake();
    f.state().seed_issues(PROJECT, 1);
    {
        let mut st = f.state();
        st.rate_limit = 100;
        st.rate_remaining = 51;
    }
    let gl = client(&f, TOKEN);
    let t = target(PROJECT);
    gl.get_issue(&t, "1").unwrap(); // leaves 50: half, still allowed
    gl.get_issue(&t, "1").unwrap(); // leaves 49: under half
    assert!(matches!(
        gl.get_issue(&t, "1"),
        Err(TrackerError::RateLimited { .. })
    ));
    assert_eq!(
        f.requests().len(),
        2,
        "the third call never left the client"
    );
    assert_eq!(f.requests()[1].status, 200);
}
