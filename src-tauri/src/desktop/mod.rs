//! The desktop face: a Tauri v2 window, started by `aiops` with no subcommand.
//!
//! One window showing the web UI (`ui/dist`, embedded at build time) over the Tauri
//! transport: its API calls are the commands of [`api`], sent with the key of the
//! connection [`active_connection::resolve`] finds or [`connect`] signs in to; terminals through
//! [`attach`] (a local PTY, SSH, or the server's WebSocket); OS notifications
//! ([`notify`]) and the tray ([`tray`]) from the app's own event stream. "This computer"
//! ([`local`]) runs the control plane inside the app; it stops when the app quits.
//!
//! This module is compiled only with the `desktop` feature and is the only place that
//! names `tauri`: `main` dispatches every subcommand before calling [`run`], so the CLI
//! and `aiops serve` never initialise GTK or WebKit.

mod active_connection;
mod api;
mod attach;
mod browser;
mod local;
mod notify;
mod prefs;
mod saved_connections;
mod settings;
mod sign_in;
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
    software_rendering_without_dmabuf();
    let settings = active_connection::settings().context("cannot read the desktop settings")?;
    let bus = session_bus();
    let app = build_app(
        api::Desktop::new(),
        !cfg!(target_os = "linux") || bus.is_some(),
    )?;
    let handle = app.handle().clone();
    let local = app.state::<local::Local>();
    // A saved connection that cannot open (this computer's data dir held by another
    // control plane, no keychain) is the sign-in page's to explain, not a reason to die.
    let opened = tauri::async_runtime::block_on(active_connection::resolve(&settings, &local))
        .unwrap_or_else(|e| {
            let problem = line(e);
            eprintln!("aiops: warning: {problem}");
            if let Ok(mut slot) = app.state::<saved_connections::StartupProblem>().0.lock() {
                *slot = Some(problem);
            }
            None
        });
    let has_tray = tray::create(&handle, bus.as_ref());
    app.state::<api::Desktop>()
        .connect(&handle, opened, settings.notifications);
    let code = app.run_return(move |app, event| match event {
        // With a tray to come back from, closing the window only hides it: notifications
        // and the tray keep working. Without one, closing quits as usual.
        tauri::RunEvent::WindowEvent {
            event: tauri::WindowEvent::CloseRequested { api, .. },
            ..
        } if has_tray => {
            api.prevent_close();
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.hide();
            }
        }
        tauri::RunEvent::Exit => {
            tauri::async_runtime::block_on(app.state::<local::Local>().stop());
        }
        _ => {}
    });
    if code != 0 {
        bail!("the desktop app exited with code {code}");
    }
    Ok(())
}

/// A command's error as the page shows it: one line, the causes included (`{:#}` of
/// anyhow's chain).
fn line(e: impl std::fmt::Display) -> String {
    format!("{e:#}")
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
    // A number formatted into a fixed path: nothing of the event's text runs.
    open_page(app, &format!("/sessions/{id}"));
}

/// Brings the window up on the UI's `path`, one of this module's fixed paths.
fn open_page(app: &tauri::AppHandle, path: &str) {
    show_window(app);
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.eval(format!(
            "window.location.assign({})",
            serde_json::Value::from(path)
        ));
    }
}

/// Without a GPU (no `/dev/dri/renderD*`: a VM, a remote X session) WebKitGTK's DMA-BUF
/// renderer only adds buffers to the web process: idle memory of the app's processes was
/// 323 MB with it and 232 MB without (scripts/bench/desktop.sh under Xvfb), at the same
/// start-up time. With a GPU it is the fast path and stays. A value the user set wins.
fn software_rendering_without_dmabuf() {
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if !cfg!(target_os = "linux") || std::env::var_os(VAR).is_some() {
        return;
    }
    let gpu = std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    if !gpu {
        // SAFETY: called on the main thread before the app, its runtime or GTK start any
        // thread, so nothing reads the environment concurrently.
        unsafe { std::env::set_var(VAR, "1") };
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
fn build_app(desktop: api::Desktop, single: bool) -> Result<tauri::App> {
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let built = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut builder = tauri::Builder::default();
        if single {
            builder = builder.plugin(single_instance());
        }
        builder
            .plugin(tauri_plugin_opener::init())
            .manage(desktop)
            .manage(attach::Terminals::default())
            .manage(attach::SshKeys::default())
            .manage(local::Local::default())
            .manage(saved_connections::StartupProblem::default())
            .invoke_handler(tauri::generate_handler![
                api::api,
                api::events_follow,
                api::events_stop,
                api::backup_save,
                browser::open_external,
                sign_in::connect,
                sign_in::disconnect,
                saved_connections::desktop_status,
                saved_connections::connections_list,
                saved_connections::connection_switch,
                saved_connections::connection_forget,
                local::local_status,
                local::connect_local,
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

/// The D-Bus session bus of a Linux desktop, when it answers: one connection for the
/// start-up questions. The single-instance plugin needs the bus there (it panics without
/// one, so a desktop without a bus runs the app without it); the tray asks it for a tray
/// host.
fn session_bus() -> Option<zbus::Connection> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    tauri::async_runtime::block_on(zbus::Connection::session()).ok()
}

/// A second `aiops` with no subcommand shows this app's window and exits. One app per
/// config dir (its `desktop.toml`), named on the session bus after that dir, so apps with
/// separate `AIOPS_CONFIG_DIR`s (tests, a second profile) run side by side.
fn single_instance() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let dir = crate::cli::config::dir().unwrap_or_default();
    // FNV-1a: stable across builds, unlike std's hasher, so two builds agree on the name.
    let hash = dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(format!("dev.aiops.app.c{hash:016x}"))
        .callback(|app, _args, _cwd| show_window(app))
        .build()
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
