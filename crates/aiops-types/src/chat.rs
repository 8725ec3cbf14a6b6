//! Chat front ends (issue 18): a Telegram or Slack bot of a tenant that takes commands
//! (`help`, `ask`, `issue`, `list`, `show`, `close`, `sessions`, `status`) from chats and
//! answers them as the aiops user the chat user is mapped to. The bot token (and Slack's
//! app-level token) go in write-only: responses carry `has_token` and `socket_mode` only.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// The chat platform of an integration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatPlatform {
    #[default]
    /// Telegram Bot API over long polling (<https://core.telegram.org/bots/api>).
    Telegram,
    /// Slack Web API (<https://docs.slack.dev/reference/methods>): events over Socket Mode
    /// with an app-level token, else polling the allowed channels.
    Slack,
}

impl ChatPlatform {
    /// The lowercase wire name, e.g. `telegram`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Slack => "slack",
        }
    }
}

impl std::str::FromStr for ChatPlatform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "telegram" => Ok(Self::Telegram),
            "slack" => Ok(Self::Slack),
            other => Err(format!("platform must be telegram or slack, not `{other}`")),
        }
    }
}

/// Who answers `ask` and plain mentions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatAnswer {
    /// Nobody: `ask` replies that no model is configured.
    #[default]
    None,
    /// An Ollama server's `/api/chat` (streamed into the reply by edits).
    Ollama,
    /// Claude Code, run non-interactively (`claude -p`) in the session sandbox, in a
    /// workspace of the chat's own, resuming the chat's conversation until it has been
    /// idle for `context_ttl_secs`.
    Agent,
}

impl ChatAnswer {
    /// The lowercase wire name, e.g. `ollama`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Ollama => "ollama",
            Self::Agent => "agent",
        }
    }
}

impl std::str::FromStr for ChatAnswer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Self::None),
            "ollama" => Ok(Self::Ollama),
            "agent" => Ok(Self::Agent),
            other => Err(format!(
                "answer must be none, ollama or agent, not `{other}`"
            )),
        }
    }
}

/// A chat integration of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatIntegration {
    /// The chat integration's id.
    pub id: i64,
    /// The id of the tenant it belongs to.
    pub tenant_id: i64,
    /// The slug of the tenant it belongs to.
    pub tenant_slug: String,
    /// The integration's name (1..=100 characters).
    pub name: String,
    /// Telegram or Slack.
    pub platform: ChatPlatform,
    /// Whether a bot token is stored (the token itself is never returned).
    pub has_token: bool,
    /// Slack: an app-level token (`xapp-…`) is stored, so the bot receives events over
    /// Socket Mode (<https://docs.slack.dev/apis/events-api/using-socket-mode>) instead of
    /// polling its channels. Always false on Telegram.
    #[serde(default)]
    pub socket_mode: bool,
    /// The platform's API root when not the public one (Telegram:
    /// `https://api.telegram.org`, or a local Bot API server).
    pub api_url: Option<String>,
    /// Whether the server polls it.
    pub enabled: bool,
    /// Chat ids the bot answers in; empty: every chat it is in. Slack: the channels it
    /// polls (at least one without an app token).
    pub allowed_chats: Vec<String>,
    /// Only group chats are answered (1:1 chats are ignored); default true on Telegram,
    /// false on Slack.
    pub group_only: bool,
    /// A word that addresses the bot in groups besides a mention (`aiops`).
    pub keyword: Option<String>,
    /// The project `issue` and `list` use when the message names none.
    pub default_project_id: Option<i64>,
    /// Who answers `ask` and plain mentions.
    pub answer: ChatAnswer,
    /// Ollama: the server's root (`http://127.0.0.1:11434`).
    pub ollama_url: Option<String>,
    /// Ollama: the model name (`llama3.2`).
    pub model: Option<String>,
    /// Longest an answer may take, seconds (5..=3600, default 120).
    pub answer_timeout_secs: u32,
    /// Agent: the aiops user whose Claude Code credential (Anthropic API key or OAuth
    /// token) the agent uses; None: the agent cannot answer.
    pub agent_user_id: Option<i64>,
    /// Agent: a chat's context (conversation and workspace) ends after this many seconds
    /// without a question (default 7200).
    pub context_ttl_secs: u32,
    /// Agent: most chats with a live context at once (default 10); another chat is told
    /// to wait.
    pub max_chats: u32,
    /// `ok`, or the poller's last error (one line), None before the first poll.
    pub health: Option<String>,
    /// When the poller last saw something (RFC 3339, UTC); None before that.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_event_at: Option<OffsetDateTime>,
    /// When the integration was created (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the integration was last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /api/v1/chat/integrations` (server or tenant admins).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"tenant": "demo", "name": "ops", "platform": "telegram",
    "token": "123456:bot-token", "allowed_chats": ["-1001234"], "answer": "ollama",
    "ollama_url": "http://127.0.0.1:11434", "model": "llama3.2"}))]
