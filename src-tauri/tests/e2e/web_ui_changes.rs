//! The session's Changes panel in a real browser (issue 20, items 1–3):
//! `tests/e2e/ui/changes_flow.cjs` against a live server whose scripted agent
//! (`fixtures/changes-agent.sh`) commits one file and edits two more while the page is
//! open — the panel shows each change from its `session.git` event without a click;
//! a review comment on a line is sent and typed into the agent's pane; then stage,
//! commit and push from the ship row (checked in the worktree and the bare origin),
//! the open-PR button's reason for a project without a code-host link, and the issue
//! closed.

use std::path::Path;

use crate::common::{ServerProcess, assert_success};
use crate::web_ui::{ADMIN, spec};

#[test]
fn changes_panel_live_review_to_the_agent_and_stage_commit_push_close() {
    let (_repo_dir, repo) = crate::sessions::seeded_repo();
    let server = ServerProcess::start();
    let agent = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/fixtures/changes-agent.sh");
    assert_success(
        &server.cli(
            &[
                "tools",
                "set",
                "changer",
                "--command",
                agent.to_str().unwrap(),
            ],
            None,
        ),
        "tools set changer",
    );
    spec(
        &server,
        "changes_flow",
        &[&ADMIN[..], &[("AIOPS_REPO", repo.to_str().unwrap())]].concat(),
    );
}

/// With the project linked to (fake) GitHub: the ship row opens the pull request
/// (title and `Closes #1` from the issue, the commits listed), merges it with the
/// project's method and closes the issue, each checked at the fake.
#[test]
fn changes_panel_opens_merges_the_pull_request_and_closes_the_issue_at_the_fake_github() {
    use aiops_fakes::github::{self, FakeCheckRun, GitHubState};
    const TOKEN: &str = "ghp_e2eChangesPanel0123456789abcdef";
    let fake = github::start();
    {
        let mut s = fake.state();
        s.add_token(TOKEN, "aiops-bot");
        s.add_repo("acme/web");
        s.seed_issues("acme/web", 1);
    }
    let l = crate::trackers::linked("github", fake.url(), TOKEN, None, "acme/web");
    let (_repo_dir, bare) = crate::sessions::seeded_repo();
    l.json(&[
        "projects",
        "update",
        &l.project,
        "--repo-url",
        bare.to_str().unwrap(),
    ]);
    l.sync();
    let agent = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/fixtures/changes-agent.sh");
    assert_success(
        &l.cli(&[
            "tools",
            "set",
            "changer",
            "--command",
            agent.to_str().unwrap(),
        ]),
        "tools set changer",
    );
    let issue = crate::trackers::id_of(&l.issue("#1"));
    let s = l.json(&["issues", "work", &issue, "--tool", "changer"]);
    let sid = crate::trackers::id_of(&s);
    // The fake models no commits: it learns the branch the push will create.
    let branch = s["branch"].as_str().unwrap();
    fake.state().add_branch("acme/web", branch);
    // CI on the branch's head: one check done, one running.
    let head = GitHubState::branch_head_sha("acme/web", branch);
    for (name, status, conclusion) in [
        ("build", "completed", Some("success")),
        ("test", "in_progress", None),
    ] {
        fake.state().add_check_run(
            "acme/web",
            &head,
            FakeCheckRun {
                name: name.into(),
                status: status.into(),
                conclusion: conclusion.map(Into::into),
            },
        );
    }
    spec(
        &l.server,
        "changes_pr",
        &[
            &ADMIN[..],
            &[
                ("AIOPS_REPO", bare.to_str().unwrap()),
                ("AIOPS_SESSION", &sid),
                ("AIOPS_ISSUE", &issue),
            ],
        ]
        .concat(),
    );
    let st = fake.state();
    // GitHub numbers pull requests after issues (the seeded issue is #1).
    let pull = st
        .pull("acme/web", 2)
        .expect("the pull request at the fake");
    let body = pull.request.as_ref().unwrap()["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        body.contains("Closes #1"),
        "the body links the issue: {body}"
    );
    assert!(
        body.contains("- Describe the demo"),
        "the body lists the commits: {body}"
    );
    assert_eq!(
        st.merges()
            .iter()
            .map(|m| m.method.clone())
            .collect::<Vec<_>>(),
        vec!["merge".to_owned()],
        "merged once, with the project's method"
    );
    assert_eq!(
        st.issue("acme/web", 1).unwrap().state,
        "closed",
        "the issue is closed at GitHub"
    );
}
