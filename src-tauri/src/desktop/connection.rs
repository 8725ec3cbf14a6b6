//! Which server the window talks to, and with which API key. The key is read here, kept
//! in the Rust side's [`Client`], and never handed to the webview.
//!
//! In order: the active connection of `desktop.toml` (a server, with its key from the OS
//! keychain); else, unless the user signed out of the app, the server the CLI is set up
//! for (`AIOPS_URL` / `AIOPS_API_KEY`, else `config.toml`
//! and its stored key, exactly as `aiops` commands find them); else none, and the window
//! asks the user to sign in. So signing out of the app stays signed out.

use aiops_client::credentials::Keychain;
use aiops_client::{Client, Credential};
use anyhow::{Context, Result};

use super::settings::{ConnectionKind, FILE, Settings};
use crate::cli::{Ctx, GlobalArgs, config};

/// `desktop.toml` from the CLI's config dir (defaults when there is none).
pub fn settings() -> Result<Settings> {
    Settings::load(&config::dir()?.join(FILE))
}

/// Replaces `desktop.toml`.
pub fn save(settings: &Settings) -> Result<()> {
    settings.save(&config::dir()?.join(FILE))
}

/// The client of the server to use, or `None` when no key is known for any.
pub fn resolve(settings: &Settings) -> Result<Option<Client>> {
    if let Some(active) = settings.active() {
        return match &active.kind {
            ConnectionKind::Remote { url, .. } => {
                let key = Keychain
                    .get(url)
                    .with_context(|| format!("the key for {url}"))?;
                key.map(|key| Client::new(url, Credential::ApiKey(key)))
                    .transpose()
                    .map_err(Into::into)
            }
            // In-process control plane: not built yet; the window asks to sign in.
            ConnectionKind::Local => Ok(None),
        };
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
        Ok(client) => Ok(Some(client)),
        // Not signed in (exit code 3): no key for that server.
        Err(e) if e.code == crate::cli::exit::AUTH => Ok(None),
        Err(e) => Err(e.into()),
    }
}
