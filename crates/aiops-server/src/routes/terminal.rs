//! `GET /sessions/{id}/terminal`: a session's terminal over a WebSocket — `tmux attach` in a
//! server-side PTY, bytes both ways. What the web UI (xterm.js) and the desktop implement.
//!
//! # Handshake
//!
//! A WebSocket upgrade (`GET`, HTTP/1.1) with a credential: the `aiops_session` cookie
//! (browsers) or `Authorization: Bearer <API key>` with scope `read`. Query parameters:
//! `mode=read` asks for a read-only attach, `mode=write` for typing; by default the
//! session's owner types and an admin watching another user's session is read-only (an
//! admin's explicit `mode=write` is allowed and audited); `cols` and `rows` set
//! the initial size (1..=1000 each, default 80 × 24), so tmux draws the first screen at
//! the right size. An `Origin` header, when present (every browser sends one), must be
//! this server's own origin: the scheme (`https` when the server or its `public_url` uses
//! TLS) plus the request's `Host`, or the origin of `public_url`. Refusals are plain HTTP
//! answers with the usual JSON error body: 403 `forbidden` for a foreign `Origin` or a
//! missing or invalid credential, 404 `not_found` for a session the caller may not see,
//! 409 `conflict` for an ended session, 400 `invalid_input` for bad query parameters or a
//! request that is not a WebSocket upgrade.
//!
//! # Frames
//!
//! - server → client, **binary**: terminal output, raw bytes as tmux wrote them (UTF-8
//!   text and escape sequences; a frame may end inside a UTF-8 sequence). Frames carry at
//!   most ~128 KiB.
//! - client → server, **binary**: keystrokes and pastes, raw bytes written to the PTY
//!   (at most 1 MiB per message). Dropped in read-only mode. Input the program has not
//!   taken yet is buffered up to 4 MiB; beyond that the server stops reading the socket
//!   until it drains. So send acks as output arrives, not after a long paste: acks
//!   queued behind more than 4 MiB of input to a program that is itself blocked on its
//!   output would stall the terminal.
//! - client → server, **text**: one JSON control message per frame:
//!   - `{"type":"resize","cols":C,"rows":R}`: the terminal's size in cells, 1..=1000 each
//!     (allowed in read-only mode too);
//!   - `{"type":"ack","bytes":N}`: the client has processed (written to its screen) `N`
//!     more bytes of output since its previous ack.
//!
//!   Unknown `type`s are ignored (newer clients); anything else closes the socket with
//!   1008 (policy violation) and a reason.
//! - Pings are answered; the server pings every 30 s to keep proxies from closing an idle
//!   terminal.
//!
//! # Flow control
//!
//! The terminal engine (`aiops_exec::attach`) counts output bytes sent minus bytes
//! acknowledged. Above 1 MiB unacknowledged (`HIGH_WATERMARK`) it stops reading the
//! PTY; the PTY buffer fills and tmux stops drawing. Once acks bring the count below
//! 256 KiB (`LOW_WATERMARK`) it resumes. A client must therefore ack what it has
//! displayed (xterm.js: in `write`'s callback; ack each frame or batch a few, at least
//! every 256 KiB) or output stops after 1 MiB.
//!
//! # Closing
//!
//! When the client closes (or the connection drops) the `tmux attach` client is sent
//! SIGHUP (it detaches; the session keeps running) and reaped. When `tmux attach` ends on
//! its own (the session was killed, or someone detached the client) the server closes the
//! socket with 1000 (normal). 1011 (internal error) when the attach could not start.
//! 1008 (policy violation, reason `access revoked`) within a moment of the caller's key
//! being revoked, their user disabled or demoted, their browser session ended, or their
//! membership of the session's tenant removed; 1001 (going away) at server shutdown.
//!
//! This route is an adapter: the engine's threads own the PTY (one reads, one writes
//! input and resizes in order); output comes to the socket loop through a bounded channel
//! ([`CHUNKS`] messages), and the loop hands the client's input, resizes and acks back.

use std::time::Duration;

use std::sync::Arc;

