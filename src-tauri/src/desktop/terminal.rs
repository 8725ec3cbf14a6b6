//! Terminals in the desktop window through the server's terminal WebSocket
//! (`GET /api/v1/sessions/{id}/terminal`, protocol in `aiops-server`'s `routes/terminal.rs`),
//! opened here in Rust with the connection's key, so the webview never holds it. Output
//! goes to the page through a channel as raw bytes; keystrokes, resizes and acks come back
//! as commands, in the order the page sent them (it chains its calls).
//!
//! This is the fallback path of the design (SSH and local PTY attach come next); it needs
//! an `http://` server for now: `https://` terminals wait for the TLS connector.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tauri::ipc::{Channel, InvokeResponseBody};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, http};

use super::api::Desktop;

/// What the page sends: input bytes or a control text (`resize`, `ack`).
enum ToServer {
    Input(Vec<u8>),
    Control(String),
}

/// The open terminals, by the id [`terminal_open`] returned.
#[derive(Default)]
pub struct Terminals {
    next: AtomicU32,
    open: Mutex<HashMap<u32, mpsc::UnboundedSender<ToServer>>>,
}

/// Attaches to session `session` at `cols` × `rows`. Output bytes arrive on `channel` as
/// raw messages, then one JSON `{"type":"close","code","reason"}` when it ends. `Err` is
/// the server's refusal (not found, ended, forbidden) or why it could not be reached.
#[tauri::command]
pub async fn terminal_open(
    app: tauri::AppHandle,
    desktop: tauri::State<'_, Desktop>,
    terminals: tauri::State<'_, Terminals>,
    session: i64,
    cols: u16,
    rows: u16,
    channel: Channel<InvokeResponseBody>,
) -> Result<u32, String> {
    let client = desktop.client().ok_or("not connected to a server")?;
    let (url, authorization) = client
        .terminal_endpoint(session, cols, rows)
        .map_err(|e| e.to_string())?;
    if url.starts_with("wss:") {
        return Err(
            "terminals of an https server cannot open in the desktop app yet: open \
                    the session in a browser, or attach with `aiops sessions attach`"
                .into(),
        );
    }
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert(
        http::header::AUTHORIZATION,
        authorization
            .parse()
            .map_err(|_| "a key that is not a header value")?,
    );
    let host = request.uri().host().unwrap_or_default().to_owned();
    let port = request.uri().port_u16().unwrap_or(80);
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot reach {host}:{port}: {e}"))?;
    // A keystroke's echo is a few bytes that must not wait for more (Nagle).
    let _ = tcp.set_nodelay(true);
    let (ws, _) = tokio_tungstenite::client_async(request, tcp)
        .await
        .map_err(refusal)?;
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let id = terminals.next.fetch_add(1, Ordering::Relaxed) + 1;
    terminals
        .open
        .lock()
        .map_err(|_| "the terminal table is poisoned")?
        .insert(id, tx);

    tauri::async_runtime::spawn(async move {
        while let Some(m) = rx.recv().await {
            let message = match m {
                ToServer::Input(bytes) => Message::Binary(bytes.into()),
                ToServer::Control(text) => Message::Text(text.into()),
            };
            if sink.send(message).await.is_err() {
                return;
            }
        }
        // The page closed the tab: detach (the session keeps running).
        let _ = sink.send(Message::Close(None)).await;
    });
    tauri::async_runtime::spawn(async move {
        let (mut code, mut reason) = (1006u16, String::from("the connection dropped"));
        while let Some(message) = stream.next().await {
            match message {
                Ok(Message::Binary(bytes)) => {
                    if channel
                        .send(InvokeResponseBody::Raw(bytes.to_vec()))
                        .is_err()
                    {
                        return;
                    }
                }
                Ok(Message::Close(frame)) => {
                    if let Some(CloseFrame { code: c, reason: r }) = frame {
                        (code, reason) = (c.into(), r.to_string());
                    } else {
                        (code, reason) = (1000, String::new());
                    }
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    reason = e.to_string();
                    break;
                }
            }
        }
        let close = json!({ "type": "close", "code": code, "reason": reason });
        let _ = channel.send(InvokeResponseBody::Json(close.to_string()));
        // Dropping the input sender ends the writer, which closes the socket.
        use tauri::Manager;
        terminal_close(app.state::<Terminals>(), id);
    });
    Ok(id)
}

/// Keystrokes or a paste for terminal `id`.
#[tauri::command]
pub fn terminal_input(terminals: tauri::State<'_, Terminals>, id: u32, data: Vec<u8>) {
    send(&terminals, id, ToServer::Input(data));
}

/// A control message for terminal `id` (`{"type":"resize",…}` or `{"type":"ack",…}`).
#[tauri::command]
pub fn terminal_control(terminals: tauri::State<'_, Terminals>, id: u32, text: String) {
    send(&terminals, id, ToServer::Control(text));
}

/// Detaches terminal `id`; the session keeps running.
#[tauri::command]
pub fn terminal_close(terminals: tauri::State<'_, Terminals>, id: u32) {
    if let Ok(mut open) = terminals.open.lock() {
        open.remove(&id);
    }
}

fn send(terminals: &Terminals, id: u32, m: ToServer) {
    if let Ok(open) = terminals.open.lock()
        && let Some(tx) = open.get(&id)
    {
        let _ = tx.send(m);
    }
}

/// The one line to show when the upgrade was refused: the server's error message when
/// it sent its JSON error body.
fn refusal(e: tokio_tungstenite::tungstenite::Error) -> String {
    use tokio_tungstenite::tungstenite::Error;
    match e {
        Error::Http(resp) => {
            let status = resp.status();
            resp.body()
                .as_deref()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("the server refused the terminal ({status})"))
        }
        other => other.to_string(),
    }
}
