//! How a session's tool learns its MCP servers (issue 21): Claude Code's project-scoped
//! `.mcp.json` (<https://docs.anthropic.com/en/docs/claude-code/mcp>, `${VAR}` expanded
//! from its environment, so no secret is written), approved in the worktree's local
//! settings; Codex's `-c mcp_servers.<name>.…` overrides
//! (<https://github.com/openai/codex/blob/main/docs/config.md#mcp_servers>: `command`,
//! `args`, `env_vars` forwarded by name, `url`, `env_http_headers`). The context file
//! says which servers the agent has.

use serde_json::{Map, Value, json};

use crate::ports::McpLaunch;

/// Claude Code's project MCP file, in the worktree (git-excluded like the context file).
pub const CLAUDE_MCP_FILE: &str = ".mcp.json";

/// `.mcp.json` for `servers`: stdio servers with `env` entries `"X": "${X:-}"` (Claude
/// Code expands them from its own environment; empty when unset, e.g. `AIOPS_ISSUE_ID`
/// in a session without an issue), remote ones as `type: http` with the
/// header from its variable.
pub fn claude_mcp_json(servers: &[McpLaunch]) -> Value {
    let mut all = Map::new();
    for s in servers {
        let entry = match &s.url {
            Some(url) => {
                let mut e = json!({ "type": "http", "url": url });
                if let Some((h, var)) = &s.header {
                    e["headers"] = json!({ h: format!("${{{var}}}") });
                }
                e
            }
            None => {
                let env: Map<String, Value> = s
                    .env
                    .iter()
                    .map(|k| (k.clone(), Value::String(format!("${{{k}:-}}"))))
                    .collect();
                json!({
                    "type": "stdio",
                    "command": s.command.first().cloned().unwrap_or_default(),
                    "args": s.command.iter().skip(1).collect::<Vec<_>>(),
                    "env": env,
                })
            }
        };
        all.insert(s.name.clone(), entry);
    }
    json!({ "mcpServers": all })
}

/// The names to pre-approve in Claude Code's local settings (`enabledMcpjsonServers`),
/// so no approval prompt blocks the pane.
pub fn claude_approved(servers: &[McpLaunch]) -> Vec<String> {
    servers.iter().map(|s| s.name.clone()).collect()
}

/// Tool-permission rules to pre-allow in Claude Code's local settings
/// (`permissions.allow`): aiops's own tools (`mcp__aiops`), which act only within the
/// session key's scope. An admin's servers are approved to start, not to act unasked.
pub fn claude_allowed(servers: &[McpLaunch]) -> Vec<String> {
    servers
        .iter()
        .filter(|s| s.name == aiops_types::mcp::SERVER_NAME)
        .map(|s| format!("mcp__{}", s.name))
        .collect()
}

/// A TOML string (JSON's string syntax is a TOML basic string).
fn toml_str(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

fn toml_list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let items: Vec<String> = items.map(|s| toml_str(s)).collect();
    format!("[{}]", items.join(", "))
}

/// Codex's `-c key=value` pairs for `servers`, to go right after its program.
pub fn codex_args(servers: &[McpLaunch]) -> Vec<String> {
    let mut out = Vec::new();
    let mut set = |name: &str, key: &str, value: String| {
        out.push("-c".to_owned());
        out.push(format!("mcp_servers.{name}.{key}={value}"));
    };
    for s in servers {
        match &s.url {
            Some(url) => {
                set(&s.name, "url", toml_str(url));
                if let Some((h, var)) = &s.header {
                    set(
                        &s.name,
                        "env_http_headers",
                        format!("{{ {} = {} }}", toml_str(h), toml_str(var)),
                    );
                }
            }
            None => {
                let program = s.command.first().cloned().unwrap_or_default();
                set(&s.name, "command", toml_str(&program));
                set(&s.name, "args", toml_list(s.command.iter().skip(1)));
                if !s.env.is_empty() {
                    set(&s.name, "env_vars", toml_list(s.env.iter()));
                }
            }
        }
    }
    out
}

