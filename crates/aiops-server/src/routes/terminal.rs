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
//! The server counts output bytes sent minus bytes acknowledged. Above 1 MiB unacknowledged
//! ([`HIGH_WATERMARK`]) it stops taking output from the PTY; the reader thread's bounded
//! channel fills, the reader blocks, the PTY buffer fills and tmux stops drawing. Once acks
//! bring the count below 256 KiB ([`LOW_WATERMARK`]) it resumes. A client must therefore
//! ack what it has displayed (xterm.js: in `write`'s callback; ack each frame or batch a
//! few, at least every 256 KiB) or output stops after 1 MiB.
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
//! Threads: PTY reads block, so a dedicated thread per terminal reads and feeds a bounded
//! channel ([`CHUNKS`] × up to [`CHUNK`] bytes); a second thread owns the PTY and does the
//! (short, blocking) writes and resizes in order, then kills and reaps the client.

use std::time::Duration;

use aiops_core::sessions::TerminalTarget;
use aiops_exec::pty::{MAX_SIDE, Pty, PtyReader};
use aiops_types::TerminalControl as Control;
use aiops_types::{ErrorBody, ErrorCode};
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read};
use crate::config::Settings;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, from_rejection};
use crate::state::AppState;

/// Unacknowledged output above which the server stops reading the PTY, in bytes (the
/// desktop's own terminals use the same window).
pub const HIGH_WATERMARK: u64 = aiops_exec::attach::HIGH_WATERMARK;
/// Unacknowledged output below which a paused terminal resumes, in bytes.
pub const LOW_WATERMARK: u64 = aiops_exec::attach::LOW_WATERMARK;
/// Largest single PTY read, in bytes.
pub const CHUNK: usize = 64 * 1024;
/// Reads queued between the reader thread and the socket.
pub const CHUNKS: usize = 64;
/// Largest client message (a paste), in bytes.
const MAX_INPUT_BYTES: usize = 1024 * 1024;
/// Input received but not yet taken by the PTY thread above which the server stops
/// reading the socket, in bytes (see [`pump`]).
const MAX_PENDING_INPUT: usize = 4 * 1024 * 1024;
/// Messages handed to the PTY thread but not yet written (each up to 1 MiB).
const TO_PTY: usize = 4;
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

/// What the socket loop asks of the thread that owns the PTY.
enum ToPty {
    Input(Bytes),
    Resize(u16, u16),
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

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
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
    // A host's pane is reached through `ssh -t`, which sets raw mode only once connected.
    let raw = target.host.is_some();
    let spawned = tokio::task::spawn_blocking(move || {
        if raw {
            Pty::spawn_raw(&argv, cols, rows)
        } else {
            Pty::spawn(&argv, cols, rows)
        }
    })
    .await;
    let (pty, reader) = match spawned {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            tracing::error!(session_id = id, error = %e, "terminal: tmux attach did not start");
            return close(&mut socket, close_code::ERROR, "tmux attach did not start").await;
        }
        Err(e) => {
            tracing::error!(session_id = id, error = %e, "terminal: spawn task failed");
            return close(&mut socket, close_code::ERROR, "tmux attach did not start").await;
        }
    };
    let (out_tx, out_rx) = mpsc::channel(CHUNKS);
    let (in_tx, in_rx) = mpsc::channel(TO_PTY);
    let threads = std::thread::Builder::new()
        .name(format!("pty-read-{id}"))
        .spawn(move || read_pty(reader, out_tx))
        .and_then(|_| {
            std::thread::Builder::new()
                .name(format!("pty-write-{id}"))
                .spawn(move || own_pty(pty, in_rx))
        });
    if let Err(e) = threads {
        // The PTY went down with the closure that failed to start (killed and reaped).
        tracing::error!(session_id = id, error = %e, "terminal: cannot start its threads");
        return close(&mut socket, close_code::ERROR, "tmux attach did not start").await;
    }
    tracing::info!(
        session_id = id,
        read_only = target.read_only,
        "terminal attached"
    );
    tokio::select! {
        () = pump(&mut socket, out_rx, in_tx, target.read_only) => {}
        // Detaches (the session keeps running); the client may reconnect to the next server.
        () = closed => close(&mut socket, close_code::AWAY, "the server is shutting down").await,
        () = revoked => {
            tracing::info!(session_id = id, "terminal closed: the caller's access was revoked");
            close(&mut socket, close_code::POLICY, "access revoked").await;
        }
    }
    tracing::info!(session_id = id, "terminal detached");
}

