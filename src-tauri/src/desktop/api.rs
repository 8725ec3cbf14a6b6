//! The Tauri commands behind the webview's transport (`ui/src/lib/backend/tauri.ts`):
//! `api` sends one request with the connection's key and answers like `fetch` would
//! (status and JSON body); `events_follow` / `events_stop` keep an event stream open and
//! forward it through a channel. The key stays in [`Desktop`]; nothing here returns it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use aiops_client::{Client, RawAnswer};
use serde::Serialize;
use serde_json::{Value, json};
use tauri::async_runtime::JoinHandle;
use tauri::ipc::Channel;

use super::settings::Notifications;

/// How long a dropped event stream waits before it reconnects (as `EventSource` does).
const RECONNECT_AFTER: Duration = Duration::from_secs(5);

/// A server the app is signed in to.
#[derive(Clone)]
pub struct Connected {
    /// With the connection's API key.
    pub client: Client,
    /// True for "This computer", the control plane inside the app.
    pub local: bool,
}

/// The window's connection: the server's client (with its key), the open event streams
/// of the page, and the app's own notification task.
pub struct Desktop {
    current: RwLock<Option<Connected>>,
    next_stream: AtomicU32,
    streams: Mutex<HashMap<u32, JoinHandle<()>>>,
    notifications: Mutex<Option<JoinHandle<()>>>,
}

impl Desktop {
    pub fn new() -> Self {
        Self {
            current: RwLock::new(None),
            next_stream: AtomicU32::new(1),
            streams: Mutex::new(HashMap::new()),
            notifications: Mutex::new(None),
        }
    }

    /// The server's client, when connected.
    pub fn client(&self) -> Option<Client> {
        Some(self.current()?.client)
    }

    pub fn current(&self) -> Option<Connected> {
        self.current.read().ok()?.clone()
    }

    /// True when connected to "This computer", whose sessions live on this machine:
    /// terminals attach in a local PTY.
    pub fn is_local(&self) -> bool {
        self.current().is_some_and(|c| c.local)
    }

    /// Connects to a server (or disconnects with `None`): later calls use it, and the
    /// notification task follows its events instead of the previous server's.
    pub fn connect(&self, app: &tauri::AppHandle, to: Option<Connected>, prefs: Notifications) {
        let client = to.as_ref().map(|c| c.client.clone());
        if let Ok(mut current) = self.current.write() {
            *current = to;
        }
        let Ok(mut task) = self.notifications.lock() else {
            return;
        };
        if let Some(old) = task.take() {
            old.abort();
        }
        super::tray::show(app, &super::tray::model(&[]));
        if let Some(client) = client {
            *task = Some(tauri::async_runtime::spawn(super::notify::follow(
                app.clone(),
                client,
                prefs,
            )));
        }
    }
}

/// The answer when no server is set up: what the UI shows as "sign in".
fn not_connected() -> RawAnswer {
    RawAnswer {
        status: 401,
        body: Some(json!({ "error": {
            "code": "unauthorized",
            "message": "This app is not connected to a server yet: sign in to one.",
        }})),
    }
}

/// One API request (see `aiops_client::Client::raw` for what `path` may be). `Err` is a
/// one-line reason when no answer came: the server is unreachable, or the request was
/// refused before sending.
#[tauri::command]
pub async fn api(
    desktop: tauri::State<'_, Desktop>,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
) -> Result<RawAnswer, String> {
    let Some(client) = desktop.client() else {
        return Ok(not_connected());
    };
    client
        .raw(&method, &path, &query, body.as_ref())
        .await
        .map_err(|e| e.to_string())
}

/// A message on an `events_follow` channel.
#[derive(Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamMessage {
    Event { event: aiops_types::Event },
    State { state: &'static str },
}

/// Follows `/api/v1/events` after event `after`, reconnecting (and resuming after the
/// last event seen) until [`events_stop`]. Returns the subscription's id.
#[tauri::command]
pub fn events_follow(
    desktop: tauri::State<'_, Desktop>,
    after: Option<i64>,
    channel: Channel<StreamMessage>,
) -> Result<u32, String> {
    let client = desktop
        .client()
        .ok_or_else(|| "not connected to a server".to_owned())?;
    let id = desktop.next_stream.fetch_add(1, Ordering::Relaxed);
    let task = tauri::async_runtime::spawn(follow(client, after, channel));
    desktop
        .streams
        .lock()
        .map_err(|_| "the stream table is poisoned".to_owned())?
        .insert(id, task);
    Ok(id)
}

#[tauri::command]
pub fn events_stop(desktop: tauri::State<'_, Desktop>, id: u32) {
    if let Ok(mut streams) = desktop.streams.lock()
        && let Some(task) = streams.remove(&id)
    {
        task.abort();
    }
}

async fn follow(client: Client, mut after: Option<i64>, channel: Channel<StreamMessage>) {
    loop {
        let state = |state| channel.send(StreamMessage::State { state });
        if state("connecting").is_err() {
            return; // The page that asked is gone.
        }
        let _ = client
            .follow_events_from(
                after,
                || {
                    let _ = channel.send(StreamMessage::State { state: "open" });
                },
                |event| {
                    after = Some(event.id);
                    channel.send(StreamMessage::Event { event }).is_ok()
                },
            )
            .await;
        if state("closed").is_err() {
            return;
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// Saves backup `id` of the connected server into the user's download dir (the OS's,
/// else `~/Downloads`) under its own name, streamed by the Rust client (the webview
/// holds no credential, so it cannot follow a download link). Returns the saved path.
#[tauri::command]
pub async fn backup_save(desktop: tauri::State<'_, Desktop>, id: String) -> Result<String, String> {
    let Some(client) = desktop.client() else {
        return Err("This app is not connected to a server yet: sign in to one.".into());
    };
    let dir = dirs::download_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join("Downloads")))
        .ok_or("no download folder: set XDG_DOWNLOAD_DIR or HOME")?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // The id names a file on the server; here only its last component is used, so a
    // crafted one cannot write outside the download dir.
    let name = std::path::Path::new(&id)
        .file_name()
        .ok_or("not a backup name")?
        .to_owned();
    let dest = dir.join(name);
    client
        .download_backup(&id, &dest, &mut |_| {})
        .await
        .map_err(|e| e.to_string())?;
    Ok(dest.display().to_string())
}
