//! MCP wired into sessions (issue 21): a project's own MCP server (a tiny stdio server
//! written for the test) in the session's Claude Code (`.mcp.json`) and Codex (`-c
//! mcp_servers…`) configs with its secret in the process environment only; `aiops mcp
//! servers test`; the per-project switch; and the real Claude Code calling
//! `mcp__aiops__issue_comment` against the fake model.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiops_fakes::model::ToolCall;
use serde_json::{Value, json};

use crate::common::{
    ServerProcess, assert_success, files_under, json as cli_json, text, wait_until,
};
use crate::sessions::{demo_issue, project_on, seeded_repo, session, wait_state, work};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// Waits for `file` in `dir` and returns its text.
fn wait_file(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    let mut out = String::new();
    let there = wait_until(Duration::from_secs(30), || {
        out = std::fs::read_to_string(&path).unwrap_or_default();
        out.ends_with('\n')
    });
    assert!(there, "{} was written by the stand-in", path.display());
    out
}

fn sha256(input: &str) -> String {
    let mut cmd = std::process::Command::new("sha256sum");
    cmd.stdin(std::process::Stdio::piped());
    let out = crate::common::run(cmd, Some(input));
    text(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn a_project_mcp_server_reaches_claude_and_codex_with_its_secret_in_the_environment_only() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let secret = format!("tiny-secret-{}-{nanos}", std::process::id());
    let added = {
        let mut cmd = server.command(&[
            "mcp",
            "servers",
            "add",
            "--project",
            "acme/demo",
            "--name",
            "tiny",
            "--env",
            "TINY_SECRET",
            "-o",
            "json",
            "--",
            "python3",
            &fixture("tiny-mcp-server.py"),
        ]);
        cmd.env_remove("TINY_SECRET");
        let out = crate::common::run(cmd, Some(&format!("TINY_SECRET={secret}\n")));
        assert_success(&out, "mcp servers add");
        serde_json::from_slice::<Value>(&out.stdout).expect("the new server as JSON")
    };
    assert_eq!(
        added["env"],
        json!(["TINY_SECRET"]),
        "only the name is shown: {added}"
    );
    assert!(!added.to_string().contains(&secret));
    let listed = cli_json(
        &server,
        &["mcp", "servers", "list", "--project", "acme/demo"],
    );
    assert_eq!(listed[0]["name"], "tiny", "{listed}");
    let tested = cli_json(
        &server,
        &["mcp", "servers", "test", &added["id"].to_string()],
    );
    assert_eq!(
        tested["tools"],
        json!(["secret_ok"]),
        "the server got its secret: {tested}"
    );

    let standin = fixture("mcp-standin.sh");
    for (tool, kind) in [("mcpclaude", "claude"), ("mcpcodex", "codex")] {
        let out = server.cli(
            &["tools", "set", tool, "--command", &standin, "--kind", kind],
            None,
        );
        assert_success(&out, "tools set");
    }
    let mut worktrees = Vec::new();
    for tool in ["mcpclaude", "mcpcodex"] {
        let issue = demo_issue(&server, &format!("MCP for {tool}"));
        let s = work(&server, &issue, tool);
        wait_state(&server, s["id"].as_i64().unwrap(), "running");
        let wt = PathBuf::from(s["worktree_path"].as_str().unwrap());
        let digest = wait_file(&wt, "secret.sha");
        assert_eq!(
            digest.trim(),
            sha256(&secret),
            "{tool}: the secret is in its environment"
        );
        let context = std::fs::read_to_string(wt.join("AGENTS.override.md")).unwrap();
        assert!(
            context.contains("`aiops`") && context.contains("`tiny`"),
            "{context}"
        );
        worktrees.push(wt);
    }
    // Claude Code: `.mcp.json` names the variables, the local settings approve both.
    let claude = &worktrees[0];
    let mcp: Value =
        serde_json::from_str(&std::fs::read_to_string(claude.join(".mcp.json")).unwrap()).unwrap();
    let servers = &mcp["mcpServers"];
    assert_eq!(servers["tiny"]["command"], "python3", "{mcp}");
    assert_eq!(
        servers["tiny"]["env"]["TINY_SECRET"], "${TINY_SECRET:-}",
        "{mcp}"
    );
    assert_eq!(servers["aiops"]["args"], json!(["mcp"]), "{mcp}");
    assert_eq!(
        servers["aiops"]["env"]["AIOPS_API_KEY"], "${AIOPS_API_KEY:-}",
        "{mcp}"
    );
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(claude.join(".claude/settings.local.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        settings["enabledMcpjsonServers"],
        json!(["aiops", "tiny"]),
        "{settings}"
    );
    let status = crate::sessions::git(claude, &["status", "--porcelain", "--ignored=no"]);
    assert!(
        !status.contains(".mcp.json"),
        "git ignores .mcp.json: {status}"
    );
    // Codex: `-c` overrides forward the variable by name.
    let argv = wait_file(&worktrees[1], "argv.txt");
    assert!(
        argv.contains("mcp_servers.tiny.env_vars=[\"TINY_SECRET\"]"),
        "{argv}"
    );
    assert!(argv.contains("mcp_servers.aiops.args=[\"mcp\"]"), "{argv}");
    assert!(!argv.contains(&secret), "the secret is not an argument");
    // Nowhere on disk in clear: the data dir (database, logs, homes, workspaces).
    for f in files_under(&server.data_dir) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&secret),
            "{} holds the secret in clear",
            f.display()
        );
    }

    // The project's switch: no aiops server for sessions started after it.
    let off = cli_json(&server, &["mcp", "project", "acme/demo", "--aiops", "off"]);
    assert_eq!(off["aiops"], false);
    let issue = demo_issue(&server, "Without aiops's MCP");
    let s = work(&server, &issue, "mcpclaude");
    wait_state(&server, s["id"].as_i64().unwrap(), "running");
    let wt = PathBuf::from(s["worktree_path"].as_str().unwrap());
    wait_file(&wt, "secret.sha");
    let mcp = std::fs::read_to_string(wt.join(".mcp.json")).unwrap();
    assert!(
        !mcp.contains("\"aiops\"") && mcp.contains("\"tiny\""),
        "{mcp}"
    );

    // Removing it: later sessions no longer get it.
    let out = server.cli(
        &["mcp", "servers", "remove", &added["id"].to_string()],
        None,
    );
    assert_success(&out, "mcp servers remove");
    assert_eq!(
        cli_json(&server, &["mcp", "servers", "list", "--tenant", "acme"]),
        json!([])
    );
}

