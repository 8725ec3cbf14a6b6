//! Chat front ends (issue 18): a bot in Telegram or Slack that takes commands from
//! chats and answers them as the aiops user each chat user is mapped to.
//!
//! An *integration* belongs to a tenant, like a tracker integration: server admins and
//! the tenant's admins create, change and delete it and map its chat users; its bot token
//! is sealed at rest and never returned. The pieces:
//! - [`channel`]: the [`channel::ChatChannel`] port a platform adapter implements
//!   (receive events, post/update a message, react, acknowledge a button), and the
//!   [`channel::Answerer`] port of the model that answers `ask`;
//! - [`command`]: the command grammar, one for every platform;
//! - `draft`: the issue a message becomes (title and description by the model, if any);
//! - [`interpret`]: the one interpreter (rules, permissions, previews, idempotency);
//! - [`ops`]: what commands do, through the same use-case functions the API calls;
//! - [`state`]: the poller's state port (mappings, processed events, previews, cursors);
//! - `tokens`: the sealed bot and app-level tokens (contexts, opening for the adapter);
//! - `users`: linking chat users to aiops users.

pub mod agent;
pub mod channel;
pub mod command;
mod draft;
mod fields;
mod follow;
pub mod interpret;
pub mod ops;
pub mod state;
mod text;
mod tokens;
mod users;
mod verbs;

#[cfg(test)]
mod tests;

use aiops_types::{
    ChatAnswer, ChatIntegration, ChatIntegrationListParams, ChatPlatform, ChatUser,
    CreateChatIntegration, Page, Timestamp, UpdateChatIntegration,
};
use serde_json::json;

use crate::integrations::TokenChange;
use crate::page::PageQuery;
use crate::ports::{NewAudit, ProjectStore, TenantStore, TokenWrite, UserStore, Viewer};
use crate::sealed::{Sealed, SecretKey};
use crate::{CoreError, CoreResult, Principal, tenants, validate};

use self::fields::{
    app_token, chat_ids, check_answer, default_project, http_url, keyword, model, optional,
    patch_url, timeout,
};

pub use text::{chunks, first_line};
pub use tokens::{app_token_context, open_app_token, open_token, token_context};
pub use users::{map_user, unmap_user, users};

/// Default and bounds of `answer_timeout_secs`.
pub const DEFAULT_ANSWER_TIMEOUT_SECS: u32 = 120;
/// Bounds of `answer_timeout_secs`, seconds.
pub const ANSWER_TIMEOUT_SECS: std::ops::RangeInclusive<u32> = 5..=3600;
/// Bounds of `context_ttl_secs` (default [`DEFAULT_CONTEXT_TTL_SECS`], issue 18: 2 h).
pub const CONTEXT_TTL_SECS: std::ops::RangeInclusive<u32> = 60..=604_800;
/// Default of `context_ttl_secs`: two hours.
pub const DEFAULT_CONTEXT_TTL_SECS: u32 = 7200;
/// Bounds of `max_chats` (default [`DEFAULT_MAX_CHATS`]).
pub const MAX_CHATS: std::ops::RangeInclusive<u32> = 1..=100;
/// Default of `max_chats`.
pub const DEFAULT_MAX_CHATS: u32 = 10;
/// Most chats on an allow-list.
pub const MAX_ALLOWED_CHATS: usize = 100;
/// How long an issue preview waits for its ✅/❌ (issue 18: one hour).
pub const PREVIEW_TTL: time::Duration = time::Duration::hours(1);

