//! `aiops telegram …` and `aiops slack …`: chat bots of a tenant (issue 18), the same
//! verbs for each platform: `list|get|create|update|delete|test`, and the chat users they
//! know (`users`, `map-user`, `unmap-user`). The bot token is read from stdin
//! (`--token-stdin`), never from the command line; Slack's app-level token (Socket Mode)
//! from a file (`--app-token-file`) or an environment variable (`--app-token-env`).

use aiops_client::Client;
use aiops_types::{
    ChatAnswer, ChatIntegration, ChatIntegrationListParams, ChatPlatform, ChatUser,
    CreateChatIntegration, MapChatUser, UpdateChatIntegration,
};

use crate::cli::exit::CliError;
use crate::cli::integrations::read_token;
use crate::cli::output::{self, Render, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages};

#[derive(Debug, clap::Subcommand)]
pub enum BotCommand {
    /// This platform's bots of the tenants you belong to.
    List {
        /// Only this tenant's (id or slug).
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one bot (its health and last event too).
    Get { bot: String },
    /// Add a bot to a tenant (server or tenant admins); the server starts polling it.
    Create {
        /// Tenant id or slug.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        /// Read the bot token from stdin (Telegram: from @BotFather; Slack: the xoxb- Bot
        /// User OAuth Token).
        #[arg(long, required = true)]
        token_stdin: bool,
        #[command(flatten)]
        app_token: AppToken,
        #[command(flatten)]
        settings: Settings,
    },
    /// Change a bot (server or tenant admins); its poller restarts.
    Update {
        bot: String,
        #[arg(long)]
        name: Option<String>,
        /// Read a new bot token from stdin.
        #[arg(long)]
        token_stdin: bool,
        #[command(flatten)]
        app_token: AppToken,
        /// Slack: forget the app-level token; the bot polls its channels again.
        #[arg(long, conflicts_with_all = ["app_token_file", "app_token_env"])]
        no_app_token: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Delete a bot, its user mappings and its poll state.
    Delete { bot: String },
    /// Check the token with the platform (Telegram getMe, Slack auth.test).
    Test { bot: String },
    /// The chat users linked to aiops users.
    Users { bot: String },
    /// Link a chat user (their platform user id, which the bot tells them) to an aiops user.
    MapUser {
        bot: String,
        /// The chat user's id (Telegram: digits; Slack: U…).
        #[arg(long, value_name = "ID")]
        chat_user: String,
        /// The aiops user's email.
        #[arg(long, value_name = "EMAIL")]
        user: String,
    },
    /// Unlink a chat user.
    UnmapUser {
        bot: String,
        #[arg(long, value_name = "ID")]
        chat_user: String,
    },
}

/// Slack's app-level token (`xapp-…`, scope `connections:write`): with it the bot
/// receives events over Socket Mode instead of polling. Never on the command line itself.
#[derive(Debug, clap::Args)]
pub struct AppToken {
    /// Slack: read the app-level token (xapp-…) for Socket Mode from this file.
    #[arg(long, value_name = "PATH", conflicts_with = "app_token_env")]
    app_token_file: Option<std::path::PathBuf>,
    /// Slack: read the app-level token (xapp-…) for Socket Mode from this environment
    /// variable.
    #[arg(long, value_name = "VAR")]
    app_token_env: Option<String>,
}

impl AppToken {
    /// The token named by the flags (trimmed), None without them.
    fn read(&self) -> Result<Option<String>, CliError> {
        let text = match (&self.app_token_file, &self.app_token_env) {
            (Some(path), _) => std::fs::read_to_string(path).map_err(|e| {
                CliError::usage(format!(
                    "cannot read the app token from {}: {e}",
                    path.display()
                ))
            })?,
            (None, Some(var)) => std::env::var(var).map_err(|_| {
                CliError::usage(format!(
                    "--app-token-env {var}: the environment variable is not set"
                ))
            })?,
            (None, None) => return Ok(None),
        };
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err(CliError::usage("the app token is empty"));
        }
        Ok(Some(text))
    }
}

#[derive(Debug, clap::Args)]
pub struct Settings {
    /// The platform's API root (Telegram: a local Bot API server; default
    /// https://api.telegram.org or https://slack.com; update: an empty value returns to it).
    #[arg(long, value_name = "URL")]
    api_url: Option<String>,
    /// A chat the bot answers in (repeat; none: every chat it is in). Slack: a channel it
    /// polls (C…, G… or D…; at least one).
    #[arg(
        long = "allow-chat",
        visible_alias = "channel",
        value_name = "ID",
        allow_hyphen_values = true
    )]
    allow_chat: Vec<String>,
    /// Update: answer in every chat again.
    #[arg(long, conflicts_with = "allow_chat")]
    any_chat: bool,
    /// Answer in groups only, ignoring 1:1 chats (default: true on Telegram, false on
    /// Slack).
    #[arg(long, value_name = "BOOL")]
    group_only: Option<bool>,
    /// A word that addresses the bot in groups besides @mentioning it.
    #[arg(long)]
    keyword: Option<String>,
    /// The project `issue` and `list` use when a message names none (id, slug or
    /// tenant/slug).
    #[arg(long, value_name = "PROJECT")]
    project: Option<String>,
    /// Who answers questions: none, ollama (a local model) or agent (Claude Code in the
    /// session sandbox, one conversation per chat).
    #[arg(long, value_parser = ["none", "ollama", "agent"])]
    answer: Option<String>,
    /// Ollama: the server's root URL (http://127.0.0.1:11434).
    #[arg(long, value_name = "URL")]
    ollama_url: Option<String>,
    /// Ollama: the model; agent: Claude Code's --model (default: its own).
    #[arg(long)]
    model: Option<String>,
    /// Agent: the aiops user (email or id) whose Claude Code credential the agent uses
    /// (create: default you; another user: server admins only).
    #[arg(long, value_name = "USER")]
    agent_user: Option<String>,
    /// Agent: a chat's conversation ends after this long without a question, seconds
    /// (default 7200).
    #[arg(long, value_name = "SECS")]
    context_ttl: Option<u32>,
    /// Agent: most chats with a live conversation at once (default 10).
    #[arg(long, value_name = "N")]
    max_chats: Option<u32>,
    /// Longest one answer may take, seconds (default 120).
    #[arg(long, value_name = "SECS")]
    answer_timeout: Option<u32>,
    /// Whether the server polls the bot (default true).
    #[arg(long, value_name = "BOOL")]
    enabled: Option<bool>,
}

