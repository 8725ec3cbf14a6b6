//! The desktop app's settings: its saved connections, which one is active, and the
//! notification toggles. Kept in `<config dir>/aiops/desktop.toml` beside the CLI's
//! `config.toml` (see `cli::config::dir`), replaced atomically (temporary file + rename,
//! 0600). API keys are never here: they live in the OS keychain, under the connection's
//! URL.
//!
//! The file carries `version`. [`Settings::parse`] upgrades an older file step by step
//! ([`MIGRATIONS`]) and refuses a newer one, so running an older aiops never silently
//! drops what a newer one saved.

use std::path::Path;

use aiops_client::key_store::write_private;
use aiops_client::normalize_url;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

pub const FILE: &str = "desktop.toml";
/// The version this build writes.
pub const VERSION: u32 = 1;

/// Upgrades from version `i` to `i + 1`, applied in order to the parsed TOML table. None
/// yet: version 1 is the first. A change to [`Settings`] that old files cannot read as is
/// bumps [`VERSION`] and adds its step here, with a test that loads an old file.
const MIGRATIONS: &[fn(&mut toml::Table)] = &[];

/// `desktop.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub version: u32,
    /// `id` of the connection the app opens with; none before the first-start choice.
    #[serde(default)]
    pub active: Option<String>,
    /// The user signed out of the app: do not fall back to the CLI's server.
    #[serde(default)]
    pub signed_out: bool,
    /// The port "This computer" listened on last; the next start tries it first, because
    /// sessions started then call back to that URL (their agents' hooks).
    #[serde(default)]
    pub local_port: Option<u16>,
    #[serde(default)]
    pub notifications: Notifications,
    #[serde(default)]
    pub connections: Vec<Connection>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            version: VERSION,
            active: None,
            signed_out: false,
            local_port: None,
            notifications: Notifications::default(),
            connections: Vec::new(),
        }
    }
}

/// Where the app's control plane is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// Stable key: `local`, or the remote server's normalised URL.
    pub id: String,
    /// What the user calls it (defaults to "This computer" or the host).
    pub name: String,
    #[serde(flatten)]
    pub kind: ConnectionKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectionKind {
    /// "This computer": the control plane runs inside the app on a loopback port, with
    /// the normal data dir.
    Local,
    /// "A server": an `aiops serve` reached over HTTP(S); `email` is who signed in.
    Remote {
        url: String,
        #[serde(default)]
        email: Option<String>,
        /// How terminals reach the server's host over SSH; absent: the defaults.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ssh: Option<SshPrefs>,
    },
}

/// A remote connection's SSH settings for terminals (see `desktop::attach`). Each unset
/// field takes its default: port 22, the user the server runs as (`AttachInfo.ssh_user`),
/// and no key file (the ssh-agent's keys only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SshPrefs {
    pub port: Option<u16>,
    pub user: Option<String>,
    /// A private key file: absolute, or `~/…` (the user's home).
    pub key_file: Option<String>,
}

impl SshPrefs {
    /// The same prefs with blank fields unset, or why they are not usable: port 0, a
    /// user name with spaces, control characters or a leading `-`, a key file that is
    /// neither absolute nor `~/…`.
    pub fn checked(self) -> Result<Self> {
        let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let (user, key_file) = (blank(self.user), blank(self.key_file));
        if self.port == Some(0) {
            bail!("the SSH port must be 1 to 65535");
        }
        if let Some(u) = &user
            && (u.starts_with('-') || u.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            bail!("`{u}` is not a user name");
        }
        if let Some(k) = &key_file
            && !(k.starts_with('/') || k.starts_with("~/"))
        {
            bail!("the key file must be an absolute path or start with ~/");
        }
        Ok(Self {
            port: self.port,
            user,
            key_file,
        })
    }
}

/// Which session and sync events raise an OS notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notifications {
    pub waiting: bool,
    pub exited: bool,
    pub failed: bool,
    pub sync_failed: bool,
    /// Nothing is raised while set; the in-app notification centre still fills.
    pub do_not_disturb: bool,
}

impl Default for Notifications {
    fn default() -> Self {
        Self {
            waiting: true,
            exited: true,
            failed: true,
            sync_failed: true,
            do_not_disturb: false,
        }
    }
}

