//! Which transport a terminal gets, and why not another.
//!
//! A remote server: SSH to the host `GET /sessions/{id}/attach` names (port, user and key
//! file from the connection's [`SshPrefs`](crate::desktop::settings::SshPrefs); the user
//! defaults to the one the server runs as, then to ours; the ssh-agent when
//! `SSH_AUTH_SOCK` is set). When SSH is not possible — no credential to try, no SSH
//! server answering, none of the credentials accepted, the PTY refused — the server's
//! WebSocket carries the terminal instead, and the page is told why in the transport
//! message's `note`. What needs the user is never skipped that way: an unknown host key
//! (first-use prompt), a changed or revoked one (refused), a key's passphrase.
//!
//! A session on a session host (issue 23) always goes through the server's WebSocket,
//! which bridges `ssh -t` to the host: that tmux belongs to the host's SSH user, whose
//! key the server holds, and this computer's SSH settings are the server's, not the
//! host's.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aiops_client::{Client, ClientError};
use aiops_exec::attach::known_hosts::KnownHostsFiles;
use aiops_exec::attach::ssh::{self, Connect, ShownKey, SshCredential, SshError, SshTarget};
use serde::Serialize;

use super::ssh::SshKeys;
use super::{Link, PageScreen, websocket};
use crate::desktop::active_connection;

/// How long a TCP connect to the SSH port may take: a firewall that drops packets costs
/// this much on every terminal before the WebSocket is tried.
const SSH_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long each step of the SSH handshake and login may take.
const SSH_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a terminal did not open, as the page gets it (`kind` tells it what to do).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refusal {
    /// Nothing to ask: show `message`.
    Message { message: String },
    /// First contact with an SSH host: show the fingerprint, and on the user's word call
    /// `ssh_trust_host(host, port, fingerprint)` and open the terminal again.
    UnknownHost {
        message: String,
        host: String,
        port: u16,
        key_type: String,
        /// `SHA256:…`, as `ssh-keygen -l` prints it.
        fingerprint: String,
    },
    /// The host's key is not the one `known_hosts` has (or is revoked): refused.
    ChangedHost {
        message: String,
        host: String,
        port: u16,
        key_type: String,
        fingerprint: String,
    },
    /// The key file needs its passphrase (`wrong`: the last one did not open it): ask,
    /// call `ssh_key_passphrase`, open again.
    Passphrase {
        message: String,
        key_file: String,
        wrong: bool,
    },
}

impl Refusal {
    pub fn message(m: impl Into<String>) -> Self {
        Self::Message { message: m.into() }
    }

    fn host(e: &SshError, shown: &ShownKey, changed: bool) -> Self {
        let (message, host, port) = (e.to_string(), shown.host.clone(), shown.port);
        let key_type = shown.key.key_type().to_owned();
        let fingerprint = shown.key.fingerprint();
        if changed {
            Self::ChangedHost {
                message,
                host,
                port,
                key_type,
                fingerprint,
            }
        } else {
            Self::UnknownHost {
                message,
                host,
                port,
                key_type,
                fingerprint,
            }
        }
    }
}

/// The server's own sentence for a refusal (not found, ended, forbidden), else one line.
pub fn say(e: ClientError) -> Refusal {
    Refusal::message(crate::desktop::sign_in::say(e))
}

/// Why a session host's session goes through the server: its tmux belongs to the
/// host's SSH user, whose key the server holds, not this computer.
pub fn through_server(host: &str) -> String {
    format!("the session runs on host {host}: its terminal goes through the server")
}

