//! Fake Slack Socket Mode (<https://docs.slack.dev/apis/events-api/using-socket-mode>):
//! `apps.connections.open` hands out `ws://<fake>/link/?ticket=<n>` (each ticket works
//! once); on connecting, the client gets `{"type": "hello", …}`, then the envelopes tests
//! push: `events_api` envelopes (`envelope_id`, `payload.event`, `retry_attempt`, …) and
//! `disconnect` (`reason: refresh_requested`, after which the fake closes the socket).
//! Acknowledgements (`{"envelope_id": "…"}` text frames) are recorded, so tests assert
//! every envelope was acked. Envelopes pushed while no client is connected wait for the
//! next connection.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::{BOT_USER, Shared, SlackState};

pub const APP_ID: &str = "A0FAKEAPP";

enum Out {
    Frame(Value),
    Close,
}

/// The Socket Mode side of the fake.
#[derive(Debug, Default)]
pub struct Hub {
    tx: Option<(usize, UnboundedSender<OutFrame>)>,
    queued: Vec<Value>,
    tickets: Vec<String>,
    next: u64,
    /// `apps.connections.open` answers given.
    pub opened: usize,
    /// WebSocket connections accepted.
    pub connections: usize,
    /// Envelopes sent (or queued), oldest first.
    pub sent: Vec<Value>,
    /// `envelope_id`s acknowledged, in order.
    pub acks: Vec<String>,
}

/// One frame for the connected client (a newtype so `Hub` stays `Debug`).
pub struct OutFrame(Out);

impl std::fmt::Debug for OutFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutFrame")
    }
}

impl Hub {
    /// A fresh one-time WebSocket URL on `host`.
    pub(super) fn ticket(&mut self, host: &str) -> String {
        self.opened += 1;
        let ticket = format!("t{}", self.opened);
        self.tickets.push(ticket.clone());
        format!("ws://{host}/link/?ticket={ticket}")
    }

    pub fn connected(&self) -> bool {
        self.tx.is_some()
    }

    /// Ids of envelopes sent but not acknowledged.
    pub fn unacked(&self) -> Vec<String> {
        self.sent
            .iter()
            .filter_map(|e| e["envelope_id"].as_str())
            .filter(|id| !self.acks.iter().any(|a| a == id))
            .map(str::to_owned)
            .collect()
    }

    fn send(&mut self, frame: Value) {
        let delivered = match &self.tx {
            Some((_, tx)) => tx.send(OutFrame(Out::Frame(frame.clone()))).is_ok(),
            None => false,
        };
        if !delivered {
            self.queued.push(frame);
        }
    }

    /// Sends `event` in an `events_api` envelope; returns its `envelope_id`.
    pub fn push_event(&mut self, event: Value) -> String {
        self.next += 1;
        let id = format!("env-{:04}", self.next);
        let envelope = json!({
            "envelope_id": id,
            "type": "events_api",
            "accepts_response_payload": false,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": {
                "token": "unused-verification-token",
                "team_id": "T1",
                "api_app_id": APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": format!("Ev{:06}", self.next),
                "event_time": 1_765_000_000u64 + self.next,
                "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": true}],
            },
        });
        self.sent.push(envelope.clone());
        self.send(envelope);
        id
    }

    /// Tells the client to reconnect (`disconnect`, `refresh_requested`), then closes.
    pub fn disconnect(&mut self) {
        let frame = json!({"type": "disconnect", "reason": "refresh_requested",
            "debug_info": {"host": "fake-slack"}});
        self.sent.push(frame.clone());
        if let Some((_, tx)) = self.tx.take() {
            let _ = tx.send(OutFrame(Out::Frame(frame)));
            let _ = tx.send(OutFrame(Out::Close));
        }
    }
}

impl SlackState {
    /// A person's message in `channel` (in the thread of `parent` when given), pushed as
    /// a `message` event, and as `app_mention` too when it mentions the bot (as Slack
    /// does for an app subscribed to both). Returns its `ts`.
    pub fn socket_message(
        &mut self,
        channel: &str,
        user: &str,
        text: &str,
        parent: Option<&str>,
    ) -> String {
        let ts = match parent {
            Some(p) => self.user_reply(channel, p, user, text),
            None => self.user_message(channel, user, text),
        };
        let kind = if channel.starts_with('D') {
            "im"
        } else {
            "channel"
        };
        let mut event = json!({"type": "message", "channel": channel, "user": user,
            "text": text, "ts": ts, "event_ts": ts, "channel_type": kind});
        if let Some(p) = parent {
            event["thread_ts"] = json!(p);
        }
        self.socket.push_event(event.clone());
        if text.contains(&format!("<@{BOT_USER}>")) {
            event["type"] = json!("app_mention");
            event.as_object_mut().map(|o| o.remove("channel_type"));
            self.socket.push_event(event);
        }
        ts
    }

    /// `user` reacts with `name` to the message `ts`, pushed as `reaction_added`.
    pub fn socket_react(&mut self, channel: &str, ts: &str, name: &str, user: &str) {
        self.react(channel, ts, name, user);
        let author = self
            .channels
            .get(channel)
            .and_then(|ms| ms.iter().find(|m| m["ts"] == ts))
            .and_then(|m| m["user"].as_str())
            .unwrap_or("")
            .to_owned();
        let event_ts = self.ts();
        self.socket
            .push_event(json!({"type": "reaction_added", "user": user,
            "reaction": name, "item_user": author,
            "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": event_ts}));
    }
}

#[derive(serde::Deserialize)]
pub(super) struct Link {
    ticket: String,
}

/// `GET /link/?ticket=…`: the WebSocket, for a ticket `apps.connections.open` gave.
pub(super) async fn link(
    State(st): State<Shared>,
    Query(q): Query<Link>,
    upgrade: WebSocketUpgrade,
) -> Response {
    {
        let mut s = st.lock().expect("state");
        let Some(at) = s.socket.tickets.iter().position(|t| *t == q.ticket) else {
            return (StatusCode::UNAUTHORIZED, "unknown or used ticket").into_response();
        };
        s.socket.tickets.remove(at);
    }
    upgrade.on_upgrade(move |ws| serve(ws, st))
}

async fn serve(mut ws: WebSocket, st: Shared) {
    let (tx, mut rx) = unbounded_channel();
    let me = {
        let mut s = st.lock().expect("state");
        s.socket.connections += 1;
        let me = s.socket.connections;
        let hello = json!({"type": "hello", "num_connections": 1,
            "debug_info": {"host": "fake-slack", "build_number": 1,
                "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID}});
        let _ = tx.send(OutFrame(Out::Frame(hello)));
        for frame in std::mem::take(&mut s.socket.queued) {
            let _ = tx.send(OutFrame(Out::Frame(frame)));
        }
        s.socket.tx = Some((me, tx));
        me
    };
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(OutFrame(Out::Frame(v))) => {
                    if ws.send(Message::Text(v.to_string().into())).await.is_err() {
                        break;
                    }
                }
                Some(OutFrame(Out::Close)) | None => {
                    let _ = ws.send(Message::Close(None)).await;
                    break;
                }
            },
            got = ws.recv() => match got {
                Some(Ok(Message::Text(t))) => {
                    let ack = serde_json::from_str::<Value>(t.as_str()).ok();
                    if let Some(id) = ack.as_ref().and_then(|v| v["envelope_id"].as_str()) {
                        st.lock().expect("state").socket.acks.push(id.to_owned());
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    let mut s = st.lock().expect("state");
    if s.socket.tx.as_ref().is_some_and(|(id, _)| *id == me) {
        s.socket.tx = None;
    }
}
