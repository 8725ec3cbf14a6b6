//! `<data>/secret.key`: the key that encrypts provider tokens, bot tokens and SSH keys
//! at rest (see `aiops_core::sealed`). Created once, 0600, on first start; never logged.

use std::io::Write;
use std::path::{Path, PathBuf};

use aiops_core::sealed::SecretKey;

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("{path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`")]
    TooOpen { path: String, mode: u32 },
    #[error("cannot read or create {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("secret.key")
}

/// Loads the data dir's key, creating it (0600, written in full before anyone can read
/// it) when it does not exist. Refuses a key file others can read.
pub fn load_or_create(data_dir: &Path) -> Result<SecretKey, KeyFileError> {
    let path = path(data_dir);
    let io = |source| KeyFileError::Io {
        path: path.display().to_string(),
        source,
    };
    match create(&path) {
        Ok(key) => return Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).map_err(io)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::TooOpen {
                path: path.display().to_string(),
                mode,
            });
        }
    }
    let text = std::fs::read_to_string(&path).map_err(io)?;
    SecretKey::from_file_text(&text)
        .map_err(|e| KeyFileError::Invalid(format!("{}: {e}", path.display())))
}

/// Writes a new key with `create_new` (never overwrites: losing a key loses every
/// secret sealed with it).
fn create(path: &Path) -> std::io::Result<SecretKey> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let key = SecretKey::generate();
    file.write_all(key.to_file_text().as_bytes())?;
    file.sync_all()?;
    tracing::info!(key_id = key.id(), path = %path.display(), "created the data dir's secret key");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let again = load_or_create(dir.path()).unwrap();
        assert_eq!(
            first.id(),
            again.id(),
            "an existing key is loaded, never replaced"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = path(dir.path());
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = load_or_create(dir.path()).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
    }

    #[test]
    fn a_damaged_key_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path());
        std::fs::write(&p, "garbage").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(load_or_create(dir.path()).is_err());
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "garbage",
            "the file is left for the admin"
        );
    }
}
