//! MCP (issue 21) with a real MCP client — the official Python SDK (PyPI `mcp`, pinned in
//! scripts/lib/mcp.sh, in a venv scripts/install-deps makes) — against `aiops mcp` over
//! stdio and `/api/mcp` over Streamable HTTP: initialize, list tools, call tools, read
//! the issue resource; effects checked through the API; a session key's scope; the HTTP
//! route's Origin and key checks.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{
    ServerProcess, assert_success, json as cli_json, run_within, text, wait_until,
};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state, work};

/// Where scripts/lib/mcp.sh makes the venv (keep the two in step).
pub fn mcp_python() -> PathBuf {
    let venv = std::env::var_os("AIOPS_MCP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache")
                });
            cache.join("aiops/mcp-venv")
        });
    let python = venv.join("bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/install-deps, which installs the MCP Python SDK pinned in \
         scripts/lib/mcp.sh (or set AIOPS_MCP_VENV)",
        python.display()
    );
    python
}

fn client_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/fixtures/mcp_client.py")
}

/// Runs the MCP client with `args` on `steps`; its JSON report (`steps`: one answer each).
fn client(server: &ServerProcess, args: &[&str], env: &[(&str, &str)], steps: Value) -> Value {
    let mut cmd = Command::new(mcp_python());
    cmd.arg(client_script()).args(args);
    cmd.env_remove("AIOPS_API_KEY")
        .env("AIOPS_URL", &server.url);
    cmd.envs(env.iter().copied());
    let out = run_within(
        cmd,
        Some(&steps.to_string()),
        std::time::Duration::from_secs(60),
    );
    assert_success(&out, &format!("the MCP client {args:?}"));
    serde_json::from_str(&text(&out.stdout)).unwrap_or_else(|e| {
        panic!(
            "the MCP client's report is JSON ({e}): {}",
            text(&out.stdout)
        )
    })
}

fn stdio(server: &ServerProcess, key: &str, steps: Value) -> Value {
    client(
        server,
        &["stdio", crate::common::AIOPS],
        &[("AIOPS_API_KEY", key)],
        steps,
    )
}

fn http(server: &ServerProcess, key: &str, steps: Value) -> Value {
    let url = format!("{}/api/mcp", server.url);
    client(server, &["http", &url, key], &[], steps)
}

/// The comments of issue `id` as the API has them.
fn comments(server: &ServerProcess, id: &str) -> Vec<String> {
    let id: i64 = id.parse().unwrap();
    let page = crate::common::runtime()
        .block_on(server.admin_client().list_comments(id, &Default::default()))
        .expect("the issue's comments");
    page.items.into_iter().map(|c| c.body).collect()
}

const TOOLS: [&str; 16] = [
    "issues_list",
    "issue_get",
    "issue_comment",
    "issue_update",
    "issue_close",
    "issue_create",
    "workflow_claim",
    "workflow_progress",
    "workflow_submit",
    "workflow_complete",
    "git_status",
    "git_diff",
    "git_commit",
    "git_push",
    "pr_create",
    "session_report",
];

#[test]
fn a_real_mcp_client_drives_aiops_over_stdio_and_http() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Typed tools");
    let id = issue["id"].to_string();
    let key = server.admin_key.clone();
    let steps = json!([
        { "op": "tools" },
        { "op": "call", "name": "issue_comment", "args": { "id": issue["id"], "body": "over stdio" } },
        { "op": "call", "name": "issues_list", "args": { "project": issue["project_id"] } },
        { "op": "read", "uri": format!("aiops://issue/{id}") },
        { "op": "call", "name": "issue_get", "args": { "id": 999_999 } },
    ]);
    for (transport, report) in [
        ("stdio", stdio(&server, &key, steps.clone())),
        ("http", {
            let mut s = steps.clone();
            s[1]["args"]["body"] = json!("over http");
            http(&server, &key, s)
        }),
    ] {
        assert_eq!(report["server"], "aiops", "{transport}: {report}");
        let steps = report["steps"].as_array().unwrap();
        let tools: Vec<&str> = steps[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(tools, TOOLS, "{transport}: every tool, in order");
        for t in steps[0].as_array().unwrap() {
            assert_eq!(t["schema"]["type"], "object", "{transport}: {t}");
            assert!(t["schema"]["properties"].is_object(), "{transport}: {t}");
            assert!(
                !t["description"].as_str().unwrap().is_empty(),
                "{transport}: {t}"
            );
        }
        assert_eq!(
            steps[1]["error"], false,
            "{transport}: the comment: {}",
            steps[1]
        );
        let listed: Value = serde_json::from_str(steps[2]["text"].as_str().unwrap()).unwrap();
        assert_eq!(
            listed["items"][0]["id"], issue["id"],
            "{transport}: issues_list: {listed}"
        );
        let read: Value = serde_json::from_str(steps[3]["text"].as_str().unwrap()).unwrap();
        assert_eq!(
            read["issue"]["id"], issue["id"],
            "{transport}: the resource: {read}"
        );
        assert!(
            read["comments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["body"] == "over stdio"),
            "{transport}: the resource has the comments: {read}"
        );
        assert_eq!(
            steps[4]["error"], true,
            "{transport}: an unknown issue: {}",
            steps[4]
        );
        assert!(
            steps[4]["text"]
                .as_str()
                .unwrap()
                .starts_with("not_found: "),
            "{}",
            steps[4]
        );
    }
    assert_eq!(
        comments(&server, &id),
        ["over stdio", "over http"],
        "both comments landed"
    );
}

#[test]
fn the_http_transport_refuses_a_foreign_origin_and_a_missing_key() {
    let server = ServerProcess::start();
    let url = format!("{}/api/mcp", server.url);
    let init = json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": { "name": "e2e", "version": "1" } } });
    crate::common::runtime().block_on(async {
        let http = reqwest::Client::new();
        let post = |key: Option<&str>, origin: Option<&str>| {
            let mut rb = http
                .post(&url)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .body(init.to_string());
            if let Some(k) = key {
                rb = rb.bearer_auth(k);
            }
            if let Some(o) = origin {
                rb = rb.header("origin", o);
            }
            rb.send()
        };
        let r = post(None, None).await.unwrap();
        assert_eq!(r.status(), 401, "no key");
        let r = post(Some("aiops_not_a_key"), None).await.unwrap();
        assert_eq!(r.status(), 401, "a wrong key");
        let r = post(Some(&server.admin_key), Some("http://evil.example"))
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "a foreign Origin");
        let r = post(Some(&server.admin_key), Some(&server.url))
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "the server's own Origin");
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/event-stream"), "an SSE answer: {ct}");
    });
}

