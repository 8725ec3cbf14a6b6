//! What the user decides for SSH terminals: the connection's SSH settings (port, user, key
//! file), trusting a host key shown on first contact, and a key file's passphrase.
//!
//! Passphrases stay in this process's memory for as long as the app runs; with
//! "remember" also in the OS keychain (service `aiops`, account `ssh-key:<absolute
//! path>`, as `aiops_client::key_store::Keychain` keeps API keys), read back on the
//! next start. One found wrong is forgotten in both places. They never reach the page
//! again, nor any file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aiops_client::key_store::KEYCHAIN_SERVICE;
use aiops_exec::attach::known_hosts::{self, KnownHostsFiles};
use aiops_exec::attach::ssh::{Passphrase, ShownKey};

use crate::desktop::active_connection;
use crate::desktop::api::Desktop;
use crate::desktop::settings::SshPrefs;

/// Host keys shown and not yet trusted that are kept, newest last.
const SHOWN_KEPT: usize = 16;

/// Passphrases and host keys awaiting the user's word; cheap to clone (shared).
#[derive(Clone, Default)]
pub struct SshKeys(Arc<Inner>);

#[derive(Default)]
struct Inner {
    passphrases: Mutex<HashMap<PathBuf, Passphrase>>,
    shown: Mutex<Vec<ShownKey>>,
}

fn keychain_entry(key_file: &Path) -> Result<keyring::Entry, String> {
    let account = format!("ssh-key:{}", key_file.display());
    keyring::Entry::new(KEYCHAIN_SERVICE, &account).map_err(|e| e.to_string())
}

impl SshKeys {
    /// The passphrase of `key_file`: from memory, else from the keychain (blocks on
    /// D-Bus: call it off the async workers). None when neither has one.
    pub fn passphrase(&self, key_file: &Path) -> Option<Passphrase> {
        if let Some(p) = self.0.passphrases.lock().ok()?.get(key_file) {
            return Some(p.clone());
        }
        let stored = keychain_entry(key_file).ok()?.get_password().ok()?;
        let p = Passphrase::new(stored);
        self.0
            .passphrases
            .lock()
            .ok()?
            .insert(key_file.to_owned(), p.clone());
        Some(p)
    }

    /// Forgets a passphrase that did not open its key, in memory and in the keychain.
    pub fn forget_passphrase(&self, key_file: &Path) {
        if let Ok(mut p) = self.0.passphrases.lock() {
            p.remove(key_file);
        }
        let key_file = key_file.to_owned();
        tauri::async_runtime::spawn_blocking(move || {
            if let Ok(entry) = keychain_entry(&key_file) {
                let _ = entry.delete_credential();
            }
        });
    }

    /// Keeps a host key shown to the user until they trust it.
    pub fn shown(&self, key: ShownKey) {
        if let Ok(mut shown) = self.0.shown.lock() {
            shown.retain(|k| (&k.host, k.port) != (&key.host, key.port));
            shown.push(key);
            let extra = shown.len().saturating_sub(SHOWN_KEPT);
            shown.drain(..extra);
        }
    }
}

/// The SSH settings of the server the app is signed in to; `None` when it is not a
/// server saved in the app (local mode, or the CLI's server).
#[tauri::command]
pub fn ssh_prefs_get(desktop: tauri::State<'_, Desktop>) -> Result<Option<SshPrefs>, String> {
    let Some(client) = desktop.client().filter(|_| !desktop.is_local()) else {
        return Ok(None);
    };
    let settings = active_connection::settings().map_err(crate::desktop::line)?;
    let saved = settings
        .connections
        .iter()
        .any(|c| c.id == client.base_url());
    Ok(saved.then(|| {
        settings
            .ssh_prefs(client.base_url())
            .cloned()
            .unwrap_or_default()
    }))
}

/// Saves the SSH settings of the server the app is signed in to; returns them as saved
/// (trimmed). `Err`: one line (not a saved server, a bad value, an unwritable file).
#[tauri::command]
pub fn ssh_prefs_set(
    desktop: tauri::State<'_, Desktop>,
    prefs: SshPrefs,
) -> Result<SshPrefs, String> {
    let client = desktop.client().ok_or("not connected to a server")?;
    let url = client.base_url();
    let mut settings = active_connection::settings().map_err(crate::desktop::line)?;
    settings
        .set_ssh_prefs(url, prefs)
        .map_err(crate::desktop::line)?;
    active_connection::save(&settings).map_err(crate::desktop::line)?;
    Ok(settings.ssh_prefs(url).cloned().unwrap_or_default())
}

/// Trusts the key `host`:`port` showed with `fingerprint` (from an `unknown_host`
/// refusal): appends it to `~/.ssh/known_hosts` (creating it 0600 in a 0700 `~/.ssh`).
/// Only a key this app was shown can be trusted, so the page cannot add another.
#[tauri::command]
pub async fn ssh_trust_host(
    keys: tauri::State<'_, SshKeys>,
    host: String,
    port: u16,
    fingerprint: String,
) -> Result<(), String> {
    let shown = {
        let mut shown = keys.0.shown.lock().map_err(|_| "poisoned")?;
        let at = shown
            .iter()
            .position(|k| k.host == host && k.port == port && k.key.fingerprint() == fingerprint)
            .ok_or("that host key was not shown here: open the terminal again")?;
        shown.remove(at)
    };
    let home = dirs::home_dir().ok_or("no home directory for ~/.ssh")?;
    let files = KnownHostsFiles::in_home(&home);
    known_hosts::trust(&files, &shown.host, shown.port, &shown.key).map_err(|e| e.to_string())
}

/// The passphrase of `key_file` (as a `passphrase` refusal named it) for the next
/// attempts; with `remember` also kept in the OS keychain, without it removed from there.
/// `Err`: the keychain could not keep it (it is still used until the app quits).
#[tauri::command]
pub async fn ssh_key_passphrase(
    keys: tauri::State<'_, SshKeys>,
    key_file: String,
    passphrase: String,
    remember: bool,
) -> Result<(), String> {
    let path = PathBuf::from(&key_file);
    let secret = Passphrase::new(passphrase);
    keys.0
        .passphrases
        .lock()
        .map_err(|_| "poisoned")?
        .insert(path.clone(), secret.clone());
    tauri::async_runtime::spawn_blocking(move || {
        let entry = keychain_entry(&path)?;
        if remember {
            entry
                .set_password(secret.expose())
                .map_err(|e| format!("cannot keep the passphrase in the OS keychain: {e}"))
        } else {
            match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(format!(
                    "cannot remove the passphrase from the keychain: {e}"
                )),
            }
        }
    })
    .await
    .map_err(|e| e.to_string())?
}
