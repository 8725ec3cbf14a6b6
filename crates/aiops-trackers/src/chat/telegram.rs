//! A Telegram bot over the Bot API (<https://core.telegram.org/bots/api>), by long polling
//! (no public URL needed).
//!
//! Every method is `POST {api}/bot{token}/{method}` with a JSON body; the answer is
//! `{"ok": true, "result": …}` or `{"ok": false, "error_code": N, "description": "…",
//! "parameters": {"retry_after": s}}` ("Making requests"). A `429`'s `retry_after` is waited
//! out (see [`crate::http`]). Used here: `getMe`, `getUpdates` (`offset`, `timeout`,
//! `allowed_updates`; an update is confirmed by asking with a higher offset),
//! `sendMessage` (MarkdownV2, [`MAX_TEXT`] characters, `reply_parameters`, an inline
//! keyboard), `editMessageText`, `setMessageReaction`, `answerCallbackQuery`,
//! `getChatMember`.
//!
//! In groups a message is for the bot when it mentions `@botname`, replies to one of the
//! bot's messages, or is a `/command` (optionally `/command@botname`); in 1:1 chats every
//! message is.
//!
//! The ticket reaction is ✍ (🎫 is not among the emoji `ReactionTypeEmoji` allows). A
//! `message_reaction` update (delivered only when asked for in `allowed_updates`, and
//! only to a bot that is an administrator of the chat) names the message but does not
//! carry it, so the adapter remembers the texts of the last [`REMEMBERED`] messages it
//! received, in memory only: a reaction on an older message, or one from before a
//! restart, is reported without its text. The token is in every URL: error texts never carry a URL, and are scrubbed
//! of the token anyway.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

use aiops_core::chat::channel::{
    Button, ChatChannel, ChatEvent, ChatPerson, Choice, Incoming, Received, Ticket,
};
use aiops_core::chat::chunks;
use aiops_core::tracker::TrackerError;
use aiops_core::{CoreError, CoreResult};
use serde_json::{Value, json};
use ureq::http::Method;

use super::markdown_v2;
use crate::http::{AuthScheme, Http};

/// The public Bot API root.
pub const DEFAULT_API: &str = "https://api.telegram.org";
/// Longest message text ("1-4096 characters after entities parsing"), less a margin for
/// characters Telegram counts twice (it counts UTF-16 code units).
pub const MAX_TEXT: usize = 4000;
/// Timeout of calls other than the long poll.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The ticket reaction (see the module doc).
pub const TICKET_EMOJI: &str = "✍";
/// Message texts remembered for ticket reactions.
const REMEMBERED: usize = 1000;

pub struct Telegram {
    calls: Http,
    polls: Http,
    token: String,
    bot_id: i64,
    username: String,
    /// `(chat id, message id)` → text of the messages received lately, oldest first.
    recent: RefCell<VecDeque<((i64, i64), String)>>,
}

/// A bot token as @BotFather prints it: `<digits>:<letters, digits, _ and ->`.
fn check_token(token: &str) -> CoreResult<()> {
    let ok = token.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.chars().all(|c| c.is_ascii_digit())
            && !secret.is_empty()
            && secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "token",
            "a Telegram bot token looks like 123456789:AA… (from @BotFather)",
        ))
    }
}

impl Telegram {
    /// Connects and asks `getMe` who the bot is. `api_url` defaults to [`DEFAULT_API`]
    /// (a local Bot API server, or a fake in tests, otherwise); `poll_wait` is the longest
    /// `getUpdates` waits.
    pub fn open(api_url: Option<&str>, token: &str, poll_wait: Duration) -> CoreResult<Self> {
        check_token(token)?;
        let api = api_url.unwrap_or(DEFAULT_API).trim_end_matches('/');
        let base = format!("{api}/bot{token}");
        let http = |timeout| {
            Http::new(&base, AuthScheme::InUrl, Vec::new(), timeout)
                .map_err(|e| CoreError::invalid("api_url", e.to_string()))
        };
        let mut bot = Self {
            calls: http(CALL_TIMEOUT)?,
            polls: http(poll_wait + Duration::from_secs(15))?,
            token: token.to_owned(),
            bot_id: 0,
            username: String::new(),
            recent: RefCell::new(VecDeque::new()),
        };
        let me = bot.call("getMe", &json!({}))?;
        bot.bot_id = me.get("id").and_then(Value::as_i64).unwrap_or(0);
        bot.username = me
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(bot)
    }

