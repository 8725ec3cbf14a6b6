//! MCP on the process side (issue 21): Claude Code's `.mcp.json` in a session's worktree
//! (the content core decides, `aiops_core::sessions::mcp_config`), and [`probe`], which
//! starts an admin's stdio MCP server, asks for its tools and stops it
//! (`aiops mcp servers test`). It shells out because an MCP stdio server *is* a child
//! process (<https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#stdio>):
//! newline-delimited JSON-RPC on its stdin and stdout.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aiops_core::ports::McpLaunch;
use aiops_core::sessions::mcp_config::{CLAUDE_MCP_FILE, claude_mcp_json};
use aiops_core::{CoreError, CoreResult};
use aiops_types::McpServerTest;
use serde_json::{Value, json};

use crate::git::Git;

/// Writes `.mcp.json` for `servers` into worktree `dir` (0644: it names variables, never
/// their values) and keeps it out of git. Nothing when there are no servers.
pub fn write_claude_mcp(dir: &Path, servers: &[McpLaunch]) -> CoreResult<()> {
    if servers.is_empty() {
        return Ok(());
    }
    let text = serde_json::to_string_pretty(&claude_mcp_json(servers))
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    let rel = Path::new(CLAUDE_MCP_FILE);
    crate::beneath::write(dir, rel, text.as_bytes(), 0o644)
        .map_err(|e| CoreError::Internal(format!("{}: {e}", dir.join(rel).display())))?;
    Git::default()
        .exclude(dir, &format!("/{CLAUDE_MCP_FILE}"))
        .map_err(|e| CoreError::Internal(e.to_string()))
}

/// Approves `mcp`'s servers in Claude Code's local settings (`enabledMcpjsonServers`)
/// and pre-allows aiops's own tools (`permissions.allow`), so neither an approval prompt
/// nor a permission prompt blocks the pane. Other settings are kept.
pub fn approve_in_claude_settings(settings: &mut Value, mcp: &[McpLaunch]) {
    use aiops_core::sessions::mcp_config::{claude_allowed, claude_approved};
    if mcp.is_empty() {
        return;
    }
    settings["enabledMcpjsonServers"] = json!(claude_approved(mcp));
    if !settings["permissions"].is_object() {
        settings["permissions"] = json!({});
    }
    let mut allow = settings["permissions"]["allow"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for rule in claude_allowed(mcp) {
        if !allow.contains(&json!(rule)) {
            allow.push(json!(rule));
        }
    }
    settings["permissions"]["allow"] = json!(allow);
}

/// Starts stdio server `server` with `env` (its secrets; `PATH` and `HOME` of this
/// process besides, nothing else), initializes it, lists its tools and kills it; all
/// within `timeout`. `Err` says what went wrong in one sentence (never a secret: only
/// the server's first stderr line is quoted, through the redactor).
pub fn probe(
    server: &McpLaunch,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<McpServerTest, String> {
    if server.url.is_some() {
        return Err(
            "`test` starts stdio servers; a remote server is reached by the session's tool".into(),
        );
    }
    let (program, args) = server
        .command
        .split_first()
        .ok_or("the server has no command")?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(
            ["PATH", "HOME", "LANG"]
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (*k, v))),
        )
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + timeout;
    let result = (|| {
        let mut send = |v: Value| {
            writeln!(stdin, "{v}")
                .and_then(|()| stdin.flush())
                .map_err(|e| format!("the server closed its stdin: {e}"))
        };
        send(
            json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": { "name": "aiops", "version": env!("CARGO_PKG_VERSION") } } }),
        )?;
        let init = answer(&rx, 1, deadline)?;
        send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))?;
        send(json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {} }))?;
        let tools = answer(&rx, 2, deadline)?;
        Ok(McpServerTest {
            server: server.name.clone(),
            protocol: init["protocolVersion"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            tools: tools["tools"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(|t| t["name"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
    })();
    let _ = child.kill();
    let _ = child.wait();
    result.map_err(|why: String| {
        let mut first = String::new();
        let _ = BufReader::new(stderr).read_line(&mut first);
        let first = aiops_core::redact::redact(first.trim());
        if first.is_empty() {
            why
        } else {
            format!("{why} (stderr: {first})")
        }
    })
}

/// The `result` of the response with `id`, skipping notifications and other lines.
fn answer(rx: &mpsc::Receiver<String>, id: i64, deadline: Instant) -> Result<Value, String> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .map_err(|_| "the server did not answer in time".to_owned())?;
        let Ok(msg) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if msg["id"] != json!(id) {
            continue;
        }
        if let Some(e) = msg.get("error") {
            return Err(format!("the server answered an error: {}", e["message"]));
        }
        return Ok(msg["result"].clone());
    }
}
