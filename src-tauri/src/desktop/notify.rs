//! OS notifications for what needs the user: a session waiting for input, exited or
//! failed, and a failed sync. A task of the app follows `/api/v1/events` itself (so it
//! works while the window is closed), resuming after the last event it saw, so a
//! reconnect never repeats a notification; [`notice_for`] decides, per the toggles of
//! `desktop.toml`. Delivery is the freedesktop Notifications D-Bus API through
//! notify-rust (<https://specifications.freedesktop.org/notification-spec/latest/>); with
//! no notification daemon the app logs one warning and goes on without them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aiops_client::Client;
use aiops_types::{Event, Session, SessionState};

use super::settings::Notifications;

/// How long a dropped event stream waits before it reconnects.
const RECONNECT_AFTER: Duration = Duration::from_secs(5);

/// One notification: a summary line, a body, and the session a click opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub summary: String,
    pub body: String,
    pub session_id: Option<i64>,
}

/// The notification an event deserves under `prefs`, if any.
pub fn notice_for(event: &Event, prefs: &Notifications) -> Option<Notice> {
    if prefs.do_not_disturb {
        return None;
    }
    match event.kind.as_str() {
        "session.state" => {
            let s: Session = serde_json::from_value(event.payload.clone()).ok()?;
            let (wanted, what) = match s.state {
                SessionState::Waiting => (prefs.waiting, "is waiting for you"),
                SessionState::Exited => (prefs.exited, "exited"),
                SessionState::Failed => (prefs.failed, "failed"),
                _ => return None,
            };
            if !wanted {
                return None;
            }
            let name = s
                .issue_title
                .clone()
                .unwrap_or_else(|| format!("Session #{}", s.id));
            let mut body = format!("{} ({}) {what}", name, s.tool);
            if s.state == SessionState::Exited
                && let Some(code) = s.exit_code
            {
                body.push_str(&format!(" with code {code}"));
            }
            if !s.detail.is_empty() && s.state != SessionState::Exited {
                body.push_str(&format!(": {}", s.detail));
            }
            Some(Notice {
                summary: name,
                body,
                session_id: Some(s.id),
            })
        }
        "sync.failed" if prefs.sync_failed => {
            let p = &event.payload;
            let name = p["integration_name"].as_str().map_or_else(
                || format!("integration #{}", p["integration_id"]),
                str::to_owned,
            );
            Some(Notice {
                summary: format!("Sync of {name} failed"),
                body: p["error"].as_str().unwrap_or_default().to_owned(),
                session_id: None,
            })
        }
        // Backups, restores, updates and tool installs that failed (admins only see
        // these events); the same switch as failed syncs: background work failed.
        "job.failed" if prefs.sync_failed => {
            let p = &event.payload;
            Some(Notice {
                summary: format!(
                    "{} {} failed",
                    p["kind"].as_str().unwrap_or("job").replace('_', " "),
                    p["subject"].as_str().unwrap_or_default()
                ),
                body: p["error"].as_str().unwrap_or_default().to_owned(),
                session_id: None,
            })
        }
        _ => None,
    }
}

/// Follows the event stream until the app ends (or the task is aborted on sign-out),
/// raising a notification for each event [`notice_for`] picks and redrawing the tray
/// when a session changes state. A click on a notification opens its session.
pub async fn follow(app: tauri::AppHandle, client: Client, prefs: Notifications) {
    let warned = AtomicBool::new(false);
    let mut after = None;
    let tray = TrayRedraw::start(&app, &client);
    loop {
        let result = client
            .follow_events_from(
                after,
                || {
                    eprintln!(
                        "aiops: notifications follow the events of {}",
                        client.base_url()
                    );
                    tray.request();
                },
                |event| {
                    after = Some(event.id);
                    if event.kind == "session.state" {
                        tray.request();
                    }
                    if let Some(notice) = notice_for(&event, &prefs) {
                        let handle = app.clone();
                        show(notice, &warned, move |id| super::open_session(&handle, id));
                    }
                    true
                },
            )
            .await;
        if let Err(e) = result {
            eprintln!("aiops: the event stream stopped ({e}); reconnecting");
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// Redraws the tray after session changes, once per burst: requests within
/// [`TRAY_SETTLE`] of each other cost one session list, not one each. Stops when dropped
/// (with the task following the events).
struct TrayRedraw {
    wanted: Arc<tokio::sync::Notify>,
    task: tauri::async_runtime::JoinHandle<()>,
}

/// How long a redraw waits for more session changes to fold into it.
const TRAY_SETTLE: Duration = Duration::from_millis(250);

impl TrayRedraw {
    fn start(app: &tauri::AppHandle, client: &Client) -> Self {
        let wanted = Arc::new(tokio::sync::Notify::new());
        let (app, client, woken) = (app.clone(), client.clone(), wanted.clone());
        let task = tauri::async_runtime::spawn(async move {
            loop {
                woken.notified().await;
                tokio::time::sleep(TRAY_SETTLE).await;
                super::tray::refresh(&app, &client).await;
            }
        });
        Self { wanted, task }
    }

    /// Asks for a redraw (a pending one absorbs it).
    fn request(&self) {
        self.wanted.notify_one();
    }
}

impl Drop for TrayRedraw {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Raises `notice`; the first failure (no daemon, no session bus) is logged once. Waits
/// for a click on a blocking thread (the D-Bus signal wait blocks).
fn show(notice: Notice, warned: &AtomicBool, open: impl Fn(i64) + Send + 'static) {
    let mut n = notify_rust::Notification::new();
    // The body may carry markup (spec, "Markup"); issue titles and errors are text.
    n.appname("aiops")
        .summary(&notice.summary)
        .body(&escape_markup(&notice.body));
    if notice.session_id.is_some() {
        n.action("default", "Open");
    }
    match n.show() {
        Ok(handle) => {
            if let Some(id) = notice.session_id {
                std::thread::spawn(move || {
                    handle.wait_for_action(|action| {
                        if action == "default" {
                            open(id);
                        }
                    });
                });
            }
        }
        Err(e) => {
            if !warned.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "aiops: warning: OS notifications are unavailable ({e}); the in-app \
                     notification centre still lists them"
                );
            }
        }
    }
}

/// `&`, `<` and `>` as entities, so server text shows as written.
fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;
