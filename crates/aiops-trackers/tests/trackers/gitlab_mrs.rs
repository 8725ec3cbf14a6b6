//! Merge requests of the GitLab provider against the fake GitLab: what each verb sends,
//! the rebase-then-merge dance, what the fake ends up holding, and GitLab's refusals.

use std::time::Duration;

use aiops_core::tracker::{
    Connection, MergeOptions, NewPullRequest, Target, Token, Tracker, TrackerError,
};
use aiops_fakes::Fake;
use aiops_fakes::gitlab::{self, GitLabState};
use aiops_trackers::gitlab::GitLab;
use aiops_types::{ChecksState, MergeMethod, Provider, PullRequest, PullRequestState};
use serde_json::json;

const TOKEN: &str = "glpat-mr-token";
const PROJECT: &str = "acme/platform/api";
const MRS: &str = "/api/v4/projects/acme%2Fplatform%2Fapi/merge_requests";

fn fake() -> Fake<GitLabState> {
    let f = gitlab::start();
    f.state().add_token(TOKEN, "alice");
    f.state().add_project(PROJECT);
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

fn target() -> Target {
    Target {
        external: PROJECT.into(),
    }
}

fn new_mr(source: &str) -> NewPullRequest {
    NewPullRequest {
        title: format!("Work on {source}"),
        description: "Closes #1".into(),
        source: source.into(),
        target: "main".into(),
        draft: false,
        assignee: None,
    }
}

fn merge(method: MergeMethod) -> MergeOptions {
    MergeOptions {
        method,
        delete_branch: false,
        message: None,
    }
}

/// A fake with merge requests !1… !n from branches `b1`… `bn` into `main`; the request
/// log starts empty.
fn with_mrs(n: u64) -> Fake<GitLabState> {
    let f = fake();
    for i in 1..=n {
        let iid =
            f.state()
                .seed_merge_request(PROJECT, &format!("b{i}"), "main", &format!("MR {i}"));
        assert_eq!(iid, i);
    }
    f
}

fn iids(mrs: &[PullRequest]) -> Vec<u64> {
    mrs.iter().map(|m| m.number).collect()
}

#[test]
fn create_marks_drafts_by_title_and_assigns_by_id() {
    let f = fake();
    let bob = f.state().add_user("bob");
    f.state().add_branch(PROJECT, "aiops/3-fix");
    let gl = client(&f, TOKEN);

    let mr = gl
        .create_pull_request(
            &target(),
            &NewPullRequest {
                title: "Fix the crash".into(),
                description: "Closes #3".into(),
                source: "aiops/3-fix".into(),
                target: "main".into(),
                draft: true,
                assignee: Some("bob".into()),
            },
        )
        .unwrap();

    assert_eq!(mr.provider, Provider::Gitlab);
    assert_eq!(mr.number, 1);
    assert_eq!(
        mr.title, "Draft: Fix the crash",
        "GitLab's title, prefix included"
    );
    assert!(mr.draft);
    assert_eq!(mr.state, PullRequestState::Open);
    assert_eq!(
        (mr.source.as_str(), mr.target.as_str()),
        ("aiops/3-fix", "main")
    );
    assert_eq!(mr.author.as_deref(), Some("alice"));
    assert_eq!(mr.assignees, ["bob"]);
    assert_eq!(mr.url, format!("{}/{PROJECT}/-/merge_requests/1", f.url()));
    assert_eq!(
        f.state().merge_request(PROJECT, 1).unwrap().request,
        Some(json!({
            "source_branch": "aiops/3-fix", "target_branch": "main",
            "title": "Draft: Fix the crash", "description": "Closes #3", "assignee_id": bob
        }))
    );
    let calls: Vec<String> = f.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        calls,
        ["/api/v4/users", MRS],
        "the user id first, then the MR"
    );

    let again = NewPullRequest {
        title: "Draft: already".into(),
        source: "b9".into(),
        ..new_mr("b9")
    };
    f.state().add_branch(PROJECT, "b9");
    let mr = gl
        .create_pull_request(
            &target(),
            &NewPullRequest {
                draft: true,
                ..again
            },
        )
        .unwrap();
    assert_eq!(mr.title, "Draft: already", "no second prefix");
}

