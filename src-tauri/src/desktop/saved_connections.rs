//! The saved connections of `desktop.toml`, as the sign-in and account pages show them:
//! which one is open, switching to another, and forgetting one.

use std::sync::Mutex;

use aiops_client::Client;
use aiops_client::key_store::Keychain;
use serde::Serialize;

use super::active_connection;
use super::api::Desktop;
use super::local::Local;
use super::settings::{Connection, ConnectionKind};

/// Why the saved connection could not be opened at start (e.g. another control plane
/// holds the data dir), for the sign-in page.
#[derive(Default)]
pub struct StartupProblem(pub Mutex<Option<String>>);

/// `desktop_status`.
#[derive(Debug, Serialize)]
pub struct DesktopStatus {
    /// The open connection's URL.
    pub server: Option<String>,
    /// True when that is "This computer".
    pub local: bool,
    /// One line: why the saved connection did not open at start.
    pub problem: Option<String>,
}

#[tauri::command]
pub fn desktop_status(
    desktop: tauri::State<'_, Desktop>,
    problem: tauri::State<'_, StartupProblem>,
) -> DesktopStatus {
    let current = desktop.current();
    DesktopStatus {
        server: current.as_ref().map(|c| c.client.base_url().to_owned()),
        local: current.is_some_and(|c| c.local),
        problem: problem.0.lock().ok().and_then(|p| p.clone()),
    }
}

/// `connections_list`.
#[derive(Debug, Serialize)]
pub struct ConnectionList {
    /// The id of the open connection.
    pub open: Option<String>,
    pub connections: Vec<Connection>,
}

#[tauri::command]
pub fn connections_list(desktop: tauri::State<'_, Desktop>) -> Result<ConnectionList, String> {
    let settings = active_connection::settings().map_err(super::line)?;
    Ok(ConnectionList {
        open: desktop.current().map(|c| active_connection::id_of(&c)),
        connections: settings.connections,
    })
}

/// Opens saved connection `id` and makes it the one the app starts with. `Err` is one
/// line: no such connection, its key is gone from the keychain (sign in again), or this
/// computer's control plane cannot start.
#[tauri::command]
pub async fn connection_switch(
    app: tauri::AppHandle,
    desktop: tauri::State<'_, Desktop>,
    local: tauri::State<'_, Local>,
    id: String,
) -> Result<(), String> {
    let mut settings = active_connection::settings().map_err(super::line)?;
    let target = settings
        .connections
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(|| format!("no saved connection `{id}`"))?;
    let opened = active_connection::open(&target, settings.local_port, &local)
        .await
        .map_err(super::line)?
        .ok_or_else(|| {
            format!(
                "the key for {} is no longer in the OS keychain: sign in to it again",
                target.name
            )
        })?;
    if opened.local {
        settings.local_port = local.port().await;
    }
    settings.active = Some(id);
    settings.signed_out = false;
    active_connection::save(&settings).map_err(super::line)?;
    desktop.connect(&app, Some(opened), settings.notifications);
    Ok(())
}

/// Forgets a saved connection that is not the open one (sign out of that one instead):
/// revokes its key on the server when reachable, and removes it from the keychain.
#[tauri::command]
pub async fn connection_forget(
    desktop: tauri::State<'_, Desktop>,
    id: String,
) -> Result<(), String> {
    if desktop
        .current()
        .is_some_and(|c| active_connection::id_of(&c) == id)
    {
        return Err("this is the open connection: sign out of it instead".into());
    }
    let mut settings = active_connection::settings().map_err(super::line)?;
    let Some(target) = settings.connections.iter().find(|c| c.id == id).cloned() else {
        return Ok(());
    };
    let removed = match &target.kind {
        ConnectionKind::Remote { url, .. } => {
            if let Ok(Some(key)) = Keychain.get(url)
                && let Ok(client) = Client::new(url, aiops_client::Credential::ApiKey(key))
                && let Ok(me) = client.me().await
                && let Some(key_id) = me.api_key_id
            {
                let _ = client.revoke_key(key_id).await;
            }
            Keychain.delete(url)
        }
        // Its control plane may not run now; the key stays listed there until revoked
        // from the account page.
        ConnectionKind::Local => {
            let account = super::local::keychain_account().map_err(super::line)?;
            Keychain.delete_account(&account)
        }
    };
    removed.map_err(|e| format!("cannot remove the key from the OS keychain: {e}"))?;
    settings.remove(&id);
    active_connection::save(&settings).map_err(super::line)?;
    Ok(())
}
