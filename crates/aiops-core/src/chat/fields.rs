//! Checks of an integration's fields, shared by create and update.

use aiops_types::{ChatAnswer, ChatPlatform, Role};

use super::{ANSWER_TIMEOUT_SECS, CONTEXT_TTL_SECS, ChatRow, MAX_ALLOWED_CHATS, MAX_CHATS};
use crate::integrations::TokenChange;
use crate::ports::{ProjectStore, TenantStore, UserStore};
use crate::{CoreError, CoreResult, Principal, projects, users};

pub(super) fn http_url(field: &'static str, value: &str) -> CoreResult<String> {
    crate::integrations::base_url(value).map_err(|e| CoreError::invalid(field, e.to_string()))
}

/// A non-empty optional text: `Some("")` clears (on update), surrounding space trimmed.
pub(super) fn optional(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

pub(super) fn timeout(value: u32) -> CoreResult<u32> {
    bounded("answer_timeout_secs", value, ANSWER_TIMEOUT_SECS, "seconds")
}

/// Chat ids as the platform prints them: Telegram's are integers (negative for groups),
/// Slack's `C…`/`G…`/`D…` identifiers.
pub(super) fn chat_ids(values: &[String]) -> CoreResult<Vec<String>> {
    if values.len() > MAX_ALLOWED_CHATS {
        return Err(CoreError::invalid(
            "allowed_chats",
            format!("at most {MAX_ALLOWED_CHATS} allowed chats"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v = v.trim();
        let ok = !v.is_empty()
            && v.len() <= 64
            && v.strip_prefix('-')
                .unwrap_or(v)
                .chars()
                .all(|c| c.is_ascii_alphanumeric());
        if !ok {
            return Err(CoreError::invalid(
                "allowed_chats",
                format!("`{v}` is not a chat id (Telegram: -1001234567890; Slack: C0123ABCD)"),
            ));
        }
        if !out.iter().any(|o| o == v) {
            out.push(v.to_owned());
        }
    }
    Ok(out)
}

pub(super) fn keyword(value: Option<&str>) -> CoreResult<Option<String>> {
    match optional(value) {
        Some(k) if k.len() > 32 || k.chars().any(char::is_whitespace) => Err(CoreError::invalid(
            "keyword",
            "keyword must be one word of at most 32 bytes",
        )),
        k => Ok(k),
    }
}

pub(super) fn model(value: Option<&str>) -> CoreResult<Option<String>> {
    match optional(value) {
        Some(m) if m.len() > 200 || m.chars().any(|c| c.is_whitespace() || c.is_control()) => Err(
            CoreError::invalid("model", "model must be a model name such as llama3.2"),
        ),
        m => Ok(m),
    }
}

/// The default project, among the tenant's projects the caller sees.
pub(super) fn default_project(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    tenant_id: i64,
    value: Option<&str>,
) -> CoreResult<Option<i64>> {
    let Some(text) = optional(value) else {
        return Ok(None);
    };
    let p = projects::find(store, caller, &text)
        .map_err(|e| CoreError::invalid("default_project", e.to_string()))?;
    if p.tenant_id != tenant_id {
        return Err(CoreError::invalid(
            "default_project",
            format!("project `{text}` is not in the integration's tenant"),
        ));
    }
    Ok(Some(p.id))
}

/// The answer backend's settings must be complete. `socket_mode`: the Slack bot receives
/// events over Socket Mode, so it needs no channel list to poll.
pub(super) fn check_answer(row: &ChatRow, socket_mode: bool) -> CoreResult<()> {
    if row.platform == ChatPlatform::Slack && row.allowed_chats.is_empty() && !socket_mode {
        return Err(CoreError::invalid(
            "allowed_chats",
            "a Slack bot without an app token polls the channels it is given: name at least one (C0123ABCD)",
        ));
    }
    if row.answer == ChatAnswer::Ollama && (row.ollama_url.is_none() || row.model.is_none()) {
        return Err(CoreError::invalid(
            "ollama_url",
            "the ollama answer needs ollama_url (http://127.0.0.1:11434) and model",
        ));
    }
    if row.answer == ChatAnswer::Agent && row.agent_user_id.is_none() {
        return Err(CoreError::invalid(
            "agent_user",
            "the agent answer needs agent_user: whose Claude Code credential it uses",
        ));
    }
    Ok(())
}

/// An optional URL field of an update: absent keeps `current`, empty clears.
pub(super) fn patch_url(
    field: &'static str,
    value: Option<&str>,
    current: &Option<String>,
) -> CoreResult<Option<String>> {
    match value {
        None => Ok(current.clone()),
        Some(v) => optional(Some(v)).map(|u| http_url(field, &u)).transpose(),
    }
}

/// `value` within `range`, else `Invalid` naming `field` and `unit`.
pub(super) fn bounded(
    field: &'static str,
    value: u32,
    range: std::ops::RangeInclusive<u32>,
    unit: &str,
) -> CoreResult<u32> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(CoreError::invalid(
            field,
            format!(
                "{field} must be between {} and {} {unit}",
                range.start(),
                range.end()
            ),
        ))
    }
}

pub(super) fn context_ttl(value: u32) -> CoreResult<u32> {
    bounded("context_ttl_secs", value, CONTEXT_TTL_SECS, "seconds")
}

pub(super) fn max_chats(value: u32) -> CoreResult<u32> {
    bounded("max_chats", value, MAX_CHATS, "chats")
}

/// The user whose tool credential the agent spends: the caller, or (server admins only)
/// another active member of the tenant. The agent runs with that user's key, so no
/// tenant admin can make a bot spend someone else's.
pub(super) fn agent_user(
    store: &(impl UserStore + TenantStore),
    caller: &Principal,
    tenant_id: i64,
    value: &str,
) -> CoreResult<i64> {
    let user = users::find_active(store, value)?;
    if user.id == caller.user_id {
        return Ok(user.id);
    }
    if !caller.is_admin() {
        return Err(CoreError::Forbidden(
            "only a server admin sets another user's credential for the agent".into(),
        ));
    }
    if user.role != Role::Admin && store.tenant_role(tenant_id, user.id)?.is_none() {
        return Err(CoreError::invalid(
            "agent_user",
            format!("{} is not a member of the integration's tenant", user.email),
        ));
    }
    Ok(user.id)
}

/// A Slack app-level token change: `xapp-…`, Slack only; on update an empty value
/// clears it.
pub(super) fn app_token(
    platform: ChatPlatform,
    value: Option<&str>,
    clearable: bool,
) -> CoreResult<TokenChange> {
    let change = TokenChange::from_request(value, clearable)
        .map_err(|e| CoreError::invalid("app_token", e.to_string()))?;
    if let TokenChange::Set(t) = &change {
        if platform != ChatPlatform::Slack {
            return Err(CoreError::invalid(
                "app_token",
                "an app-level token is for Slack bots only (Socket Mode)",
            ));
        }
        if !t.starts_with("xapp-") {
            return Err(CoreError::invalid(
                "app_token",
                "a Slack app-level token starts with xapp- (Basic Information → App-Level Tokens)",
            ));
        }
    }
    Ok(change)
}
