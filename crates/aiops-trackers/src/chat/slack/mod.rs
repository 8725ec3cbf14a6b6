//! A Slack bot over the Web API (<https://docs.slack.dev/reference/methods>), receiving
//! events one of two ways, neither needing a public URL:
//! - **Socket Mode** ([`socket`]) when the integration has an app-level token (`xapp-…`):
//!   `apps.connections.open` with that token gives a WebSocket URL; Slack pushes
//!   `events_api` envelopes (`message`, thread replies included, `app_mention`,
//!   `reaction_added`), each acknowledged at once with `{"envelope_id": …}`; a
//!   `disconnect` envelope or a dropped connection is followed by a fresh
//!   `apps.connections.open` (<https://docs.slack.dev/apis/events-api/using-socket-mode>);
//! - **polling** ([`poll`]) otherwise, the seed system's mode: `conversations.history` of
//!   each configured channel (new messages, and the last hour re-read for 🎫 reactions),
//!   `conversations.replies` of the few threads the bot answered in lately, and
//!   `reactions.get` of pending previews.
//!
//! Replies always go through the Web API with the bot token (`Authorization: Bearer
//! xoxb-…`): `chat.postMessage` in the thread of the message answered (`thread_ts` is the
//! thread's parent, never a reply: the adapter keeps a ts → thread map), `chat.update`,
//! `chat.postEphemeral`, `reactions.add`; `users.info` resolves people; `auth.test` tells
//! the bot's user id. Answers are `{"ok": true, …}` or `{"ok": false, "error": "…"}` with
//! status 200; a `429` carries `Retry-After` (seconds), waited out by [`crate::http`].
//!
//! Without interactivity (which needs an inbound URL) the ✅/❌ of a preview are
//! reactions: the bot adds both to its message; a person's ✅/❌ on it is a
//! [`Choice`]. The 🎫 (`:ticket:`) reaction on any message is a [`Ticket`] carrying the
//! message's text. Pending previews and the thread map are kept in memory: after a
//! restart a preview must be sent again. In channels the bot reads messages that
//! mention it (`<@BOT>`); in DMs (`D…`) every one. Messages with a `subtype` (joins,
//! edits, file shares) are skipped. Text is mrkdwn: `&`, `<` and `>` are escaped.
//! Tokens never appear in errors or logs.
//!
//! [`Ticket`]: aiops_core::chat::channel::Ticket

mod poll;
mod socket;
mod threads;

use std::cell::RefCell;
use std::collections::HashSet;
use std::time::Duration;

use aiops_core::chat::channel::{
    Button, ChatChannel, ChatEvent, ChatPerson, Choice, Incoming, Received, Ticket,
};
use aiops_core::chat::chunks;
use aiops_core::tracker::{Token, TrackerError};
use aiops_core::{CoreError, CoreResult};
use serde_json::{Value, json};
use ureq::http::Method;

use crate::http::{AuthScheme, Http};

pub use socket::check_app_token;

