//! Which server the window talks to, and with which API key. The key is read here, kept
//! in the Rust side's [`Client`], and never handed to the webview.
//!
//! In order: the active connection of `desktop.toml` (a server, with its key from the OS
//! keychain, or "This computer", started here, with the key of the keychain's `local`
//! account); else, unless the user signed out of the app, the server the CLI is set up
//! for (`AIOPS_URL` / `AIOPS_API_KEY`, else `config.toml`
//! and its stored key, exactly as `aiops` commands find them); else none, and the window
//! asks the user to sign in. So signing out of the app stays signed out.

use aiops_client::key_store::Keychain;
use aiops_client::{Client, Credential, normalize_url};
use anyhow::{Context, Result};

use super::api::Connected;
use super::local::Local;
use super::settings::{Connection, ConnectionKind, FILE, Settings};
use crate::cli::{Ctx, GlobalArgs, config};

/// `desktop.toml` from the CLI's config dir (defaults when there is none).
pub fn settings() -> Result<Settings> {
    Settings::load(&config::dir()?.join(FILE))
}

/// Replaces `desktop.toml`.
pub fn save(settings: &Settings) -> Result<()> {
    settings.save(&config::dir()?.join(FILE))
}

/// The connection to open with, or `None` when no key is known for any. Starts "This
/// computer" when it is the active one.
pub async fn resolve(settings: &Settings, local: &Local) -> Result<Option<Connected>> {
    if let Some(active) = settings.active() {
        return open(active, settings.local_port, local).await;
    }
    if settings.signed_out {
        return Ok(None);
    }
    let global = GlobalArgs {
        url: std::env::var("AIOPS_URL").ok().filter(|u| !u.is_empty()),
        output: None,
    };
    let ctx = Ctx::load(&global)?;
    match ctx.client() {
        Ok(client) => Ok(Some(Connected {
            client,
            local: false,
        })),
        // Not signed in (exit code 3): no key for that server.
        Err(e) if e.code == crate::cli::exit::AUTH => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A saved connection with its key from the keychain; `None` when the key is gone.
pub async fn open(
    connection: &Connection,
    local_port: Option<u16>,
    local: &Local,
) -> Result<Option<Connected>> {
    let (url, key, local) = match &connection.kind {
        ConnectionKind::Remote { url, .. } => {
            let key = Keychain
                .get(url)
                .with_context(|| format!("the key for {url}"))?;
            (url.clone(), key, false)
        }
        ConnectionKind::Local => {
            let key = Keychain
                .get_account(&super::local::keychain_account()?)
                .context("the key for this computer")?;
            if key.is_none() {
                return Ok(None);
            }
            (local.ensure(local_port).await?, key, true)
        }
    };
    let Some(key) = key else {
        return Ok(None);
    };
    let client = Client::new(&url, Credential::ApiKey(key))?;
    Ok(Some(Connected { client, local }))
}

/// The `desktop.toml` id of a connection: `local`, or the server's normalised URL.
pub fn id_of(connected: &Connected) -> String {
    if connected.local {
        return "local".to_owned();
    }
    let url = connected.client.base_url();
    normalize_url(url).unwrap_or_else(|_| url.to_owned())
}
