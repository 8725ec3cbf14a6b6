//! The GitHub provider against the fake GitHub (`aiops_fakes::github`): every verb's
//! effect on the provider side, errors, rate limits. Sync (paging, ETag/304) is in
//! [`sync`], pull requests in [`pulls`].

mod checks;
mod pulls;
mod sync;

use aiops_core::tracker::{
    Connection, NewRemoteIssue, RemoteIssuePatch, SyncCursor, Target, Token, Tracker, TrackerError,
};
use aiops_fakes::github::{self, GitHubState};
use aiops_fakes::{Fake, Fault};
use aiops_trackers::github::GitHub;
use aiops_types::{IssueStatus, Provider};
use std::time::Duration;

const TOKEN: &str = "ghp_testtoken0123456789";
const REPO: &str = "octo-org/hello-world";
const ISSUES: &str = "/repos/octo-org/hello-world/issues";

fn fake() -> Fake<GitHubState> {
    let fake = github::start();
    fake.state().add_token(TOKEN, "alice");
    fake.state().add_repo(REPO);
    fake
}

fn open(fake: &Fake<GitHubState>, token: &str) -> GitHub {
    let c = Connection {
        provider: Provider::Github,
        base_url: fake.url().to_owned(),
        token: Token::new(token),
        email: None,
        jira_close_transitions: vec![],
        jira_reopen_transitions: vec![],
    };
    GitHub::open(&c, Duration::from_secs(10)).expect("open")
}

fn target() -> Target {
    Target {
        external: REPO.into(),
    }
}

fn numbers(issues: &[aiops_core::tracker::RemoteIssue]) -> Vec<u64> {
    issues
        .iter()
        .map(|i| i.remote_id.parse().unwrap())
        .collect()
}

