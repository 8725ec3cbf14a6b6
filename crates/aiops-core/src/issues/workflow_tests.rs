//! The workflow verbs ([`super::run`]) on a GitHub issue against an in-memory store and
//! a scripted tracker: which plain verbs each runs, in which order, and what stops them.
//! `submit` is checked only up to its commit (the commit itself is git, see
//! `git::commit`).

use std::path::Path;

use aiops_types::{Issue, IssueStatus, WorkflowRequest, WorkflowVerb};

use super::run;
use crate::fakes::{
    FakeAccounts, FakeRuntime, FakeSites, FakeSync, FakeTrackers, NoGit, integration, link,
    remote_issue,
};
use crate::issues::TrackerAccess;
use crate::ports::PersonalRecord;
use crate::sealed::SecretKey;
use crate::sessions::Host;
use crate::sessions::sandbox::{SandboxMode, SandboxPolicy};
use crate::tracker::TrackerError;
use crate::{CoreError, CoreResult, Principal};

/// Issue `id` of project 10 (`acme/web`) from GitHub, open, unassigned.
fn tracker_issue(id: i64, integration_id: i64) -> Issue {
    serde_json::from_value(serde_json::json!({
        "id": id, "project_id": 10, "project_slug": "web", "tenant_slug": "acme",
        "provider": "github", "external_id": format!("#{id}"), "title": "t",
        "description": "", "status": "open", "provider_status": "open", "labels": [],
        "assignee": null, "author": null, "url": null, "comments": 0,
        "created_at": "2026-12-07T12:00:00Z", "updated_at": "2026-12-07T12:00:00Z",
        "closed_at": null, "integration_id": integration_id,
    }))
    .unwrap_or_else(|e| panic!("an issue from JSON: {e}"))
}

/// Issue 7 of project 10, GitHub issue `42` through link 1 of integration 5; user 2
/// (`m@example.com`) is `m-gh` there.
fn world(key: &SecretKey) -> FakeSync {
    FakeSync {
        integrations: vec![integration(5, key)],
        links: vec![link(1, 10, 5, "acme/web")].into(),
        personal: vec![(
            2,
            5,
            PersonalRecord {
                login: Some("m-gh".into()),
                ..PersonalRecord::default()
            },
        )],
        issues: vec![tracker_issue(7, 5)].into(),
        remotes: vec![(7, 1, "42".into())],
        accounts: FakeAccounts::two(),
        ..FakeSync::default()
    }
}

/// User 2 with an API key.
fn caller() -> Principal {
    Principal {
        email: "m@example.com".into(),
        ..crate::fakes::member(2)
    }
}

fn ask(message: Option<&str>, comment: Option<&str>) -> WorkflowRequest {
    WorkflowRequest {
        message: message.map(str::to_owned),
        comment: comment.map(str::to_owned),
        ..WorkflowRequest::default()
    }
}

/// Runs `verb` on issue 7 with a tracker whose issue is `42`; returns the outcome and
/// the tracker calls made.
fn verb(
    store: &FakeSync,
    trackers: &FakeTrackers,
    key: &SecretKey,
    verb: WorkflowVerb,
    req: &WorkflowRequest,
) -> (CoreResult<aiops_types::WorkflowResult>, Vec<String>) {
    *trackers.0.issue.lock().unwrap() = Some(remote_issue("42", 0));
    let runtime = FakeRuntime::default();
    let sites = FakeSites::default();
    let root = Path::new("/nonexistent");
    let host = Host {
        runtime: &runtime,
        git: &NoGit,
        secret_key: key,
        workspace_root: root,
        server_url: "http://127.0.0.1:1",
        aiops_bin: "aiops",
        allow_yolo: false,
        runs_as_root: false,
        max_sessions_per_user: 1,
        default_tool: "",
        sandbox: SandboxPolicy {
            mode: SandboxMode::Off,
            homes_root: root,
            read_only: &[],
            tools: root,
        },
        sites: &sites,
        site: None,
    };
    let access = TrackerAccess { trackers, key };
    let out = run(store, access, &host, &caller(), 7, verb, req);
    (out, trackers.0.calls())
}

/// A fresh world per run: the store, a tracker, and the key the token is sealed with.
struct Fixture {
    key: SecretKey,
    store: FakeSync,
    trackers: FakeTrackers,
}

impl Fixture {
    fn new() -> Self {
        let key = SecretKey::generate();
        let store = world(&key);
        Self {
            key,
            store,
            trackers: FakeTrackers::default(),
        }
    }

    /// [`verb`] in this world.
    fn run(
        &self,
        v: WorkflowVerb,
        req: &WorkflowRequest,
    ) -> (CoreResult<aiops_types::WorkflowResult>, Vec<String>) {
        verb(&self.store, &self.trackers, &self.key, v, req)
    }
}

