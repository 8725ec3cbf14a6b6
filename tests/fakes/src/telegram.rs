//! Fake Telegram Bot API (<https://core.telegram.org/bots/api>), enough of it for aiops's
//! chat bot, answering like the real one:
//! - every method is `POST /bot<token>/<method>` with a JSON body; an unknown token →
//!   `401 {"ok":false,"error_code":401,"description":"Unauthorized"}`, an unknown method →
//!   `404 … "Not Found"`; results are `{"ok":true,"result":…}`;
//! - `getMe`; `getUpdates` (`offset` confirms every update below it, which is then gone
//!   for good; `timeout` long-polls until an update arrives; `allowed_updates` is kept
//!   until changed, and an update of a kind not allowed is dropped, never delivered:
//!   without one, or with `[]`, every kind but `message_reaction`,
//!   `message_reaction_count` and `chat_member`);
//! - `sendMessage` / `editMessageText` with `parse_mode: "MarkdownV2"`: the text is
//!   parsed as MarkdownV2 (escapes, code spans and fences only: the subset aiops sends),
//!   an unescaped reserved character → `400 "Bad Request: can't parse entities: …"`; more
//!   than 4096 characters after parsing → `400 "Bad Request: message is too long"`;
//!   editing to the same text and markup → `400 "Bad Request: message is not modified…"`;
//! - `answerCallbackQuery`, `setMessageReaction`; `getChatMember` (a user who wrote in the
//!   chat is a `member`; anyone else `400 "Bad Request: user not found"`).
//!
//! Every call is kept with its body ([`TelegramState::calls`]), every message the bot
//! sent or edited in [`TelegramState::messages`] (its text as shown, after parsing).
//! [`crate::Fake::fail_next`] injects `429 {"parameters":{"retry_after":n}}`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::{Fake, json as reply};

/// The fake bot's own user id and name.
pub const BOT_ID: i64 = 777_000;
pub const BOT_USERNAME: &str = "aiops_test_bot";

/// A message the bot sent, as the chat shows it now.
#[derive(Debug, Clone, PartialEq)]
pub struct BotMessage {
    pub chat_id: i64,
    pub message_id: i64,
    /// The text as shown (MarkdownV2 parsed).
    pub text: String,
    pub reply_to: Option<i64>,
    /// `callback_data` of its inline buttons.
    pub buttons: Vec<String>,
    /// Every text it showed, oldest first (the first is what was sent; then each edit).
    pub history: Vec<String>,
}

#[derive(Debug, Default)]
pub struct TelegramState {
    pub token: String,
    /// Updates not yet confirmed, oldest first.
    pub pending: Vec<Value>,
    /// Every update ever queued, oldest first.
    pub history: Vec<Value>,
    pub next_update_id: i64,
    pub next_message_id: i64,
    /// Every call: method and body.
    pub calls: Vec<(String, Value)>,
    /// The bot's messages by id.
    pub messages: BTreeMap<i64, BotMessage>,
    /// `answerCallbackQuery` texts by callback id.
    pub answered: BTreeMap<String, String>,
    /// The last `allowed_updates` asked for (None or empty: the default kinds).
    pub allowed_updates: Option<Vec<String>>,
    wake: Arc<tokio::sync::Notify>,
}

impl TelegramState {
    fn push(&mut self, mut update: Value) -> i64 {
        self.next_update_id += 1;
        update["update_id"] = json!(self.next_update_id);
        self.history.push(update.clone());
        self.pending.push(update);
        self.wake.notify_waiters();
        self.next_update_id
    }

    /// Queues every update ever sent again, with its original `update_id` (what a bot
    /// sees when it asks with an older offset than it had confirmed, e.g. after losing its
    /// stored offset).
    pub fn redeliver_all(&mut self) {
        self.pending = self.history.clone();
        self.wake.notify_waiters();
    }

    /// A user's text message in chat `chat_id` (`type` `group` when negative, else
    /// `private`); `@aiops_test_bot` in it becomes a `mention` entity. Returns its
    /// message id.
    pub fn user_message(
        &mut self,
        chat_id: i64,
        from: i64,
        username: &str,
        text: &str,
        reply_to: Option<i64>,
    ) -> i64 {
        self.next_message_id += 1;
        let id = self.next_message_id;
        let mut entities = Vec::new();
        let mention = format!("@{BOT_USERNAME}");
        if let Some(at) = text.find(&mention) {
            let offset = text[..at].encode_utf16().count();
            entities.push(json!({"type": "mention", "offset": offset, "length": mention.len()}));
        }
        let kind = if chat_id < 0 { "group" } else { "private" };
        let mut message = json!({
            "message_id": id,
            "from": {"id": from, "is_bot": false, "first_name": username, "username": username},
            "chat": {"id": chat_id, "type": kind, "title": "ops"},
            "date": 1_765_000_000,
            "text": text,
        });
        if !entities.is_empty() {
            message["entities"] = json!(entities);
        }
        if let Some(r) = reply_to {
            message["reply_to_message"] = json!({
                "message_id": r, "from": {"id": BOT_ID, "is_bot": true, "first_name": "aiops"},
                "chat": {"id": chat_id, "type": kind}, "date": 1_765_000_000, "text": "…"
            });
        }
        self.push(json!({ "message": message }));
        id
    }

