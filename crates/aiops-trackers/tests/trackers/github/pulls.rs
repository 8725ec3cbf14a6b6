//! Pull requests of the GitHub provider against the fake GitHub: what each verb sends,
//! what the fake ends up holding, and GitHub's refusals as `TrackerError`s.

use aiops_core::tracker::{MergeOptions, NewPullRequest, Tracker, TrackerError};
use aiops_fakes::Fake;
use aiops_fakes::github::GitHubState;
use aiops_types::{MergeMethod, Provider, PullRequestState};
use serde_json::json;

use super::{REPO, TOKEN, fake, open, target};

const REPO_PATH: &str = "/repos/octo-org/hello-world";
const PULLS: &str = "/repos/octo-org/hello-world/pulls";

fn new_pr(source: &str) -> NewPullRequest {
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

/// A fake with branches `b1`… `bn` and an open pull request from each into `main`,
/// numbered 1… n; the fake's request log starts empty.
fn with_pulls(n: u64) -> Fake<GitHubState> {
    let fake = fake();
    let gh = open(&fake, TOKEN);
    for i in 1..=n {
        fake.state().add_branch(REPO, &format!("b{i}"));
        let pr = gh.create_pull_request(&target(), &new_pr(&format!("b{i}")));
        assert_eq!(pr.unwrap().number, i);
    }
    fake.clear_requests();
    fake
}

fn numbers(prs: &[aiops_types::PullRequest]) -> Vec<u64> {
    prs.iter().map(|p| p.number).collect()
}

#[test]
fn create_sends_the_documented_body_then_assigns() {
    let fake = fake();
    fake.state().seed_issues(REPO, 2);
    fake.state().add_user("bob");
    fake.state().add_branch(REPO, "aiops/3-fix");
    let gh = open(&fake, TOKEN);

    let pr = gh
        .create_pull_request(
            &target(),
            &NewPullRequest {
                title: "Fix the crash".into(),
                description: "Closes #1\n\nDetails.".into(),
                source: "aiops/3-fix".into(),
                target: "main".into(),
                draft: true,
                assignee: Some("bob".into()),
            },
        )
        .unwrap();

    assert_eq!(pr.number, 3, "pull requests share the issues' numbers");
    assert_eq!(pr.provider, Provider::Github);
    assert_eq!(pr.state, PullRequestState::Open);
    assert!(pr.draft);
    assert_eq!(
        (pr.source.as_str(), pr.target.as_str()),
        ("aiops/3-fix", "main")
    );
    assert_eq!(pr.author.as_deref(), Some("alice"), "the token's login");
    assert_eq!(pr.assignees, ["bob"], "taken from the assignees answer");
    assert_eq!(pr.description, "Closes #1\n\nDetails.");
    assert_eq!(pr.url, "https://github.com/octo-org/hello-world/pull/3");
    assert_eq!(pr.merge_commit, None);

    let st = fake.state();
    assert_eq!(
        st.pull(REPO, 3).unwrap().request,
        Some(json!({
            "title": "Fix the crash", "head": "aiops/3-fix", "base": "main",
            "body": "Closes #1\n\nDetails.", "draft": true
        })),
        "the create body as GitHub documents it"
    );
    assert_eq!(st.issue(REPO, 3).unwrap().assignees, ["bob"]);
    drop(st);
    let calls: Vec<(String, String)> = fake
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST".to_owned(), PULLS.to_owned()),
            ("POST".to_owned(), format!("{REPO_PATH}/issues/3/assignees")),
        ]
    );
}

#[test]
fn listing_filters_by_state_newest_first() {
    let fake = with_pulls(4);
    fake.state().seed_issues(REPO, 2);
    let gh = open(&fake, TOKEN);
    let t = target();
    gh.merge_pull_request(&t, 1, &merge(MergeMethod::Merge))
        .unwrap();
    gh.close_pull_request(&t, 2).unwrap();
    fake.clear_requests();

    let all = gh.pull_requests(&t, None, 50).unwrap();
    assert_eq!(
        numbers(&all),
        [4, 3, 2, 1],
        "issues 5 and 6 are not pull requests"
    );
    let first = &fake.requests()[0];
    assert_eq!(first.path, PULLS);
    assert_eq!(first.param("state").as_deref(), Some("all"));
    assert_eq!(first.param("sort").as_deref(), Some("created"));
    assert_eq!(first.param("direction").as_deref(), Some("desc"));
    assert_eq!(first.param("per_page").as_deref(), Some("50"));

    let open_ = gh
        .pull_requests(&t, Some(PullRequestState::Open), 50)
        .unwrap();
    assert_eq!(numbers(&open_), [4, 3]);
    let merged = gh
        .pull_requests(&t, Some(PullRequestState::Merged), 50)
        .unwrap();
    assert_eq!(numbers(&merged), [1]);
    assert_eq!(merged[0].state, PullRequestState::Merged);
    let closed = gh
        .pull_requests(&t, Some(PullRequestState::Closed), 50)
        .unwrap();
    assert_eq!(numbers(&closed), [2], "closed without merging");
    assert_eq!(
        fake.requests()[2].param("state").as_deref(),
        Some("closed"),
        "GitHub has no merged state: merged ones are listed as closed"
    );
    assert_eq!(numbers(&gh.pull_requests(&t, None, 2).unwrap()), [4, 3]);
    assert!(gh.pull_requests(&t, None, 0).unwrap().is_empty());
}