pub struct CreateChatIntegration {
    /// The tenant's id or slug.
    pub tenant: String,
    /// The integration's name, 1..=100 characters.
    pub name: String,
    /// Telegram or Slack.
    pub platform: ChatPlatform,
    /// The bot token (Telegram: from @BotFather; Slack: the `xoxb-` Bot User OAuth
    /// Token). Write-only.
    pub token: crate::Secret,
    /// Slack only: an app-level token (`xapp-…`, Basic Information → App-Level Tokens,
    /// scope `connections:write`) to receive events over Socket Mode instead of polling.
    /// Write-only.
    #[serde(default)]
    pub app_token: Option<crate::Secret>,
    /// The platform's API root when not the public one: `https://` (`http://` only for
    /// localhost).
    #[serde(default)]
    pub api_url: Option<String>,
    /// Whether the server polls it (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Chat ids the bot answers in (at most 100; Telegram `-1001234567890`, Slack
    /// `C0123ABCD`); empty: every chat it is in. Slack without an app token needs one.
    #[serde(default)]
    pub allowed_chats: Vec<String>,
    /// Answer only group chats; default true on Telegram, false on Slack.
    #[serde(default)]
    pub group_only: Option<bool>,
    /// A word that addresses the bot in groups besides a mention: one word, at most
    /// 32 bytes.
    #[serde(default)]
    pub keyword: Option<String>,
    /// A project id, slug or `tenant/slug` of the integration's tenant.
    #[serde(default)]
    pub default_project: Option<String>,
    /// Who answers `ask` and plain mentions (default `none`).
    #[serde(default)]
    pub answer: Option<ChatAnswer>,
    /// Ollama: the server's root (`http://127.0.0.1:11434`): `https://`, or `http://` only
    /// for localhost.
    #[serde(default)]
    pub ollama_url: Option<String>,
    /// Ollama: the model name (`llama3.2`), at most 200 bytes, no whitespace.
    #[serde(default)]
    pub model: Option<String>,
    /// Longest an answer may take: 5..=3600 seconds, default 120.
    #[serde(default)]
    pub answer_timeout_secs: Option<u32>,
    /// Agent: the aiops user (id or email) whose tool credential the agent uses; on
    /// create, default the caller.
    #[serde(default)]
    pub agent_user: Option<String>,
    /// Agent: a chat's context ends after this many seconds without a question:
    /// 60..=604800, default 7200.
    #[serde(default)]
    pub context_ttl_secs: Option<u32>,
    /// Agent: most chats with a live context at once: 1..=100, default 10.
    #[serde(default)]
    pub max_chats: Option<u32>,
}

/// `PATCH /api/v1/chat/integrations/{id}`: absent fields are kept; an empty string clears
/// `api_url`, `keyword`, `default_project`, `ollama_url` and `model`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"allowed_chats": ["-1001234", "-1005678"], "keyword": "aiops"}))]
pub struct UpdateChatIntegration {
    /// A new name, 1..=100 characters.
    #[serde(default)]
    pub name: Option<String>,
    /// A new bot token (write-only); the token cannot be cleared.
    #[serde(default)]
    pub token: Option<crate::Secret>,
    /// Slack only: a new app-level token (`xapp-…`, write-only) for Socket Mode; an empty
    /// string clears it (the bot polls again).
    #[serde(default)]
    pub app_token: Option<crate::Secret>,
    /// The platform's API root when not the public one: `https://` (`http://` only for
    /// localhost).
    #[serde(default)]
    pub api_url: Option<String>,
    /// Whether the server polls it.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The new list of chat ids the bot answers in (replaces the old one; at most 100).
    #[serde(default)]
    pub allowed_chats: Option<Vec<String>>,
    /// Answer only group chats.
    #[serde(default)]
    pub group_only: Option<bool>,
    /// A word that addresses the bot in groups besides a mention: one word, at most
    /// 32 bytes.
    #[serde(default)]
    pub keyword: Option<String>,
    /// A project id, slug or `tenant/slug` of the integration's tenant.
    #[serde(default)]
    pub default_project: Option<String>,
    /// Who answers `ask` and plain mentions.
    #[serde(default)]
    pub answer: Option<ChatAnswer>,
    /// Ollama: the server's root (`http://127.0.0.1:11434`): `https://`, or `http://` only
    /// for localhost.
    #[serde(default)]
    pub ollama_url: Option<String>,
    /// Ollama: the model name (`llama3.2`), at most 200 bytes, no whitespace.
    #[serde(default)]
    pub model: Option<String>,
    /// Longest an answer may take: 5..=3600 seconds.
    #[serde(default)]
    pub answer_timeout_secs: Option<u32>,
    /// Agent: the aiops user (id or email) whose tool credential the agent uses; on
    /// create, default the caller.
    #[serde(default)]
    pub agent_user: Option<String>,
    /// Agent: a chat's context ends after this many seconds without a question:
    /// 60..=604800.
    #[serde(default)]
    pub context_ttl_secs: Option<u32>,
    /// Agent: most chats with a live context at once: 1..=100.
    #[serde(default)]
    pub max_chats: Option<u32>,
}

/// `GET /api/v1/chat/integrations` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChatIntegrationListParams {
    /// Only this tenant's (slug or id).
    pub tenant: Option<String>,
    /// Page size, 1..=500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// A chat user acting as an aiops user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatUser {
    /// The chat integration the mapping belongs to.
    pub integration_id: i64,
    /// The platform's user id (Telegram: the numeric `from.id`).
    pub platform_user_id: String,
    /// The id of the aiops user the chat user acts as.
    pub user_id: i64,
    /// The email of that aiops user.
    pub user_email: String,
    /// When the mapping was made (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `PUT /api/v1/chat/integrations/{id}/users`: maps a chat user to an aiops user (by
/// email); mapping again replaces the previous user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"platform_user_id": "4242", "user": "alice@example.com"}))]
pub struct MapChatUser {
    /// The platform's user id (Telegram: the numeric `from.id`).
    pub platform_user_id: String,
    /// The aiops user's email.
    pub user: String,
}

/// `POST /api/v1/chat/integrations/{id}/test`: what the platform says about the bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatTestResult {
    /// Telegram: the bot's user name (`getMe`'s `username`); Slack: its user id
    /// (`auth.test`'s `user_id`).
    pub bot: String,
}
