//! Writes a tool's first-run answers into an aiops user's tool home before a session
//! starts (core decides them: [`HomeSetup`]), merged with what the tool keeps there, so
//! no onboarding, trust or login screen blocks a pane while aiops says `running`.
//!
//! Each file follows what the tool itself writes once a person has answered (verified
//! with Claude Code 2.1.332, Codex 0.171.0 and Aider 0.86.2; `agents_real` e2e):
//! - Claude Code, `~/.claude.json`: `hasCompletedOnboarding`, the approved key's last 20
//!   characters in `customApiKeyResponses.approved`, and
//!   `projects.<folder>.hasTrustDialogAccepted` (see
//!   <https://docs.anthropic.com/en/docs/claude-code/settings>).
//! - Codex, `~/.codex/auth.json` (0600; what `codex login --with-api-key` writes),
//!   `~/.codex/hooks.json` with aiops's state hooks ([`codex_hooks`]), and
//!   `~/.codex/config.toml`: `[projects."<folder>"] trust_level = "trusted"`, the hooks'
//!   trust (`[hooks.state."<hooks.json>:<event>:0:0"] trusted_hash`, else Codex shows
//!   "Hooks need review" first) and `openai_base_url` when the tool's environment sets
//!   `OPENAI_BASE_URL` (Codex reads no such variable); no background server
//!   (`[features] daemon_auto_start = false`) and no update check (see
//!   <https://github.com/openai/codex/blob/main/docs/config.md>, `docs/hooks.md`).
//! - Aider, `~/.aider.conf.yml` (its yes/no questions answered, `AGENTS.override.md`
//!   read) and `~/.gitconfig` with the user's identity, both only when missing
//!   (<https://aider.chat/docs/config/aider_conf.html>).
//!
//! The home is the user's sessions' `$HOME`, writable inside their sandbox, so every
//! read and write here goes through [`crate::beneath`]: a symlink planted there is
//! replaced or refused, never followed.

use std::path::Path;

use aiops_core::ports::{HomeSetup, ToolKind};

/// Prepares `home` for a tool of `kind`; nothing for a generic tool.
pub fn prepare(home: &Path, kind: ToolKind, setup: &HomeSetup) -> std::io::Result<()> {
    match kind {
        ToolKind::Claude => claude(home, setup),
        ToolKind::Codex => codex(home, setup),
        ToolKind::Aider => aider(home, setup),
        ToolKind::Generic => Ok(()),
    }
}

