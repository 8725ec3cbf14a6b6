//! Per-user tool credentials: an Anthropic API key, a Claude Code OAuth token, an OpenAI
//! key, Codex's `auth.json`. Sealed at rest (bound to the user and kind), write-only
//! through the API, and handed only to that user's sessions of the tools that use them —
//! as environment variables through the launcher's 0600 file, or (Codex) as a 0600
//! `auth.json` in the session's own `CODEX_HOME`.

use aiops_types::{Tool, ToolCredential, ToolCredentialKind};
use serde_json::json;

use crate::ports::{NewAudit, ToolKind, ToolStore};
use crate::sealed::SecretKey;
use crate::{CoreError, CoreResult, Principal};

/// Largest credential, in bytes (an `auth.json` is a few KiB).
pub const MAX_BYTES: usize = 64 * 1024;

fn context(user_id: i64, kind: ToolCredentialKind) -> String {
    format!("user/{user_id}/tool_credential/{}", kind.as_str())
}

/// The caller's stored tool credentials: kinds and times, never values.
pub fn list(store: &impl ToolStore, caller: &Principal) -> CoreResult<Vec<ToolCredential>> {
    store.tool_credentials(caller.user_id)
}

/// Stores (or replaces) the caller's credential of `kind`.
pub fn set(
    store: &impl ToolStore,
    key: &SecretKey,
    caller: &Principal,
    kind: ToolCredentialKind,
    value: &str,
) -> CoreResult<ToolCredential> {
    let value = value.trim();
    if value.is_empty() || value.len() > MAX_BYTES {
        return Err(CoreError::invalid(
            "value",
            format!("the credential must be 1 to {MAX_BYTES} bytes"),
        ));
    }
    match kind {
        ToolCredentialKind::CodexAuthJson => {
            let doc: serde_json::Value = serde_json::from_str(value).map_err(|_| {
                CoreError::invalid("value", "codex_auth_json must be the JSON of auth.json")
            })?;
            if !doc.is_object() {
                return Err(CoreError::invalid(
                    "value",
                    "auth.json must be a JSON object",
                ));
            }
        }
        _ if value.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            return Err(CoreError::invalid("value", "a key or token is one word"));
        }
        _ => {}
    }
    let sealed = key.seal(value.as_bytes(), &context(caller.user_id, kind))?;
    let audit = NewAudit::by(caller, "tool_credential.set")
        .target("user", caller.user_id)
        .detail(json!({ "kind": kind.as_str() }));
    store.put_tool_credential(caller.user_id, kind, &sealed, audit)
}

/// Deletes the caller's credential of `kind`; `NotFound` when there is none.
pub fn delete(
    store: &impl ToolStore,
    caller: &Principal,
    kind: ToolCredentialKind,
) -> CoreResult<()> {
    let audit = NewAudit::by(caller, "tool_credential.delete")
        .target("user", caller.user_id)
        .detail(json!({ "kind": kind.as_str() }));
    store.delete_tool_credential(caller.user_id, kind, audit)
}

/// Which credentials a tool gets: by the agent it is (its kind, whatever its name),
/// Aider both model keys, a generic tool none.
fn used_by(tool: &Tool) -> &'static [ToolCredentialKind] {
    use ToolCredentialKind::*;
    match super::plan::tool_kind(tool) {
        ToolKind::Claude => &[AnthropicApiKey, ClaudeOauthToken],
        ToolKind::Codex => &[OpenaiApiKey, CodexAuthJson],
        ToolKind::Aider => &[AnthropicApiKey, OpenaiApiKey],
        ToolKind::Generic => &[],
    }
}

/// What a session's command gets of its owner's credentials.
#[derive(Default)]
pub struct SessionSecrets {
    /// `ANTHROPIC_API_KEY`, … with their values.
    pub env: Vec<(String, String)>,
    /// Codex's `auth.json`.
    pub codex_auth: Option<String>,
}

/// The owner's credentials for a session of `tool`.
pub fn for_session(
    store: &impl ToolStore,
    key: &SecretKey,
    owner_id: i64,
    tool: &Tool,
) -> CoreResult<SessionSecrets> {
    let wanted = used_by(tool);
    let mut env = Vec::new();
    let mut codex_auth = None;
    if wanted.is_empty() {
        return Ok(SessionSecrets::default());
    }
    for (kind, sealed) in store.sealed_tool_credentials(owner_id)? {
        if !wanted.contains(&kind) {
            continue;
        }
        let plain = key.open(&sealed, &context(owner_id, kind))?;
        let value = String::from_utf8(plain)
            .map_err(|_| CoreError::Internal("a stored credential is not UTF-8".into()))?;
        let var = match kind {
            ToolCredentialKind::AnthropicApiKey => "ANTHROPIC_API_KEY",
            ToolCredentialKind::ClaudeOauthToken => "CLAUDE_CODE_OAUTH_TOKEN",
            ToolCredentialKind::OpenaiApiKey => "OPENAI_API_KEY",
            ToolCredentialKind::CodexAuthJson => {
                codex_auth = Some(value);
                continue;
            }
        };
        env.push((var.to_owned(), value));
    }
    Ok(SessionSecrets { env, codex_auth })
}

#[cfg(test)]
#[path = "tool_credentials_tests.rs"]
mod tests;
