//! Terminals in the desktop window. One protocol for the page whatever carries the bytes:
//! `terminal_open` streams output on a channel and returns the terminal's id; keystrokes
//! (`terminal_input`), resizes and acks (`terminal_control`) come back as commands in the
//! order the page sent them (it chains its calls); `terminal_close` detaches (the
//! session keeps running).
//!
//! Transports, chosen per terminal:
//! - local mode ("This computer"): the attach command of `GET /sessions/{id}/attach` in a
//!   local PTY ([`local`]);
//! - a remote server: SSH to its host ([`remote`], `aiops_exec::attach::ssh`), else the
//!   server's terminal WebSocket ([`websocket`], `aiops_client::terminal`, `ws:` or
//!   `wss:`), opened here with the connection's key so the webview never holds it.
//!
//! Each is an `aiops_types::terminal::Terminal`; the PTYs run the terminal engine of
//! `aiops_exec::attach`, the WebSocket the server's.
//!
//! # Channel messages (Rust → page)
//!
//! 1. `{"type":"transport","name":"ssh"|"websocket"|"local","note":…}` first: which
//!    transport the terminal got; `note` (optional) says why SSH was not used.
//! 2. raw bytes (`ArrayBuffer`): terminal output; ack each chunk once drawn
//!    (`{"type":"ack","bytes":n}`), or output stops after 1 MiB.
//! 3. `{"type":"close","code":…,"reason":…}` last (1000: the attach ended by itself).
//!
//! A terminal that cannot open answers `terminal_open` with a [`remote::Refusal`]: a
//! message, or what the page must ask the user (an unknown host key, a key passphrase)
//! before it opens the terminal again.

mod local;
mod remote;
pub mod ssh;
mod websocket;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use aiops_types::TerminalControl as Control;
use aiops_types::terminal::{Screen, Terminal};
use serde_json::json;
use tauri::Manager;
use tauri::ipc::{Channel, InvokeResponseBody};

pub use remote::Refusal;
pub use ssh::SshKeys;

use super::api::Desktop;

/// One open terminal, whatever its transport; dropping it detaches.
type Link = Box<dyn Terminal>;

/// The open terminals, by the id [`terminal_open`] returned.
#[derive(Default)]
pub struct Terminals {
    next: AtomicU32,
    open: Mutex<HashMap<u32, Link>>,
}

impl Terminals {
    fn remove(&self, id: u32) {
        // Taken out first: a PTY link's drop must not run under the table's lock.
        let link = self.open.lock().ok().and_then(|mut open| open.remove(&id));
        drop(link);
    }
}

/// The page's channel as a terminal's [`Screen`]; ending removes the terminal.
pub struct PageScreen {
    channel: Channel<InvokeResponseBody>,
    app: tauri::AppHandle,
    id: u32,
    ended: AtomicBool,
}

impl PageScreen {
    /// Tells the page which transport carries the terminal (the first message).
    fn transport(&self, name: &str, note: Option<&str>) {
        let m = json!({ "type": "transport", "name": name, "note": note });
        let _ = self.channel.send(InvokeResponseBody::Json(m.to_string()));
    }
}

impl Screen for PageScreen {
    fn output(&self, bytes: &[u8]) -> bool {
        self.channel
            .send(InvokeResponseBody::Raw(bytes.to_vec()))
            .is_ok()
    }

    fn ended(&self, code: u16, reason: &str) {
        if self.ended.swap(true, Ordering::SeqCst) {
            return;
        }
        let close = json!({ "type": "close", "code": code, "reason": reason });
        let _ = self
            .channel
            .send(InvokeResponseBody::Json(close.to_string()));
        self.app.state::<Terminals>().remove(self.id);
    }
}

/// Attaches to session `session` at `cols` × `rows` (see the module doc for the channel's
/// messages). Returns the terminal's id; `Err` is a [`Refusal`].
#[tauri::command]
#[allow(clippy::too_many_arguments)] // a command's arguments are the page's, one each
pub async fn terminal_open(
    app: tauri::AppHandle,
    desktop: tauri::State<'_, Desktop>,
    terminals: tauri::State<'_, Terminals>,
    keys: tauri::State<'_, SshKeys>,
    session: i64,
    cols: u16,
    rows: u16,
    channel: Channel<InvokeResponseBody>,
) -> Result<u32, Refusal> {
    let client = desktop
        .client()
        .ok_or_else(|| Refusal::message("not connected to a server"))?;
    let id = terminals.next.fetch_add(1, Ordering::Relaxed) + 1;
    let screen = Arc::new(PageScreen {
        channel,
        app: app.clone(),
        id,
        ended: AtomicBool::new(false),
    });
    let size = (cols, rows);
    let link = if desktop.is_local() {
        local::open(&client, session, size, screen.clone()).await?
    } else {
        remote::open(&client, &keys, session, size, screen.clone()).await?
    };
    terminals
        .open
        .lock()
        .map_err(|_| Refusal::message("the terminal table is poisoned"))?
        .insert(id, link);
    // It may have ended before it was in the table.
    if screen.ended.load(Ordering::SeqCst) {
        terminals.remove(id);
    }
    Ok(id)
}

/// Keystrokes or a paste for terminal `id`.
#[tauri::command]
pub fn terminal_input(terminals: tauri::State<'_, Terminals>, id: u32, data: Vec<u8>) {
    if let Some(terminal) = terminals.open.lock().ok().as_ref().and_then(|o| o.get(&id)) {
        terminal.input(data);
    }
}

/// A control message for terminal `id` (`{"type":"resize",…}` or `{"type":"ack",…}`).
#[tauri::command]
pub fn terminal_control(terminals: tauri::State<'_, Terminals>, id: u32, text: String) {
    // Anything that is not a control message is the page's bug; ignored like unknown types.
    let Ok(control) = serde_json::from_str::<Control>(&text) else {
        return;
    };
    if let Some(terminal) = terminals.open.lock().ok().as_ref().and_then(|o| o.get(&id)) {
        terminal.control(control);
    }
}

/// Detaches terminal `id`; the session keeps running.
#[tauri::command]
pub fn terminal_close(terminals: tauri::State<'_, Terminals>, id: u32) {
    terminals.remove(id);
}
