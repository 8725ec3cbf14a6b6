//! The initial prompt a tool that takes one (`prompt = argument`) is started with: the
//! default names the issue's context file when working on an issue; a session without
//! an issue has neither, so its tool starts with no prompt unless one is given.

use std::path::Path;

use crate::common::{ServerProcess, assert_success, json};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state};

/// The tool's argv as `args-agent.sh` wrote it in the session's working directory.
fn started_with(session: &serde_json::Value) -> Vec<String> {
    let dir = Path::new(
        session["worktree_path"]
            .as_str()
            .expect("a working directory"),
    );
    let out = std::fs::read_to_string(dir.join("args.out")).expect("the agent's args.out");
    out.lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn issue_work_prompts_for_the_issue_and_a_bare_session_starts_without_a_prompt() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let agent = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/fixtures/args-agent.sh")
        .display()
        .to_string();
    let out = server.cli(
        &[
            "tools",
            "set",
            "args",
            "--command",
            &agent,
            "--prompt",
            "argument",
        ],
        None,
    );
    assert_success(&out, "tools set args");

    let issue = demo_issue(&server, "Prompted");
    let issue = issue["id"].as_i64().unwrap().to_string();
    let on_issue = json(&server, &["issues", "work", &issue, "--tool", "args"]);
    wait_state(&server, on_issue["id"].as_i64().unwrap(), "exited");
    assert_eq!(
        started_with(&on_issue),
        ["Read AGENTS.override.md and resolve the issue."]
    );
    assert_eq!(
        on_issue["prompt"],
        "Read AGENTS.override.md and resolve the issue."
    );

    let bare = json(
        &server,
        &[
            "sessions",
            "start",
            "--project",
            "acme/demo",
            "--tool",
            "args",
        ],
    );
    wait_state(&server, bare["id"].as_i64().unwrap(), "exited");
    assert!(
        started_with(&bare).is_empty(),
        "no issue, no prompt: {:?}",
        started_with(&bare)
    );
    assert_eq!(bare["prompt"], "");

    let asked = json(
        &server,
        &[
            "sessions",
            "start",
            "--project",
            "acme/demo",
            "--tool",
            "args",
            "--prompt",
            "List the TODOs",
        ],
    );
    wait_state(&server, asked["id"].as_i64().unwrap(), "exited");
    assert_eq!(started_with(&asked), ["List the TODOs"]);
}
