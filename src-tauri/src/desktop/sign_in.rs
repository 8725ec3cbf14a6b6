//! "A server": signing the desktop in to an `aiops serve` and out again. Signing in logs
//! in with email and password, mints an API key for this app (`desktop@<host>`, the
//! user's role's scopes), keeps it in the OS keychain under the server's URL, ends the
//! login session, and makes the server the active connection of `desktop.toml`. The
//! password and the key never reach the webview; the page gets the signed-in user.
//! Signing out revokes the key on the server (best effort), removes it from the keychain
//! and forgets the connection. "This computer" ([`super::local`]) signs in the same way
//! through [`sign_in`].

use aiops_client::key_store::Keychain;
use aiops_client::{Client, ClientError, Credential, Secret, normalize_url};
use aiops_types::{CreateApiKey, User};

use super::active_connection;
use super::api::{Connected, Desktop};
use super::local::Local;
use super::settings::ConnectionKind;

/// A key minted by [`sign_in`].
pub struct SignedIn {
    pub user: User,
    pub key: Secret,
    pub key_id: i64,
    /// The server's client with that key.
    pub client: Client,
}

/// Logs in to `url` with email and password, mints this app's key and ends the login
/// session. `Err` is one line to show under the form (the server's own sentence when it
/// refused).
pub async fn sign_in(url: &str, email: &str, password: String) -> Result<SignedIn, String> {
    let public = Client::new(url, Credential::None).map_err(|e| e.to_string())?;
    let (info, cookie) = public
        .login(email.trim(), &Secret::new(password))
        .await
        .map_err(say)?;
    let session = public.with_credential(cookie.into_credential(info.csrf_token.expose()));
    let req = CreateApiKey {
        name: crate::cli::auth::key_name("desktop"),
        scopes: info.user.role.scopes(),
        expires_in_days: None,
    };
    let created = session.create_key(&req).await;
    let _ = session.logout().await;
    let created = created.map_err(say)?;
    let key = created.secret;
    Ok(SignedIn {
        user: info.user,
        client: public.with_credential(Credential::ApiKey(key.clone())),
        key,
        key_id: created.key.id,
    })
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
    let signed = sign_in(&url, &email, password).await?;
    let kind = ConnectionKind::Remote {
        url,
        email: Some(signed.user.email.clone()),
        // Kept from an earlier sign-in to this server (see `Settings::upsert`).
        ssh: None,
    };
    keep(&app, &desktop, signed, kind, None).await
}

/// Keeps a fresh sign-in: its key in the keychain (revoked again when that fails), the
/// connection saved as the active one (with "This computer"'s `local_port`), and the
/// app switched to it. Returns the signed-in user.
pub async fn keep(
    app: &tauri::AppHandle,
    desktop: &Desktop,
    signed: SignedIn,
    kind: ConnectionKind,
    local_port: Option<u16>,
) -> Result<User, String> {
    let local = matches!(kind, ConnectionKind::Local);
    let stored = match &kind {
        ConnectionKind::Remote { url, .. } => Keychain.set(url, &signed.key),
        ConnectionKind::Local => {
            let account = super::local::keychain_account().map_err(super::line)?;
            Keychain.set_account(&account, &signed.key)
        }
    };
    if let Err(e) = stored {
        let _ = signed.client.revoke_key(signed.key_id).await;
        return Err(format!("cannot keep the key in the OS keychain: {e}"));
    }
    let mut settings = active_connection::settings().map_err(super::line)?;
    settings.upsert("", kind).map_err(super::line)?;
    if local {
        settings.local_port = local_port;
    }
    settings.signed_out = false;
    active_connection::save(&settings).map_err(super::line)?;
    let to = Connected {
        client: signed.client,
        local,
    };
    desktop.connect(app, Some(to), settings.notifications);
    Ok(signed.user)
}

/// Signs out of the active connection. Forgetting locally always happens; a server may
/// be unreachable, and then its key stays listed there until revoked. Signing out of
/// "This computer" also stops its control plane.
#[tauri::command]
pub async fn disconnect(
    app: tauri::AppHandle,
    desktop: tauri::State<'_, Desktop>,
    local: tauri::State<'_, Local>,
) -> Result<(), String> {
    let Some(current) = desktop.current() else {
        return Ok(());
    };
    if let Ok(me) = current.client.me().await
        && let Some(id) = me.api_key_id
    {
        let _ = current.client.revoke_key(id).await;
    }
    let mut settings = active_connection::settings().map_err(super::line)?;
    desktop.connect(&app, None, settings.notifications);
    let id = if current.local {
        local.stop().await;
        let account = super::local::keychain_account().map_err(super::line)?;
        Keychain.delete_account(&account)
    } else {
        Keychain.delete(current.client.base_url())
    }
    .map_err(|e| format!("cannot remove the key from the OS keychain: {e}"))
    .map(|_| active_connection::id_of(&current))?;
    settings.remove(&id);
    // Signed out means the sign-in page, also at the next start, rather than whichever
    // saved connection `remove` fell back to.
    settings.active = None;
    settings.signed_out = true;
    active_connection::save(&settings).map_err(super::line)?;
    Ok(())
}

/// The server's own sentence for a refusal, else the error's one line.
pub fn say(e: ClientError) -> String {
    match e {
        ClientError::Api { message, .. } => message,
        other => other.to_string(),
    }
}
