//! The initial prompt a tool that takes one (`prompt = argument`) is started with: the
//! default names the issue's context file when working on an issue; a session without
//! an issue has neither, so its tool starts with no prompt unless one is given. The
//! prompt always follows `--`, so it can never be read as one of the tool's options. A
//! respawn resumes Claude's and Codex's conversations instead of prompting again.

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

#[test]
fn a_respawn_resumes_claude_and_codex_conversations_instead_of_prompting_again() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let agent = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/fixtures/args-agent.sh")
        .display()
        .to_string();
    for (name, kind) in [("claudeargs", "claude"), ("codexargs", "codex")] {
        let out = server.cli(
            &[
                "tools",
                "set",
                name,
                "--command",
                &agent,
                "--prompt",
                "argument",
                "--kind",
                kind,
            ],
            None,
        );
        assert_success(&out, &format!("tools set {name}"));
    }
    let default = "Read AGENTS.override.md and resolve the issue.";

    let issue = demo_issue(&server, "Resumed by Claude");
    let issue = issue["id"].as_i64().unwrap().to_string();
    let (session, argv) = run_to_exit(&server, &["issues", "work", &issue, "--tool", "claudeargs"]);
    assert_eq!(argv, ["--", default]);
    let id = session["id"].to_string();
    // Claude kept no conversation here (this stand-in never writes one): `--continue`
    // would make Claude exit at once, so it starts afresh, and without the prompt again.
    let argv = respawn_to_exit(&server, &session);
    assert!(argv.is_empty(), "nothing to continue: {argv:?}");
    // Where Claude Code keeps a conversation of this directory in the user's tool home.
    let worktree = session["worktree_path"].as_str().unwrap();
    let folder: String = worktree
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let projects = server
        .data_dir
        .join("homes")
        .join(session["user_id"].to_string())
        .join(".claude/projects")
        .join(folder);
    std::fs::create_dir_all(&projects).unwrap();
    std::fs::write(projects.join("5f0c.jsonl"), "{}\n").unwrap();
    let argv = respawn_to_exit(&server, &session);
    assert_eq!(
        argv,
        ["--continue"],
        "session {id} continues, no prompt again"
    );

    let issue = demo_issue(&server, "Resumed by Codex");
    let issue = issue["id"].as_i64().unwrap().to_string();
    let (session, argv) = run_to_exit(&server, &["issues", "work", &issue, "--tool", "codexargs"]);
    assert!(
        argv.ends_with(&["--".to_owned(), default.to_owned()]),
        "{argv:?}"
    );
    let argv = respawn_to_exit(&server, &session);
    assert!(
        argv.ends_with(&["resume".to_owned(), "--last".to_owned()])
            && !argv.contains(&"--".to_owned()),
        "codex resumes its last session of the directory: {argv:?}"
    );
}

/// Respawns `session`, waits until its tool exited again, and returns the tool's argv.
fn respawn_to_exit(server: &ServerProcess, session: &serde_json::Value) -> Vec<String> {
    let id = session["id"].to_string();
    let respawned = json(server, &["sessions", "respawn", &id]);
    assert_ne!(respawned["state"], "exited", "respawned: {respawned}");
    wait_state(server, session["id"].as_i64().unwrap(), "exited");
    started_with(session)
}