    /// The bot's `@username`, without the `@`.
    pub fn username(&self) -> &str {
        &self.username
    }

    fn error(&self, e: TrackerError) -> CoreError {
        let scrub = |m: String| {
            let m = m.replace(&self.token, aiops_core::redact::REDACTED);
            aiops_core::redact::redact(&m).into_owned()
        };
        match e {
            TrackerError::RateLimited { retry_after_secs } => {
                CoreError::RateLimited { retry_after_secs }
            }
            TrackerError::Unauthorized(m) if m.contains("(401") => CoreError::Upstream(
                "Telegram refused the bot token (401): update the integration's token".into(),
            ),
            other => CoreError::Upstream(format!("Telegram: {}", scrub(other.to_string()))),
        }
    }

    fn call_with(&self, http: &Http, method: &str, body: &Value) -> CoreResult<Value> {
        let reply = http
            .send(Method::POST, &format!("/{method}"), &[], Some(body), &[])
            .map_err(|e| self.error(e))?;
        let v = reply.json().map_err(|e| self.error(e))?;
        if v.get("ok").and_then(Value::as_bool) != Some(true) {
            let d = v.get("description").and_then(Value::as_str).unwrap_or("");
            return Err(CoreError::Upstream(format!("Telegram {method}: {d}")));
        }
        Ok(v.get("result").cloned().unwrap_or(Value::Null))
    }

    fn call(&self, method: &str, body: &Value) -> CoreResult<Value> {
        self.call_with(&self.calls, method, body)
    }

    /// A chat id as Telegram wants it: the integer when it is one.
    fn chat(chat_id: &str) -> Value {
        chat_id
            .parse::<i64>()
            .map_or_else(|_| json!(chat_id), |n| json!(n))
    }

    fn keyboard(buttons: &[Button]) -> Value {
        let row: Vec<Value> = buttons
            .iter()
            .map(|b| json!({ "text": b.label, "callback_data": b.data }))
            .collect();
        json!({ "inline_keyboard": if row.is_empty() { json!([]) } else { json!([row]) } })
    }

    /// `sendMessage` in MarkdownV2; when Telegram cannot parse it (it should always), the
    /// same text again without formatting.
    fn send(&self, mut body: Value, text: &str) -> CoreResult<String> {
        body["text"] = json!(markdown_v2::escape(text));
        body["parse_mode"] = json!("MarkdownV2");
        let sent = match self.call("sendMessage", &body) {
            Err(CoreError::Upstream(m)) if m.contains("can't parse entities") => {
                body["text"] = json!(text);
                body.as_object_mut().map(|o| o.remove("parse_mode"));
                self.call("sendMessage", &body)?
            }
            other => other?,
        };
        Ok(sent
            .get("message_id")
            .and_then(Value::as_i64)
            .unwrap_or_default()
            .to_string())
    }

    /// One update as a chat event; None for what the bot does not read (its own and other
    /// bots' messages, non-text messages, other update kinds).
    fn event(&self, u: &Value) -> Option<ChatEvent> {
        let key = format!("update/{}", u.get("update_id")?.as_i64()?);
        if let Some(q) = u.get("callback_query") {
            let msg = q.get("message")?;
            return Some(ChatEvent::Choice(Choice {
                key,
                chat_id: msg.pointer("/chat/id")?.as_i64()?.to_string(),
                message_id: msg.get("message_id")?.as_i64()?.to_string(),
                user_id: q.pointer("/from/id")?.as_i64()?.to_string(),
                callback_id: q.get("id")?.as_str()?.to_owned(),
                data: q
                    .get("data")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            }));
        }
        if let Some(r) = u.get("message_reaction") {
            return self.ticket(key, r);
        }
        let m = u.get("message")?;
        let from = m.get("from")?;
        if from.get("is_bot").and_then(Value::as_bool) == Some(true) {
            return None;
        }
        let text = m.get("text")?.as_str()?;
        self.remember(m, text);
        let group = m.pointer("/chat/type").and_then(Value::as_str) != Some("private");
        let (addressed, text) = self.addressed(m, text);
        let user_name = display_name(from);
        Some(ChatEvent::Message(Incoming {
            key,
            chat_id: m.pointer("/chat/id")?.as_i64()?.to_string(),
            group,
            message_id: m.get("message_id")?.as_i64()?.to_string(),
            user_id: from.get("id")?.as_i64()?.to_string(),
            user_name,
            text,
            addressed: addressed || !group,
        }))
    }