    /// `from` adds the reaction `emoji` to message `message_id` in `chat_id` (a
    /// `message_reaction` update; the bot is taken to be an administrator there).
    pub fn react(&mut self, chat_id: i64, from: i64, username: &str, message_id: i64, emoji: &str) {
        let kind = if chat_id < 0 { "group" } else { "private" };
        self.push(json!({ "message_reaction": {
            "chat": {"id": chat_id, "type": kind, "title": "ops"},
            "message_id": message_id,
            "user": {"id": from, "is_bot": false, "first_name": username, "username": username},
            "date": 1_765_000_000,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": emoji}],
        }}));
    }

    /// Whether the last `allowed_updates` lets `update` through.
    pub fn allowed(&self, update: &Value) -> bool {
        let kind = update
            .as_object()
            .and_then(|o| o.keys().find(|k| *k != "update_id"))
            .map_or("", String::as_str);
        match self.allowed_updates.as_deref() {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
            _ => !matches!(
                kind,
                "message_reaction" | "message_reaction_count" | "chat_member"
            ),
        }
    }

    /// A press of the button with `data` under bot message `message_id`; returns the
    /// callback query id.
    pub fn press(&mut self, chat_id: i64, from: i64, message_id: i64, data: &str) -> String {
        let id = format!("cb{}", self.next_update_id + 1);
        let text = self
            .messages
            .get(&message_id)
            .map(|m| m.text.clone())
            .unwrap_or_default();
        self.push(json!({ "callback_query": {
            "id": id,
            "from": {"id": from, "is_bot": false, "first_name": "u"},
            "message": {"message_id": message_id, "chat": {"id": chat_id, "type": "group"},
                        "date": 1_765_000_000, "text": text},
            "chat_instance": "1",
            "data": data,
        }}));
        id
    }

    /// The bot's messages in `chat_id`, oldest first.
    pub fn chat(&self, chat_id: i64) -> Vec<BotMessage> {
        self.messages
            .values()
            .filter(|m| m.chat_id == chat_id)
            .cloned()
            .collect()
    }

    /// Calls of `method` so far.
    pub fn count(&self, method: &str) -> usize {
        self.calls.iter().filter(|(m, _)| m == method).count()
    }
}

/// Starts a fake Bot API whose bot has `token`.
pub fn start(token: &str) -> Fake<TelegramState> {
    let state = TelegramState {
        token: token.to_owned(),
        next_message_id: 1000,
        ..Default::default()
    };
    Fake::spawn(state, router)
}

type Shared = Arc<Mutex<TelegramState>>;

fn router(state: Shared) -> Router {
    Router::new()
        .route("/{bot}/{method}", post(call))
        .with_state(state)
}