#[test]
fn listing_filters_by_state_newest_first() {
    let f = with_mrs(4);
    let gl = client(&f, TOKEN);
    let t = target();
    gl.merge_pull_request(&t, 1, &merge(MergeMethod::Merge))
        .unwrap();
    gl.close_pull_request(&t, 2).unwrap();
    f.clear_requests();

    let all = gl.pull_requests(&t, None, 50).unwrap();
    assert_eq!(iids(&all), [4, 3, 2, 1]);
    let first = &f.requests()[0];
    assert_eq!(first.path, MRS);
    assert_eq!(first.param("state").as_deref(), Some("all"));
    assert_eq!(first.param("order_by").as_deref(), Some("created_at"));
    assert_eq!(first.param("sort").as_deref(), Some("desc"));
    assert_eq!(first.param("per_page").as_deref(), Some("50"));

    let by = |s| iids(&gl.pull_requests(&t, Some(s), 50).unwrap());
    assert_eq!(by(PullRequestState::Open), [4, 3]);
    assert_eq!(by(PullRequestState::Merged), [1]);
    assert_eq!(by(PullRequestState::Closed), [2]);
    let states: Vec<String> = f.requests()[1..]
        .iter()
        .map(|r| r.param("state").unwrap())
        .collect();
    assert_eq!(states, ["opened", "merged", "closed"]);
    assert_eq!(iids(&gl.pull_requests(&t, None, 3).unwrap()), [4, 3, 2]);
}

#[test]
fn a_long_listing_pages_until_the_limit() {
    let f = with_mrs(130);
    let gl = client(&f, TOKEN);
    let got = gl.pull_requests(&target(), None, 120).unwrap();
    assert_eq!(got.len(), 120);
    assert_eq!((got[0].number, got[119].number), (130, 11));
    assert_eq!(f.count("GET", MRS), 2, "100 per page, then the next page");
}

#[test]
fn merge_and_squash_send_their_flags_and_messages() {
    let f = with_mrs(2);
    let gl = client(&f, TOKEN);
    let t = target();
    let with = |method, message: &str| MergeOptions {
        method,
        delete_branch: false,
        message: Some(message.into()),
    };

    let merged = gl
        .merge_pull_request(&t, 1, &with(MergeMethod::Merge, "Merge b1"))
        .unwrap();
    let squashed = gl
        .merge_pull_request(&t, 2, &with(MergeMethod::Squash, "Squash b2"))
        .unwrap();

    let st = f.state();
    let [m1, m2] = st.merges.as_slice() else {
        panic!("two merges expected: {:?}", st.merges);
    };
    assert_eq!((m1.iid, m1.squash), (1, false));
    assert_eq!(m1.merge_commit_message.as_deref(), Some("Merge b1"));
    assert_eq!(m1.squash_commit_message, None);
    assert_eq!((m2.iid, m2.squash), (2, true));
    assert_eq!(m2.squash_commit_message.as_deref(), Some("Squash b2"));
    assert_eq!(m2.merge_commit_message, None);
    assert!(!m1.should_remove_source_branch && !m2.should_remove_source_branch);
    assert_eq!(m1.by, "alice");
    assert!(st.rebases.is_empty(), "no rebase unless asked");
    let mr1 = st.merge_request(PROJECT, 1).unwrap();
    assert_eq!(merged.state, PullRequestState::Merged);
    assert_eq!(merged.merge_commit, mr1.merge_commit_sha);
    assert_eq!(squashed.state, PullRequestState::Merged);
    assert!(squashed.merge_commit.is_some());
    assert!(st.has_branch(PROJECT, "b1"), "kept without delete_branch");
}

