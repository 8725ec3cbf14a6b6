//! Socket Mode (<https://docs.slack.dev/apis/events-api/using-socket-mode>): events pushed
//! over a WebSocket the bot opens, so no public URL is needed.
//!
//! `POST /api/apps.connections.open` with `Authorization: Bearer <xapp- app token>`
//! answers `{"ok": true, "url": "wss://…"}` (a bot token there is refused with
//! `not_allowed_token_type`). On that URL Slack sends JSON text frames, *envelopes*:
//! - `{"type": "hello", "num_connections": 1, …}` once connected;
//! - `{"type": "events_api", "envelope_id": "…", "payload": {"type": "event_callback",
//!   "event": {…}, …}, "retry_attempt": 0, …}`: one Events API event;
//! - `{"type": "disconnect", "reason": "refresh_requested" | "warning" | …}`: the
//!   connection is about to end; the bot opens a fresh one (a new
//!   `apps.connections.open`).
//!
//! Every envelope with an `envelope_id` is acknowledged at once by sending
//! `{"envelope_id": "…"}` back (Slack retries unacknowledged ones after a few seconds;
//! the core's processed-event keys make a retry harmless). The connection is a blocking
//! [`tungstenite`] client over rustls with the OS trust store (like the Web API's
//! client); `ws://` is accepted for loopback hosts only (tests). The WebSocket URL
//! carries a one-time ticket and is never logged nor put in an error.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aiops_core::chat::channel::{ChatEvent, Received};
use aiops_core::{CoreError, CoreResult};
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};
use ureq::http::Method;

use super::{Slack, api, call};
use crate::http::Http;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Reconnections one receive may make before reporting the failure.
const MAX_RECONNECTS: usize = 3;

/// The socket under the WebSocket: plain TCP (loopback only) or TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(s) => s,
            Self::Tls(s) => &s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            Self::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            Self::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            Self::Tls(s) => s.flush(),
        }
    }
}

/// A Socket Mode connection, opened on demand.
pub(super) struct Socket {
    /// The Web API with the app-level token (`apps.connections.open` only).
    app: Http,
    conn: RefCell<Option<WebSocket<Stream>>>,
}

fn upstream(what: &str, e: impl std::fmt::Display) -> CoreError {
    CoreError::Upstream(format!("Slack Socket Mode: {what}: {e}"))
}

fn check_prefix(app_token: &str) -> CoreResult<()> {
    if app_token.starts_with("xapp-") {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "app_token",
            "a Slack app-level token starts with xapp- (Basic Information → App-Level Tokens)",
        ))
    }
}

/// Asks `apps.connections.open` with `app_token` (for a bot's test): Ok when Slack
/// accepts it. Errors: `Invalid` for a token that is not `xapp-…`, `Upstream` when Slack
/// refuses it.
pub fn check_app_token(api_url: Option<&str>, app_token: &str) -> CoreResult<()> {
    let root = api_url.unwrap_or(super::DEFAULT_API).trim_end_matches('/');
    Socket::new(root, app_token)?.open_url().map(|_| ())
}

impl Socket {
    pub(super) fn new(root: &str, app_token: &str) -> CoreResult<Self> {
        check_prefix(app_token)?;
        Ok(Self {
            app: api(root, app_token)?,
            conn: RefCell::new(None),
        })
    }

    /// `apps.connections.open`: a fresh WebSocket URL.
    fn open_url(&self) -> CoreResult<String> {
        let v = call(
            &self.app,
            "app-level token",
            Method::POST,
            "apps.connections.open",
            &[],
            None,
        )?;
        v.get("url")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| upstream("apps.connections.open", "no url in the answer"))
    }

    fn connect(&self) -> CoreResult<WebSocket<Stream>> {
        let url = self.open_url()?;
        let uri: tungstenite::http::Uri = url
            .parse()
            .map_err(|_| upstream("connect", "apps.connections.open gave no valid URL"))?;
        let host = uri.host().unwrap_or_default().to_owned();
        let tls = match uri.scheme_str() {
            Some("wss") => true,
            Some("ws") if ["127.0.0.1", "localhost", "[::1]"].contains(&host.as_str()) => false,
            _ => return Err(upstream("connect", "the URL is not wss://")),
        };
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let addr = (host.trim_matches(['[', ']']), port)
            .to_socket_addrs()
            .map_err(|e| upstream("cannot resolve the host", e))?
            .next()
            .ok_or_else(|| upstream("connect", "the host has no address"))?;
        let tcp = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
            .map_err(|e| upstream("cannot connect", e))?;
        tcp.set_nodelay(true).ok();
        tcp.set_read_timeout(Some(CONNECT_TIMEOUT)).ok();
        tcp.set_write_timeout(Some(CONNECT_TIMEOUT)).ok();
        let stream = if tls {
            Stream::Tls(Box::new(tls_stream(&host, tcp)?))
        } else {
            Stream::Plain(tcp)
        };
        let (ws, _) = tungstenite::client::client(url.as_str(), stream).map_err(|e| {
            // The error may name the URL (its ticket): report the kind only.
            let kind = match e {
                tungstenite::HandshakeError::Interrupted(_) => "timed out".to_owned(),
                tungstenite::HandshakeError::Failure(f) => handshake_kind(&f),
            };
            upstream("WebSocket handshake failed", kind)
        })?;
        Ok(ws)
    }

    /// The next envelope before `deadline` (None: none came), acknowledged already.
    /// A closed connection is reopened (a fresh URL) up to [`MAX_RECONNECTS`] times.
    fn next(&self, deadline: Instant) -> CoreResult<Option<Value>> {
        let mut reconnects = 0;
        loop {
            let now = Instant::now();
            if now >= deadline && self.conn.borrow().is_some() {
                return Ok(None);
            }
            if self.conn.borrow().is_none() {
                if reconnects == MAX_RECONNECTS {
                    return Err(upstream("connection", "closed again right after opening"));
                }
                reconnects += 1;
                *self.conn.borrow_mut() = Some(self.connect()?);
            }
            let mut guard = self.conn.borrow_mut();
            let ws = guard.as_mut().expect("connected above");
            let left = deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            ws.get_ref().tcp().set_read_timeout(Some(left)).ok();
            match ws.read() {
                Ok(Message::Text(text)) => {
                    let Ok(envelope) = serde_json::from_str::<Value>(text.as_str()) else {
                        continue;
                    };
                    if let Some(id) = envelope.get("envelope_id").and_then(Value::as_str) {
                        let ack = json!({ "envelope_id": id }).to_string();
                        if let Err(e) = ws.send(Message::text(ack)) {
                            *guard = None;
                            return Err(upstream("cannot acknowledge an envelope", e));
                        }
                    }
                    if envelope["type"] == "disconnect" {
                        let _ = ws.close(None);
                        *guard = None;
                    }
                    return Ok(Some(envelope));
                }
                Ok(Message::Close(_)) => *guard = None,
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None);
                }
                Err(_) => *guard = None,
            }
        }
    }

    /// Closes the connection (the next read opens a fresh one).
    pub(super) fn drop_connection(&self) {
        if let Some(mut ws) = self.conn.borrow_mut().take() {
            let _ = ws.close(None);
        }
    }
}