    fn remember(&self, m: &Value, text: &str) {
        let (Some(chat), Some(id)) = (
            m.pointer("/chat/id").and_then(Value::as_i64),
            m.get("message_id").and_then(Value::as_i64),
        ) else {
            return;
        };
        let mut recent = self.recent.borrow_mut();
        if recent.len() == REMEMBERED {
            recent.pop_front();
        }
        recent.push_back(((chat, id), text.to_owned()));
    }

    /// A ✍ newly added to a message, as a ticket (other reactions, removals and
    /// anonymous reactions are not for the bot).
    fn ticket(&self, key: String, r: &Value) -> Option<ChatEvent> {
        let has = |field: &str| {
            r.get(field).and_then(Value::as_array).is_some_and(|list| {
                list.iter().any(|x| {
                    x.get("type").and_then(Value::as_str) == Some("emoji")
                        && x.get("emoji").and_then(Value::as_str) == Some(TICKET_EMOJI)
                })
            })
        };
        if !has("new_reaction") || has("old_reaction") {
            return None;
        }
        let user = r.get("user")?;
        let chat = r.pointer("/chat/id")?.as_i64()?;
        let message = r.get("message_id")?.as_i64()?;
        let text = self
            .recent
            .borrow()
            .iter()
            .rev()
            .find(|(at, _)| *at == (chat, message))
            .map(|(_, text)| text.clone());
        Some(ChatEvent::Ticket(Ticket {
            key,
            chat_id: chat.to_string(),
            group: r.pointer("/chat/type").and_then(Value::as_str) != Some("private"),
            message_id: message.to_string(),
            user_id: user.get("id")?.as_i64()?.to_string(),
            user_name: display_name(user),
            text,
        }))
    }

    /// Whether a group message is for the bot, and its text without the mention.
    fn addressed(&self, m: &Value, text: &str) -> (bool, String) {
        let reply_to_bot = m
            .pointer("/reply_to_message/from/id")
            .and_then(Value::as_i64)
            == Some(self.bot_id)
            && self.bot_id != 0;
        let mention = format!("@{}", self.username);
        let entities = m
            .get("entities")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // Entity offsets and lengths count UTF-16 code units.
        let utf16: Vec<u16> = text.encode_utf16().collect();
        let slice = |e: &Value| -> Option<String> {
            let off = e.get("offset")?.as_u64()? as usize;
            let len = e.get("length")?.as_u64()? as usize;
            utf16.get(off..off + len).map(String::from_utf16_lossy)
        };
        // The first mention of the bot, as a UTF-16 range (removed from the text).
        let mut mentioned: Option<(usize, usize)> = None;
        let mut command = false;
        for e in &entities {
            let Some(s) = slice(e) else { continue };
            match e.get("type").and_then(Value::as_str) {
                Some("mention") if s.eq_ignore_ascii_case(&mention) && mentioned.is_none() => {
                    let off = e.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
                    mentioned = Some((off, off + s.encode_utf16().count()));
                }
                Some("bot_command") if e.get("offset").and_then(Value::as_u64) == Some(0) => {
                    command = match s.split_once('@') {
                        Some((_, bot)) => bot.eq_ignore_ascii_case(&self.username),
                        None => true,
                    };
                }
                _ => {}
            }
        }
        let clean = match mentioned {
            Some((from, to)) => {
                let mut rest = utf16[..from].to_vec();
                rest.extend_from_slice(&utf16[to..]);
                String::from_utf16_lossy(&rest)
            }
            None => text.to_owned(),
        };
        (
            mentioned.is_some() || command || reply_to_bot,
            clean.trim().to_owned(),
        )
    }
}

