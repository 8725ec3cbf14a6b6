//! The defaults the seed system's CLI had (issue 16): attaching at a terminal, the default
//! tool, help that teaches, and a key kept without an OS keychain.

use std::path::Path;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, json_of, text};
use crate::sessions::{demo_issue, project_on, seeded_repo, work};

#[test]
fn auto_attach_is_a_config_key_and_a_pipe_never_attaches() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let get = |key: &str| text(&server.cli(&["config", "get", key], None).stdout);
    assert_eq!(get("auto_attach").trim(), "true", "the default");
    assert_success(
        &server.cli(&["config", "set", "auto_attach", "false"], None),
        "set",
    );
    assert_eq!(get("auto_attach").trim(), "false");
    let out = server.cli(&["config", "set", "auto_attach", "maybe"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_success(
        &server.cli(&["config", "set", "auto_attach", "true"], None),
        "set",
    );
    // Not a terminal: the session is printed, not attached, even with auto_attach on.
    let issue = demo_issue(&server, "No attach in a pipe");
    let s = json(
        &server,
        &[
            "issues",
            "work",
            &issue["id"].to_string(),
            "--tool",
            "shell",
        ],
    );
    assert!(s["id"].as_i64().is_some(), "{s}");
    let s = json(
        &server,
        &[
            "sessions",
            "start",
            "--project",
            "demo",
            "--tool",
            "shell",
            "--no-attach",
        ],
    );
    assert!(s["id"].as_i64().is_some(), "{s}");
}

/// Runs `args -o json` as the admin: the JSON and stderr.
fn json_and_notes(server: &ServerProcess, args: &[&str]) -> (Value, String) {
    let mut cmd = server.command(args);
    cmd.args(["-o", "json"]);
    let out = crate::common::run(cmd, None);
    assert_success(&out, &args.join(" "));
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        text(&out.stderr),
    )
}

#[test]
fn without_tool_a_session_runs_the_users_default_then_the_servers_then_the_first_installed() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start_with(true, &[("AIOPS_DEFAULT_TOOL", "standin")]);
    project_on(&server, &repo);
    let get = || text(&server.cli(&["config", "get", "default_tool"], None).stdout);
    assert_eq!(get().trim(), "", "no preference yet");

    let one = demo_issue(&server, "Server default");
    let (s, notes) = json_and_notes(&server, &["issues", "work", &one["id"].to_string()]);
    assert_eq!(s["tool"], "standin", "{s}");
    assert!(
        notes.contains("aiops: tool standin (the server's default_tool"),
        "{notes}"
    );

    assert_success(
        &server.cli(&["config", "set", "default_tool", "shell"], None),
        "set",
    );
    assert_eq!(get().trim(), "shell", "kept on the server");
    let two = demo_issue(&server, "My default");
    let (s, notes) = json_and_notes(&server, &["issues", "work", &two["id"].to_string()]);
    assert_eq!(s["tool"], "shell", "{s}");
    assert!(
        notes.contains("aiops: tool shell (your default_tool"),
        "{notes}"
    );
    let (s, _) = json_and_notes(
        &server,
        &[
            "sessions",
            "start",
            "--project",
            "demo",
            "--tool",
            "standin",
        ],
    );
    assert_eq!(s["tool"], "standin", "--tool still decides: {s}");

    let out = server.cli(&["config", "set", "default_tool", "nope"], None);
    assert!(
        !out.status.success() && text(&out.stderr).contains("no tool `nope`"),
        "{}",
        text(&out.stderr)
    );
    assert_success(
        &server.cli(&["config", "set", "default_tool", ""], None),
        "clear",
    );
    assert_eq!(get().trim(), "", "cleared");

    // Neither the user nor the server names one: the first installed built-in.
    let bare = ServerProcess::start();
    project_on(&bare, &repo);
    let (s, notes) = json_and_notes(&bare, &["sessions", "start", "--project", "demo"]);
    let tool = s["tool"].as_str().unwrap_or_default().to_owned();
    assert!(
        ["claude", "codex", "aider", "shell"].contains(&tool.as_str()),
        "{s}"
    );
    assert!(
        notes.contains(&format!("aiops: tool {tool} (the first installed of")),
        "{notes}"
    );
}

#[test]
fn help_agents_prints_the_workflow_every_context_file_carries() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let out = server.cli_offline(&["help", "agents"], None);
    assert_success(&out, "aiops help agents");
    let guide = text(&out.stdout);
    assert!(
        guide.contains(&aiops_types::agent_guide("ISSUE", "PROJECT", "BRANCH")),
        "{guide}"
    );

    let issue = demo_issue(&server, "Guide");
    let s = work(&server, &issue, "shell");
    let wt = Path::new(s["worktree_path"].as_str().unwrap()).to_owned();
    let context = std::fs::read_to_string(wt.join("AGENTS.override.md")).unwrap();
    let filled = aiops_types::agent_guide(
        &issue["id"].to_string(),
        &format!(
            "{}/{}",
            issue["tenant_slug"].as_str().unwrap(),
            issue["project_slug"].as_str().unwrap()
        ),
        s["branch"].as_str().unwrap(),
    );
    assert!(
        context.contains(&filled),
        "the same text, filled in:\n{context}"
    );

    // Every verb's help ends with examples.
    for verb in [
        &["issues", "comment"][..],
        &["git", "commit"],
        &["workflow", "progress"],
    ] {
        let out = server.cli_offline(&[verb, &["--help"]].concat(), None);
        assert!(
            text(&out.stdout).contains("Examples:\n  aiops "),
            "{verb:?}"
        );
    }
}

#[test]
fn without_a_keychain_the_key_goes_to_a_private_file_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let server = ServerProcess::start();
    // No Secret Service reachable: what a headless server or an agent's sandbox has.
    let no_keychain = |args: &[&str]| {
        let mut cmd = server.command(args);
        cmd.env_remove("AIOPS_API_KEY").env_remove("AIOPS_URL").env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/aiops-test-bus",
        );
        cmd
    };
    let file = server.config_dir().join("aiops").join("credentials.toml");
    let login = no_keychain(&[
        "login",
        "--url",
        &server.url,
        "--email",
        crate::common::ADMIN_EMAIL,
        "--password-stdin",
    ]);
    let out = crate::common::run(login, Some(&format!("{}\n", crate::common::ADMIN_PASSWORD)));
    assert_success(
        &out,
        "login without a keychain and without --insecure-store",
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: no OS keychain") && err.contains(&file.display().to_string()),
        "one warning naming the file: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    let out = crate::common::run(no_keychain(&["auth", "whoami"]), None);
    assert_success(&out, "whoami with the key from the file");
    let show = json_of(no_keychain(&["config", "show"]), None, "config show");
    assert!(
        show["credential"]
            .as_str()
            .is_some_and(|c| c.contains(&file.display().to_string())),
        "config show says where the key is: {show}"
    );

    // config set api_key: the same.
    let out = crate::common::run(
        no_keychain(&["config", "set", "api_key"]),
        Some("aiops_notarealkeybutwellformed\n"),
    );
    assert_success(&out, "config set api_key without a keychain");
    assert!(
        text(&out.stderr).contains("warning: no OS keychain"),
        "{}",
        text(&out.stderr)
    );
}