fn handshake_kind(e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::Http(r) => format!("status {}", r.status()),
        tungstenite::Error::Io(io) => io.kind().to_string(),
        tungstenite::Error::Tls(_) => "TLS error".to_owned(),
        _ => "protocol error".to_owned(),
    }
}

/// TLS to `host` with the OS trust store and the binary's one crypto provider.
fn tls_stream(
    host: &str,
    tcp: TcpStream,
) -> CoreResult<rustls::StreamOwned<rustls::ClientConnection, TcpStream>> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| upstream("TLS setup", e))?
        .with_platform_verifier()
        .map_err(|e| upstream("TLS setup", e))?
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| upstream("TLS server name", e))?;
    let conn = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| upstream("TLS setup", e))?;
    Ok(rustls::StreamOwned::new(conn, tcp))
}

impl Slack {
    /// Reads envelopes until one holds an event or `wait` passes.
    pub(super) fn receive_socket(&self, socket: &Socket, wait: Duration) -> CoreResult<Received> {
        let deadline = Instant::now() + wait;
        let mut events = Vec::new();
        while events.is_empty() {
            let Some(envelope) = socket.next(deadline)? else {
                break;
            };
            if envelope["type"] == "events_api" {
                events.extend(self.pushed(&envelope["payload"]["event"])?);
            }
        }
        Ok(Received {
            events,
            cursor: None,
        })
    }

    /// One Events API event as a chat event: `message` and `app_mention` (the same
    /// message may come as both; its key is the same, so the core handles it once),
    /// `reaction_added` on a message (✅/❌ on a pending preview, 🎫 on any).
    fn pushed(&self, event: &Value) -> CoreResult<Option<ChatEvent>> {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        match event["type"].as_str().unwrap_or_default() {
            "message" | "app_mention" => {
                let channel = text(&event["channel"]);
                if !self.reads(&channel) {
                    return Ok(None);
                }
                Ok(self.event(&channel, event))
            }
            "reaction_added" if event["item"]["type"] == "message" => {
                let channel = text(&event["item"]["channel"]);
                let ts = text(&event["item"]["ts"]);
                let user = text(&event["user"]);
                let name = text(&event["reaction"]);
                if !self.reads(&channel) || user == self.bot_user || ts.is_empty() {
                    return Ok(None);
                }
                match name.as_str() {
                    "white_check_mark" | "x" => Ok(self.choice(&channel, &ts, &name, &user)),
                    "ticket" if self.first_time(&Self::ticket_key(&channel, &ts, &user)) => {
                        let body = self.message_text(&channel, &ts)?;
                        Ok(Some(self.ticket(&channel, &ts, &user, body)))
                    }
                    _ => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }
}

impl Slack {
    /// The text of the message `ts` in `channel`: `conversations.history` (`latest=ts`,
    /// `inclusive`, `limit=1`) for a top-level message, else `conversations.replies` of
    /// its thread. None when Slack does not return it.
    fn message_text(&self, channel: &str, ts: &str) -> CoreResult<Option<String>> {
        let text_of = |messages: &Value| {
            messages.as_array().and_then(|ms| {
                ms.iter()
                    .find(|m| m["ts"] == ts)
                    .and_then(|m| m["text"].as_str())
                    .map(str::to_owned)
            })
        };
        let parent = self.threads.borrow().parent_of(channel, ts);
        if parent == ts {
            let query = [
                ("channel", channel.to_owned()),
                ("latest", ts.to_owned()),
                ("inclusive", "true".to_owned()),
                ("limit", "1".to_owned()),
            ];
            let v = self.call(Method::GET, "conversations.history", &query, None)?;
            if let Some(t) = text_of(&v["messages"]) {
                return Ok(Some(t));
            }
        }
        // A thread reply (Slack takes a reply's ts for its thread).
        let query = [
            ("channel", channel.to_owned()),
            ("ts", parent),
            ("oldest", ts.to_owned()),
            ("latest", ts.to_owned()),
            ("inclusive", "true".to_owned()),
        ];
        let v = self.call(Method::GET, "conversations.replies", &query, None)?;
        Ok(text_of(&v["messages"]))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.drop_connection();
    }
}
