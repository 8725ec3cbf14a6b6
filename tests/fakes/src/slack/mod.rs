//! Fake Slack Web API (<https://docs.slack.dev/reference/methods>) and Socket Mode
//! ([`socket`]), enough of them for aiops's chat bot, answering like the real ones:
//! - `GET|POST /api/<method>`; `Authorization: Bearer <token>` (else `200
//!   {"ok":false,"error":"not_authed"}`, a wrong one `invalid_auth`); an unknown method
//!   `unknown_method`; bodies as JSON (write methods) or query/form parameters;
//! - `auth.test`; `conversations.history` (`channel`, `oldest`/`latest` exclusive unless
//!   `inclusive`, `limit`; newest first; thread replies left out; `channel_not_found`);
//!   `conversations.replies` (`channel`, `ts` of the parent or of any reply, `oldest`,
//!   `latest`, `inclusive`, `limit`; the parent first, then the replies oldest first,
//!   `has_more`; `thread_not_found`); `chat.postMessage` (`channel`, `text`,
//!   `thread_ts`: the parent gets `thread_ts`, `reply_count`, `latest_reply`),
//!   `chat.update` (`channel`, `ts`, `text`;
//!   `message_not_found`, `cant_update_message` for another's), `chat.postEphemeral`;
//!   `reactions.add` (`already_reacted`), `reactions.get` (`channel`, `timestamp`);
//!   `users.info` (`user_not_found`);
//! - `apps.connections.open` (POST, the app-level token only: a bot token is
//!   `not_allowed_token_type`, and the app token is refused by the other methods the
//!   same way) → `{"ok": true, "url": "ws://…/link/?ticket=…"}`.
//!
//! Every call is kept with its parameters ([`SlackState::calls`]). Timestamps are
//! `1765000000.000100`, `…200`, …. [`crate::Fake::fail_next`] injects a `429` with
//! `Retry-After`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::any;
use serde_json::{Value, json};

use crate::{Fake, decode, json as reply};

pub mod socket;

pub const BOT_USER: &str = "UBOT0001";
pub const BOT_ID: &str = "BBOT0001";

#[derive(Debug, Default)]
pub struct SlackState {
    pub token: String,
    /// The app-level token (`xapp-…`) `apps.connections.open` takes.
    pub app_token: Option<String>,
    /// Socket Mode: the connection, the envelopes sent and the acks received.
    pub socket: socket::Hub,
    /// Channel id → messages, oldest first (Slack's message objects).
    pub channels: BTreeMap<String, Vec<Value>>,
    /// User id → (name, email).
    pub users: BTreeMap<String, (String, String)>,
    /// Every call: method and parameters.
    pub calls: Vec<(String, Value)>,
    /// `chat.postEphemeral` notices: (channel, user, text).
    pub ephemeral: Vec<(String, String, String)>,
    next_ts: u64,
}

impl SlackState {
    fn ts(&mut self) -> String {
        self.next_ts += 100;
        format!("1765000000.{:06}", self.next_ts)
    }

    /// A person's message in `channel`; returns its `ts`.
    pub fn user_message(&mut self, channel: &str, user: &str, text: &str) -> String {
        let ts = self.ts();
        let m = json!({"type": "message", "user": user, "text": text, "ts": ts});
        self.channels.entry(channel.into()).or_default().push(m);
        ts
    }

    /// `user` reacts with `name` to the message `ts`.
    pub fn react(&mut self, channel: &str, ts: &str, name: &str, user: &str) {
        if let Some(m) = self.message_mut(channel, ts) {
            add_reaction(m, name, user);
        }
    }

    /// A person's reply in the thread of `parent`; returns its `ts`.
    pub fn user_reply(&mut self, channel: &str, parent: &str, user: &str, text: &str) -> String {
        let ts = self.ts();
        let m = json!({"type": "message", "user": user, "text": text, "ts": ts,
            "thread_ts": parent, "parent_user_id": user});
        self.channels.entry(channel.into()).or_default().push(m);
        self.replied(channel, parent, &ts);
        ts
    }

    /// The parent of a new reply shows the thread.
    fn replied(&mut self, channel: &str, parent: &str, reply: &str) {
        if let Some(p) = self.message_mut(channel, parent) {
            let count = p.get("reply_count").and_then(Value::as_u64).unwrap_or(0);
            p["thread_ts"] = json!(parent);
            p["reply_count"] = json!(count + 1);
            p["latest_reply"] = json!(reply);
        }
    }