/// Claim assigns the issue to the caller's identity at the tracker, then starts
/// progress there; each answer is stored.
#[test]
fn claim_assigns_then_starts_progress() {
    let f = Fixture::new();
    let (out, calls) = f.run(WorkflowVerb::Claim, &ask(None, None));
    let done = out.unwrap();
    assert_eq!(calls, ["assign 42 m-gh", "start_progress 42"]);
    assert_eq!(f.store.log(), ["apply 1", "apply 1"]);
    assert_eq!(done.issue.assignee.as_deref(), Some("m-gh"));
    assert_eq!(done.issue.provider_status, "In Progress");
    assert!(done.comment.is_none() && done.commit.is_none());
}

/// Progress posts one comment: the message and the extra comment, a blank line apart.
#[test]
fn progress_posts_the_message_and_comment() {
    let f = Fixture::new();
    let req = ask(Some(" tests pass "), Some("next: docs"));
    let (out, calls) = f.run(WorkflowVerb::Progress, &req);
    let posted = out.unwrap().comment.unwrap();
    assert_eq!(
        calls,
        ["add_comment 42: **Progress:** tests pass\n\nnext: docs"]
    );
    assert_eq!(posted.author_user_id, Some(2));
    assert_eq!(
        f.store.log(),
        ["put_comment 7: **Progress:** tests pass\n\nnext: docs"]
    );
}

/// Approve needs no message; with none it says so plainly.
#[test]
fn approve_without_a_message_says_ready_for_review() {
    let f = Fixture::new();
    let (out, calls) = f.run(WorkflowVerb::Approve, &ask(None, None));
    assert!(out.is_ok());
    assert_eq!(calls, ["add_comment 42: **Ready for review.**"]);
}

/// Complete comments first, then closes.
#[test]
fn complete_comments_then_closes() {
    let f = Fixture::new();
    let (out, calls) = f.run(WorkflowVerb::Complete, &ask(Some("shipped"), None));
    let done = out.unwrap();
    assert_eq!(
        calls,
        [
            "add_comment 42: **Completed:** shipped",
            "set_status 42 closed"
        ]
    );
    assert_eq!(done.issue.status, IssueStatus::Closed);
    assert!(done.comment.is_some());
}

/// A verb that needs a message (progress without a comment either, submit, complete)
/// is `Invalid` without one (blank counts as none) and reaches no tracker.
#[test]
fn a_verb_needing_a_message_runs_nothing_without_one() {
    for v in [
        WorkflowVerb::Progress,
        WorkflowVerb::Submit,
        WorkflowVerb::Complete,
    ] {
        let f = Fixture::new();
        let (out, calls) = f.run(v, &ask(Some("  "), None));
        let err = out.unwrap_err();
        assert!(
            matches!(&err, CoreError::Invalid { message, .. } if message.contains("needs a message")),
            "{v:?}: {err:?}"
        );
        assert!(calls.is_empty(), "{v:?}: {calls:?}");
        assert!(f.store.log().is_empty(), "{v:?}: {:?}", f.store.log());
    }
}

/// Submit naming another project than the issue's is `Invalid` before any commit (the
/// git fake would panic on one).
#[test]
fn submit_to_another_project_is_refused_before_committing() {
    let f = Fixture::new();
    let req = WorkflowRequest {
        project: Some(11),
        ..ask(Some("fix"), None)
    };
    let (out, calls) = f.run(WorkflowVerb::Submit, &req);
    let err = out.unwrap_err();
    assert!(
        matches!(&err, CoreError::Invalid { message, .. }
            if message.contains("acme/web (id 10), not in project 11")),
        "{err:?}"
    );
    assert!(calls.is_empty() && f.store.log().is_empty());
}

/// Nothing after a failed step runs: a claim whose assignment fails does not start
/// progress, a completion whose comment fails does not close.
#[test]
fn nothing_runs_after_a_failed_step() {
    let limited = TrackerError::RateLimited {
        retry_after_secs: 9,
    };
    for (v, failing, made) in [
        (WorkflowVerb::Claim, "assign", "assign 42 m-gh"),
        (
            WorkflowVerb::Complete,
            "add_comment",
            "add_comment 42: **Completed:** done",
        ),
    ] {
        let f = Fixture::new();
        *f.trackers.0.fail.lock().unwrap() = Some((failing, limited.clone()));
        let (out, calls) = f.run(v, &ask(Some("done"), None));
        let err = out.unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::RateLimited {
                    retry_after_secs: 9
                }
            ),
            "{v:?}: {err:?}"
        );
        assert_eq!(calls, [made], "{v:?}");
        assert!(f.store.log().is_empty(), "{v:?}: {:?}", f.store.log());
    }
}