use aiops_core::sessions::TerminalTarget;
use aiops_exec::attach::{Attached, CHUNK, LocalOptions, Screen, Terminal};
use aiops_exec::pty::MAX_SIDE;
use aiops_types::TerminalControl as Control;
use aiops_types::terminal::close as code;
use aiops_types::{ErrorBody, ErrorCode};
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::{Notify, mpsc};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read};
use crate::config::Settings;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, from_rejection};
use crate::state::AppState;

/// Reads queued between the engine's reader thread and the socket.
pub const CHUNKS: usize = 64;
/// Largest client message (a paste), in bytes.
const MAX_INPUT_BYTES: usize = 1024 * 1024;
/// Input received but not yet taken by the program above which the server stops reading
/// the socket, in bytes (see [`pump`]).
const MAX_PENDING_INPUT: usize = 4 * 1024 * 1024;
const PING_EVERY: Duration = Duration::from_secs(30);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(terminal))
}

/// Query of `GET /sessions/{id}/terminal`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TerminalParams {
    /// `read`: a read-only attach; `write`: typing (owners by default; admins on another
    /// user's session only when asked, audited).
    #[param(inline)]
    mode: Option<TerminalMode>,
    /// Initial width in cells, 1..=1000 (default 80).
    cols: Option<u16>,
    /// Initial height in cells, 1..=1000 (default 24).
    rows: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum TerminalMode {
    Read,
    Write,
}

/// `Auth<Read>` for the upgrade, after the `Origin` check. Every refusal is 403: a browser
/// cannot read a refused handshake's status anyway, and no credential gets no detail.
/// Carries the principal and [`Auth::revocations_seen`].
struct TerminalAuth(aiops_core::Principal, u64);

impl FromRequestParts<AppState> for TerminalAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        // Before the credential: a cross-site page gets nothing, not even a key lookup.
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                parts
                    .uri
                    .authority()
                    .map(axum::http::uri::Authority::as_str)
            });
        let origin = parts.headers.get(header::ORIGIN).map(|v| v.to_str());
        let allowed = match origin {
            None => true,
            Some(Ok(origin)) => origin_allowed(origin, host, st.settings()),
            Some(Err(_)) => false,
        };
        if !allowed {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "the WebSocket's Origin is not this server's",
            ));
        }
        match Auth::<Read>::from_request_parts(parts, st).await {
            Ok(a) => Ok(Self(a.principal, a.revocations_seen)),
            Err(e) if e.code == ErrorCode::Unauthorized => Err(ApiError::new(
                ErrorCode::Forbidden,
                "a terminal needs the session cookie or `Authorization: Bearer <API key>`",
            )),
            Err(e) => Err(e),
        }
    }
}

/// True when `origin` is this server's: the request's `host` with the server's scheme, or
/// the origin of `public_url` when set.
pub(crate) fn origin_allowed(origin: &str, host: Option<&str>, settings: &Settings) -> bool {
    let Some(origin) = aiops_core::validate::origin(origin) else {
        return false;
    };
    let scheme = if settings.https() { "https" } else { "http" };
    let own = host.and_then(|h| aiops_core::validate::origin(&format!("{scheme}://{h}")));
    let public = Some(settings.public_url.as_str())
        .filter(|u| !u.is_empty())
        .and_then(aiops_core::validate::origin);
    own.as_deref() == Some(origin.as_str()) || public.as_deref() == Some(origin.as_str())
}

