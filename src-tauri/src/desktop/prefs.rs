//! The notification toggles of `desktop.toml`, read and changed from the account page.
//! A change is saved at once and the notification task restarts with it (resuming
//! after the next event, so nothing already shown comes back).

use super::active_connection;
use super::api::Desktop;
use super::settings::Notifications;

#[tauri::command]
pub fn notifications_get() -> Result<Notifications, String> {
    Ok(active_connection::settings()
        .map_err(super::line)?
        .notifications)
}

/// Saves `prefs`; `Err` is one line (an unreadable or unwritable settings file).
#[tauri::command]
pub fn notifications_set(
    app: tauri::AppHandle,
    desktop: tauri::State<'_, Desktop>,
    prefs: Notifications,
) -> Result<(), String> {
    let mut settings = active_connection::settings().map_err(super::line)?;
    settings.notifications = prefs;
    active_connection::save(&settings).map_err(super::line)?;
    desktop.connect(&app, desktop.current(), prefs);
    Ok(())
}
