//! Where the CLI and the desktop keep a server's API key: the OS keychain (the default),
//! or, only when the user asks for it, a TOML file readable by its owner alone.
//!
//! Entries are keyed by the server URL as [`normalize_url`](crate::normalize_url) writes
//! it. Nothing here falls back from one store to the other: a keychain that cannot be
//! reached is an error ([`CredentialError::NoKeychain`]) the caller shows to the user.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::{Secret, normalize_url};

/// Keychain service name of every aiops entry; the account is the server URL.
pub const KEYCHAIN_SERVICE: &str = "aiops";
/// File name of the insecure store, in the CLI config dir.
pub const CREDENTIALS_FILE: &str = "credentials.toml";

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// No OS keychain answers (no Secret Service on the session bus, a locked store that
    /// cannot prompt, …). The detail is the platform's message.
    #[error("no OS keychain is reachable ({0})")]
    NoKeychain(String),
    /// The keychain answered, with an error.
    #[error("keychain error: {0}")]
    Keychain(String),
    /// Reading or writing the credentials file failed.
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The credentials file is not what this store writes.
    #[error("{}: not a valid credentials file: {message}", path.display())]
    Corrupt { path: PathBuf, message: String },
    /// The server URL is not an http(s) URL.
    #[error("{0}")]
    InvalidUrl(String),
}

/// One of the two places a key can live.
#[derive(Debug, Clone)]
pub enum CredentialStore {
    Keychain(Keychain),
    File(FileStore),
}

impl CredentialStore {
    /// The key stored for `url`, if any.
    pub fn get(&self, url: &str) -> Result<Option<Secret>, CredentialError> {
        match self {
            Self::Keychain(k) => k.get(url),
            Self::File(f) => f.get(url),
        }
    }

    pub fn set(&self, url: &str, secret: &Secret) -> Result<(), CredentialError> {
        match self {
            Self::Keychain(k) => k.set(url, secret),
            Self::File(f) => f.set(url, secret),
        }
    }

    /// Removes the key of `url`; `Ok(false)` when there was none.
    pub fn delete(&self, url: &str) -> Result<bool, CredentialError> {
        match self {
            Self::Keychain(k) => k.delete(url),
            Self::File(f) => f.delete(url),
        }
    }

    /// Where the key of `url` lives, in words: `OS keychain (service aiops, account …)`
    /// or `file /home/…/credentials.toml`.
    pub fn describe(&self, url: &str) -> String {
        match self {
            Self::Keychain(_) => format!(
                "OS keychain (service {KEYCHAIN_SERVICE}, account {})",
                account(url).unwrap_or_else(|_| url.to_owned())
            ),
            Self::File(f) => format!("file {}", f.path().display()),
        }
    }
}

fn account(url: &str) -> Result<String, CredentialError> {
    normalize_url(url).map_err(|e| CredentialError::InvalidUrl(e.to_string()))
}

/// The OS keychain: Secret Service on Linux, Keychain Services on macOS. Service
/// [`KEYCHAIN_SERVICE`], account = the normalised server URL. Calls block (D-Bus).
#[derive(Debug, Clone, Default)]
pub struct Keychain;

impl Keychain {
    /// The account of the desktop app's in-process control plane ("This computer") on
    /// `data_dir`: `local:<data dir>`. Its port may change between starts, so its key is
    /// not filed under a URL; each data dir has its own users, so its own key.
    pub fn local_account(data_dir: &Path) -> String {
        format!("local:{}", data_dir.display())
    }

    fn entry(account: &str) -> Result<keyring::Entry, CredentialError> {
        keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(keychain_error)
    }

    pub fn get(&self, url: &str) -> Result<Option<Secret>, CredentialError> {
        self.get_account(&account(url)?)
    }

    pub fn set(&self, url: &str, secret: &Secret) -> Result<(), CredentialError> {
        self.set_account(&account(url)?, secret)
    }

    pub fn delete(&self, url: &str) -> Result<bool, CredentialError> {
        self.delete_account(&account(url)?)
    }

    /// The secret under a fixed account name instead of a server URL.
    pub fn get_account(&self, account: &str) -> Result<Option<Secret>, CredentialError> {
        match Self::entry(account)?.get_password() {
            Ok(secret) => Ok(Some(Secret::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }

    pub fn set_account(&self, account: &str, secret: &Secret) -> Result<(), CredentialError> {
        Self::entry(account)?
            .set_password(secret.expose())
            .map_err(keychain_error)
    }

    /// `Ok(false)` when there was none.
    pub fn delete_account(&self, account: &str) -> Result<bool, CredentialError> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

fn keychain_error(e: keyring::Error) -> CredentialError {
    match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            CredentialError::NoKeychain(crate::error::one_line(&inner.to_string()))
        }
        other => CredentialError::Keychain(crate::error::one_line(&other.to_string())),
    }
}

/// The insecure store: `credentials.toml`, mode 0600 in a 0700 directory, replaced
/// atomically (temporary file + rename) on every change.
///
/// ```toml
/// [keys]
/// "http://127.0.0.1:8060" = "aiops_…"
/// ```
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct CredentialsFile {
    #[serde(default)]
    keys: BTreeMap<String, String>,
}

impl FileStore {
    /// A store in the file at `path` (created on the first `set`).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// `<dir>/credentials.toml`
    pub fn in_dir(dir: &Path) -> Self {
        Self::new(dir.join(CREDENTIALS_FILE))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, url: &str) -> Result<Option<Secret>, CredentialError> {
        let url = account(url)?;
        Ok(self.read()?.keys.remove(&url).map(Secret::new))
    }

    pub fn set(&self, url: &str, secret: &Secret) -> Result<(), CredentialError> {
        let url = account(url)?;
        let mut file = self.read()?;
        file.keys.insert(url, secret.expose().to_owned());
        self.write(&file)
    }

    pub fn delete(&self, url: &str) -> Result<bool, CredentialError> {
        let url = account(url)?;
        let mut file = self.read()?;
        if file.keys.remove(&url).is_none() {
            return Ok(false);
        }
        self.write(&file)?;
        Ok(true)
    }

    fn read(&self) -> Result<CredentialsFile, CredentialError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
            Err(source) => return Err(self.io(source)),
        };
        toml::from_str(&text).map_err(|e| CredentialError::Corrupt {
            path: self.path.clone(),
            message: crate::error::one_line(e.message()),
        })
    }

    fn write(&self, file: &CredentialsFile) -> Result<(), CredentialError> {
        let text = toml::to_string(file).map_err(|e| CredentialError::Corrupt {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        write_private(&self.path, text.as_bytes()).map_err(|e| self.io(e))
    }

    fn io(&self, source: std::io::Error) -> CredentialError {
        CredentialError::File {
            path: self.path.clone(),
            source,
        }
    }
}

/// Replaces `path` with `contents` atomically: writes a 0600 temporary file beside it,
/// syncs it, renames it over `path`. The parent directory is created (0700) if missing
/// and narrowed to 0700 if wider. Readers see the old file or the new one, never a part.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let perms = std::fs::metadata(dir)?.permissions();
    if perms.mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other(format!("{} names no file", path.display())))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(
        ".{}.{}.{nanos}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