fn fail(code: u16, description: &str) -> Response {
    reply(
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}

fn ok(result: Value) -> Response {
    reply(200, json!({"ok": true, "result": result}))
}

const RESERVED: &str = "_*[]()~`>#+-=|{}.!\\";

/// The text a MarkdownV2 message shows; Err with Telegram's description.
pub fn parse_markdown_v2(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    let mut rest = text;
    while let Some(c) = chars.next() {
        let consumed = c.len_utf8();
        if c == '\\' {
            match chars.next() {
                Some(n) => {
                    out.push(n);
                    rest = &rest[consumed + n.len_utf8()..];
                }
                None => return Err("can't parse entities: ends with a lone '\\'".into()),
            }
            continue;
        }
        if c == '`' {
            let fence = rest.starts_with("```");
            let open = if fence { 3 } else { 1 };
            let body = &rest[open..];
            let close = if fence { "```" } else { "`" };
            let Some(end) = find_unescaped(body, close) else {
                return Err("can't parse entities: can't find end of code entity".into());
            };
            let code = &body[..end];
            let code = if fence {
                code.split_once('\n').map_or(code, |(_, c)| c)
            } else {
                code
            };
            out.push_str(&unescape_code(code));
            rest = &body[end + close.len()..];
            chars = rest.chars().peekable();
            continue;
        }
        if RESERVED.contains(c) {
            return Err(format!(
                "can't parse entities: Character '{c}' is reserved and must be escaped with the preceding '\\'"
            ));
        }
        out.push(c);
        rest = &rest[consumed..];
    }
    Ok(out)
}

fn find_unescaped(s: &str, needle: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if s[i..].starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn unescape_code(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The shown text of a send or edit body; Err with the `400` description.
fn shown(body: &Value) -> Result<String, String> {
    let text = body.get("text").and_then(Value::as_str).unwrap_or("");
    let shown = match body.get("parse_mode").and_then(Value::as_str) {
        Some("MarkdownV2") => parse_markdown_v2(text)?,
        Some(other) => return Err(format!("unsupported parse_mode {other}")),
        None => text.to_owned(),
    };
    if shown.trim().is_empty() {
        return Err("message text is empty".into());
    }
    if shown.encode_utf16().count() > 4096 {
        return Err("message is too long".into());
    }
    Ok(shown)
}

fn buttons(body: &Value) -> Vec<String> {
    body.pointer("/reply_markup/inline_keyboard")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(|b| b.get("callback_data").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

async fn call(
    State(st): State<Shared>,
    Path((bot, method)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    let wake = {
        let mut s = st.lock().expect("state");
        s.calls.push((method.clone(), body.clone()));
        if bot != format!("bot{}", s.token) {
            return fail(401, "Unauthorized");
        }
        s.wake.clone()
    };
    if method == "getUpdates" {
        let offset = body.get("offset").and_then(Value::as_i64);
        let timeout = body.get("timeout").and_then(Value::as_u64).unwrap_or(0);
        if let Some(kinds) = body.get("allowed_updates").and_then(Value::as_array) {
            let kinds = kinds.iter().filter_map(Value::as_str).map(str::to_owned);
            st.lock().expect("state").allowed_updates = Some(kinds.collect());
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
        loop {
            let notified = wake.notified();
            {
                let mut s = st.lock().expect("state");
                if let Some(o) = offset {
                    s.pending
                        .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= o);
                }
                let pending = std::mem::take(&mut s.pending);
                s.pending = pending.into_iter().filter(|u| s.allowed(u)).collect();
                if !s.pending.is_empty() {
                    return ok(json!(s.pending.clone()));
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return ok(json!([]));
            }
        }
    }
    let mut s = st.lock().expect("state");
    let chat_id = body.get("chat_id").and_then(Value::as_i64).unwrap_or(0);
    match method.as_str() {
        "getMe" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "aiops", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
        })),
        "sendMessage" => {
            let text = match shown(&body) {
                Ok(t) => t,
                Err(d) => return fail(400, &format!("Bad Request: {d}")),
            };
            s.next_message_id += 1;
            let id = s.next_message_id;
            let reply_to = body
                .pointer("/reply_parameters/message_id")
                .and_then(Value::as_i64);
            s.messages.insert(
                id,
                BotMessage {
                    chat_id,
                    message_id: id,
                    text: text.clone(),
                    reply_to,
                    buttons: buttons(&body),
                    history: vec![text.clone()],
                },
            );
            ok(json!({
                "message_id": id, "from": {"id": BOT_ID, "is_bot": true, "first_name": "aiops"},
                "chat": {"id": chat_id, "type": if chat_id < 0 { "group" } else { "private" }},
                "date": 1_765_000_000, "text": text,
            }))
        }
        "editMessageText" => {
            let id = body.get("message_id").and_then(Value::as_i64).unwrap_or(0);
            let text = match shown(&body) {
                Ok(t) => t,
                Err(d) => return fail(400, &format!("Bad Request: {d}")),
            };
            let new_buttons = buttons(&body);
            let Some(m) = s.messages.get_mut(&id).filter(|m| m.chat_id == chat_id) else {
                return fail(400, "Bad Request: message to edit not found");
            };
            if m.text == text && m.buttons == new_buttons {
                return fail(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
                );
            }
            m.text = text.clone();
            m.buttons = new_buttons;
            m.history.push(text.clone());
            ok(json!({"message_id": id, "chat": {"id": chat_id}, "text": text}))
        }
        "answerCallbackQuery" => {
            let id = body
                .get("callback_query_id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let text = body.get("text").and_then(Value::as_str).unwrap_or("");
            s.answered.insert(id, text.to_owned());
            ok(json!(true))
        }
        "setMessageReaction" => ok(json!(true)),
        "getChatMember" => {
            let uid = body.get("user_id").and_then(Value::as_i64).unwrap_or(0);
            let user = s.history.iter().find_map(|u| {
                let m = u.get("message")?;
                (m.pointer("/chat/id")?.as_i64()? == chat_id
                    && m.pointer("/from/id")?.as_i64()? == uid)
                    .then(|| m["from"].clone())
            });
            match user {
                Some(user) => ok(json!({"status": "member", "user": user})),
                None => fail(400, "Bad Request: user not found"),
            }
        }
        _ => fail(404, "Not Found"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_markdown_v2;

    #[test]
    fn markdown_v2_parsing_refuses_unescaped_reserved_characters() {
        assert_eq!(parse_markdown_v2("a\\.b").as_deref(), Ok("a.b"));
        assert!(parse_markdown_v2("a.b").is_err());
        assert_eq!(parse_markdown_v2("`x.y`\\!").as_deref(), Ok("x.y!"));
        assert_eq!(
            parse_markdown_v2("```rust\nlet a\\`;\n```").as_deref(),
            Ok("let a`;\n")
        );
    }
}