#[test]
fn rebase_waits_for_gitlab_then_merges() {
    let f = with_mrs(1);
    f.state().rebase_polls = 2;
    let head_before = f.state().merge_request(PROJECT, 1).unwrap().sha.clone();
    let gl = client(&f, TOKEN);

    let mr = gl
        .merge_pull_request(&target(), 1, &merge(MergeMethod::Rebase))
        .unwrap();

    assert_eq!(mr.state, PullRequestState::Merged);
    let calls: Vec<(String, String, Option<String>)> = f
        .requests()
        .iter()
        .map(|r| {
            let rebase = r.param("include_rebase_in_progress");
            (r.method.clone(), r.path.clone(), rebase)
        })
        .collect();
    let read = (
        "GET".to_owned(),
        format!("{MRS}/1"),
        Some("true".to_owned()),
    );
    assert_eq!(
        calls,
        [
            ("PUT".to_owned(), format!("{MRS}/1/rebase"), None),
            read.clone(),
            read.clone(),
            read,
            ("PUT".to_owned(), format!("{MRS}/1/merge"), None),
        ],
        "polled until rebase_in_progress is false (two reads see it running)"
    );
    let st = f.state();
    assert_eq!(st.rebases, [(PROJECT.to_owned(), 1)]);
    assert_eq!(st.merges.len(), 1);
    assert!(!st.merges[0].squash);
    assert_ne!(
        st.merge_request(PROJECT, 1).unwrap().sha,
        head_before,
        "the rebased head was merged"
    );
}

#[test]
fn a_failed_rebase_is_invalid_and_nothing_is_merged() {
    let f = with_mrs(1);
    f.state()
        .merge_request_mut(PROJECT, 1)
        .unwrap()
        .rebase_fails_with = Some("Rebase failed. Please rebase locally".into());
    let gl = client(&f, TOKEN);

    let e = gl
        .merge_pull_request(&target(), 1, &merge(MergeMethod::Rebase))
        .unwrap_err();

    assert!(
        matches!(&e, TrackerError::Invalid(m) if m.contains("Rebase failed. Please rebase locally")),
        "{e:?}"
    );
    assert!(f.state().merges.is_empty());
    assert_eq!(f.count("PUT", &format!("{MRS}/1/merge")), 0);
}

#[test]
fn delete_branch_removes_the_source_branch() {
    let f = with_mrs(1);
    let gl = client(&f, TOKEN);
    let mr = gl
        .merge_pull_request(
            &target(),
            1,
            &MergeOptions {
                method: MergeMethod::Squash,
                delete_branch: true,
                message: None,
            },
        )
        .unwrap();
    assert_eq!(mr.state, PullRequestState::Merged);
    let st = f.state();
    assert!(st.merges[0].should_remove_source_branch);
    assert!(!st.has_branch(PROJECT, "b1"), "the source branch is gone");
    assert!(st.has_branch(PROJECT, "main"));
}

#[test]
fn close_closes_without_merging() {
    let f = with_mrs(1);
    let gl = client(&f, TOKEN);
    let mr = gl.close_pull_request(&target(), 1).unwrap();
    assert_eq!(mr.state, PullRequestState::Closed);
    assert_eq!(mr.merge_commit, None);
    let st = f.state();
    let stored = st.merge_request(PROJECT, 1).unwrap();
    assert_eq!(stored.state, "closed");
    assert!(stored.closed_at.is_some() && stored.merged_at.is_none());
}

