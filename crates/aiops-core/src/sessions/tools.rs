//! The tool table: what `--tool <name>` starts. Built-ins `claude`, `codex`, `aider` and
//! `shell` ship with safe defaults (Claude `--permission-mode acceptEdits`, Codex
//! `--sandbox workspace-write --ask-for-approval on-request`); admins change them and add
//! custom tools. Everyone reads the table (to pick a tool).

use aiops_types::{PutTool, Tool};
use serde_json::json;

use crate::ports::{NewAudit, ToolStore, UserStore};
use crate::{CoreError, CoreResult, Principal, validate};

/// The built-ins tried, in this order, when neither the user nor the server names a
/// default tool: the seed system's order.
pub const FALLBACK_ORDER: [&str; 4] = ["claude", "codex", "aider", "shell"];

/// The tool of a session started without `--tool`, and why, for the user to read: the
/// user's `default_tool`, else the server's, else the first of [`FALLBACK_ORDER`] whose
/// program is installed. A named default that no longer exists is `Invalid`, naming
/// where it was set; nothing installed is `Invalid` too.
pub fn choose(
    store: &(impl UserStore + ToolStore),
    host: &super::Host<'_>,
    owner_id: i64,
) -> CoreResult<(Tool, String)> {
    let mine = store.preferences(owner_id)?.default_tool;
    let server = Some(host.default_tool.trim()).filter(|t| !t.is_empty());
    let named = match (mine.as_deref(), server) {
        (Some(t), _) => Some((t, "your default_tool")),
        (None, Some(t)) => Some((t, "the server's default_tool")),
        (None, None) => None,
    };
    if let Some((name, whose)) = named {
        let tool = store.tool(name)?.ok_or_else(|| {
            CoreError::invalid(
                "tool",
                format!("{whose} is `{name}`, which is not a tool (see `aiops tools list`)"),
            )
        })?;
        return Ok((tool, format!("tool {name} ({whose}; --tool picks another)")));
    }
    for name in FALLBACK_ORDER {
        if let Some(tool) = store.tool(name)?
            && host.runtime.check_program(&tool.command).is_ok()
        {
            let why = format!(
                "tool {name} (the first installed of {}; set yours with `aiops config set \
                 default_tool …`)",
                FALLBACK_ORDER.join(", ")
            );
            return Ok((tool, why));
        }
    }
    Err(CoreError::invalid(
        "tool",
        format!(
            "no --tool given and none of {} is installed",
            FALLBACK_ORDER.join(", ")
        ),
    ))
}

/// Every tool of the tool table, built-in ones first, then by name.
pub fn list(store: &impl ToolStore) -> CoreResult<Vec<Tool>> {
    store.tools()
}

/// [`list`], each with whether its program is found on the server (the pickers show
/// it and default to an installed one).
pub fn list_installed(store: &impl ToolStore, host: &super::Host<'_>) -> CoreResult<Vec<Tool>> {
    let mut tools = list(store)?;
    for t in &mut tools {
        t.installed = host.runtime.check_program(&t.command).is_ok();
    }
    Ok(tools)
}

/// The tool `name`; `NotFound` when there is none.
pub fn get(store: &impl ToolStore, name: &str) -> CoreResult<Tool> {
    store
        .tool(name)?
        .ok_or_else(|| CoreError::not_found(format!("tool `{name}`")))
}

/// Creates or replaces tool `name` (admin).
pub fn put(
    store: &impl ToolStore,
    caller: &Principal,
    name: &str,
    req: &PutTool,
) -> CoreResult<Tool> {
    caller.require_admin("only admins change the tool table")?;
    let name = tool_name(name)?;
    let command = req.command.trim();
    if command.is_empty() || command.starts_with('-') || command.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "command",
            "command must name a program (a name on PATH or an absolute path)",
        ));
    }
    let args = validate::argv("args", &req.args)?;
    let yolo_args = validate::argv("yolo_args", &req.yolo_args)?;
    for key in req.env.keys() {
        let ok = !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !key.starts_with(|c: char| c.is_ascii_digit())
            && !key.starts_with("AIOPS_");
        if !ok {
            return Err(CoreError::invalid(
                "env",
                format!("`{key}` is not an environment variable name tools may set"),
            ));
        }
    }
    let prompt = one_of("prompt", req.prompt.as_deref(), &["argument", "none"])?;
    let hooks = one_of("hooks", req.hooks.as_deref(), &["claude", "codex", "none"])?;
    let kind = match req.kind.as_deref().map(str::trim) {
        None => match hooks.as_str() {
            "none" => "generic".to_owned(),
            h => h.to_owned(),
        },
        Some(k) => {
            let kind = one_of("kind", Some(k), &["claude", "codex", "aider", "generic"])?;
            if req.hooks.is_some() && hooks_of(&kind) != hooks {
                return Err(CoreError::invalid(
                    "hooks",
                    format!(
                        "hooks `{hooks}` contradicts kind `{kind}` (hooks is deprecated: pass kind alone)"
                    ),
                ));
            }
            kind
        }
    };
    let row = PutTool {
        command: command.to_owned(),
        args,
        yolo_args,
        env: req.env.clone(),
        prompt: Some(prompt),
        hooks: Some(hooks_of(&kind).to_owned()),
        kind: Some(kind),
    };
    let audit = NewAudit::by(caller, "tool.put")
        .target("tool", &name)
        .detail(
            json!({ "command": row.command, "args": row.args, "yolo_args": row.yolo_args,
                        "kind": row.kind }),
        );
    store.put_tool(&name, &row, audit)
}

/// The deprecated `hooks` value of a tool of `kind`.
fn hooks_of(kind: &str) -> &'static str {
    match kind {
        "claude" => "claude",
        "codex" => "codex",
        _ => "none",
    }
}

/// Deletes a custom tool. Admins only (`Forbidden`); `NotFound` for an unknown tool,
/// `Conflict` for a built-in one.
pub fn delete(store: &impl ToolStore, caller: &Principal, name: &str) -> CoreResult<()> {
    caller.require_admin("only admins change the tool table")?;
    get(store, name)?;
    store.delete_tool(
        name,
        NewAudit::by(caller, "tool.delete").target("tool", name),
    )
}

/// 1..=32 characters of `[a-z0-9_-]`, starting with a letter.
fn tool_name(name: &str) -> CoreResult<String> {
    let n = name.trim();
    let ok = (1..=32).contains(&n.len())
        && n.starts_with(|c: char| c.is_ascii_lowercase())
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if n == "status" {
        // `GET /tools/status` is the installs' status, not a tool.
        return Err(CoreError::invalid("name", "`status` is reserved"));
    }
    if ok {
        Ok(n.to_owned())
    } else {
        Err(CoreError::invalid(
            "name",
            format!("`{n}` is not a tool name (1-32 of a-z, 0-9, - and _, starting with a letter)"),
        ))
    }
}

fn one_of(field: &'static str, value: Option<&str>, allowed: &[&str]) -> CoreResult<String> {
    let v = value.map(str::trim).unwrap_or("none");
    if allowed.contains(&v) {
        Ok(v.to_owned())
    } else {
        Err(CoreError::invalid(
            field,
            format!("{field} must be one of {}", allowed.join(", ")),
        ))
    }
}
