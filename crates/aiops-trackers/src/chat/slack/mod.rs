//! A Slack bot over the Web API by polling (<https://docs.slack.dev/reference/methods>), the
//! seed system's mode for servers without a public URL (Socket Mode is to come).
//!
//! Every call carries `Authorization: Bearer <bot token>`; answers are `{"ok": true, …}`
//! or `{"ok": false, "error": "invalid_auth"}` with status 200; a `429` carries
//! `Retry-After` (seconds), waited out by [`crate::http`]. Used: `auth.test` (the bot's
//! user id), `conversations.history` (`channel`, `oldest`, `inclusive=false`, `limit`;
//! newest first) for each configured channel, `chat.postMessage` (`thread_ts` for
//! replies), `chat.update`, `chat.postEphemeral`, `reactions.add`, `reactions.get`,
//! `users.info`.
//!
//! Without interactivity (which needs an inbound URL) the ✅/❌ of a preview are
//! reactions: the bot adds both to its message and reads them back with
//! `reactions.get` on each poll until the message is updated without buttons. Pending
//! previews are kept in memory: after a restart a preview must be sent again. In
//! channels the bot reads messages that mention it (`<@BOT>`); in DMs (`D…`) every one.
//! Only top-level messages are read (`conversations.replies` of threads is to come), and
//! messages with a `subtype` (joins, edits, file shares) are skipped.
//! Text is mrkdwn: `&`, `<` and `>` are escaped.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use aiops_core::chat::channel::{
    Button, ChatChannel, ChatEvent, ChatPerson, Choice, Incoming, Received,
};
use aiops_core::chat::chunks;
use aiops_core::tracker::{Token, TrackerError};
use aiops_core::{CoreError, CoreResult};
use serde_json::{Value, json};
use ureq::http::Method;

use crate::http::{AuthScheme, Http};

/// The public Web API root (`/api` is appended).
pub const DEFAULT_API: &str = "https://slack.com";
/// Longest message text: Slack advises at most 4,000 characters in `text`.
pub const MAX_TEXT: usize = 3900;
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Messages read per page, and pages per channel and poll.
const PAGE: u32 = 100;
const MAX_PAGES: usize = 10;

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
    channels: Vec<String>,
    pending: RefCell<Vec<Pending>>,
    /// Reactions already turned into choices (`channel/ts/name/user`).
    seen: RefCell<Vec<String>>,
}