#[test]
fn every_verb_changes_the_issue_on_github() {
    let fake = fake();
    fake.state().add_user("bob");
    let gh = open(&fake, TOKEN);
    let t = target();

    let created = gh
        .create_issue(
            &t,
            &NewRemoteIssue {
                title: "Crash on start".into(),
                description: "Steps:\n\n1. start".into(),
                labels: vec!["bug".into(), "p1".into()],
                assignee: Some("bob".into()),
            },
        )
        .unwrap();
    assert_eq!(
        (created.remote_id.as_str(), created.external_id.as_str()),
        ("1", "#1")
    );
    assert_eq!(
        created.author.as_deref(),
        Some("alice"),
        "the token's login"
    );
    assert_eq!(created.assignee.as_deref(), Some("bob"));
    assert_eq!(created.status, IssueStatus::Open);
    assert_eq!(
        created.url.as_deref(),
        Some("https://github.com/octo-org/hello-world/issues/1")
    );
    {
        let st = fake.state();
        let i = st.issue(REPO, 1).unwrap();
        assert_eq!(i.title, "Crash on start");
        assert_eq!(i.body.as_deref(), Some("Steps:\n\n1. start"));
        assert_eq!(i.labels, vec!["bug", "p1"]);
        assert_eq!(i.assignees, vec!["bob"]);
        assert_eq!(i.author, "alice");
        assert!(
            st.repo(REPO).unwrap().labels.contains("p1"),
            "unknown labels are created"
        );
    }
    let got = gh.get_issue(&t, "1").unwrap();
    assert_eq!(got, created);

    let updated = gh
        .update_issue(
            &t,
            "1",
            &RemoteIssuePatch {
                title: Some("Crash on first start".into()),
                description: Some("New body".into()),
                labels: Some(vec!["ui".into()]),
            },
        )
        .unwrap();
    assert_eq!(updated.labels, vec!["ui"]);
    assert_eq!(
        fake.state().issue(REPO, 1).unwrap().title,
        "Crash on first start"
    );
    assert_eq!(
        fake.state().issue(REPO, 1).unwrap().labels,
        vec!["ui"],
        "labels replaced"
    );
    fake.clear_requests();
    gh.update_issue(
        &t,
        "1",
        &RemoteIssuePatch {
            title: Some("Only the title".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        fake.state().issue(REPO, 1).unwrap().body.as_deref(),
        Some("New body")
    );
    assert_eq!(fake.state().issue(REPO, 1).unwrap().labels, vec!["ui"]);
    assert_eq!(fake.count("PATCH", &format!("{ISSUES}/1")), 1);

    let closed = gh.set_status(&t, "1", IssueStatus::Closed).unwrap();
    assert_eq!(
        (closed.status, closed.provider_status.as_str()),
        (IssueStatus::Closed, "closed")
    );
    assert!(closed.closed_at.is_some());
    {
        let st = fake.state();
        let i = st.issue(REPO, 1).unwrap();
        assert_eq!(i.state, "closed");
        assert_eq!(i.state_reason.as_deref(), Some("completed"));
    }
    let reopened = gh.set_status(&t, "1", IssueStatus::Open).unwrap();
    assert_eq!(reopened.status, IssueStatus::Open);
    assert_eq!(reopened.closed_at, None);
    assert_eq!(fake.state().issue(REPO, 1).unwrap().state, "open");

    let assigned = gh.assign(&t, "1", Some("alice")).unwrap();
    assert_eq!(assigned.assignee.as_deref(), Some("alice"));
    assert_eq!(
        fake.state().issue(REPO, 1).unwrap().assignees,
        vec!["alice"]
    );
    let unassigned = gh.assign(&t, "1", None).unwrap();
    assert_eq!(unassigned.assignee, None);
    assert!(fake.state().issue(REPO, 1).unwrap().assignees.is_empty());
    // GitHub drops a login it cannot assign on an edit: the answer shows nobody.
    let dropped = gh.assign(&t, "1", Some("nobody-here")).unwrap();
    assert_eq!(dropped.assignee, None);

    let c = gh.add_comment(&t, "1", "First!").unwrap();
    assert_eq!(
        c.author, "alice",
        "comments are written as the token's login"
    );
    {
        let st = fake.state();
        let i = st.issue(REPO, 1).unwrap();
        assert_eq!(i.comments.len(), 1);
        assert_eq!(
            (i.comments[0].author.as_str(), i.comments[0].body.as_str()),
            ("alice", "First!")
        );
    }
    let edited = gh
        .edit_comment(&t, "1", &c.remote_id, "First, edited")
        .unwrap();
    assert_eq!(edited.remote_id, c.remote_id);
    assert!(edited.updated_at > c.updated_at);
    assert_eq!(
        fake.state().issue(REPO, 1).unwrap().comments[0].body,
        "First, edited"
    );

    for k in 0..120 {
        fake.state()
            .add_comment(REPO, 1, "bob", &format!("note {k}"));
    }
    fake.clear_requests();
    let all = gh.comments(&t, "1").unwrap();
    assert_eq!(all.len(), 121);
    assert_eq!(all[0].body, "First, edited");
    assert_eq!(
        (all[120].author.as_str(), all[120].body.as_str()),
        ("bob", "note 119")
    );
    assert_eq!(
        fake.count("GET", &format!("{ISSUES}/1/comments")),
        2,
        "two pages of 100"
    );
    assert_eq!(gh.get_issue(&t, "1").unwrap().comments, 121);
}

#[test]
fn refusals_map_to_tracker_errors() {
    let fake = fake();
    fake.state().seed_issues(REPO, 2);
    fake.state().seed_pull_requests(REPO, 1);
    fake.state().delete_issue(REPO, 2);
    let gh = open(&fake, TOKEN);
    let t = target();

    let e = gh.get_issue(&t, "2").unwrap_err();
    assert!(matches!(e, TrackerError::NotFound(_)), "410 Gone: {e:?}");
    assert!(matches!(
        gh.get_issue(&t, "99"),
        Err(TrackerError::NotFound(_))
    ));
    assert!(
        matches!(gh.get_issue(&t, "3"), Err(TrackerError::NotFound(_))),
        "a PR"
    );
    let e = gh.create_issue(&t, &NewRemoteIssue::default()).unwrap_err();
    assert!(
        matches!(&e, TrackerError::Invalid(m) if m.contains("Validation Failed")),
        "{e:?}"
    );
    let e = gh
        .create_issue(
            &t,
            &NewRemoteIssue {
                title: "x".into(),
                assignee: Some("nobody-here".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(e, TrackerError::Invalid(_)), "{e:?}");
    let other = Target {
        external: "octo-org/missing".into(),
    };
    assert!(matches!(
        gh.get_issue(&other, "1"),
        Err(TrackerError::NotFound(_))
    ));

    let before = gh.requests();
    for bad in ["octo-org", "a/b/c", "../x", "a/b?page=2"] {
        let t = Target {
            external: bad.into(),
        };
        let e = gh.changes(&t, &SyncCursor::default()).unwrap_err();
        assert!(matches!(e, TrackerError::Invalid(_)), "{bad}: {e:?}");
    }
    assert!(matches!(
        gh.get_issue(&t, "1/../2"),
        Err(TrackerError::Invalid(_))
    ));
    assert_eq!(gh.requests(), before, "refused before any request");
}

#[test]
fn wrong_token_is_unauthorized_and_never_echoed() {
    let fake = fake();
    let secret = "ghp_wrongwrongwrong";
    let gh = open(&fake, secret);
    let e = gh.test_connection().unwrap_err();
    let TrackerError::Unauthorized(msg) = &e else {
        panic!("expected Unauthorized, got {e:?}");
    };
    assert!(
        msg.contains("Bad credentials"),
        "GitHub's reason is kept: {msg}"
    );
    assert!(!e.to_string().contains(secret) && !format!("{e:?}").contains(secret));
    assert_eq!(fake.requests()[0].status, 401);
    assert_eq!(open(&fake, TOKEN).test_connection().unwrap(), "alice");
}

#[test]
fn a_429_with_retry_after_is_waited_out_once() {
    let fake = fake();
    fake.fail_next(
        Fault::new(
            429,
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        )
        .header("retry-after", "1"),
    );
    let gh = open(&fake, TOKEN);
    assert_eq!(gh.test_connection().unwrap(), "alice");
    assert_eq!(
        fake.count("GET", "/user"),
        2,
        "the refused request and its retry"
    );
    assert_eq!(gh.requests(), 2);
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 200]);
}

#[test]
fn under_half_the_quota_the_next_call_stops_before_sending() {
    let fake = fake();
    fake.state().seed_issues(REPO, 1);
    fake.state().set_remaining(2000);
    let gh = open(&fake, TOKEN);
    gh.test_connection().unwrap();
    let e = gh.get_issue(&target(), "1").unwrap_err();
    assert!(
        matches!(e, TrackerError::RateLimited { retry_after_secs } if retry_after_secs > 0),
        "{e:?}"
    );
    assert_eq!(
        fake.requests().len(),
        1,
        "nothing sent after the budget ran low"
    );
    assert_eq!(gh.requests(), 1);
}

#[test]
fn a_spent_quota_is_rate_limited() {
    let fake = fake();
    fake.state().set_remaining(0);
    let e = open(&fake, TOKEN).test_connection().unwrap_err();
    assert!(matches!(e, TrackerError::RateLimited { .. }), "{e:?}");
}