/// The session key of a live `shell` session on `issue`, written by its pane.
pub fn session_key(server: &ServerProcess, issue: &Value) -> (Value, String) {
    let s = work(server, issue, "shell");
    let sid = s["id"].as_i64().unwrap();
    wait_state(server, sid, "running");
    let wt = PathBuf::from(s["worktree_path"].as_str().unwrap());
    let line = "printf %s \"$AIOPS_API_KEY\" > .key";
    assert_success(
        &server.cli(&["sessions", "send", &sid.to_string(), line], None),
        line,
    );
    let file = wt.join(".key");
    let mut key = String::new();
    let written = wait_until(std::time::Duration::from_secs(30), || {
        key = std::fs::read_to_string(&file).unwrap_or_default();
        key.starts_with("aiops_")
    });
    assert!(written, "the pane wrote its key to {}", file.display());
    (s, key)
}

#[test]
fn a_session_key_client_is_refused_another_projects_issue() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let repo_s = repo.display().to_string();
    let other = server.cli(
        &[
            "projects",
            "create",
            "--name",
            "other",
            "--repo-url",
            &repo_s,
            "--tenant",
            "acme",
        ],
        None,
    );
    assert_success(&other, "projects create other");
    let elsewhere = cli_json(
        &server,
        &[
            "issues",
            "create",
            "--project",
            "other",
            "--tenant",
            "acme",
            "--title",
            "Not yours",
        ],
    );
    let issue = demo_issue(&server, "Mine");
    let (session, key) = session_key(&server, &issue);
    let env = [
        ("AIOPS_API_KEY", key.as_str()),
        ("AIOPS_ISSUE_ID", &issue["id"].to_string()),
        ("AIOPS_SESSION_ID", &session["id"].to_string()),
        ("AIOPS_PROJECT_ID", &issue["project_id"].to_string()),
    ];
    let steps = json!([
        { "op": "call", "name": "issue_comment", "args": { "body": "from the session" } },
        { "op": "call", "name": "issue_get", "args": { "id": elsewhere["id"] } },
        { "op": "call", "name": "issue_comment", "args": { "id": elsewhere["id"], "body": "no" } },
        { "op": "resources" },
    ]);
    let report = client(
        &server,
        &["stdio", crate::common::AIOPS],
        &env,
        steps.clone(),
    );
    let s = report["steps"].as_array().unwrap();
    assert_eq!(
        s[0]["error"], false,
        "its own issue (the default): {}",
        s[0]
    );
    for refused in &s[1..3] {
        assert_eq!(refused["error"], true, "another project's issue: {refused}");
        let t = refused["text"].as_str().unwrap();
        assert!(
            t.starts_with("forbidden: ") || t.starts_with("not_found: "),
            "{t}"
        );
    }
    let cli = {
        let mut cmd = server.command(&["issues", "get", &elsewhere["id"].to_string()]);
        cmd.env("AIOPS_API_KEY", &key);
        crate::common::run(cmd, None)
    };
    assert!(!cli.status.success(), "the CLI is refused too");
    let cli_err = text(&cli.stderr);
    let mcp_err = s[1]["text"].as_str().unwrap();
    let message = mcp_err.split_once(": ").unwrap().1;
    assert!(
        cli_err.contains(message),
        "the same error as the CLI: {cli_err} / {mcp_err}"
    );
    let uris = s[3].as_array().unwrap();
    assert!(
        uris.contains(&json!(format!("aiops://issue/{}", issue["id"]))),
        "the session's issue is a resource: {uris:?}"
    );
    // Over HTTP, with the same key: the same refusal.
    let url = format!("{}/api/mcp", server.url);
    let report = client(&server, &["http", &url, &key], &[], json!([steps[1]]));
    assert_eq!(report["steps"][0]["error"], true, "{report}");
    assert_eq!(
        comments(&server, &issue["id"].to_string()),
        ["from the session"]
    );
    assert!(comments(&server, &elsewhere["id"].to_string()).is_empty());
}