impl Settings {
    /// Reads a file's text, upgrading an older version. Errors name what is wrong: not
    /// TOML, no `version`, a version newer than this build, or a value of the wrong shape.
    pub fn parse(text: &str) -> Result<Self> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "not valid TOML: {}",
                e.message().split_whitespace().collect::<Vec<_>>().join(" ")
            )
        })?;
        let version = match table.get("version") {
            Some(toml::Value::Integer(v)) => u32::try_from(*v).unwrap_or(u32::MAX),
            Some(_) => bail!("`version` must be a whole number"),
            None => bail!("no `version`"),
        };
        if version == 0 || version > VERSION {
            bail!(
                "version {version} is not one this aiops reads (it writes {VERSION}); \
                 a newer aiops wrote it"
            );
        }
        for step in &MIGRATIONS[(version - 1) as usize..] {
            step(&mut table);
        }
        table.insert("version".into(), toml::Value::Integer(VERSION.into()));
        // Through text again, so that a wrong value's error can point at its line.
        let text = toml::to_string(&table).context("cannot re-encode the settings")?;
        let settings: Self = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .and_then(|at| text[..at.start].rsplit('\n').next().zip(Some(at.start)))
                .map(|(before, start)| {
                    let rest = text[start..].split('\n').next().unwrap_or_default();
                    format!("{before}{rest}").trim().to_owned()
                })
                .unwrap_or_default();
            anyhow::anyhow!("`{line}`: {}", e.message().trim())
        })?;
        settings.check()?;
        Ok(settings)
    }

    /// The file's settings; defaults when it does not exist. A file that cannot be read
    /// is an error, never replaced: the caller tells the user and the file stays.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).with_context(|| format!("{}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Replaces the file atomically (0600, directory 0700).
    pub fn save(&self, path: &Path) -> Result<()> {
        self.check()?;
        let text = toml::to_string(self).context("cannot encode the desktop settings")?;
        write_private(path, text.as_bytes()).with_context(|| format!("{}", path.display()))
    }

    pub fn active(&self) -> Option<&Connection> {
        let id = self.active.as_deref()?;
        self.connections.iter().find(|c| c.id == id)
    }

    /// Adds (or renames) a connection and makes it the active one. A remote URL is
    /// normalised (`aiops_client::normalize_url`: http(s), a host, no credentials or
    /// query, no trailing slash), so the same server is not saved twice.
    pub fn upsert(&mut self, name: &str, kind: ConnectionKind) -> Result<&Connection> {
        let (id, kind) = match kind {
            ConnectionKind::Local => ("local".to_owned(), ConnectionKind::Local),
            ConnectionKind::Remote { url, email, ssh } => {
                let url = normalize_url(&url).map_err(|e| anyhow::anyhow!("{e}"))?;
                // Signing in again keeps the SSH settings made for this server.
                let ssh = ssh.or_else(|| self.ssh_prefs(&url).cloned());
                (url.clone(), ConnectionKind::Remote { url, email, ssh })
            }
        };
        let name = match name.trim() {
            "" if id == "local" => "This computer".to_owned(),
            "" => id.clone(),
            n => n.to_owned(),
        };
        match self.connections.iter().position(|c| c.id == id) {
            Some(i) => {
                self.connections[i].name = name;
                self.connections[i].kind = kind;
            }
            None => self.connections.push(Connection {
                id: id.clone(),
                name,
                kind,
            }),
        }
        self.active = Some(id.clone());
        Ok(self
            .connections
            .iter()
            .find(|c| c.id == id)
            .expect("just saved"))
    }

    /// The SSH settings of the remote connection `id`, if it has any.
    pub fn ssh_prefs(&self, id: &str) -> Option<&SshPrefs> {
        match &self.connections.iter().find(|c| c.id == id)?.kind {
            ConnectionKind::Remote { ssh, .. } => ssh.as_ref(),
            ConnectionKind::Local => None,
        }
    }

    /// Replaces the SSH settings of the remote connection `id` (checked, see
    /// [`SshPrefs::checked`]). Errors: no such remote connection, or unusable prefs.
    pub fn set_ssh_prefs(&mut self, id: &str, prefs: SshPrefs) -> Result<()> {
        let prefs = prefs.checked()?;
        let kind = self
            .connections
            .iter_mut()
            .find(|c| c.id == id)
            .map(|c| &mut c.kind);
        match kind {
            Some(ConnectionKind::Remote { ssh, .. }) => {
                *ssh = (prefs != SshPrefs::default()).then_some(prefs);
                Ok(())
            }
            _ => bail!("`{id}` is not a server this app has signed in to"),
        }
    }

    /// Forgets a connection (its keychain entry is the caller's to remove). The active
    /// one falls back to the first left, or none.
    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.connections.len();
        self.connections.retain(|c| c.id != id);
        if self.active.as_deref() == Some(id) {
            self.active = self.connections.first().map(|c| c.id.clone());
        }
        self.connections.len() != before
    }

    /// What no valid file holds: duplicate ids, or an `active` naming no connection.
    fn check(&self) -> Result<()> {
        let mut ids = std::collections::BTreeSet::new();
        for c in &self.connections {
            if !ids.insert(c.id.as_str()) {
                bail!("connection `{}` is listed twice", c.id);
            }
        }
        if let Some(a) = &self.active
            && !ids.contains(a.as_str())
        {
            bail!("the active connection `{a}` is not among the connections");
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