/// The reader thread: PTY output into the bounded channel until the PTY closes (the
/// attach ended) or the socket loop is gone.
fn read_pty(mut reader: PtyReader, out: mpsc::Sender<Vec<u8>>) {
    use std::io::Read;
    let mut buf = vec![0u8; CHUNK];
    loop {
        match reader.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Ok(0) | Err(_) => return,
            Ok(n) => {
                // Blocks while the channel is full: this is where flow control stops tmux.
                if out.blocking_send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
        }
    }
}

/// The PTY owner thread: writes and resizes in order; when the socket loop drops its
/// sender, detaches the tmux client (SIGHUP) and reaps it.
fn own_pty(mut pty: Pty, mut input: mpsc::Receiver<ToPty>) {
    while let Some(msg) = input.blocking_recv() {
        match msg {
            ToPty::Input(bytes) => {
                if pty.write_all(&bytes).is_err() {
                    break;
                }
            }
            ToPty::Resize(cols, rows) => {
                let _ = pty.resize(cols, rows);
            }
        }
    }
    if let Err(e) = pty.kill() {
        tracing::warn!(error = %e, "terminal: could not stop tmux attach");
    }
}

/// The socket loop: output out (with flow control), input and control messages in.
///
/// It never waits on the PTY: input waits in `pending` (at most [`MAX_PENDING_INPUT`])
/// while the socket is still read. Otherwise a paste could deadlock a paused terminal: the
/// program blocks writing output nobody reads, so it stops reading input, so the loop
/// would block on input and never read the ack that resumes output.
async fn pump(
    socket: &mut WebSocket,
    mut output: mpsc::Receiver<Vec<u8>>,
    input: mpsc::Sender<ToPty>,
    read_only: bool,
) {
    let mut unacked: u64 = 0;
    let mut paused = false;
    let mut pending = std::collections::VecDeque::new();
    let mut pending_bytes = 0usize;
    let start = tokio::time::Instant::now() + PING_EVERY;
    let mut ping = tokio::time::interval_at(start, PING_EVERY);
    loop {
        tokio::select! {
            chunk = output.recv(), if !paused => {
                let Some(mut bytes) = chunk else {
                    // tmux attach ended: the session was killed or the client detached.
                    return close(socket, close_code::NORMAL, "tmux attach ended").await;
                };
                // What is already queued goes in the same frame: fewer, larger frames
                // under bursts, no added latency for a lone keystroke's echo.
                while bytes.len() < CHUNK {
                    match output.try_recv() {
                        Ok(more) => bytes.extend_from_slice(&more),
                        Err(_) => break,
                    }
                }
                unacked += bytes.len() as u64;
                paused = unacked > HIGH_WATERMARK;
                if socket.send(Message::Binary(bytes.into())).await.is_err() {
                    return;
                }
            }
            permit = input.reserve(), if !pending.is_empty() => {
                let (Ok(permit), Some(msg)) = (permit, pending.pop_front()) else {
                    return; // the PTY thread is gone (the program stopped reading)
                };
                pending_bytes -= cost(&msg);
                permit.send(msg);
            }
            msg = socket.recv(), if pending_bytes <= MAX_PENDING_INPUT => match msg {
                None | Some(Err(_)) => return,
                // The next recv answers the close and ends the stream.
                Some(Ok(Message::Close(_))) => {}
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Binary(bytes))) => {
                    if !read_only && !bytes.is_empty() {
                        let msg = ToPty::Input(bytes);
                        pending_bytes += cost(&msg);
                        pending.push_back(msg);
                    }
                }
                Some(Ok(Message::Text(text))) => match serde_json::from_str(text.as_str()) {
                    Ok(Control::Resize { cols, rows })
                        if (1..=MAX_SIDE).contains(&cols) && (1..=MAX_SIDE).contains(&rows) =>
                    {
                        let msg = ToPty::Resize(cols, rows);
                        pending_bytes += cost(&msg);
                        pending.push_back(msg);
                    }
                    Ok(Control::Resize { .. }) => {
                        return close(socket, close_code::POLICY, "resize: cols and rows must be 1..=1000").await;
                    }
                    Ok(Control::Ack { bytes }) => {
                        unacked = unacked.saturating_sub(bytes);
                        if paused && unacked < LOW_WATERMARK {
                            paused = false;
                        }
                    }
                    Ok(Control::Unknown) => {}
                    Err(_) => {
                        return close(socket, close_code::POLICY,
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

/// What a queued message counts against [`MAX_PENDING_INPUT`], in bytes.
fn cost(msg: &ToPty) -> usize {
    match msg {
        ToPty::Input(bytes) => bytes.len(),
        ToPty::Resize(..) => 16,
    }
}

#[cfg(test)]
#[path = "terminal_tests.rs"]
mod tests;
