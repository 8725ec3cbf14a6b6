//! The desktop face: a Tauri v2 window, started by `aiops` with no subcommand.
//!
//! One window showing the web UI (`ui/dist`, embedded at build time) over the Tauri
//! transport: its API calls are the commands of [`api`], sent with the key of the
//! connection [`connection::resolve`] finds or [`connect`] signs in to; terminals through
//! [`attach`] (a local PTY, SSH, or the server's WebSocket); OS notifications
//! ([`notify`]) and the tray ([`tray`]) from the app's own event stream.
//!
//! This module is compiled only with the `desktop` feature and is the only place that
//! names `tauri`: `main` dispatches every subcommand before calling [`run`], so the CLI
//! and `aiops serve` never initialise GTK or WebKit.

mod api;
mod attach;
mod connect;
mod connection;
mod notify;
mod prefs;
mod settings;
mod tray;

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use anyhow::{Context, Result, anyhow, bail};
use tauri::Manager;

/// Builds the Tauri app and runs its event loop until the last window closes.
///
/// Call it on the main thread and outside any async runtime: GTK and AppKit own that
/// thread while the event loop runs. Returns an error, rather than panicking, when there
/// is no display or the windowing toolkit cannot start.
pub fn run() -> Result<()> {
    ensure_display()?;
    let settings = connection::settings().context("cannot read the desktop settings")?;
    let client = connection::resolve(&settings).context("cannot read the desktop's connection")?;
    let app = build_app(api::Desktop::new())?;
    tray::create(app.handle());
    app.state::<api::Desktop>()
        .connect(app.handle(), client, settings.notifications);
    let code = app.run_return(|_app, _event| {});
    if code != 0 {
        bail!("the desktop app exited with code {code}");
    }
    Ok(())
}

/// Brings the window up.
fn show_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Brings the window up on session `id` (a notification or the tray was clicked).
fn open_session(app: &tauri::AppHandle, id: i64) {
    show_window(app);
    if let Some(window) = app.get_webview_window("main") {
        // A number formatted into a fixed script: nothing of the event's text runs.
        let _ = window.eval(format!("window.location.assign('/sessions/{id}')"));
    }
}

/// Fails early, with a hint, where GTK would have no display to connect to.
fn ensure_display() -> Result<()> {
    if cfg!(all(unix, not(target_os = "macos")))
        && std::env::var_os("DISPLAY").is_none_or(|v| v.is_empty())
        && std::env::var_os("WAYLAND_DISPLAY").is_none_or(|v| v.is_empty())
    {
        bail!(
            "no display: neither DISPLAY nor WAYLAND_DISPLAY is set. \
             The desktop app needs a graphical session; on a headless machine run \
             `aiops serve` (or another subcommand, see `aiops --help`)"
        );
    }
    Ok(())
}

/// `tao` panics (instead of returning an error) when GTK cannot open the display, e.g. a
/// stale `DISPLAY`. Turn that panic into an error and keep the default panic report off
/// the terminal while the app is being built.
fn build_app(desktop: api::Desktop) -> Result<tauri::App> {
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let built = panic::catch_unwind(AssertUnwindSafe(|| {
        tauri::Builder::default()
            .manage(desktop)
            .manage(attach::Terminals::default())
            .manage(attach::SshKeys::default())
            .invoke_handler(tauri::generate_handler![
                api::api,
                api::events_follow,
                api::events_stop,
                connect::desktop_server,
                connect::connect,
                connect::disconnect,
                prefs::notifications_get,
                prefs::notifications_set,
                attach::terminal_open,
                attach::terminal_input,
                attach::terminal_control,
                attach::terminal_close,
                attach::ssh::ssh_prefs_get,
                attach::ssh::ssh_prefs_set,
                attach::ssh::ssh_trust_host,
                attach::ssh::ssh_key_passphrase,
            ])
            .build(tauri::generate_context!())
    }));
    panic::set_hook(previous_hook);
    match built {
        Ok(app) => app.context("could not build the desktop app"),
        Err(payload) => Err(anyhow!(
            "could not start the desktop app on display {:?}: {}",
            display_name(),
            panic_message(payload.as_ref())
        )),
    }
}

fn display_name() -> String {
    ["WAYLAND_DISPLAY", "DISPLAY"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
}

/// The panic's message up to the `Debug` dump that `expect` appends after `": "`.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    crate::panic_message(payload)
        .and_then(|message| message.split(": ").next())
        .unwrap_or("the windowing toolkit failed to initialise")
}