/// The session's terminal: upgrades to a WebSocket running `tmux attach` (protocol in the
/// module doc of `routes/terminal.rs`: binary frames both ways, JSON `resize`/`ack`).
#[utoipa::path(get, path = "/sessions/{id}/terminal", tag = "sessions",
    params(("id" = i64, Path), TerminalParams),
    security(("api_key" = ["read"])),
    responses(
        (status = 101, description = "WebSocket: binary frames carry terminal bytes both \
            ways; text frames carry `{\"type\":\"resize\",\"cols\",\"rows\"}` and \
            `{\"type\":\"ack\",\"bytes\"}` from the client"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn terminal(
    TerminalAuth(principal, revocations_seen): TerminalAuth,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<TerminalParams>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let (cols, rows) = (q.cols.unwrap_or(80), q.rows.unwrap_or(24));
    if !(1..=MAX_SIDE).contains(&cols) || !(1..=MAX_SIDE).contains(&rows) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "cols and rows must be 1..=1000",
        ));
    }
    let mode = match q.mode {
        None => aiops_core::sessions::TerminalMode::Default,
        Some(TerminalMode::Read) => aiops_core::sessions::TerminalMode::Read,
        Some(TerminalMode::Write) => aiops_core::sessions::TerminalMode::Write,
    };
    let caller = principal.clone();
    let target = st
        .run(move |db| aiops_core::sessions::terminal_target(db, &caller, id, mode))
        .await?;
    // Ends the terminal when the caller's key, user or membership of the session's
    // tenant is revoked, even if that happened while this handshake was checked.
    let holder = crate::revocations::Holder {
        principal,
        tenant_id: target.tenant_id,
    };
    let revoked = st.revoked(holder, revocations_seen);
    let ws = ws.map_err(|r| from_rejection(r.status(), r.body_text()))?;
    let argv = match target.host.clone() {
        None => st
            .tmux()
            .attach_argv(&target.tmux_name, target.read_only)
            .map_err(|e| ApiError::internal("tmux attach", e))?,
        // A session host's pane: `ssh -t` there, then its own tmux attach, bridged with
        // the same flow control.
        Some(name) => {
            let (tmux_name, read_only, s) =
                (target.tmux_name.clone(), target.read_only, st.clone());
            st.run(move |_| remote_attach(&s, id, &name, &tmux_name, read_only))
                .await?
        }
    };
    Ok(ws
        .max_message_size(MAX_INPUT_BYTES)
        .max_frame_size(MAX_INPUT_BYTES)
        .on_upgrade(move |socket| attach(socket, target, argv, (cols, rows), st.closed(), revoked)))
}

/// `ssh … -t -- HOST '<tmux attach on the host>'` for session `id` on session host `name`.
fn remote_attach(
    st: &AppState,
    id: i64,
    name: &str,
    tmux_name: &str,
    read_only: bool,
) -> aiops_core::CoreResult<Vec<std::ffi::OsString>> {
    let site = aiops_core::sessions::sites::of(&st.host(), id, Some(name))?
        .ok_or_else(|| aiops_core::CoreError::Internal("a host session without a host".into()))?;
    let inner = site.runtime.attach_command(tmux_name, read_only);
    aiops_exec::ssh_runtime::terminal_argv(&site.ssh_terminal, &inner)
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// What the engine's threads tell the socket loop.
enum FromPty {
    Output(Vec<u8>),
    Ended(u16, String),
}

/// The socket as the engine's [`Screen`]: output and the end through a bounded channel
/// (the reader thread blocks while it is full), input taken as a wake-up.
struct SocketScreen {
    to_socket: mpsc::Sender<FromPty>,
    input_taken: Arc<Notify>,
}

impl Screen for SocketScreen {
    fn output(&self, bytes: &[u8]) -> bool {
        self.to_socket
            .blocking_send(FromPty::Output(bytes.to_vec()))
            .is_ok()
    }

    fn ended(&self, code: u16, reason: &str) {
        let _ = self
            .to_socket
            .blocking_send(FromPty::Ended(code, reason.to_owned()));
    }

    fn input_taken(&self) {
        self.input_taken.notify_one();
    }
}

/// Runs one attached terminal until either side ends, the server shuts down (`closed`)
/// or the caller's access is revoked (`revoked`).
async fn attach(
    mut socket: WebSocket,
    target: TerminalTarget,
    argv: Vec<std::ffi::OsString>,
    (cols, rows): (u16, u16),
    closed: impl std::future::Future<Output = ()>,
    revoked: impl std::future::Future<Output = ()>,
) {
    let id = target.session_id;
    let (to_socket, from_pty) = mpsc::channel(CHUNKS);
    let input_taken = Arc::new(Notify::new());
    let screen = Arc::new(SocketScreen {
        to_socket,
        input_taken: input_taken.clone(),
    });
    let options = LocalOptions {
        read_only: target.read_only,
        // A host's pane is reached through `ssh -t`, which sets raw mode only once
        // connected.
        raw: target.host.is_some(),
    };
    let spawned = tokio::task::spawn_blocking(move || {
        aiops_exec::attach::local(&argv, cols, rows, options, screen)
    })
    .await;
    let terminal = match spawned {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            tracing::error!(session_id = id, error = %e, "terminal: tmux attach did not start");
            return close(&mut socket, code::ERROR, "tmux attach did not start").await;
        }
        Err(e) => {
            tracing::error!(session_id = id, error = %e, "terminal: spawn task failed");
            return close(&mut socket, code::ERROR, "tmux attach did not start").await;
        }
    };
    tracing::info!(
        session_id = id,
        read_only = target.read_only,
        "terminal attached"
    );
    tokio::select! {
        () = pump(&mut socket, from_pty, &terminal, &input_taken) => {}
        // Detaches (the session keeps running); the client may reconnect to the next server.
        () = closed => close(&mut socket, code::AWAY, "the server is shutting down").await,
        () = revoked => {
            tracing::info!(session_id = id, "terminal closed: the caller's access was revoked");
            close(&mut socket, code::POLICY, "access revoked").await;
        }
    }
    // Detaches: the engine sends the tmux client SIGHUP and reaps it.
    drop(terminal);
    tracing::info!(session_id = id, "terminal detached");
}

