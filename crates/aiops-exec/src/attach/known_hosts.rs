//! Host keys of SSH servers against OpenSSH's `known_hosts` files, as `ssh` checks them:
//! the user's `~/.ssh/known_hosts` (which first-use trust appends to) and the system's
//! `/etc/ssh/ssh_known_hosts` (read only).
//!
//! The name looked up is OpenSSH's: `host` on port 22, `[host]:port` on any other port
//! (so a key recorded for port 22 says nothing about another port). Only entries of the
//! presented key's type are compared: a host known by its RSA key that now shows an
//! Ed25519 one is unknown, not changed. Each line is given to libssh2 on its own, so
//! hashed names (`|1|salt|hash`, `HashKnownHosts yes`) match as libssh2 matches them and
//! a line libssh2 cannot read (a key type it lacks, a wildcard pattern) is skipped
//! instead of ending the read. `@cert-authority` lines are skipped (no certificates
//! here); a key on a `@revoked` line is refused for every host.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};
use ssh2::{CheckResult, KnownHostFileKind};

/// The system-wide file `ssh` reads after the user's.
pub const GLOBAL_FILE: &str = "/etc/ssh/ssh_known_hosts";

/// The files to check, user's first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHostsFiles {
    /// `~/.ssh/known_hosts`: read, and appended to when the user trusts a host.
    pub user: PathBuf,
    /// Read only.
    pub global: Vec<PathBuf>,
}

impl KnownHostsFiles {
    /// `<home>/.ssh/known_hosts` and [`GLOBAL_FILE`].
    pub fn in_home(home: &Path) -> Self {
        Self {
            user: home.join(".ssh").join("known_hosts"),
            global: vec![PathBuf::from(GLOBAL_FILE)],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KnownHostsError {
    #[error("not an SSH public key")]
    BadKey,
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// libssh2 could not set up its host list (out of memory).
    #[error("libssh2: {0}")]
    Ssh(String),
}

/// A server's public host key: its type name (`ssh-ed25519`, `ecdsa-sha2-nistp256`,
/// `ssh-rsa`, …) and its SSH wire-format blob (what `known_hosts` holds in base64).
#[derive(Clone, PartialEq, Eq)]
pub struct HostKey {
    key_type: String,
    blob: Vec<u8>,
}

impl std::fmt::Debug for HostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HostKey({} {})", self.key_type, self.fingerprint())
    }
}

impl HostKey {
    /// From the wire-format blob (a `string` type name, then the key's fields), as a
    /// server presents it. `BadKey` when it does not start with a type name.
    pub fn from_blob(blob: &[u8]) -> Result<Self, KnownHostsError> {
        let len = blob
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or(KnownHostsError::BadKey)?;
        let name = blob.get(4..4 + len).ok_or(KnownHostsError::BadKey)?;
        let ok = |c: &u8| c.is_ascii_alphanumeric() || b"-_.@".contains(c);
        if name.is_empty() || !name.iter().all(ok) {
            return Err(KnownHostsError::BadKey);
        }
        Ok(Self {
            key_type: String::from_utf8_lossy(name).into_owned(),
            blob: blob.to_vec(),
        })
    }

    /// From an OpenSSH public key line (`type base64 [comment]`, a `.pub` file).
    pub fn from_openssh(line: &str) -> Result<Self, KnownHostsError> {
        let mut fields = line.split_whitespace();
        let (Some(key_type), Some(b64)) = (fields.next(), fields.next()) else {
            return Err(KnownHostsError::BadKey);
        };
        let blob = STANDARD.decode(b64).map_err(|_| KnownHostsError::BadKey)?;
        let key = Self::from_blob(&blob)?;
        if key.key_type != key_type {
            return Err(KnownHostsError::BadKey);
        }
        Ok(key)
    }

    pub fn key_type(&self) -> &str {
        &self.key_type
    }

    /// The blob in base64, as a `known_hosts` line holds it.
    pub fn base64(&self) -> String {
        STANDARD.encode(&self.blob)
    }

    /// OpenSSH's fingerprint: `SHA256:` and the SHA-256 of the blob in base64 without
    /// padding (what `ssh-keygen -lf` and `ssh`'s first-use prompt print).
    pub fn fingerprint(&self) -> String {
        format!(
            "SHA256:{}",
            STANDARD_NO_PAD.encode(Sha256::digest(&self.blob))
        )
    }
}

/// What the files say about a host's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostStatus {
    /// A line for this host has exactly this key.
    Known,
    /// No line for this host has a key of this type.
    Unknown,
    /// Lines for this host have a key of this type, and none is this one.
    Changed,
    /// A `@revoked` line has this key.
    Revoked,
}

/// The name `host`:`port` has in `known_hosts`: `host` on port 22, else `[host]:port`.
pub fn host_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_owned()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Checks `key` for `host`:`port` against `files` (see the module doc). A file that does
/// not exist holds nothing; one that cannot be read is an error (never "unknown", which
/// would end in a prompt to trust whatever key is shown).
pub fn check(
    files: &KnownHostsFiles,
    host: &str,
    port: u16,
    key: &HostKey,
) -> Result<HostStatus, KnownHostsError> {
    let session = ssh2::Session::new().map_err(|e| KnownHostsError::Ssh(e.to_string()))?;
    let mut list = session
        .known_hosts()
        .map_err(|e| KnownHostsError::Ssh(e.to_string()))?;
    let ours = key.base64();
    for path in std::iter::once(&files.user).chain(&files.global) {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(KnownHostsError::Read {
                    path: path.clone(),
                    source,
                });
            }
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                ["@revoked", _, _, b64, ..] if *b64 == ours => return Ok(HostStatus::Revoked),
                [marker, ..] if marker.starts_with('@') => {}
                [_, key_type, ..] if *key_type == key.key_type => {
                    // A line libssh2 cannot read is one `ssh` might read: skip it only.
                    let _ = list.read_str(line, KnownHostFileKind::OpenSSH);
                }
                _ => {}
            }
        }
    }
    // Port -1: libssh2 compares the name exactly (its own port handling would also
    // accept a port-22 line for another port, which `ssh` does not).
    Ok(match list.check(&host_name(host, port), &key.blob) {
        CheckResult::Match => HostStatus::Known,
        CheckResult::Mismatch => HostStatus::Changed,
        CheckResult::NotFound | CheckResult::Failure => HostStatus::Unknown,
    })
}

/// Appends `host_name(host, port) type base64` to the user's file: the user trusted the
/// key (first use). Creates `~/.ssh` (0700) and the file (0600) when missing; an
/// existing file keeps its mode and its lines.
pub fn trust(
    files: &KnownHostsFiles,
    host: &str,
    port: u16,
    key: &HostKey,
) -> Result<(), KnownHostsError> {
    let path = &files.user;
    let write_err = |source| KnownHostsError::Write {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(write_err)?;
    }
    // A last line without its newline would run into ours.
    let ends_open = std::fs::read(path)
        .map(|b| b.last().is_some_and(|c| *c != b'\n'))
        .unwrap_or(false);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(write_err)?;
    let line = format!(
        "{}{} {} {}\n",
        if ends_open { "\n" } else { "" },
        host_name(host, port),
        key.key_type,
        key.base64()
    );
    file.write_all(line.as_bytes()).map_err(write_err)?;
    file.sync_all().map_err(write_err)
}

#[cfg(test)]
#[path = "known_hosts_tests.rs"]
mod tests;
