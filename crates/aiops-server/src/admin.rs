//! Local administration on a data dir, without a running server (`aiops admin …`).
//! SQLite's locking makes this safe while a server runs on the same data dir.

use std::path::Path;

use aiops_core::CoreError;
use aiops_db::{Db, DbError};
use aiops_types::{CreatedApiKey, Scope, User};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Core(#[from] CoreError),
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("cannot prepare data dir {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl AdminError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Core(CoreError::NotFound(_)))
    }
}

/// Creates the data dir (0700) if needed and opens its database.
pub fn open_store(data_dir: &Path) -> Result<Db, AdminError> {
    crate::prepare_data_dir(data_dir).map_err(|source| AdminError::Io {
        path: data_dir.display().to_string(),
        source,
    })?;
    Ok(Db::open(&data_dir.join("aiops.db"), 1)?)
}

pub fn create_admin(data_dir: &Path, email: &str, password: &str) -> Result<User, AdminError> {
    let db = open_store(data_dir)?;
    Ok(aiops_core::users::local_create_admin(&db, email, password)?)
}

pub fn create_api_key(
    data_dir: &Path,
    email: &str,
    name: &str,
    scopes: &[Scope],
) -> Result<CreatedApiKey, AdminError> {
    let db = open_store(data_dir)?;
    let now = time::OffsetDateTime::now_utc();
    Ok(aiops_core::users::local_create_api_key(
        &db, email, name, scopes, now,
    )?)
}

pub fn reset_password(data_dir: &Path, email: &str, password: &str) -> Result<User, AdminError> {
    let db = open_store(data_dir)?;
    Ok(aiops_core::users::local_reset_password(
        &db, email, password,
    )?)
}

/// `aiops admin seed-demo`: demo data in an empty instance (see [`aiops_core::demo`]);
/// the repositories go to `<data dir>/demo-repos/`. `Conflict` when the instance already
/// has a tenant or project (then nothing is written).
pub fn seed_demo(data_dir: &Path) -> Result<aiops_core::demo::DemoSeed, AdminError> {
    let db = open_store(data_dir)?;
    let repos = data_dir.join("demo-repos");
    Ok(aiops_core::demo::seed(
        &db,
        &aiops_exec::working_copy::LocalGit,
        &repos,
    )?)
}

/// True when the data dir's database has at least one user (no setup is pending).
pub fn has_users(data_dir: &Path) -> Result<bool, AdminError> {
    use aiops_core::ports::UserStore;
    let db = open_store(data_dir)?;
    Ok(db.count_users()? > 0)
}

/// What `aiops admin restore` did.
#[derive(Debug)]
pub struct Restored {
    /// What moved where (the previous database's new place).
    pub done: String,
    pub warnings: Vec<String>,
    pub schema_version: u32,
    pub created_at: time::OffsetDateTime,
}

/// `aiops admin restore`: restores a downloaded backup archive into `data_dir` (empty,
/// or existing — the caller confirms) with no server running: every check of a staged
/// restore first (nothing is touched when one fails), then the swap. `Conflict` when a
/// server holds the data dir.
pub fn restore(
    data_dir: &Path,
    archive: &Path,
    passphrase: Option<&str>,
    progress: &dyn Fn(&str),
) -> Result<Restored, AdminError> {
    crate::prepare_data_dir(data_dir).map_err(|source| AdminError::Io {
        path: data_dir.display().to_string(),
        source,
    })?;
    let _lock = crate::DataDirLock::acquire(data_dir)
        .map_err(|e| AdminError::Core(CoreError::Conflict(e.to_string())))?;
    let key_path = crate::secret_key::path(data_dir);
    let current = match std::fs::read_to_string(&key_path) {
        Ok(text) => Some(aiops_core::sealed::SecretKey::from_file_text(&text)?),
        Err(_) => None,
    };
    let staged =
        crate::backups::restore::stage(data_dir, archive, passphrase, current.as_ref(), progress)?;
    let done = crate::backups::restore::apply_pending(data_dir)?
        .unwrap_or_else(|| "nothing was staged".into());
    Ok(Restored {
        done,
        warnings: staged.warnings,
        schema_version: staged.manifest.schema_version,
        created_at: staged.manifest.created_at,
    })
}