/// An integration's full mutable state (token aside).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRow {
    /// Tenant the integration belongs to.
    pub tenant_id: i64,
    /// Name (1..=100 characters).
    pub name: String,
    /// Telegram or Slack; fixed at creation.
    pub platform: ChatPlatform,
    /// The platform's API root when not the public one; `None`: the public API.
    pub api_url: Option<String>,
    /// Whether the server polls it.
    pub enabled: bool,
    /// Chat ids the bot answers in; empty: every chat it is in (Slack: the channels polled).
    pub allowed_chats: Vec<String>,
    /// Only group chats are answered.
    pub group_only: bool,
    /// A word that addresses the bot in groups besides a mention.
    pub keyword: Option<String>,
    /// Project `issue` and `list` use when the message names none.
    pub default_project_id: Option<i64>,
    /// Who answers `ask` and plain mentions.
    pub answer: ChatAnswer,
    /// Ollama: the server's root URL.
    pub ollama_url: Option<String>,
    /// Ollama: the model name.
    pub model: Option<String>,
    /// Longest an answer may take, seconds.
    pub answer_timeout_secs: u32,
    /// Agent: the aiops user whose Claude Code credential the agent uses.
    pub agent_user_id: Option<i64>,
    /// Agent: seconds without a question after which a chat's context ends.
    pub context_ttl_secs: u32,
    /// Agent: most chats with a live context at once.
    pub max_chats: u32,
}

/// An integration with its sealed tokens, for the domain only.
#[derive(Debug, Clone)]
pub struct ChatRecord {
    /// The integration as the API shows it.
    pub integration: ChatIntegration,
    /// Its sealed bot token, if stored.
    pub token: Option<Sealed>,
    /// Slack's app-level token (Socket Mode), when set.
    pub app_token: Option<Sealed>,
}