/// The public Web API root (`/api` is appended).
pub const DEFAULT_API: &str = "https://slack.com";
/// Longest message text: Slack advises at most 4,000 characters in `text`.
pub const MAX_TEXT: usize = 3900;
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Reaction keys remembered (beyond them the core's processed-event keys still dedupe).
const MAX_SEEN: usize = 10_000;

/// Reaction names of the emoji aiops uses.
fn reaction_name(emoji: &str) -> String {
    match emoji {
        "✅" => "white_check_mark".into(),
        "❌" => "x".into(),
        "🎫" => "ticket".into(),
        "👀" => "eyes".into(),
        other => other.trim_matches(':').to_owned(),
    }
}

/// mrkdwn's three control characters (<https://docs.slack.dev/messaging/formatting-message-text#escaping>).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A bot message whose ✅/❌ reactions stand for its buttons.
struct Pending {
    channel: String,
    ts: String,
    confirm: String,
    cancel: String,
}

pub struct Slack {
    http: Http,
    bot_user: String,
    /// The allowed channels (polling: the ones read; Socket Mode: events elsewhere are
    /// dropped, none: every conversation the bot is in).
    channels: Vec<String>,
    pending: RefCell<Vec<Pending>>,
    /// Reactions already turned into events (`channel/ts/name/user`).
    seen: RefCell<HashSet<String>>,
    threads: RefCell<threads::Threads>,
    /// Socket Mode's connection, when the integration has an app-level token.
    socket: Option<socket::Socket>,
}

impl Slack {
    /// Connects by polling and asks `auth.test` who the bot is. `channels` are the
    /// conversation ids polled (the integration's allowed chats; at least one).
    ///
    /// Errors: `Invalid` for a token that is not `xoxb-…` or no channels; `Upstream`
    /// when Slack refuses the token (`invalid_auth`, …) or cannot be reached.
    pub fn open(api_url: Option<&str>, token: &str, channels: &[String]) -> CoreResult<Self> {
        if channels.is_empty() {
            return Err(CoreError::invalid(
                "allowed_chats",
                "polling needs the channel ids to read (C…, G…, D…)",
            ));
        }
        Self::connect(api_url, token, channels, None)
    }

    /// Connects in Socket Mode: `auth.test` with the bot token, then
    /// `apps.connections.open` with `app_token` (`xapp-…`) and the WebSocket, on the first
    /// [`ChatChannel::receive`]. `channels` may be empty (every conversation the bot is
    /// in). Errors as [`Slack::open`], and `Invalid` for an app token that is not `xapp-…`.
    pub fn open_socket(
        api_url: Option<&str>,
        token: &str,
        app_token: &str,
        channels: &[String],
    ) -> CoreResult<Self> {
        let root = api_url.unwrap_or(DEFAULT_API).trim_end_matches('/');
        let socket = socket::Socket::new(root, app_token)?;
        Self::connect(api_url, token, channels, Some(socket))
    }

    fn connect(
        api_url: Option<&str>,
        token: &str,
        channels: &[String],
        socket: Option<socket::Socket>,
    ) -> CoreResult<Self> {
        if !token.starts_with("xoxb-") {
            return Err(CoreError::invalid(
                "token",
                "a Slack bot token starts with xoxb- (OAuth & Permissions → Bot User OAuth Token)",
            ));
        }
        let root = api_url.unwrap_or(DEFAULT_API).trim_end_matches('/');
        let mut bot = Self {
            http: api(root, token)?,
            bot_user: String::new(),
            channels: channels.to_vec(),
            pending: RefCell::new(Vec::new()),
            seen: RefCell::new(HashSet::new()),
            threads: RefCell::new(threads::Threads::default()),
            socket,
        };
        let me = bot.call(Method::POST, "auth.test", &[], None)?;
        bot.bot_user = me
            .get("user_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(bot)
    }

    /// The bot's user id (`U…`).
    pub fn bot_user(&self) -> &str {
        &self.bot_user
    }

    /// Whether events come over Socket Mode.
    pub fn socket_mode(&self) -> bool {
        self.socket.is_some()
    }

    fn call(
        &self,
        method: Method,
        name: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> CoreResult<Value> {
        call(&self.http, "bot token", method, name, query, body)
    }

    /// Whether the bot reads `channel` (on the allow-list, or no list).
    fn reads(&self, channel: &str) -> bool {
        self.channels.is_empty() || self.channels.iter().any(|c| c == channel)
    }

    /// A person's message (`conversations.history`/`replies` item or a `message` /
    /// `app_mention` event) as an event; None for bots, the bot itself and subtypes.
    fn event(&self, channel: &str, m: &Value) -> Option<ChatEvent> {
        if m.get("bot_id").is_some() || m.get("subtype").is_some() {
            return None;
        }
        let user = m.get("user")?.as_str()?;
        let ts = m.get("ts")?.as_str()?;
        if let Some(parent) = m.get("thread_ts").and_then(Value::as_str) {
            self.threads.borrow_mut().note(channel, ts, parent);
        }
        if user == self.bot_user {
            return None;
        }
        let text = m.get("text")?.as_str()?;
        let mention = format!("<@{}>", self.bot_user);
        let dm = channel.starts_with('D');
        let addressed = dm || text.contains(&mention);
        let text = unescape(&text.replacen(&mention, "", 1));
        Some(ChatEvent::Message(Incoming {
            key: format!("{channel}/{ts}"),
            chat_id: channel.to_owned(),
            group: !dm,
            message_id: ts.to_owned(),
            user_id: user.to_owned(),
            user_name: format!("<@{user}>"),
            text: text.trim().to_owned(),
            addressed,
        }))
    }

    /// Remembers a reaction key; false when it was seen before.
    fn first_time(&self, key: &str) -> bool {
        let mut seen = self.seen.borrow_mut();
        if seen.contains(key) {
            return false;
        }
        if seen.len() >= MAX_SEEN {
            seen.clear();
        }
        seen.insert(key.to_owned())
    }

    /// A person's ✅ (`white_check_mark`) or ❌ (`x`) on a pending preview, once.
    fn choice(&self, channel: &str, ts: &str, name: &str, user: &str) -> Option<ChatEvent> {
        let data = {
            let pending = self.pending.borrow();
            let p = pending
                .iter()
                .find(|p| p.channel == channel && p.ts == ts)?;
            match name {
                "white_check_mark" => p.confirm.clone(),
                "x" => p.cancel.clone(),
                _ => return None,
            }
        };
        let key = format!("{channel}/{ts}/{name}/{user}");
        if user == self.bot_user || !self.first_time(&key) {
            return None;
        }
        Some(ChatEvent::Choice(Choice {
            key,
            chat_id: channel.to_owned(),
            message_id: ts.to_owned(),
            user_id: user.to_owned(),
            callback_id: format!("{channel}|{user}"),
            data,
        }))
    }

    /// The key of a 🎫 reaction: one per (message, reactor).
    fn ticket_key(channel: &str, ts: &str, user: &str) -> String {
        format!("{channel}/{ts}/ticket/{user}")
    }

    /// A person's 🎫 on a message as a [`Ticket`] (the caller checked the key is new).
    fn ticket(&self, channel: &str, ts: &str, user: &str, text: Option<String>) -> ChatEvent {
        ChatEvent::Ticket(Ticket {
            key: Self::ticket_key(channel, ts, user),
            chat_id: channel.to_owned(),
            group: !channel.starts_with('D'),
            message_id: ts.to_owned(),
            user_id: user.to_owned(),
            user_name: format!("<@{user}>"),
            text: text.map(|t| unescape(&t)),
        })
    }
}

/// A Web API client of `root` (`…/api`) with a bearer token.
fn api(root: &str, token: &str) -> CoreResult<Http> {
    Http::new(
        &format!("{root}/api"),
        AuthScheme::Bearer(Token::new(token.to_owned())),
        Vec::new(),
        CALL_TIMEOUT,
    )
    .map_err(|e| CoreError::invalid("api_url", e.to_string()))
}

/// One Web API call; `which` names the token in a refusal ("bot token").
fn call(
    http: &Http,
    which: &str,
    method: Method,
    name: &str,
    query: &[(&str, String)],
    body: Option<&Value>,
) -> CoreResult<Value> {
    let reply = http
        .send(method, &format!("/{name}"), query, body, &[])
        .map_err(error)?;
    let v = reply.json().map_err(error)?;
    if v.get("ok").and_then(Value::as_bool) != Some(true) {
        let e = v.get("error").and_then(Value::as_str).unwrap_or("unknown");
        return Err(match e {
            "invalid_auth"
            | "not_authed"
            | "token_revoked"
            | "account_inactive"
            | "not_allowed_token_type" => CoreError::Upstream(format!(
                "Slack refused the {which} ({e}): update the integration's {which}"
            )),
            _ => CoreError::Upstream(format!("Slack {name}: {e}")),
        });
    }
    Ok(v)
}

fn error(e: TrackerError) -> CoreError {
    match e {
        TrackerError::RateLimited { retry_after_secs } => {
            CoreError::RateLimited { retry_after_secs }
        }
        other => CoreError::Upstream(format!("Slack: {other}")),
    }
}

impl ChatChannel for Slack {
    fn max_len(&self) -> usize {
        MAX_TEXT
    }

    /// Socket Mode: reads envelopes for up to `wait` and returns as soon as one holds an
    /// event (no cursor). Polling: `cursor` is a JSON object of each channel's last `ts`;
    /// polls every channel once, then the bot's recent threads and the pending previews'
    /// reactions; with nothing new, sleeps `wait` before returning (Slack has no long
    /// poll; `conversations.history` is Tier 3, ~50 a minute).
    fn receive(&self, cursor: Option<&str>, wait: Duration) -> CoreResult<Received> {
        match &self.socket {
            Some(socket) => self.receive_socket(socket, wait),
            None => self.receive_poll(cursor, wait),
        }
    }

    /// Posts in the thread of `reply_to` (its parent's `ts`), as several messages when
    /// longer than [`MAX_TEXT`]; two buttons become the ✅/❌ reactions.
    fn post(
        &self,
        chat_id: &str,
        reply_to: Option<&str>,
        text: &str,
        buttons: &[Button],
    ) -> CoreResult<String> {
        let mut text = text.to_owned();
        if buttons.len() == 2 {
            text.push_str("\n(react ✅ to confirm, ❌ to cancel)");
        }
        let thread = reply_to.map(|ts| self.threads.borrow().parent_of(chat_id, ts));
        let parts = chunks(&text, MAX_TEXT);
        let mut last = String::new();
        for part in &parts {
            let mut body = json!({ "channel": chat_id, "text": escape(part) });
            if let Some(ts) = &thread {
                body["thread_ts"] = json!(ts);
            }
            let v = self.call(Method::POST, "chat.postMessage", &[], Some(&body))?;
            last = v
                .get("ts")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if let Some(parent) = &thread {
                self.threads.borrow_mut().note(chat_id, &last, parent);
            }
        }
        if let (Some(parent), Some(answered)) = (&thread, reply_to) {
            self.threads
                .borrow_mut()
                .answered(chat_id, parent, answered);
        }
        if let [confirm, cancel] = buttons {
            self.react(chat_id, &last, "✅")?;
            self.react(chat_id, &last, "❌")?;
            self.pending.borrow_mut().push(Pending {
                channel: chat_id.to_owned(),
                ts: last.clone(),
                confirm: confirm.data.clone(),
                cancel: cancel.data.clone(),
            });
        }
        Ok(last)
    }

    fn update(
        &self,
        chat_id: &str,
        message_id: &str,
        text: &str,
        buttons: &[Button],
    ) -> CoreResult<()> {
        let text = chunks(text, MAX_TEXT).swap_remove(0);
        let body = json!({ "channel": chat_id, "ts": message_id, "text": escape(&text) });
        self.call(Method::POST, "chat.update", &[], Some(&body))?;
        if buttons.is_empty() {
            self.pending
                .borrow_mut()
                .retain(|p| !(p.channel == chat_id && p.ts == message_id));
        }
        Ok(())
    }

    fn react(&self, chat_id: &str, message_id: &str, emoji: &str) -> CoreResult<()> {
        let body =
            json!({ "channel": chat_id, "timestamp": message_id, "name": reaction_name(emoji) });
        match self.call(Method::POST, "reactions.add", &[], Some(&body)) {
            Err(CoreError::Upstream(m)) if m.ends_with("already_reacted") => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// A notice only the presser sees (`chat.postEphemeral`): reactions have no callback.
    fn acknowledge(&self, callback_id: &str, text: &str) -> CoreResult<()> {
        let Some((channel, user)) = callback_id.split_once('|') else {
            return Ok(());
        };
        let body = json!({ "channel": channel, "user": user, "text": escape(text) });
        self.call(Method::POST, "chat.postEphemeral", &[], Some(&body))
            .map(|_| ())
    }

    /// `users.info`: the display name and, with the `users:read.email` scope, the email.
    fn resolve_user(&self, _chat_id: &str, user_id: &str) -> CoreResult<Option<ChatPerson>> {
        let v = match self.call(
            Method::GET,
            "users.info",
            &[("user", user_id.to_owned())],
            None,
        ) {
            Ok(v) => v,
            Err(CoreError::Upstream(m)) if m.ends_with("user_not_found") => return Ok(None),
            Err(e) => return Err(e),
        };
        let profile = v.pointer("/user/profile");
        let text = |k: &str| {
            profile
                .and_then(|p| p.get(k))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(Some(ChatPerson {
            user_id: user_id.to_owned(),
            name: text("display_name")
                .or_else(|| text("real_name"))
                .unwrap_or_else(|| user_id.to_owned()),
            email: text("email"),
        }))
    }
}
