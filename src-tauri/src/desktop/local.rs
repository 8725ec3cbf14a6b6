//! "This computer": the control plane inside the app. `aiops_server::Embedded` serves on
//! `127.0.0.1` with the normal data dir and configuration (`aiops.toml`, `AIOPS_*`, as
//! `aiops serve` reads them); only `bind` is the app's. It holds the data dir's lock, so
//! an `aiops serve` already running there is reported rather than doubled.
//!
//! Signing in to it works as with "A server" (email and password, a key minted for the
//! app), except that with no user yet the form creates the first admin, and the key goes
//! to the keychain under the account `local:<data dir>` (the port may change). The port
//! of the last run is tried first: sessions started then call back to that URL.

use aiops_client::key_store::Keychain;
use aiops_server::{Embedded, Overrides, ServeError};
use aiops_types::User;
use anyhow::{Context, Result};
use serde::Serialize;
use tokio::sync::Mutex;

use super::active_connection;
use super::api::Desktop;
use super::settings::ConnectionKind;
use super::sign_in::{keep, sign_in};

/// The in-process control plane, when started.
#[derive(Default)]
pub struct Local {
    server: Mutex<Option<Embedded>>,
}

impl Local {
    /// The control plane's URL, starting it first (on `port` when free, else any port).
    pub async fn ensure(&self, port: Option<u16>) -> Result<String> {
        let mut server = self.server.lock().await;
        if let Some(running) = server.as_ref() {
            return Ok(running.url().to_owned());
        }
        let started = match Embedded::start(server_settings(port.unwrap_or(0))?).await {
            Err(ServeError::Bind { .. }) if port.is_some() => {
                Embedded::start(server_settings(0)?).await
            }
            other => other,
        }
        .context("cannot start this computer's control plane")?;
        let url = started.url().to_owned();
        *server = Some(started);
        Ok(url)
    }

    /// The port it listens on, while it runs.
    pub async fn port(&self) -> Option<u16> {
        self.server.lock().await.as_ref()?.port()
    }

    /// Stops it (in-flight requests finish; sessions keep running in tmux).
    pub async fn stop(&self) {
        if let Some(server) = self.server.lock().await.take() {
            server.stop().await;
        }
    }
}

/// The keychain account of this computer's key: the data dir's own.
pub fn keychain_account() -> Result<String> {
    Ok(Keychain::local_account(&server_settings(0)?.data_dir))
}

/// `aiops serve`'s settings with the app's bind address.
fn server_settings(port: u16) -> Result<aiops_server::Settings> {
    let settings = aiops_server::Settings::load(Overrides {
        bind: Some(format!("127.0.0.1:{port}")),
        ..Overrides::default()
    })?;
    Ok(settings)
}

/// What the sign-in page needs to know about this computer's control plane.
#[derive(Debug, Serialize)]
pub struct LocalStatus {
    /// False on a fresh data dir: the form creates the first admin.
    pub has_users: bool,
    pub data_dir: String,
}

#[tauri::command]
pub fn local_status() -> Result<LocalStatus, String> {
    let settings = server_settings(0).map_err(super::line)?;
    // Looking must not create the data dir: no database yet means no user yet.
    let has_users = settings.db_path().exists()
        && aiops_server::admin::has_users(&settings.data_dir).map_err(|e| e.to_string())?;
    Ok(LocalStatus {
        has_users,
        data_dir: settings.data_dir.display().to_string(),
    })
}

/// Connects the app to this computer: starts the control plane, creates the first admin
/// with `email` and `password` when there is no user yet, else signs in with them, and
/// keeps the app's key in the keychain. `Err` is one line to show under the form.
#[tauri::command]
pub async fn connect_local(
    app: tauri::AppHandle,
    desktop: tauri::State<'_, Desktop>,
    local: tauri::State<'_, Local>,
    email: String,
    password: String,
) -> Result<User, String> {
    let settings = active_connection::settings().map_err(super::line)?;
    let url = local
        .ensure(settings.local_port)
        .await
        .map_err(super::line)?;
    let data_dir = server_settings(0).map_err(super::line)?.data_dir;
    let has_users = aiops_server::admin::has_users(&data_dir).map_err(|e| e.to_string())?;
    if !has_users {
        aiops_server::admin::create_admin(&data_dir, email.trim(), &password)
            .map_err(|e| e.to_string())?;
    }
    let signed = sign_in(&url, &email, password).await?;
    keep(
        &app,
        &desktop,
        signed,
        ConnectionKind::Local,
        local.port().await,
    )
    .await
}