/// The JSON object in `home/rel`, or an empty one (missing, unreadable, not an object).
fn json_object(home: &Path, rel: &str) -> serde_json::Map<String, serde_json::Value> {
    crate::beneath::read_small(home, Path::new(rel), 16 * 1024 * 1024)
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| match v {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default()
}

/// `map[key]` as an object, replacing anything else there.
fn object<'a>(
    map: &'a mut serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> &'a mut serde_json::Map<String, serde_json::Value> {
    let slot = map
        .entry(key)
        .or_insert_with(|| serde_json::Value::Object(Default::default()));
    if !slot.is_object() {
        *slot = serde_json::Value::Object(Default::default());
    }
    slot.as_object_mut().expect("just made an object")
}

fn claude(home: &Path, setup: &HomeSetup) -> std::io::Result<()> {
    let mut config = json_object(home, ".claude.json");
    config.insert("hasCompletedOnboarding".into(), true.into());
    if let Some(key) = &setup.claude_key {
        let tail: String = key
            .chars()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let responses = object(&mut config, "customApiKeyResponses");
        let approved = responses
            .entry("approved")
            .or_insert_with(|| serde_json::json!([]));
        if !approved.is_array() {
            *approved = serde_json::json!([]);
        }
        let list = approved.as_array_mut().expect("just made an array");
        if !list.iter().any(|v| v == tail.as_str()) {
            list.push(tail.into());
        }
    }
    let projects = object(&mut config, "projects");
    for folder in &setup.trusted {
        let project = object(projects, &folder.display().to_string());
        project.insert("hasTrustDialogAccepted".into(), true.into());
    }
    let text = serde_json::to_vec_pretty(&config).map_err(std::io::Error::other)?;
    crate::beneath::write(home, Path::new(".claude.json"), &text, 0o600)
}

fn codex(home: &Path, setup: &HomeSetup) -> std::io::Result<()> {
    if let Some(auth) = &setup.codex_auth {
        crate::beneath::write(home, Path::new(".codex/auth.json"), auth.as_bytes(), 0o600)?;
    }
    let rel = Path::new(".codex/config.toml");
    let text = crate::beneath::read_small(home, rel, 1024 * 1024)
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    // A file Codex cannot read either is replaced rather than kept broken.
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap_or_default();
    if !doc.contains_table("projects") {
        let mut projects = toml_edit::Table::new();
        projects.set_implicit(true);
        doc.insert("projects", toml_edit::Item::Table(projects));
    }
    let projects = doc["projects"].as_table_mut().ok_or_else(|| {
        std::io::Error::other("`projects` in ~/.codex/config.toml is not a table")
    })?;
    for folder in &setup.trusted {
        let key = folder.display().to_string();
        if !projects.contains_table(&key) {
            projects.insert(&key, toml_edit::Item::Table(toml_edit::Table::new()));
        }
        projects[key.as_str()]["trust_level"] = toml_edit::value("trusted");
    }
    if let Some(url) = &setup.openai_base_url {
        doc["openai_base_url"] = toml_edit::value(url.as_str());
    }
    // No shared background server: Codex 0.171 otherwise starts one from the tool home
    // (`codex app-server --managed-daemon`) inside the first session's sandbox, and the
    // user's next Codex session would run its threads there — in another worktree's
    // sandbox, gone when that session ends. Nor an update check at every start.
    if !doc
        .get("features")
        .is_some_and(toml_edit::Item::is_table_like)
    {
        doc["features"] = toml_edit::Item::Table(toml_edit::Table::new());
    }
    doc["features"]["daemon_auto_start"] = toml_edit::value(false);
    doc["check_for_update_on_startup"] = toml_edit::value(false);
    codex_hooks(home, &mut doc)?;
    crate::beneath::write(home, rel, doc.to_string().as_bytes(), 0o600)
}

/// Codex hook events aiops reports from, with the label Codex keys their trust by:
/// `UserPromptSubmit`, `PreToolUse`, `PostToolUse` → running; `PermissionRequest`,
/// `Stop` → waiting ([`aiops_types::hook_report`]). (Codex's `notify` is not used: it
/// also fires when the side thread that titles the conversation ends, mid-turn.)
const CODEX_HOOK_EVENTS: [(&str, &str); 5] = [
    ("UserPromptSubmit", "user_prompt_submit"),
    ("PreToolUse", "pre_tool_use"),
    ("PostToolUse", "post_tool_use"),
    ("PermissionRequest", "permission_request"),
    ("Stop", "stop"),
];
/// Seconds Codex waits for a hook (the report is one local HTTP request).
const CODEX_HOOK_TIMEOUT: u64 = 10;

/// Puts aiops's hook first under each of [`CODEX_HOOK_EVENTS`] in `~/.codex/hooks.json`
/// (other hooks kept after it) and records its trust in `doc` (config.toml), as Codex's
/// `/hooks` review does once a person trusts them.
fn codex_hooks(home: &Path, doc: &mut toml_edit::DocumentMut) -> std::io::Result<()> {
    let rel = ".codex/hooks.json";
    let mut file = json_object(home, rel);
    let hooks = object(&mut file, "hooks");
    let ours = serde_json::json!({ "hooks": [{
        "type": "command",
        "command": aiops_types::HOOK_COMMAND,
        "timeout": CODEX_HOOK_TIMEOUT,
    }]});
    let path = home.join(rel);
    // Indexing a value that is not a table would panic: a broken `hooks` is replaced.
    if !doc.get("hooks").is_some_and(toml_edit::Item::is_table_like) {
        doc["hooks"] = toml_edit::Item::Table(toml_edit::Table::new());
    }
    for (event, label) in CODEX_HOOK_EVENTS {
        let mut groups = vec![ours.clone()];
        if let Some(serde_json::Value::Array(old)) = hooks.remove(event) {
            groups.extend(old.into_iter().filter(|g| *g != ours));
        }
        hooks.insert(event.into(), serde_json::Value::Array(groups));
        let key = format!("{}:{label}:0:0", path.display());
        let state = &mut doc["hooks"]["state"];
        if state.is_none() {
            *state = toml_edit::Item::Table(toml_edit::Table::new());
        }
        let Some(state) = state.as_table_like_mut() else {
            return Err(std::io::Error::other(
                "`hooks.state` in ~/.codex/config.toml is not a table",
            ));
        };
        let mut entry = toml_edit::Table::new();
        entry["trusted_hash"] = toml_edit::value(codex_hook_hash(
            label,
            aiops_types::HOOK_COMMAND,
            CODEX_HOOK_TIMEOUT,
        ));
        state.insert(&key, toml_edit::Item::Table(entry));
    }
    let text = serde_json::to_vec_pretty(&file).map_err(std::io::Error::other)?;
    crate::beneath::write(home, Path::new(rel), &text, 0o600)
}

/// The trust hash Codex gives a hook running `command` under event `label`: SHA-256 of the hook's
/// identity as compact JSON with sorted keys, `sha256:<hex>` (Codex 0.171,
/// `codex-rs/hooks/src/engine/discovery.rs` `command_hook_hash` and
/// `codex-rs/config/src/fingerprint.rs` `version_for_toml`; checked against hashes its
/// `/hooks` review wrote).
fn codex_hook_hash(label: &str, command: &str, timeout: u64) -> String {
    use sha2::Digest;
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    // Keys in sorted order, written out: the hash depends on the exact bytes.
    let identity = format!(
        r#"{{"event_name":{},"hooks":[{{"async":false,"command":{},"timeout":{timeout},"type":"command"}}]}}"#,
        quote(label),
        quote(command),
    );
    let digest = sha2::Sha256::digest(identity.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn aider(home: &Path, setup: &HomeSetup) -> std::io::Result<()> {
    const CONF: &str = "\
# Written once by aiops (edit freely): Aider's first-run questions answered, and the
# issue's context file read into every chat.
analytics-disable: true
check-update: false
show-release-notes: false
show-model-warnings: false
gitignore: false
read: AGENTS.override.md
";
    if crate::beneath::read_small(home, Path::new(".aider.conf.yml"), 1024 * 1024).is_none() {
        crate::beneath::write(home, Path::new(".aider.conf.yml"), CONF.as_bytes(), 0o600)?;
    }
    if let Some((name, email)) = &setup.git_identity
        && crate::beneath::read_small(home, Path::new(".gitconfig"), 1024 * 1024).is_none()
    {
        let text = format!(
            "[user]\n\tname = {}\n\temail = {}\n",
            git_value(name),
            git_value(email)
        );
        crate::beneath::write(home, Path::new(".gitconfig"), text.as_bytes(), 0o600)?;
    }
    Ok(())
}

/// A git-config value, quoted, with `"` and `\` escaped and control characters dropped
/// (git-config(1), "Syntax").
fn git_value(v: &str) -> String {
    let clean: String = v.chars().filter(|c| !c.is_control()).collect();
    format!("\"{}\"", clean.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
#[path = "tool_home_tests.rs"]
mod tests;