/// `@username`, else the first name, of a Telegram `User`.
fn display_name(user: &Value) -> String {
    match user.get("username").and_then(Value::as_str) {
        Some(u) => format!("@{u}"),
        None => user
            .get("first_name")
            .and_then(Value::as_str)
            .unwrap_or("someone")
            .to_owned(),
    }
}

impl ChatChannel for Telegram {
    fn max_len(&self) -> usize {
        MAX_TEXT
    }

    fn receive(&self, cursor: Option<&str>, wait: Duration) -> CoreResult<Received> {
        let mut body = json!({
            "timeout": wait.as_secs(),
            "allowed_updates": ["message", "callback_query", "message_reaction"],
        });
        if let Some(offset) = cursor.and_then(|c| c.parse::<i64>().ok()) {
            body["offset"] = json!(offset);
        }
        let result = self.call_with(&self.polls, "getUpdates", &body)?;
        let updates = result.as_array().cloned().unwrap_or_default();
        let next = updates
            .iter()
            .filter_map(|u| u.get("update_id").and_then(Value::as_i64))
            .max()
            .map(|id| (id + 1).to_string())
            .or_else(|| cursor.map(str::to_owned));
        Ok(Received {
            events: updates.iter().filter_map(|u| self.event(u)).collect(),
            cursor: next,
        })
    }

    fn post(
        &self,
        chat_id: &str,
        reply_to: Option<&str>,
        text: &str,
        buttons: &[Button],
    ) -> CoreResult<String> {
        let parts = chunks(text, MAX_TEXT);
        let mut last = String::new();
        for (i, part) in parts.iter().enumerate() {
            let mut body = json!({ "chat_id": Self::chat(chat_id) });
            if let (0, Some(r)) = (i, reply_to.and_then(|r| r.parse::<i64>().ok())) {
                body["reply_parameters"] =
                    json!({ "message_id": r, "allow_sending_without_reply": true });
            }
            if i + 1 == parts.len() && !buttons.is_empty() {
                body["reply_markup"] = Self::keyboard(buttons);
            }
            last = self.send(body, part)?;
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
        let body = json!({
            "chat_id": Self::chat(chat_id),
            "message_id": message_id.parse::<i64>().unwrap_or_default(),
            "text": markdown_v2::escape(&text),
            "parse_mode": "MarkdownV2",
            "reply_markup": Self::keyboard(buttons),
        });
        match self.call("editMessageText", &body) {
            // The same text again (a throttled stream that did not move) is fine.
            Err(CoreError::Upstream(m)) if m.contains("message is not modified") => Ok(()),
            other => other.map(|_| ()),
        }
    }

    fn react(&self, chat_id: &str, message_id: &str, emoji: &str) -> CoreResult<()> {
        let body = json!({
            "chat_id": Self::chat(chat_id),
            "message_id": message_id.parse::<i64>().unwrap_or_default(),
            "reaction": [{ "type": "emoji", "emoji": emoji }],
        });
        self.call("setMessageReaction", &body).map(|_| ())
    }

    fn acknowledge(&self, callback_id: &str, text: &str) -> CoreResult<()> {
        let body = json!({ "callback_query_id": callback_id, "text": text });
        self.call("answerCallbackQuery", &body).map(|_| ())
    }

    /// `getChatMember`: the member's `user` (Telegram tells no email).
    fn resolve_user(&self, chat_id: &str, user_id: &str) -> CoreResult<Option<ChatPerson>> {
        let Ok(uid) = user_id.parse::<i64>() else {
            return Ok(None);
        };
        let body = json!({ "chat_id": Self::chat(chat_id), "user_id": uid });
        let member = match self.call("getChatMember", &body) {
            Ok(m) => m,
            Err(CoreError::Upstream(m)) if m.contains("not found") => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(user) = member.get("user") else {
            return Ok(None);
        };
        let name = match user.get("username").and_then(Value::as_str) {
            Some(u) => format!("@{u}"),
            None => user
                .get("first_name")
                .and_then(Value::as_str)
                .unwrap_or("someone")
                .to_owned(),
        };
        Ok(Some(ChatPerson {
            user_id: user_id.to_owned(),
            name,
            email: None,
        }))
    }
}
