//! Backups of a server's data dir (`/api/v1/system/backups…`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// One backup archive in `<data dir>/backups/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Backup {
    /// The archive's file name, e.g. `aiops-backup-20261207T061600Z-k3v9.tar.gz`
    /// (`.tar.gz.enc` when encrypted); also what `download` saves it as.
    pub id: String,
    /// The archive's size in bytes.
    pub size_bytes: u64,
    /// When the backup was made (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The free text given when it was made; empty when none.
    pub description: String,
    /// Version of aiops that made it.
    pub aiops_version: String,
    /// Database schema version inside; a server restores only versions it knows.
    pub schema_version: u32,
    /// Encrypted with a passphrase (XChaCha20-Poly1305, Argon2id-derived key).
    pub encrypted: bool,
    /// Holds `secret.key` (only ever when encrypted): stored tokens and SSH keys come
    /// back with it. Without it they must be entered again after a restore on another
    /// data dir, or the old `secret.key` put back.
    pub includes_secret_key: bool,
    /// What made it: `manual` (a request) or `schedule` (the backup schedule).
    pub trigger: String,
}

/// `POST /api/v1/system/backups`: make a backup (a job).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"description": "before the upgrade"}))]
#[serde(deny_unknown_fields)]
pub struct CreateBackup {
    /// Free text shown in the list (≤ 200 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// With a passphrase (≥ 12 characters) the archive is encrypted and includes
    /// `secret.key`; without one it holds no key material at all.
    #[serde(default)]
    pub passphrase: Option<String>,
}

/// `POST /api/v1/system/backups/{id}/restore`: restore it (a job; the server restarts
/// on the restored database when it succeeds).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"passphrase": "the backup passphrase"}))]
#[serde(deny_unknown_fields)]
pub struct RestoreBackup {
    /// The passphrase of an encrypted archive.
    #[serde(default)]
    pub passphrase: Option<String>,
}