impl Settings {
    fn answer(&self) -> Result<Option<ChatAnswer>, CliError> {
        self.answer
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(CliError::usage)
    }
}

/// The `platform` bot `text` names: an id, a name, or `tenant/name`.
async fn resolve(
    client: &Client,
    platform: ChatPlatform,
    text: &str,
) -> Result<ChatIntegration, CliError> {
    if let Ok(id) = text.parse::<i64>() {
        let found = client.chat_integration(id).await?;
        if found.platform != platform {
            return Err(CliError::not_found(format!(
                "chat integration {id} is a {} bot",
                found.platform.as_str()
            )));
        }
        return Ok(found);
    }
    let (tenant, name) = match text.split_once('/') {
        Some((t, n)) => (Some(t.to_owned()), n),
        None => (None, text),
    };
    let mut found = Vec::new();
    let mut cursor = None;
    loop {
        let params = ChatIntegrationListParams {
            tenant: tenant.clone(),
            limit: Some(500),
            cursor,
        };
        let page = client.list_chat_integrations(&params).await?;
        found.extend(
            page.items
                .into_iter()
                .filter(|i| i.name == name && i.platform == platform),
        );
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    match found.len() {
        0 => Err(CliError::not_found(format!(
            "no {} bot `{text}` (see `aiops {} list`)",
            platform.as_str(),
            platform.as_str()
        ))),
        1 => Ok(found.remove(0)),
        _ => Err(CliError::usage(format!(
            "`{name}` is a bot of several tenants: use {}",
            found
                .iter()
                .map(|t| format!("{}/{}", t.tenant_slug, t.name))
                .collect::<Vec<_>>()
                .join(" or ")
        ))),
    }
}

pub async fn run(ctx: &Ctx, platform: ChatPlatform, cmd: BotCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    let out = ctx.out;
    match cmd {
        BotCommand::List { tenant, page } => {
            list_pages(out, &page, |p| {
                let params = ChatIntegrationListParams {
                    tenant: tenant.clone(),
                    limit: p.limit,
                    cursor: p.cursor,
                };
                async move {
                    let mut page = client.list_chat_integrations(&params).await?;
                    page.items.retain(|i| i.platform == platform);
                    Ok(page)
                }
            })
            .await
        }
        BotCommand::Get { bot } => output::one(out, &resolve(client, platform, &bot).await?),
        BotCommand::Create {
            tenant,
            name,
            token_stdin: _,
            app_token,
            settings: s,
        } => {
            let app_token = app_token.read()?;
            let token = read_token()?;
            if token.is_empty() {
                return Err(CliError::usage("no token on stdin"));
            }
            let req = CreateChatIntegration {
                tenant,
                name,
                platform,
                token: token.into(),
                app_token: app_token.map(Into::into),
                answer: s.answer()?,
                api_url: s.api_url,
                enabled: s.enabled,
                allowed_chats: s.allow_chat,
                group_only: s.group_only,
                keyword: s.keyword,
                default_project: s.project,
                ollama_url: s.ollama_url,
                model: s.model,
                answer_timeout_secs: s.answer_timeout,
                agent_user: s.agent_user,
                context_ttl_secs: s.context_ttl,
                max_chats: s.max_chats,
            };
            output::one(out, &client.create_chat_integration(&req).await?)
        }
        BotCommand::Update {
            bot,
            name,
            token_stdin,
            app_token,
            no_app_token,
            settings: s,
        } => {
            let app_token = match no_app_token {
                true => Some(String::new()),
                false => app_token.read()?,
            };
            let t = resolve(client, platform, &bot).await?;
            let token = if token_stdin {
                Some(read_token()?).filter(|t| !t.is_empty())
            } else {
                None
            };
            let allowed_chats = match (s.any_chat, s.allow_chat.is_empty()) {
                (true, _) => Some(Vec::new()),
                (false, false) => Some(s.allow_chat.clone()),
                (false, true) => None,
            };
            let req = UpdateChatIntegration {
                name,
                token: token.map(Into::into),
                app_token: app_token.map(Into::into),
                answer: s.answer()?,
                api_url: s.api_url,
                enabled: s.enabled,
                allowed_chats,
                group_only: s.group_only,
                keyword: s.keyword,
                default_project: s.project,
                ollama_url: s.ollama_url,
                model: s.model,
                answer_timeout_secs: s.answer_timeout,
                agent_user: s.agent_user,
                context_ttl_secs: s.context_ttl,
                max_chats: s.max_chats,
            };
            output::one(out, &client.update_chat_integration(t.id, &req).await?)
        }
        BotCommand::Delete { bot } => {
            let t = resolve(client, platform, &bot).await?;
            client.delete_chat_integration(t.id).await?;
            output::notice(
                out,
                &format!("Deleted {} bot {} ({}).", platform.as_str(), t.name, t.id),
            )
        }
        BotCommand::Test { bot } => {
            let t = resolve(client, platform, &bot).await?;
            let result = client.test_chat_integration(t.id).await?;
            output::notice(
                out,
                &match platform {
                    ChatPlatform::Telegram => format!(
                        "Telegram accepts the token of {}: the bot is @{}.",
                        t.name, result.bot
                    ),
                    ChatPlatform::Slack => format!(
                        "Slack accepts the token of {}: the bot is user {}.",
                        t.name, result.bot
                    ),
                },
            )
        }
        BotCommand::Users { bot } => {
            let t = resolve(client, platform, &bot).await?;
            output::list(out, &client.chat_users(t.id).await?)
        }
        BotCommand::MapUser {
            bot,
            chat_user,
            user,
        } => {
            let t = resolve(client, platform, &bot).await?;
            let req = MapChatUser {
                platform_user_id: chat_user,
                user,
            };
            output::one(out, &client.map_chat_user(t.id, &req).await?)
        }
        BotCommand::UnmapUser { bot, chat_user } => {
            let t = resolve(client, platform, &bot).await?;
            client.unmap_chat_user(t.id, &chat_user).await?;
            output::notice(
                out,
                &format!("Unlinked chat user {chat_user} from {}.", t.name),
            )
        }
    }
}

impl Render for ChatIntegration {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "TENANT",
        "NAME",
        "CHATS",
        "ANSWER",
        "ENABLED",
        "HEALTH",
        "LAST EVENT",
    ];

    fn row(&self) -> Vec<String> {
        let chats = if self.allowed_chats.is_empty() {
            "any".to_owned()
        } else {
            self.allowed_chats.join(",")
        };
        vec![
            self.id.to_string(),
            self.tenant_slug.clone(),
            self.name.clone(),
            chats,
            self.answer.as_str().to_owned(),
            self.enabled.to_string(),
            or_dash(self.health.as_deref()),
            self.last_event_at.as_ref().map_or("-".to_owned(), ts),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let set = |b: bool| if b { "set" } else { "not set" }.to_owned();
        vec![
            ("id", self.id.to_string()),
            (
                "tenant",
                format!("{} (id {})", self.tenant_slug, self.tenant_id),
            ),
            ("name", self.name.clone()),
            ("platform", self.platform.as_str().to_owned()),
            ("token", set(self.has_token)),
            (
                "receives",
                match (self.platform, self.socket_mode) {
                    (ChatPlatform::Slack, true) => "Socket Mode (app token set)",
                    (ChatPlatform::Slack, false) => "polling",
                    (ChatPlatform::Telegram, _) => "long polling",
                }
                .to_owned(),
            ),
            ("api_url", or_dash(self.api_url.as_deref())),
            ("enabled", self.enabled.to_string()),
            (
                "allowed_chats",
                or_dash(Some(&self.allowed_chats.join(","))),
            ),
            ("group_only", self.group_only.to_string()),
            ("keyword", or_dash(self.keyword.as_deref())),
            (
                "default_project_id",
                or_dash(self.default_project_id.map(|i| i.to_string()).as_deref()),
            ),
            ("answer", self.answer.as_str().to_owned()),
            ("ollama_url", or_dash(self.ollama_url.as_deref())),
            ("model", or_dash(self.model.as_deref())),
            ("answer_timeout_secs", self.answer_timeout_secs.to_string()),
            (
                "agent_user_id",
                or_dash(self.agent_user_id.map(|i| i.to_string()).as_deref()),
            ),
            ("context_ttl_secs", self.context_ttl_secs.to_string()),
            ("max_chats", self.max_chats.to_string()),
            ("health", or_dash(self.health.as_deref())),
            (
                "last_event_at",
                self.last_event_at.as_ref().map_or("-".to_owned(), ts),
            ),
            ("created_at", ts(&self.created_at)),
            ("updated_at", ts(&self.updated_at)),
        ]
    }
}

impl Render for ChatUser {
    const HEADERS: &'static [&'static str] = &["CHAT USER", "AIOPS USER", "SINCE"];

    fn row(&self) -> Vec<String> {
        vec![
            self.platform_user_id.clone(),
            self.user_email.clone(),
            ts(&self.created_at),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("integration_id", self.integration_id.to_string()),
            ("chat_user", self.platform_user_id.clone()),
            ("user", format!("{} (id {})", self.user_email, self.user_id)),
            ("since", ts(&self.created_at)),
        ]
    }
}
