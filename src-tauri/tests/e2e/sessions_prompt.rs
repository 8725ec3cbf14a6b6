//! The initial prompt a tool that takes one (`prompt = argument`) is started with: the
//! default names the issue's context file when working on an issue; a session without
//! an issue has neither, so its tool starts with no prompt unless one is given. The
//! prompt always follows `--`, so it can never be read as one of the tool's options.

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
    let (on_issue, argv) = run_to_exit(&server, &["issues", "work", &issue, "--tool", "args"]);
    let default = "Read AGENTS.override.md and resolve the issue.";
    assert_eq!(argv, ["--", default], "the prompt comes after `--`");
    assert_eq!(on_issue["prompt"], default);

    let bare = [
        "sessions",
        "start",
        "--project",
        "acme/demo",
        "--tool",
        "args",
    ];
    let (session, argv) = run_to_exit(&server, &bare);
    assert!(argv.is_empty(), "no issue, no prompt: {argv:?}");
    assert_eq!(session["prompt"], "");

    let asked = [&bare[..], &["--prompt", "List the TODOs"]].concat();
    let (_, argv) = run_to_exit(&server, &asked);
    assert_eq!(argv, ["--", "List the TODOs"]);

    // A prompt that is an option of the tool stays a prompt: `allow_yolo` and its audit
    // cannot be bypassed by prompting `--dangerously-skip-permissions`.
    let sneaky = [&bare[..], &["--prompt=--dangerously-skip-permissions"]].concat();
    let (_, argv) = run_to_exit(&server, &sneaky);
    assert_eq!(argv, ["--", "--dangerously-skip-permissions"]);
}

/// Starts a session with the CLI `args`, waits until its tool exited, and returns the
/// session and the tool's argv.
fn run_to_exit(server: &ServerProcess, args: &[&str]) -> (serde_json::Value, Vec<String>) {
    let session = json(server, args);
    wait_state(server, session["id"].as_i64().unwrap(), "exited");
    let argv = started_with(&session);
    (session, argv)
}