    /// The messages of the thread of `parent` in `channel`, oldest first (the parent
    /// first).
    pub fn thread(&self, channel: &str, parent: &str) -> Vec<Value> {
        self.channels
            .get(channel)
            .map(|ms| {
                ms.iter()
                    .filter(|m| m["ts"] == parent || m["thread_ts"] == parent)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn message_mut(&mut self, channel: &str, ts: &str) -> Option<&mut Value> {
        self.channels
            .get_mut(channel)?
            .iter_mut()
            .find(|m| m["ts"] == ts)
    }

    /// The bot's messages in `channel`, oldest first.
    pub fn bot_messages(&self, channel: &str) -> Vec<Value> {
        self.channels
            .get(channel)
            .map(|ms| {
                ms.iter()
                    .filter(|m| m.get("bot_id").is_some())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn count(&self, method: &str) -> usize {
        self.calls.iter().filter(|(m, _)| m == method).count()
    }
}

fn add_reaction(m: &mut Value, name: &str, user: &str) -> bool {
    let list = m
        .as_object_mut()
        .map(|o| o.entry("reactions").or_insert(json!([])))
        .and_then(Value::as_array_mut);
    let Some(list) = list else { return false };
    if let Some(r) = list.iter_mut().find(|r| r["name"] == name) {
        let users = r["users"].as_array_mut().expect("users");
        if users.iter().any(|u| u == user) {
            return false;
        }
        users.push(json!(user));
        r["count"] = json!(users.len());
    } else {
        list.push(json!({"name": name, "users": [user], "count": 1}));
    }
    true
}

/// Starts a fake Slack whose bot has `token`.
pub fn start(token: &str) -> Fake<SlackState> {
    let state = SlackState {
        token: token.to_owned(),
        ..Default::default()
    };
    Fake::spawn(state, router)
}

/// Starts a fake Slack whose bot has `token` and whose app has the app-level token
/// `app_token` (Socket Mode).
pub fn start_socket(token: &str, app_token: &str) -> Fake<SlackState> {
    let state = SlackState {
        token: token.to_owned(),
        app_token: Some(app_token.to_owned()),
        ..Default::default()
    };
    Fake::spawn(state, router)
}

type Shared = Arc<Mutex<SlackState>>;

fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/{method}", any(call))
        .route("/link/", axum::routing::get(socket::link))
        .with_state(state)
}

fn err(e: &str) -> Response {
    reply(200, json!({"ok": false, "error": e}))
}

fn ok(mut v: Value) -> Response {
    v["ok"] = json!(true);
    reply(200, v)
}

/// Parameters from the query, a form body or a JSON body.
fn params(query: Option<String>, headers: &HeaderMap, body: &[u8]) -> Value {
    let mut out = serde_json::Map::new();
    let mut pairs = |text: &str| {
        for kv in text.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            out.insert(decode(k), json!(decode(v)));
        }
    };
    if let Some(q) = query {
        pairs(&q);
    }
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json_body {
        if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(body) {
            out.extend(o);
        }
    } else {
        pairs(&String::from_utf8_lossy(body));
    }
    Value::Object(out)
}

fn text(p: &Value, k: &str) -> String {
    match &p[k] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

async fn call(
    State(st): State<Shared>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let p = params(query, &headers, &body);
    let mut s = st.lock().expect("state");
    s.calls.push((method.clone(), p.clone()));
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(token) = auth.strip_prefix("Bearer ") else {
        return err("not_authed");
    };
    let app = s.app_token.as_deref() == Some(token);
    if method == "apps.connections.open" {
        let host = headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1")
            .to_owned();
        return match (app, token == s.token) {
            (true, _) => ok(json!({"url": s.socket.ticket(&host)})),
            (false, true) => err("not_allowed_token_type"),
            (false, false) => err("invalid_auth"),
        };
    }
    if app {
        return err("not_allowed_token_type");
    }
    if token != s.token {
        return err("invalid_auth");
    }
    let channel = text(&p, "channel");
    match method.as_str() {
        "auth.test" => {
            ok(json!({"user_id": BOT_USER, "bot_id": BOT_ID, "user": "aiops", "team": "T1"}))
        }
        "conversations.history" => {
            let Some(all) = s.channels.get(&channel) else {
                return err("channel_not_found");
            };
            let oldest = text(&p, "oldest");
            let latest = text(&p, "latest");
            let inclusive = text(&p, "inclusive") == "true" || text(&p, "inclusive") == "1";
            let limit = text(&p, "limit")
                .parse::<usize>()
                .unwrap_or(100)
                .clamp(1, 999);
            let mut picked: Vec<Value> = all
                .iter()
                .filter(|m| {
                    let ts = m["ts"].as_str().unwrap_or("");
                    let reply = m.get("thread_ts").is_some_and(|t| t != ts);
                    !reply && within(ts, &oldest, &latest, inclusive)
                })
                .cloned()
                .collect();
            picked.reverse();
            let has_more = picked.len() > limit;
            picked.truncate(limit);
            ok(json!({"messages": picked, "has_more": has_more}))
        }
        "conversations.replies" => {
            let Some(all) = s.channels.get(&channel) else {
                return err("channel_not_found");
            };
            let ts = text(&p, "ts");
            let Some(m) = all.iter().find(|m| m["ts"] == ts.as_str()) else {
                return err("thread_not_found");
            };
            // A reply's ts stands for its thread.
            let parent = m["thread_ts"].as_str().unwrap_or(&ts).to_owned();
            let (oldest, latest) = (text(&p, "oldest"), text(&p, "latest"));
            let inclusive = text(&p, "inclusive") == "true" || text(&p, "inclusive") == "1";
            let limit = text(&p, "limit")
                .parse::<usize>()
                .unwrap_or(1000)
                .clamp(1, 1000);
            let thread = s.thread(&channel, &parent);
            let mut replies: Vec<Value> = thread
                .iter()
                .skip(1)
                .filter(|m| within(m["ts"].as_str().unwrap_or(""), &oldest, &latest, inclusive))
                .cloned()
                .collect();
            let has_more = replies.len() + 1 > limit;
            replies.truncate(limit.saturating_sub(1));
            let mut messages = vec![thread[0].clone()];
            messages.extend(replies);
            ok(json!({"messages": messages, "has_more": has_more}))
        }
        "chat.postMessage" => {
            if !s.channels.contains_key(&channel) {
                return err("channel_not_found");
            }
            let ts = s.ts();
            let mut m = json!({"type": "message", "user": BOT_USER, "bot_id": BOT_ID,
                "text": text(&p, "text"), "ts": ts});
            let thread = text(&p, "thread_ts");
            if !thread.is_empty() {
                m["thread_ts"] = json!(thread);
            }
            s.channels
                .get_mut(&channel)
                .expect("checked")
                .push(m.clone());
            if !thread.is_empty() {
                s.replied(&channel, &thread, &ts);
            }
            ok(json!({"channel": channel, "ts": ts, "message": m}))
        }
        "chat.update" => {
            let ts = text(&p, "ts");
            let new = text(&p, "text");
            let Some(m) = s.message_mut(&channel, &ts) else {
                return err("message_not_found");
            };
            if m.get("bot_id").is_none() {
                return err("cant_update_message");
            }
            m["text"] = json!(new);
            let edits = m.get("edits").and_then(Value::as_u64).unwrap_or(0);
            m["edits"] = json!(edits + 1);
            ok(json!({"channel": channel, "ts": ts, "text": new}))
        }
        "chat.postEphemeral" => {
            let entry = (channel, text(&p, "user"), text(&p, "text"));
            s.ephemeral.push(entry);
            ok(json!({"message_ts": "1765000000.999999"}))
        }
        "reactions.add" => {
            let (ts, name) = (text(&p, "timestamp"), text(&p, "name"));
            let Some(m) = s.message_mut(&channel, &ts) else {
                return err("message_not_found");
            };
            if add_reaction(m, &name, BOT_USER) {
                ok(json!({}))
            } else {
                err("already_reacted")
            }
        }
        "reactions.get" => {
            let ts = text(&p, "timestamp");
            match s.message_mut(&channel, &ts) {
                Some(m) => {
                    let m = m.clone();
                    ok(json!({"type": "message", "channel": channel, "message": m}))
                }
                None => err("message_not_found"),
            }
        }
        "users.info" => {
            let user = text(&p, "user");
            match s.users.get(&user) {
                Some((name, email)) => ok(json!({"user": {"id": user, "name": name,
                    "profile": {"display_name": name, "real_name": name, "email": email}}})),
                None => err("user_not_found"),
            }
        }
        _ => err("unknown_method"),
    }
}

/// `ts` is after `oldest` and before `latest` (empty: no bound; `inclusive` takes both
/// ends).
fn within(ts: &str, oldest: &str, latest: &str, inclusive: bool) -> bool {
    let after = oldest.is_empty() || ts > oldest || (inclusive && ts == oldest);
    let before = latest.is_empty() || ts < latest || (inclusive && ts == latest);
    after && before
}