impl Slack {
    /// Connects and asks `auth.test` who the bot is. `channels` are the conversation ids
    /// polled (the integration's allowed chats).
    pub fn open(api_url: Option<&str>, token: &str, channels: &[String]) -> CoreResult<Self> {
        if !token.starts_with("xoxb-") {
            return Err(CoreError::invalid(
                "token",
                "a Slack bot token starts with xoxb- (OAuth & Permissions → Bot User OAuth Token)",
            ));
        }
        if channels.is_empty() {
            return Err(CoreError::invalid(
                "allowed_chats",
                "polling needs the channel ids to read (C…, G…, D…)",
            ));
        }
        let root = api_url.unwrap_or(DEFAULT_API).trim_end_matches('/');
        let http = Http::new(
            &format!("{root}/api"),
            AuthScheme::Bearer(Token::new(token.to_owned())),
            Vec::new(),
            CALL_TIMEOUT,
        )
        .map_err(|e| CoreError::invalid("api_url", e.to_string()))?;
        let mut bot = Self {
            http,
            bot_user: String::new(),
            channels: channels.to_vec(),
            pending: RefCell::new(Vec::new()),
            seen: RefCell::new(Vec::new()),
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

    fn call(
        &self,
        method: Method,
        name: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> CoreResult<Value> {
        let reply = self
            .http
            .send(method, &format!("/{name}"), query, body, &[])
            .map_err(error)?;
        let v = reply.json().map_err(error)?;
        if v.get("ok").and_then(Value::as_bool) != Some(true) {
            let e = v.get("error").and_then(Value::as_str).unwrap_or("unknown");
            return Err(match e {
                "invalid_auth" | "not_authed" | "token_revoked" | "account_inactive" => {
                    CoreError::Upstream(format!(
                        "Slack refused the bot token ({e}): update the integration's token"
                    ))
                }
                _ => CoreError::Upstream(format!("Slack {name}: {e}")),
            });
        }
        Ok(v)
    }

    /// The channel's new messages after `oldest`, oldest first (None: none; the cursor
    /// starts at the newest message, so a new bot does not answer the channel's history).
    /// Slack answers the newest `limit` first; older pages follow with `latest` while
    /// `has_more` (at most [`MAX_PAGES`]).
    fn history(
        &self,
        channel: &str,
        oldest: Option<&str>,
    ) -> CoreResult<(Vec<Value>, Option<String>)> {
        let Some(oldest) = oldest else {
            let query = [("channel", channel.to_owned()), ("limit", "1".to_owned())];
            let v = self.call(Method::GET, "conversations.history", &query, None)?;
            let newest = v
                .pointer("/messages/0/ts")
                .and_then(Value::as_str)
                .unwrap_or("0");
            return Ok((Vec::new(), Some(newest.to_owned())));
        };
        let mut messages: Vec<Value> = Vec::new();
        let mut latest: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("channel", channel.to_owned()),
                ("oldest", oldest.to_owned()),
                ("inclusive", "false".to_owned()),
                ("limit", PAGE.to_string()),
            ];
            if let Some(l) = &latest {
                query.push(("latest", l.clone()));
            }
            let v = self.call(Method::GET, "conversations.history", &query, None)?;
            let batch = v
                .get("messages")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let more = v.get("has_more").and_then(Value::as_bool) == Some(true);
            latest = batch
                .last()
                .and_then(|m| m.get("ts"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            messages.extend(batch);
            if !more || latest.is_none() {
                break;
            }
        }
        messages.reverse();
        let newest = messages
            .last()
            .and_then(|m| m.get("ts"))
            .and_then(Value::as_str)
            .unwrap_or(oldest)
            .to_owned();
        Ok((messages, Some(newest)))
    }

    fn event(&self, channel: &str, m: &Value) -> Option<ChatEvent> {
        if m.get("bot_id").is_some() || m.get("subtype").is_some() {
            return None;
        }
        let user = m.get("user")?.as_str()?;
        if user == self.bot_user {
            return None;
        }
        let ts = m.get("ts")?.as_str()?;
        let text = m.get("text")?.as_str()?;
        let mention = format!("<@{}>", self.bot_user);
        let dm = channel.starts_with('D');
        let addressed = dm || text.contains(&mention);
        let text = text.replacen(&mention, "", 1);
        let text = text
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
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

    /// ✅/❌ reactions of people on pending previews, as choices.
    fn choices(&self) -> CoreResult<Vec<ChatEvent>> {
        let mut out = Vec::new();
        for p in self.pending.borrow().iter() {
            let query = [
                ("channel", p.channel.clone()),
                ("timestamp", p.ts.clone()),
                ("full", "true".to_owned()),
            ];
            let v = self.call(Method::GET, "reactions.get", &query, None)?;
            let reactions = v
                .pointer("/message/reactions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for r in reactions {
                let name = r.get("name").and_then(Value::as_str).unwrap_or("");
                let data = match name {
                    "white_check_mark" => &p.confirm,
                    "x" => &p.cancel,
                    _ => continue,
                };
                let users = r
                    .get("users")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for u in users.iter().filter_map(Value::as_str) {
                    let key = format!("{}/{}/{name}/{u}", p.channel, p.ts);
                    if u == self.bot_user || self.seen.borrow().contains(&key) {
                        continue;
                    }
                    self.seen.borrow_mut().push(key.clone());
                    out.push(ChatEvent::Choice(Choice {
                        key,
                        chat_id: p.channel.clone(),
                        message_id: p.ts.clone(),
                        user_id: u.to_owned(),
                        callback_id: format!("{}|{u}", p.channel),
                        data: data.clone(),
                    }));
                }
            }
        }
        Ok(out)
    }
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

    /// `cursor` is a JSON object of each channel's last `ts`. Polls every channel once,
    /// then the pending previews' reactions; with nothing new, sleeps `wait` before
    /// returning (Slack has no long poll; `conversations.history` is Tier 3, ~50 a
    /// minute).
    fn receive(&self, cursor: Option<&str>, wait: Duration) -> CoreResult<Received> {
        let mut marks: BTreeMap<String, String> = cursor
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let mut events = Vec::new();
        for channel in &self.channels {
            let (messages, newest) =
                self.history(channel, marks.get(channel).map(String::as_str))?;
            events.extend(messages.iter().filter_map(|m| self.event(channel, m)));
            if let Some(ts) = newest {
                marks.insert(channel.clone(), ts);
            }
        }
        events.extend(self.choices()?);
        if events.is_empty() {
            std::thread::sleep(wait);
        }
        Ok(Received {
            events,
            cursor: Some(serde_json::to_string(&marks).unwrap_or_default()),
        })
    }

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
        let parts = chunks(&text, MAX_TEXT);
        let mut last = String::new();
        for part in &parts {
            let mut body = json!({ "channel": chat_id, "text": escape(part) });
            if let Some(ts) = reply_to {
                body["thread_ts"] = json!(ts);
            }
            let v = self.call(Method::POST, "chat.postMessage", &[], Some(&body))?;
            last = v
                .get("ts")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
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

    /// A notice only the presser sees (`chat.postEphemeral`): polling has no callback.
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