/// Storage of integrations and their user mappings. Reads take the caller's [`Viewer`]: a
/// member sees only their tenants' rows.
pub trait ChatStore {
    /// Oldest first.
    fn list_chat_integrations(
        &self,
        viewer: Viewer,
        tenant_id: Option<i64>,
        page: PageQuery,
    ) -> CoreResult<Vec<ChatIntegration>>;
    /// The integration with its sealed tokens, or `None` when it does not exist or its
    /// tenant is not visible.
    fn chat_integration(&self, viewer: Viewer, id: i64) -> CoreResult<Option<ChatRecord>>;
    /// Every enabled integration with a token, for the server's pollers.
    fn enabled_chat_integrations(&self) -> CoreResult<Vec<ChatRecord>>;
    /// `app_token` is the Slack app-level token's column pair (sealed with
    /// [`app_token_context`]).
    fn insert_chat_integration(
        &self,
        row: &ChatRow,
        token: TokenWrite<'_>,
        app_token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<ChatIntegration>;
    /// Writes the whole [`ChatRow`] and the tokens as `token` and `app_token` say.
    /// `NotFound` for an unknown id, `Conflict` when the new name is taken.
    fn update_chat_integration(
        &self,
        id: i64,
        row: &ChatRow,
        token: TokenWrite<'_>,
        app_token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<ChatIntegration>;
    /// Also removes its mappings, previews and poll state.
    fn delete_chat_integration(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// Records the poller's health (`ok` or a one-line error) and, when given, the time
    /// of the last event handled.
    fn note_chat_health(
        &self,
        id: i64,
        health: &str,
        event_at: Option<Timestamp>,
    ) -> CoreResult<()>;
    /// Maps (or re-maps) a chat user.
    fn map_chat_user(
        &self,
        integration_id: i64,
        platform_user_id: &str,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<ChatUser>;
    /// Removes a chat user's mapping; `NotFound` when there was none.
    fn unmap_chat_user(
        &self,
        integration_id: i64,
        platform_user_id: &str,
        audit: NewAudit,
    ) -> CoreResult<()>;
    /// The integration's mapped chat users, in the order they were mapped.
    fn list_chat_users(&self, integration_id: i64) -> CoreResult<Vec<ChatUser>>;
}

/// Integrations the caller can see, oldest first; only of the tenant `params.tenant`
/// (id or slug) when given. `Forbidden` for a session key.
pub fn list(
    store: &(impl TenantStore + ChatStore),
    caller: &Principal,
    params: &ChatIntegrationListParams,
    page: PageQuery,
) -> CoreResult<Page<ChatIntegration>> {
    no_session_key(caller)?;
    let tenant_id = match params.tenant.as_deref() {
        Some(t) => Some(tenants::get(store, caller, t)?.id),
        None => None,
    };
    let rows = store.list_chat_integrations(caller.viewer(), tenant_id, page)?;
    Ok(page.finish(rows, |t| t.id))
}

/// A session's key reaches its own session and issue only.
fn no_session_key(caller: &Principal) -> CoreResult<()> {
    match caller.session {
        Some(_) => Err(CoreError::Forbidden(
            "a session key cannot reach chat integrations".into(),
        )),
        None => Ok(()),
    }
}

/// The integration with its sealed token; `NotFound` for a tenant the caller is not in.
pub fn record(store: &impl ChatStore, caller: &Principal, id: i64) -> CoreResult<ChatRecord> {
    no_session_key(caller)?;
    store
        .chat_integration(caller.viewer(), id)?
        .ok_or_else(|| CoreError::not_found(format!("chat integration {id}")))
}

/// The integration as the API shows it; `NotFound` when the caller cannot see it,
/// `Forbidden` for a session key.
pub fn get(store: &impl ChatStore, caller: &Principal, id: i64) -> CoreResult<ChatIntegration> {
    Ok(record(store, caller, id)?.integration)
}

/// Like [`record`], for changes: the caller must administer the tenant.
pub fn record_to_manage(
    store: &(impl TenantStore + ChatStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<ChatRecord> {
    let r = record(store, caller, id)?;
    let i = &r.integration;
    tenants::require_admin_of(
        store,
        caller,
        i.tenant_id,
        &i.tenant_slug,
        "manage chat integrations",
    )?;
    Ok(r)
}

/// Creates an integration in `req.tenant` from the request: fills the defaults (Telegram
/// answers groups only), checks the fields (`Invalid`: a Slack bot without an app token
/// needs channels, Ollama needs its URL and model, the agent a user) and seals the tokens.
/// Only server admins and the tenant's admins (`Forbidden`).
pub fn create(
    store: &(impl UserStore + TenantStore + ProjectStore + ChatStore),
    key: &SecretKey,
    caller: &Principal,
    req: &CreateChatIntegration,
) -> CoreResult<ChatIntegration> {
    let tenant = tenants::administered(store, caller, &req.tenant, "manage chat integrations")?;
    let row = ChatRow {
        tenant_id: tenant.id,
        name: validate::name("name", &req.name)?,
        platform: req.platform,
        api_url: optional(req.api_url.as_deref())
            .map(|u| http_url("api_url", &u))
            .transpose()?,
        enabled: req.enabled.unwrap_or(true),
        allowed_chats: chat_ids(&req.allowed_chats)?,
        // Telegram's seed bot was group-only; Slack DMs are the bot's own conversations.
        group_only: req
            .group_only
            .unwrap_or(req.platform == ChatPlatform::Telegram),
        keyword: keyword(req.keyword.as_deref())?,
        default_project_id: default_project(
            store,
            caller,
            tenant.id,
            req.default_project.as_deref(),
        )?,
        answer: req.answer.unwrap_or_default(),
        ollama_url: optional(req.ollama_url.as_deref())
            .map(|u| http_url("ollama_url", &u))
            .transpose()?,
        model: model(req.model.as_deref())?,
        answer_timeout_secs: timeout(
            req.answer_timeout_secs
                .unwrap_or(DEFAULT_ANSWER_TIMEOUT_SECS),
        )?,
        agent_user_id: match optional(req.agent_user.as_deref()) {
            Some(u) => Some(fields::agent_user(store, caller, tenant.id, &u)?),
            None => (req.answer == Some(ChatAnswer::Agent)).then_some(caller.user_id),
        },
        context_ttl_secs: fields::context_ttl(
            req.context_ttl_secs.unwrap_or(DEFAULT_CONTEXT_TTL_SECS),
        )?,
        max_chats: fields::max_chats(req.max_chats.unwrap_or(DEFAULT_MAX_CHATS))?,
    };
    // Nothing to clear on a new row: an empty app token is none.
    let app = match app_token(
        row.platform,
        req.app_token.as_ref().map(aiops_types::Secret::expose),
        true,
    )? {
        TokenChange::Clear => TokenChange::Keep,
        other => other,
    };
    check_answer(&row, matches!(app, TokenChange::Set(_)))?;
    let token = TokenChange::from_request(Some(req.token.expose()), false)?;
    let seal = |id| token.seal(key, &token_context(id));
    let seal_app = |id| app.seal(key, &app_token_context(id));
    let audit = NewAudit::by(caller, "chat_integration.create").detail(json!({
        "tenant_id": tenant.id, "name": row.name, "platform": row.platform.as_str(),
        "api_url": row.api_url, "answer": row.answer.as_str(),
        "socket_mode": matches!(app, TokenChange::Set(_)),
    }));
    store.insert_chat_integration(&row, token.write(&seal), app.write(&seal_app), audit)
}

/// Changes the fields `req` gives (the platform stays); an empty app token or URL clears
/// it. Checks as [`create`] does; only server admins and the tenant's admins.
pub fn update(
    store: &(impl UserStore + TenantStore + ProjectStore + ChatStore),
    key: &SecretKey,
    caller: &Principal,
    id: i64,
    req: &UpdateChatIntegration,
) -> CoreResult<ChatIntegration> {
    let current = record_to_manage(store, caller, id)?;
    let i = &current.integration;
    let row = ChatRow {
        tenant_id: i.tenant_id,
        name: match req.name.as_deref() {
            Some(n) => validate::name("name", n)?,
            None => i.name.clone(),
        },
        platform: i.platform,
        api_url: patch_url("api_url", req.api_url.as_deref(), &i.api_url)?,
        enabled: req.enabled.unwrap_or(i.enabled),
        allowed_chats: match &req.allowed_chats {
            Some(list) => chat_ids(list)?,
            None => i.allowed_chats.clone(),
        },
        group_only: req.group_only.unwrap_or(i.group_only),
        keyword: match req.keyword.as_deref() {
            Some(k) => keyword(Some(k))?,
            None => i.keyword.clone(),
        },
        default_project_id: match req.default_project.as_deref() {
            Some(p) => default_project(store, caller, i.tenant_id, Some(p))?,
            None => i.default_project_id,
        },
        answer: req.answer.unwrap_or(i.answer),
        ollama_url: patch_url("ollama_url", req.ollama_url.as_deref(), &i.ollama_url)?,
        model: match req.model.as_deref() {
            Some(m) => model(Some(m))?,
            None => i.model.clone(),
        },
        answer_timeout_secs: timeout(req.answer_timeout_secs.unwrap_or(i.answer_timeout_secs))?,
        agent_user_id: match req.agent_user.as_deref() {
            Some(u) => optional(Some(u))
                .map(|u| fields::agent_user(store, caller, i.tenant_id, &u))
                .transpose()?,
            None => i.agent_user_id,
        },
        context_ttl_secs: fields::context_ttl(req.context_ttl_secs.unwrap_or(i.context_ttl_secs))?,
        max_chats: fields::max_chats(req.max_chats.unwrap_or(i.max_chats))?,
    };
    let app = app_token(
        row.platform,
        req.app_token.as_ref().map(aiops_types::Secret::expose),
        true,
    )?;
    let socket_mode = match &app {
        TokenChange::Keep => current.app_token.is_some(),
        TokenChange::Clear => false,
        TokenChange::Set(_) => true,
    };
    check_answer(&row, socket_mode)?;
    let token =
        TokenChange::from_request(req.token.as_ref().map(aiops_types::Secret::expose), false)?;
    let seal = |id| token.seal(key, &token_context(id));
    let seal_app = |id| app.seal(key, &app_token_context(id));
    let audit = NewAudit::by(caller, "chat_integration.update")
        .target("chat_integration", id)
        .detail(json!({
            "name": row.name, "api_url": row.api_url, "enabled": row.enabled,
            "token_changed": token.changed(), "app_token_changed": app.changed(),
        }));
    store.update_chat_integration(id, &row, token.write(&seal), app.write(&seal_app), audit)
}

/// Deletes the integration with its mappings, previews and poll state. Only server
/// admins and the tenant's admins (`Forbidden`).
pub fn delete(
    store: &(impl TenantStore + ChatStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<()> {
    let r = record_to_manage(store, caller, id)?;
    let audit = NewAudit::by(caller, "chat_integration.delete")
        .target("chat_integration", id)
        .detail(json!({ "name": r.integration.name }));
    store.delete_chat_integration(id, audit)
}
