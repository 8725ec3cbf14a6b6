//! One pull request with its mergeability and its head commit's checks, against the fake
//! GitHub: the requests made, and check runs and commit statuses counted together.

use aiops_core::tracker::{NewPullRequest, Tracker, TrackerError};
use aiops_fakes::github::{FakeCheckRun, FakeStatus};
use aiops_types::{ChecksState, PullRequestState};

use super::{REPO, TOKEN, fake, open, target};

const REPO_PATH: &str = "/repos/octo-org/hello-world";

fn run(name: &str, status: &str, conclusion: Option<&str>) -> FakeCheckRun {
    FakeCheckRun {
        name: name.into(),
        status: status.into(),
        conclusion: conclusion.map(Into::into),
    }
}

#[test]
fn an_open_pull_request_carries_mergeability_and_its_head_commits_checks() {
    let fake = fake();
    fake.state().add_branch(REPO, "aiops/1-fix");
    let gh = open(&fake, TOKEN);
    let t = target();
    let new = NewPullRequest {
        title: "Fix".into(),
        description: String::new(),
        source: "aiops/1-fix".into(),
        target: "main".into(),
        draft: false,
        assignee: None,
    };
    let n = gh.create_pull_request(&t, &new).unwrap().number;

    // No checks reported yet: none, not "pending".
    fake.clear_requests();
    let pr = gh.pull_request(&t, n).unwrap();
    assert_eq!(
        (pr.mergeable, pr.merge_status.as_deref()),
        (Some(true), Some("clean"))
    );
    assert_eq!(pr.checks, None);
    let sha = fake.state().pull(REPO, n).unwrap().head_sha.clone();
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            format!("{REPO_PATH}/pulls/{n}"),
            format!("{REPO_PATH}/commits/{sha}/check-runs"),
            format!("{REPO_PATH}/commits/{sha}/status"),
        ]
    );
    assert_eq!(fake.requests()[1].param("per_page").as_deref(), Some("100"));

    fake.state()
        .add_check_run(REPO, &sha, run("build", "completed", Some("success")));
    fake.state()
        .add_check_run(REPO, &sha, run("test", "in_progress", None));
    fake.state().add_status(
        REPO,
        &sha,
        FakeStatus {
            context: "ci/legacy".into(),
            state: "success".into(),
        },
    );
    let checks = gh.pull_request(&t, n).unwrap().checks.unwrap();
    assert_eq!(
        (checks.state, checks.total, checks.failed, checks.pending),
        (ChecksState::Pending, 3, 0, 1)
    );
    assert!(checks.url.unwrap().ends_with(&format!("/pull/{n}/checks")));

    fake.state().add_status(
        REPO,
        &sha,
        FakeStatus {
            context: "ci/lint".into(),
            state: "error".into(),
        },
    );
    let checks = gh.pull_request(&t, n).unwrap().checks.unwrap();
    assert_eq!((checks.state, checks.failed), (ChecksState::Failure, 1));

    // Conflicts: GitHub says not mergeable, and why.
    fake.state().pull_mut(REPO, n).unwrap().mergeable = false;
    let pr = gh.pull_request(&t, n).unwrap();
    assert_eq!(
        (pr.mergeable, pr.merge_status.as_deref()),
        (Some(false), Some("dirty"))
    );
}

#[test]
fn a_closed_pull_request_asks_no_checks_and_an_unknown_one_is_not_found() {
    let fake = fake();
    fake.state().add_branch(REPO, "b1");
    let gh = open(&fake, TOKEN);
    let t = target();
    let new = NewPullRequest {
        title: "B1".into(),
        description: String::new(),
        source: "b1".into(),
        target: "main".into(),
        draft: false,
        assignee: None,
    };
    let n = gh.create_pull_request(&t, &new).unwrap().number;
    gh.close_pull_request(&t, n).unwrap();
    fake.clear_requests();
    let pr = gh.pull_request(&t, n).unwrap();
    assert_eq!(pr.state, PullRequestState::Closed);
    assert_eq!((pr.mergeable, pr.checks), (None, None));
    assert_eq!(
        fake.requests().len(),
        1,
        "a closed pull request needs no checks"
    );

    match gh.pull_request(&t, 99) {
        Err(TrackerError::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}
