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