#[test]
fn a_filtered_listing_pages_until_it_has_enough() {
    let fake = fake();
    fake.state().seed_pull_requests(REPO, 105);
    let gh = open(&fake, TOKEN);
    let t = target();
    gh.merge_pull_request(&t, 2, &merge(MergeMethod::Squash))
        .unwrap();
    for n in 3..=105 {
        gh.close_pull_request(&t, n).unwrap();
    }
    fake.clear_requests();

    let merged = gh
        .pull_requests(&t, Some(PullRequestState::Merged), 5)
        .unwrap();
    assert_eq!(numbers(&merged), [2]);
    assert_eq!(
        fake.count("GET", PULLS),
        2,
        "the first page holds 100 closed-unmerged ones; #2 is on the second"
    );
    assert_eq!(fake.requests()[0].param("per_page").as_deref(), Some("100"));
    fake.clear_requests();
    let newest = gh.pull_requests(&t, None, 104).unwrap();
    assert_eq!(newest.len(), 104);
    assert_eq!((newest[0].number, newest[103].number), (105, 2));
    assert_eq!(fake.count("GET", PULLS), 2, "100 per page, then 4 more");
}

#[test]
fn each_merge_method_reaches_github_with_its_message() {
    let fake = with_pulls(3);
    let gh = open(&fake, TOKEN);
    let t = target();
    let with = |method, message: &str| MergeOptions {
        method,
        delete_branch: false,
        message: Some(message.into()),
    };

    let one = gh
        .merge_pull_request(&t, 1, &with(MergeMethod::Merge, "Merge b1\n\nCloses #1"))
        .unwrap();
    let two = gh
        .merge_pull_request(&t, 2, &with(MergeMethod::Squash, "Squash b2"))
        .unwrap();
    let three = gh
        .merge_pull_request(&t, 3, &with(MergeMethod::Rebase, "ignored"))
        .unwrap();

    let st = fake.state();
    let m = st.merges();
    assert_eq!(m.len(), 3);
    assert_eq!((m[0].number, m[0].method.as_str()), (1, "merge"));
    assert_eq!(m[0].commit_title.as_deref(), Some("Merge b1"));
    assert_eq!(m[0].commit_message.as_deref(), Some("Closes #1"));
    assert_eq!((m[1].number, m[1].method.as_str()), (2, "squash"));
    assert_eq!(m[1].commit_title.as_deref(), Some("Squash b2"));
    assert_eq!(
        m[1].commit_message, None,
        "a one-line message is just the title"
    );
    assert_eq!((m[2].number, m[2].method.as_str()), (3, "rebase"));
    assert_eq!(
        m[2].commit_title, None,
        "a rebase makes no commit of its own"
    );
    assert_eq!(m[0].by, "alice");
    for (pr, merge) in [(&one, &m[0]), (&two, &m[1]), (&three, &m[2])] {
        assert_eq!(pr.state, PullRequestState::Merged);
        assert_eq!(
            pr.merge_commit.as_deref(),
            Some(merge.merge_commit_sha.as_str())
        );
        assert!(st.pull(REPO, pr.number).unwrap().merged_at.is_some());
        assert_eq!(st.issue(REPO, pr.number).unwrap().state, "closed");
    }
    assert!(st.has_branch(REPO, "b1"), "no delete_branch, no deletion");
    drop(st);
    assert_eq!(fake.count("DELETE", REPO_PATH), 0);
}

#[test]
fn delete_branch_deletes_the_encoded_head_ref_after_the_merge() {
    let fake = fake();
    let branch = "aiops/7-c#sharp";
    fake.state().add_branch(REPO, branch);
    let gh = open(&fake, TOKEN);
    let t = target();
    let pr = gh.create_pull_request(&t, &new_pr(branch)).unwrap();
    fake.clear_requests();

    let merged = gh
        .merge_pull_request(
            &t,
            pr.number,
            &MergeOptions {
                method: MergeMethod::Squash,
                delete_branch: true,
                message: None,
            },
        )
        .unwrap();

    assert_eq!(merged.state, PullRequestState::Merged);
    assert!(!fake.state().has_branch(REPO, branch), "the head is gone");
    assert!(fake.state().has_branch(REPO, "main"));
    let calls: Vec<(String, String)> = fake
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        calls,
        [
            ("PUT".to_owned(), format!("{PULLS}/1/merge")),
            ("GET".to_owned(), format!("{PULLS}/1")),
            (
                "DELETE".to_owned(),
                format!("{REPO_PATH}/git/refs/heads/aiops/7-c%23sharp")
            ),
        ],
        "merge, read back, then delete the ref segment by segment"
    );
}

