//! "A server": signing the desktop in to an `aiops serve` and out again. Signing in logs
//! in with email and password, mints an API key for this app (`desktop@<host>`, the
//! user's role's scopes), keeps it in the OS keychain under the server's URL, ends the
//! login session, and makes the server the active connection of `desktop.toml`. The
//! password and the key never reach the webview; the page gets the signed-in user.
//! Signing out revokes the key on the server (best effort), removes it from the keychain
//! and forgets the connection.

use aiops_client::credentials::Keychain;
use aiops_client::{Client, ClientError, Credential, Secret, normalize_url};
use aiops_types::{CreateApiKey, User};

use super::api::Desktop;
use super::connection;
use super::settings::ConnectionKind;

/// The active server's URL, if the app has one (to prefill the sign-in form).
#[tauri::command]
pub fn desktop_server(desktop: tauri::State<'_, Desktop>) -> Option<String> {
    desktop.client().map(|c| c.base_url().to_owned())
}

/// Signs in to `url`; `Err` is one line to show under the form.
#[tauri::command]
pub async fn connect(
    app: tauri::AppHandle,
    desktop: tauri::State<'_, Desktop>,
    url: String,
    email: String,
    password: String,
) -> Result<User, String> {
    let url = normalize_url(&url).map_err(|e| e.to_string())?;
    let public = Client::new(&url, Credential::None).map_err(|e| e.to_string())?;
    let (info, cookie) = public
        .login(email.trim(), &Secret::new(password))
        .await
        .map_err(say)?;
    let session = public.with_credential(cookie.into_credential(info.csrf_token));
    let role = info.user.role;
    let req = CreateApiKey {
        name: crate::cli::auth::key_name("desktop"),
        scopes: role.scopes(),
        expires_in_days: None,
    };
    let created = session.create_key(&req).await;
    let _ = session.logout().await;
    let created = created.map_err(say)?;
    let key = Secret::new(created.secret);
    let keyed = public.with_credential(Credential::ApiKey(key.clone()));
    if let Err(e) = Keychain.set(&url, &key) {
        let _ = keyed.revoke_key(created.key.id).await;
        return Err(format!("cannot keep the key in the OS keychain: {e}"));
    }
    let mut settings = connection::settings().map_err(|e| format!("{e:#}"))?;
    settings
        .upsert(
            "",
            ConnectionKind::Remote {
                url: url.clone(),
                email: Some(info.user.email.clone()),
                // Kept from an earlier sign-in to this server (see `Settings::upsert`).
                ssh: None,
            },
        )
        .map_err(|e| format!("{e:#}"))?;
    settings.signed_out = false;
    connection::save(&settings).map_err(|e| format!("{e:#}"))?;
    desktop.connect(&app, Some(keyed), settings.notifications);
    Ok(info.user)
}

/// Signs out of the active server. Forgetting locally always happens; the server may be
/// unreachable, and then its key stays listed there until revoked.
#[tauri::command]
pub async fn disconnect(
    app: tauri::AppHandle,
    desktop: tauri::State<'_, Desktop>,
) -> Result<(), String> {
    let Some(client) = desktop.client() else {
        return Ok(());
    };
    if let Ok(me) = client.me().await
        && let Some(id) = me.api_key_id
    {
        let _ = client.revoke_key(id).await;
    }
    let url = client.base_url().to_owned();
    let mut settings = connection::settings().map_err(|e| format!("{e:#}"))?;
    desktop.connect(&app, None, settings.notifications);
    Keychain
        .delete(&url)
        .map_err(|e| format!("cannot remove the key from the OS keychain: {e}"))?;
    settings.remove(&url);
    settings.signed_out = true;
    connection::save(&settings).map_err(|e| format!("{e:#}"))?;
    Ok(())
}

/// The server's own sentence for a refusal, else the error's one line.
fn say(e: ClientError) -> String {
    match e {
        ClientError::Api { message, .. } => message,
        other => other.to_string(),
    }
}