#[test]
fn refusals_are_invalid_with_gitlabs_message() {
    let f = with_mrs(3);
    let gl = client(&f, TOKEN);
    let t = target();
    gl.close_pull_request(&t, 1).unwrap();
    f.state()
        .merge_request_mut(PROJECT, 2)
        .unwrap()
        .has_conflicts = true;
    f.state().merge_request_mut(PROJECT, 3).unwrap().title = "Draft: not yet".into();

    let refusal = |iid| match gl.merge_pull_request(&t, iid, &merge(MergeMethod::Merge)) {
        Err(TrackerError::Invalid(m)) => m,
        other => panic!("!{iid}: expected Invalid, got {other:?}"),
    };
    assert!(refusal(1).contains("405 Method Not Allowed"), "closed");
    assert!(refusal(2).contains("Branch cannot be merged"), "conflicts");
    assert!(refusal(3).contains("405 Method Not Allowed"), "draft");
    assert!(f.state().merges.is_empty());

    let dup = gl.create_pull_request(&t, &new_mr("b2")).unwrap_err();
    assert!(
        matches!(&dup, TrackerError::Invalid(m)
            if m.contains("409") && m.contains("Another open merge request already exists")),
        "an open MR for b2 → main exists: {dup:?}"
    );
    let missing = gl.create_pull_request(&t, &new_mr("nowhere")).unwrap_err();
    assert!(
        matches!(&missing, TrackerError::Invalid(m)
            if m.contains("422") && m.contains("does not exist")),
        "{missing:?}"
    );
    let unknown = gl.create_pull_request(
        &t,
        &NewPullRequest {
            assignee: Some("nobody".into()),
            ..new_mr("b1")
        },
    );
    assert!(
        matches!(&unknown, Err(TrackerError::Invalid(m)) if m.contains("nobody")),
        "{unknown:?}"
    );
    assert_eq!(f.state().project(PROJECT).unwrap().merge_requests.len(), 3);
}

#[test]
fn a_bad_token_is_unauthorized_for_every_merge_request_verb() {
    let f = with_mrs(1);
    let gl = client(&f, "glpat-wrong");
    let t = target();
    let unauthorized =
        |r: Result<(), TrackerError>| matches!(r, Err(TrackerError::Unauthorized(_)));
    assert!(unauthorized(gl.pull_requests(&t, None, 10).map(|_| ())));
    assert!(unauthorized(
        gl.create_pull_request(&t, &new_mr("b1")).map(|_| ())
    ));
    assert!(unauthorized(
        gl.merge_pull_request(&t, 1, &merge(MergeMethod::Rebase))
            .map(|_| ())
    ));
    assert!(unauthorized(gl.close_pull_request(&t, 1).map(|_| ())));
    let st = f.state();
    assert_eq!(st.merge_request(PROJECT, 1).unwrap().state, "opened");
    assert!(st.merges.is_empty() && st.rebases.is_empty());
}

#[test]
fn a_single_merge_request_carries_its_merge_status_and_head_pipeline() {
    let f = with_mrs(2);
    let gl = client(&f, TOKEN);
    let t = target();

    let mr = gl.pull_request(&t, 1).unwrap();
    assert_eq!(
        (mr.mergeable, mr.merge_status.as_deref()),
        (Some(true), Some("mergeable"))
    );
    assert_eq!(mr.checks, None, "no pipeline, no checks");
    assert_eq!(f.requests().last().unwrap().path, format!("{MRS}/1"));

    f.state().merge_request_mut(PROJECT, 1).unwrap().pipeline = Some("running".into());
    let checks = gl.pull_request(&t, 1).unwrap().checks.unwrap();
    assert_eq!(
        (checks.state, checks.total, checks.pending),
        (ChecksState::Pending, 1, 1)
    );
    assert!(checks.url.unwrap().contains("/-/pipelines/"));
    f.state().merge_request_mut(PROJECT, 1).unwrap().pipeline = Some("failed".into());
    assert_eq!(
        gl.pull_request(&t, 1).unwrap().checks.unwrap().state,
        ChecksState::Failure
    );

    f.state()
        .merge_request_mut(PROJECT, 2)
        .unwrap()
        .has_conflicts = true;
    let mr = gl.pull_request(&t, 2).unwrap();
    assert_eq!(
        (mr.mergeable, mr.merge_status.as_deref()),
        (Some(false), Some("conflict"))
    );
    match gl.pull_request(&t, 99) {
        Err(TrackerError::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}