#[test]
fn a_head_github_deleted_itself_is_not_an_error() {
    let fake = with_pulls(1);
    fake.state().set_delete_branch_on_merge(REPO, true);
    let gh = open(&fake, TOKEN);
    let merged = gh.merge_pull_request(
        &target(),
        1,
        &MergeOptions {
            method: MergeMethod::Merge,
            delete_branch: true,
            message: None,
        },
    );
    assert_eq!(merged.unwrap().state, PullRequestState::Merged);
    let delete = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("the provider still asks");
    assert_eq!(delete.status, 422, "GitHub: Reference does not exist");
    assert!(!fake.state().has_branch(REPO, "b1"));
}

#[test]
fn close_closes_without_merging() {
    let fake = with_pulls(1);
    let gh = open(&fake, TOKEN);
    let closed = gh.close_pull_request(&target(), 1).unwrap();
    assert_eq!(closed.state, PullRequestState::Closed);
    assert_eq!(closed.merge_commit, None);
    assert_eq!(fake.state().issue(REPO, 1).unwrap().state, "closed");
    assert_eq!(fake.state().pull(REPO, 1).unwrap().merged_at, None);
    assert_eq!(fake.count("PATCH", &format!("{PULLS}/1")), 1);
}

#[test]
fn unmergeable_pull_requests_are_invalid_with_githubs_message() {
    let fake = with_pulls(4);
    let gh = open(&fake, TOKEN);
    let t = target();
    gh.close_pull_request(&t, 1).unwrap();
    fake.state().pull_mut(REPO, 2).unwrap().draft = true;
    fake.state().pull_mut(REPO, 3).unwrap().mergeable = false;
    fake.state().disallow_merge_method(REPO, "rebase");

    let refusal = |n, method| match gh.merge_pull_request(&t, n, &merge(method)) {
        Err(TrackerError::Invalid(m)) => m,
        other => panic!("#{n}: expected Invalid, got {other:?}"),
    };
    assert!(refusal(1, MergeMethod::Merge).contains("Pull Request is not mergeable"));
    assert!(refusal(2, MergeMethod::Merge).contains("Pull Request is still a draft"));
    assert!(refusal(3, MergeMethod::Squash).contains("Pull Request is not mergeable"));
    assert!(
        refusal(4, MergeMethod::Rebase)
            .contains("Rebase merges are not allowed on this repository.")
    );
    assert!(fake.state().merges().is_empty(), "nothing was merged");
    let merged = gh.merge_pull_request(&t, 4, &merge(MergeMethod::Merge));
    assert_eq!(merged.unwrap().state, PullRequestState::Merged);
    assert!(
        refusal(4, MergeMethod::Merge).contains("Pull Request is not mergeable"),
        "merging twice"
    );
}

#[test]
fn duplicates_and_unknown_branches_are_refused() {
    let fake = with_pulls(1);
    let gh = open(&fake, TOKEN);
    let t = target();

    let dup = gh.create_pull_request(&t, &new_pr("b1")).unwrap_err();
    assert!(
        matches!(&dup, TrackerError::Invalid(m)
            if m.contains("A pull request already exists for octo-org:b1.")),
        "{dup:?}"
    );
    let missing = gh.create_pull_request(&t, &new_pr("nowhere")).unwrap_err();
    assert!(
        matches!(&missing, TrackerError::Invalid(m) if m.contains("head")),
        "{missing:?}"
    );
    assert_eq!(fake.state().repo(REPO).unwrap().pulls.len(), 1);
    assert!(matches!(
        gh.merge_pull_request(&t, 99, &merge(MergeMethod::Merge)),
        Err(TrackerError::NotFound(_))
    ));
}

#[test]
fn a_bad_token_is_unauthorized_for_every_pull_request_verb() {
    let fake = with_pulls(1);
    let gh = open(&fake, "ghp_wrong");
    let t = target();
    let unauthorized = |r: Result<_, TrackerError>| matches!(r, Err(TrackerError::Unauthorized(_)));
    assert!(unauthorized(gh.pull_requests(&t, None, 10).map(|_| ())));
    assert!(unauthorized(
        gh.create_pull_request(&t, &new_pr("b1")).map(|_| ())
    ));
    assert!(unauthorized(
        gh.merge_pull_request(&t, 1, &merge(MergeMethod::Merge))
            .map(|_| ())
    ));
    assert!(unauthorized(gh.close_pull_request(&t, 1).map(|_| ())));
    assert_eq!(fake.state().issue(REPO, 1).unwrap().state, "open");
    assert!(fake.state().merges().is_empty());
}