#[test]
fn claude_code_calls_aiops_issue_comment_over_mcp_in_its_session() {
    let s = crate::agents_real::claude_scene("claude-mcp");
    // Claude Code defers MCP tools behind its ToolSearch tool by default; the fake model
    // calls the tool by name at once, as a model that found it would.
    s.use_program(
        "claude",
        &crate::agents_real::installed("npm/node_modules/.bin/claude"),
        &[
            ("ANTHROPIC_BASE_URL", s.model.url().to_owned()),
            ("ENABLE_TOOL_SEARCH", "false".to_owned()),
        ],
    );
    s.model.state().tool_call = Some(ToolCall {
        name: "mcp__aiops__issue_comment".into(),
        input: json!({ "body": "commented by Claude Code through MCP" }),
    });
    let id = s.work("claude");
    let issue = session(&s.server, id)["issue_id"]
        .as_i64()
        .expect("the session's issue");
    let client = s.server.admin_client();
    let rt = crate::common::runtime();
    let mut bodies = Vec::new();
    // Claude Code connects its MCP servers in the background: on a loaded machine its
    // first turn may go out before `aiops mcp` answered. Like a user, the test then asks
    // again (at most twice) once the turn ended without the tool on offer.
    let mut nudges = 0;
    let landed = wait_until(Duration::from_secs(120), || {
        let offered = s
            .model
            .state()
            .calls
            .iter()
            .any(|c| c.body.contains("\"mcp__aiops__issue_comment\""));
        if !offered && nudges < 2 && session(&s.server, id)["state"] == "waiting" {
            nudges += 1;
            let line = "Comment on the issue with the aiops tool.";
            let out = s
                .server
                .cli(&["sessions", "send", &id.to_string(), line], None);
            assert_success(&out, "sessions send");
        }
        bodies = rt
            .block_on(client.list_comments(issue, &Default::default()))
            .map(|p| p.items.into_iter().map(|c| c.body).collect())
            .unwrap_or_default();
        bodies
            .iter()
            .any(|b| b == "commented by Claude Code through MCP")
    });
    let offered: Vec<Vec<String>> = s
        .model
        .state()
        .calls
        .iter()
        .map(|c| {
            serde_json::from_str::<Value>(&c.body)
                .ok()
                .and_then(|b| b["tools"].as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .filter(|n| n.starts_with("mcp__") || n == "ToolSearch")
                .collect()
        })
        .collect();
    let wt = PathBuf::from(
        session(&s.server, id)["worktree_path"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let mcp_json = std::fs::read_to_string(wt.join(".mcp.json")).unwrap_or_default();
    assert!(
        landed,
        "the comment landed on issue {issue} ({nudges} nudges): {bodies:?}\nMCP tools offered per request: \
         {offered:?}\n.mcp.json: {mcp_json}\n{}",
        s.report(id)
    );
}

#[test]
fn codex_started_by_issues_work_offers_the_model_aiops_tools() {
    // Codex (0.171) defers MCP tools: the model is told their namespaces and reaches the
    // tools through its `exec` tool. A namespace is listed once its server started (from
    // the `-c mcp_servers.aiops…` overrides, inside the sandbox) and listed its tools.
    let s = crate::agents_real::codex_scene("codex-mcp");
    let id = s.work("codex");
    let offered = wait_until(Duration::from_secs(90), || {
        s.model
            .state()
            .calls
            .iter()
            .any(|c| c.mentions("Deferred tool namespaces:\n- mcp__aiops"))
    });
    assert!(
        offered,
        "Codex started `aiops mcp` from its -c overrides and told the model about its \
         tools\n{}",
        s.report(id)
    );
}