/// The socket loop: output out, input and control messages in to the engine.
///
/// It never waits on the PTY: input is queued in the engine (at most about
/// [`MAX_PENDING_INPUT`]; above it the loop stops reading the socket until the program
/// takes some) while acks still reach the engine. Otherwise a paste could deadlock a
/// paused terminal: the program blocks writing output nobody reads, so it stops reading
/// input, so the loop would block on input and never read the ack that resumes output.
async fn pump(
    socket: &mut WebSocket,
    mut from_pty: mpsc::Receiver<FromPty>,
    terminal: &Attached,
    input_taken: &Notify,
) {
    let start = tokio::time::Instant::now() + PING_EVERY;
    let mut ping = tokio::time::interval_at(start, PING_EVERY);
    loop {
        let full = terminal.pending_input() > MAX_PENDING_INPUT;
        tokio::select! {
            out = from_pty.recv() => {
                let (bytes, end) = match out {
                    Some(FromPty::Output(bytes)) => coalesce(bytes, &mut from_pty),
                    Some(FromPty::Ended(code, reason)) => (Vec::new(), Some((code, reason))),
                    None => return,
                };
                if !bytes.is_empty() && socket.send(Message::Binary(bytes.into())).await.is_err() {
                    return;
                }
                if let Some((code, reason)) = end {
                    return close(socket, code, &reason).await;
                }
            }
            () = input_taken.notified(), if full => {}
            msg = socket.recv(), if !full => match msg {
                None | Some(Err(_)) => return,
                // The next recv answers the close and ends the stream.
                Some(Ok(Message::Close(_) | Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Binary(bytes))) => terminal.input(bytes.to_vec()),
                Some(Ok(Message::Text(text))) => match serde_json::from_str(text.as_str()) {
                    Ok(Control::Resize { cols, rows })
                        if !(1..=MAX_SIDE).contains(&cols) || !(1..=MAX_SIDE).contains(&rows) =>
                    {
                        return close(socket, code::POLICY, "resize: cols and rows must be 1..=1000").await;
                    }
                    Ok(control) => terminal.control(control),
                    Err(_) => {
                        return close(socket, code::POLICY,
                            "text frames must be JSON {\"type\":\"resize\"|\"ack\",…}").await;
                    }
                },
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Bytes::new())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// `first` and the output already queued behind it, up to [`CHUNK`] bytes, as one frame:
/// fewer, larger frames under bursts, no added latency for a lone keystroke's echo. The
/// end, when it is among them, comes back after the bytes.
fn coalesce(
    mut first: Vec<u8>,
    from_pty: &mut mpsc::Receiver<FromPty>,
) -> (Vec<u8>, Option<(u16, String)>) {
    while first.len() < CHUNK {
        match from_pty.try_recv() {
            Ok(FromPty::Output(more)) => first.extend_from_slice(&more),
            Ok(FromPty::Ended(code, reason)) => return (first, Some((code, reason))),
            Err(_) => break,
        }
    }
    (first, None)
}

#[cfg(test)]
#[path = "terminal_tests.rs"]
mod tests;
#[cfg(test)]
#[path = "terminal_transport_tests.rs"]
mod transport_tests;