/// The issue block with a note on the MCP servers `names` (none: unchanged), inside its
/// end marker.
pub fn context_note(block: String, names: &[String]) -> String {
    if names.is_empty() {
        return block;
    }
    let mut note = String::from("\n## MCP servers\n\n");
    if names.iter().any(|n| n == aiops_types::mcp::SERVER_NAME) {
        note.push_str(
            "aiops's MCP server `aiops` is registered with your tool (Claude Code: \
             `.mcp.json`; Codex: its config): typed tools (`issue_get`, `issue_comment`, \
             `workflow_progress`, `git_commit`, `pr_create`, `session_report`, …) act as \
             you with this session's key; they default to this issue, project and \
             session. Prefer them to typing `aiops` commands.\n",
        );
    }
    let others: Vec<&String> = names
        .iter()
        .filter(|n| *n != aiops_types::mcp::SERVER_NAME)
        .collect();
    if !others.is_empty() {
        let list: Vec<String> = others.iter().map(|n| format!("`{n}`")).collect();
        note.push_str(&format!(
            "Your project's MCP servers: {}.\n",
            list.join(", ")
        ));
    }
    match block.rfind(super::context::END) {
        Some(at) => format!("{}{note}\n{}", &block[..at], &block[at..]),
        None => format!("{block}{note}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers() -> Vec<McpLaunch> {
        vec![
            McpLaunch {
                name: "aiops".into(),
                command: vec!["/opt/aiops".into(), "mcp".into()],
                url: None,
                env: vec!["AIOPS_API_KEY".into()],
                header: None,
            },
            McpLaunch {
                name: "remote".into(),
                command: Vec::new(),
                url: Some("https://mcp.example.com/mcp".into()),
                env: Vec::new(),
                header: Some(("Authorization".into(), "AIOPS_MCP_REMOTE_HEADER".into())),
            },
        ]
    }

    #[test]
    fn claude_gets_variables_by_name_only() {
        let j = claude_mcp_json(&servers());
        assert_eq!(j["mcpServers"]["aiops"]["command"], "/opt/aiops");
        assert_eq!(j["mcpServers"]["aiops"]["args"], json!(["mcp"]));
        assert_eq!(
            j["mcpServers"]["aiops"]["env"]["AIOPS_API_KEY"],
            "${AIOPS_API_KEY:-}"
        );
        assert_eq!(
            j["mcpServers"]["remote"]["headers"]["Authorization"],
            "${AIOPS_MCP_REMOTE_HEADER}"
        );
    }

    #[test]
    fn codex_gets_toml_overrides() {
        let a = codex_args(&servers());
        assert!(
            a.contains(&"mcp_servers.aiops.command=\"/opt/aiops\"".to_owned()),
            "{a:?}"
        );
        assert!(
            a.contains(&"mcp_servers.aiops.args=[\"mcp\"]".to_owned()),
            "{a:?}"
        );
        assert!(a.contains(&"mcp_servers.aiops.env_vars=[\"AIOPS_API_KEY\"]".to_owned()));
        assert!(a.contains(
            &"mcp_servers.remote.env_http_headers={ \"Authorization\" = \"AIOPS_MCP_REMOTE_HEADER\" }"
                .to_owned()
        ));
        assert_eq!(a.iter().filter(|x| *x == "-c").count(), a.len() / 2);
    }

    #[test]
    fn the_note_goes_inside_the_block() {
        let block = format!(
            "{}\nx\n{}\n",
            super::super::context::START,
            super::super::context::END
        );
        let out = context_note(block, &["aiops".into(), "k8s".into()]);
        let end = out.find(super::super::context::END).unwrap();
        assert!(
            out[..end].contains("`aiops`") && out[..end].contains("`k8s`"),
            "{out}"
        );
    }
}