/// A remote server: SSH, else the WebSocket (see the module doc).
pub async fn open(
    client: &Client,
    keys: &SshKeys,
    session: i64,
    (cols, rows): (u16, u16),
    screen: Arc<PageScreen>,
) -> Result<Link, Refusal> {
    let info = client.session_attach(session).await.map_err(say)?;
    if let Some(name) = &info.session_host {
        let note = through_server(name);
        return websocket::open(client, session, cols, rows, screen, &note).await;
    }
    let (url, host, user, k) = (
        client.base_url().to_owned(),
        info.host.clone(),
        info.ssh_user.clone(),
        keys.clone(),
    );
    // Reads the settings file and maybe the keychain: blocking.
    let planned = tauri::async_runtime::spawn_blocking(move || plan(&url, &host, &user, &k))
        .await
        .map_err(|e| Refusal::message(e.to_string()))?;
    let note = match planned {
        Err(why) => why,
        Ok(connect) => match ssh_attach(connect, info, (cols, rows), screen.clone()).await {
            Ok(link) => return Ok(link),
            Err(Fallback::Yes(why)) => why,
            Err(Fallback::Unknown(e, shown)) => {
                let refusal = Refusal::host(&e, &shown, false);
                // Kept for `ssh_trust_host`: what gets trusted is what was shown.
                keys.shown(shown);
                return Err(refusal);
            }
            Err(Fallback::No(refusal)) => {
                if let Refusal::Passphrase {
                    key_file,
                    wrong: true,
                    ..
                } = &refusal
                {
                    keys.forget_passphrase(&PathBuf::from(key_file));
                }
                return Err(refusal);
            }
        },
    };
    websocket::open(client, session, cols, rows, screen, &note).await
}

/// Whether the WebSocket may stand in.
enum Fallback {
    /// SSH is not possible here; the reason goes to the page as a note.
    Yes(String),
    /// The user must see this.
    No(Refusal),
    /// A host key to show (and keep until the user trusts it).
    Unknown(SshError, ShownKey),
}

/// What to connect with, or why SSH is not tried at all.
fn plan(url: &str, host: &str, server_user: &str, keys: &SshKeys) -> Result<Connect, String> {
    let prefs = active_connection::settings()
        .ok()
        .and_then(|s| s.ssh_prefs(url).cloned())
        .unwrap_or_default();
    let home = dirs::home_dir().ok_or("no home directory for ~/.ssh")?;
    // As `ssh` does, the local user name when nothing else names one.
    let user = [
        prefs.user,
        Some(server_user.to_owned()),
        std::env::var("USER").ok(),
    ]
    .into_iter()
    .flatten()
    .find(|u| !u.is_empty())
    .ok_or("no SSH user: set one for this server")?;
    let mut credentials = Vec::new();
    if let Some(file) = &prefs.key_file {
        let path = match file.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None => PathBuf::from(file),
        };
        // Only a locked key has a passphrase to look up (the keychain is a D-Bus call).
        let passphrase = ssh::key_is_encrypted(&path)
            .then(|| keys.passphrase(&path))
            .flatten();
        credentials.push(SshCredential::KeyFile { path, passphrase });
    }
    if std::env::var_os("SSH_AUTH_SOCK").is_some_and(|s| !s.is_empty()) {
        credentials.push(SshCredential::Agent);
    }
    if credentials.is_empty() {
        return Err("no SSH key file is set and no ssh-agent is running".into());
    }
    Ok(Connect {
        target: SshTarget {
            host: host.to_owned(),
            port: prefs.port.unwrap_or(22),
            user,
        },
        credentials,
        known_hosts: KnownHostsFiles::in_home(&home),
        connect_timeout: SSH_CONNECT_TIMEOUT,
        timeout: SSH_TIMEOUT,
    })
}

/// Connects, logs in and attaches, off the async workers (ssh2 blocks).
async fn ssh_attach(
    connect: Connect,
    info: aiops_types::AttachInfo,
    (cols, rows): (u16, u16),
    screen: Arc<PageScreen>,
) -> Result<Link, Fallback> {
    let attached = tauri::async_runtime::spawn_blocking(move || {
        let session = ssh::connect(&connect)?;
        // The first message, before any output.
        screen.transport("ssh", None);
        session.attach(&info.command, cols, rows, info.read_only, screen)
    })
    .await
    .map_err(|e| Fallback::No(Refusal::message(e.to_string())))?;
    attached.map(|a| Box::new(a) as Link).map_err(|e| match e {
        SshError::Unreachable { .. } | SshError::NoCredential { .. } | SshError::Session(_) => {
            Fallback::Yes(e.to_string())
        }
        SshError::UnknownHost(ref shown) => {
            let shown = shown.clone();
            Fallback::Unknown(e, shown)
        }
        SshError::ChangedHost(ref shown) | SshError::RevokedHost(ref shown) => {
            Fallback::No(Refusal::host(&e, shown, true))
        }
        SshError::Passphrase { ref path, wrong } => Fallback::No(Refusal::Passphrase {
            message: e.to_string(),
            key_file: path.display().to_string(),
            wrong,
        }),
        SshError::KnownHosts(_) => Fallback::No(Refusal::message(e.to_string())),
    })
}
