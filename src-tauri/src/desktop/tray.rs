//! The tray icon: its tooltip counts the sessions waiting for the user, and its menu lists
//! the live sessions (a click opens that session's page), then "Open aiops" and "Quit".
//! Kept current from the caller's live sessions, refreshed when a session changes state.
//!
//! Where no tray can exist (no appindicator library, which makes creation panic), the
//! app logs one warning and runs without it; under a desktop with no tray host the icon is
//! simply not shown.

use std::panic::{self, AssertUnwindSafe};

use aiops_client::Client;
use aiops_types::{Session, SessionListParams, SessionState};
use tauri::AppHandle;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;

const TRAY: &str = "aiops";
/// Sessions listed in the menu at most; the rest are on the sessions page.
const MENU_SESSIONS: usize = 15;

/// What the tray shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    pub tooltip: String,
    /// `(menu id, label)`: `session-<id>` for each live session, waiting ones first.
    pub sessions: Vec<(String, String)>,
}

/// The tray for the caller's live `sessions` (any order).
pub fn model(sessions: &[Session]) -> TrayModel {
    let live: Vec<&Session> = sessions
        .iter()
        .filter(|s| {
            matches!(
                s.state,
                SessionState::Starting | SessionState::Running | SessionState::Waiting
            )
        })
        .collect();
    let waiting = live
        .iter()
        .filter(|s| s.state == SessionState::Waiting)
        .count();
    let tooltip = match (waiting, live.len()) {
        (0, 0) => "aiops: no live sessions".to_owned(),
        (0, n) => format!("aiops: {n} live session{}", plural(n)),
        (w, n) => format!("aiops: {w} waiting for you, {n} live"),
    };
    let mut ordered = live;
    // Waiting first, then newest first.
    ordered.sort_by_key(|s| (s.state != SessionState::Waiting, std::cmp::Reverse(s.id)));
    let sessions = ordered
        .into_iter()
        .take(MENU_SESSIONS)
        .map(|s| {
            let state = match s.state {
                SessionState::Waiting => "waiting",
                SessionState::Starting => "starting",
                _ => "running",
            };
            let name = s
                .issue_title
                .clone()
                .unwrap_or_else(|| format!("Session #{}", s.id));
            let name: String = name.chars().take(60).collect();
            (format!("session-{}", s.id), format!("{name} — {state}"))
        })
        .collect();
    TrayModel { tooltip, sessions }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Creates the tray; `false` (after one warning) where this desktop cannot have one or
/// would not show it. `bus`: the Linux session bus, if any.
pub fn create(app: &AppHandle, bus: Option<&zbus::Connection>) -> bool {
    let built = panic::catch_unwind(AssertUnwindSafe(|| build(app, &model(&[]))));
    match built {
        Ok(Ok(())) if host_present(bus) => true,
        Ok(Ok(())) => {
            eprintln!(
                "aiops: warning: no tray host on this desktop (no StatusNotifierWatcher on \
                 the session bus): the tray icon is not shown, and closing the window quits"
            );
            false
        }
        Ok(Err(e)) => {
            eprintln!("aiops: warning: no tray icon ({e}); the app runs without it");
            false
        }
        Err(_) => {
            eprintln!(
                "aiops: warning: no tray icon (the appindicator library is missing); the \
                 app runs without it"
            );
            false
        }
    }
}

fn build(app: &AppHandle, m: &TrayModel) -> tauri::Result<()> {
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip(&m.tooltip)
        .menu(&menu(app, m)?)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "quit" => app.exit(0),
            "open" => super::show_window(app),
            "new-session" => super::open_page(app, "/sessions?new=1"),
            id => {
                if let Some(session) = id.strip_prefix("session-").and_then(|n| n.parse().ok()) {
                    super::open_session(app, session);
                }
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app).map(drop)
}

fn menu(app: &AppHandle, m: &TrayModel) -> tauri::Result<Menu<tauri::Wry>> {
    let menu = Menu::new(app)?;
    for (id, label) in &m.sessions {
        menu.append(&MenuItem::with_id(app, id, label, true, None::<&str>)?)?;
    }
    if !m.sessions.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    menu.append(&MenuItem::with_id(
        app,
        "new-session",
        "New session…",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        "open",
        "Open aiops",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?)?;
    Ok(menu)
}

/// True when the desktop shows tray icons, so a hidden window can be found again. On
/// Linux that means a StatusNotifierWatcher on the session `bus`: plain GNOME has none,
/// and an icon there is never seen; no bus, no host.
fn host_present(bus: Option<&zbus::Connection>) -> bool {
    if cfg!(target_os = "macos") || cfg!(windows) {
        return true;
    }
    let Some(bus) = bus else {
        return false;
    };
    let watcher = async {
        let dbus = zbus::fdo::DBusProxy::new(bus).await?;
        let name = zbus::names::BusName::try_from("org.kde.StatusNotifierWatcher")?;
        zbus::Result::Ok(dbus.name_has_owner(name).await?)
    };
    tauri::async_runtime::block_on(watcher).unwrap_or(false)
}

/// Reads the caller's live sessions and redraws the tray (quietly keeps the old one when
/// the server does not answer).
pub async fn refresh(app: &AppHandle, client: &Client) {
    let params = SessionListParams {
        live: true,
        limit: Some(100),
        ..SessionListParams::default()
    };
    let Ok(page) = client.list_sessions(&params).await else {
        return;
    };
    show(app, &model(&page.items));
}

/// Redraws the tray with `m` (a signed-out app: `model(&[])`).
pub fn show(app: &AppHandle, m: &TrayModel) {
    if let Some(tray) = app.tray_by_id(TRAY) {
        let _ = tray.set_tooltip(Some(&m.tooltip));
        if let Ok(menu) = menu(app, m) {
            let _ = tray.set_menu(Some(menu));
        }
    }
}

#[cfg(test)]
#[path = "tray_tests.rs"]
mod tests;
