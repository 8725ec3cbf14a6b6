//! Restoring a backup in two steps, so nothing is touched until everything is checked:
//!
//! 1. [`stage`]: unpack the archive into a scratch dir of the data dir, verifying every
//!    member's sum, the schema version (a newer one is refused) and `PRAGMA
//!    integrity_check`; then rename the scratch dir to `restore-pending/` (atomic).
//! 2. [`apply_pending`], with the data dir's lock held and no database open (at the
//!    server's start, or right away for `aiops admin restore`): the current database
//!    (with its `-wal`/`-shm`) and key move to `backups/pre-restore-<time>/`, the staged
//!    ones take their place. Each step is a rename, and a start that finds
//!    `restore-pending/` again (a crash in between) finishes the job.
//!
//! A running server restarts itself after staging (`POST /system/restart`'s path), so
//! sessions lose their control plane for a moment, not their panes.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use aiops_core::backups::{self, CONFIG, DATABASE, Manifest, SECRET_KEY, archive};
use aiops_core::sealed::SecretKey;
use aiops_core::{CoreError, CoreResult};

use super::{Scratch, io_err, private_dir};

/// The staged restore waiting for the next start.
pub const PENDING: &str = "restore-pending";

/// What staging found: the archive's manifest and what the user must know.
#[derive(Debug)]
pub struct Staged {
    pub manifest: Manifest,
    /// E.g. "stored tokens were sealed with a key this data dir does not have".
    pub warnings: Vec<String>,
}

/// Verifies the archive at `archive` and stages it in `<data_dir>/restore-pending`.
/// `current_key` is the data dir's key (None on an empty data dir). Errors: `Invalid`
/// for a bad archive (nothing staged), `Internal` for I/O.
pub fn stage(
    data_dir: &Path,
    archive_path: &Path,
    passphrase: Option<&str>,
    current_key: Option<&SecretKey>,
    progress: &dyn Fn(&str),
) -> CoreResult<Staged> {
    private_dir(data_dir)?;
    let scratch = Scratch::new(data_dir, "restoring")?;
    progress("reading the archive and checking every member's sha256");
    let input = File::open(archive_path).map_err(|e| io_err(archive_path, e))?;
    let manifest = archive::read(input, passphrase, &scratch.0)?;
    backups::check_restorable(&manifest, aiops_db::supported_schema_version())?;
    let db = scratch.0.join(DATABASE);
    let check = aiops_db::backup::inspect(&db)?;
    if check.integrity != "ok" {
        return Err(CoreError::invalid(
            "archive",
            format!(
                "the archive's database fails its integrity check: {}",
                check.integrity
            ),
        ));
    }
    if check.schema_version != manifest.schema_version {
        return Err(CoreError::invalid(
            "archive",
            "the archive's database does not have the schema its manifest says",
        ));
    }
    progress(&format!(
        "checksums ok, integrity ok, schema {} (this aiops knows up to {})",
        check.schema_version,
        aiops_db::supported_schema_version()
    ));
    let archived_key = match fs::read_to_string(scratch.0.join(SECRET_KEY)) {
        Ok(text) => Some(SecretKey::from_file_text(&text).map_err(|e| {
            CoreError::invalid(
                "archive",
                format!("the archive's secret.key is unreadable: {e}"),
            )
        })?),
        Err(_) => None,
    };
    let usable = archived_key.as_ref().or(current_key).map(SecretKey::id);
    let mut warnings = Vec::new();
    let missing: Vec<&String> = check
        .key_ids
        .iter()
        .filter(|id| Some(id.as_str()) != usable)
        .collect();
    if !missing.is_empty() {
        warnings.push(format!(
            "stored tokens and SSH keys were sealed with key {} which this data dir will not \
             have: enter them again, or put that secret.key back into the data dir before \
             the server starts",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let pending = data_dir.join(PENDING);
    if pending.exists() {
        fs::remove_dir_all(&pending).map_err(|e| io_err(&pending, e))?;
    }
    fs::rename(&scratch.0, &pending).map_err(|e| io_err(&pending, e))?;
    std::mem::forget(scratch); // renamed: nothing left to clean up
    Ok(Staged { manifest, warnings })
}

/// Moves a staged restore into place (see the module doc); returns what it did, or
/// None when nothing was staged. Call with the data dir's lock held and no database
/// open.
pub fn apply_pending(data_dir: &Path) -> CoreResult<Option<String>> {
    remove_scratch(data_dir);
    let pending = data_dir.join(PENDING);
    if !pending.join(DATABASE).is_file() {
        if pending.exists() {
            // A restore that finished moving its database; only leftovers remain.
            fs::remove_dir_all(&pending).map_err(|e| io_err(&pending, e))?;
        }
        return Ok(None);
    }
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let keep = data_dir
        .join("backups")
        .join(format!("pre-restore-{stamp}"));
    private_dir(&keep)?;
    let mv = |from: PathBuf, to: PathBuf| -> CoreResult<()> {
        if from.exists() {
            fs::rename(&from, &to).map_err(|e| io_err(&from, e))?;
        }
        Ok(())
    };
    for name in [DATABASE, "aiops.db-wal", "aiops.db-shm"] {
        mv(data_dir.join(name), keep.join(name))?;
    }
    let mut done = format!(
        "restored the database; the previous one is in {}",
        keep.display()
    );
    if pending.join(SECRET_KEY).is_file() {
        mv(data_dir.join(SECRET_KEY), keep.join(SECRET_KEY))?;
        mv(pending.join(SECRET_KEY), data_dir.join(SECRET_KEY))?;
        done.push_str(", with the archive's secret.key");
    }
    if pending.join(CONFIG).is_file() {
        if data_dir.join(CONFIG).exists() {
            // The running configuration (bind, TLS, paths of this machine) stays; the
            // archived one is kept beside it to compare.
            mv(pending.join(CONFIG), data_dir.join("aiops.toml.restored"))?;
            done.push_str("; aiops.toml kept, the archive's is aiops.toml.restored");
        } else {
            mv(pending.join(CONFIG), data_dir.join(CONFIG))?;
        }
    }
    mv(pending.join(DATABASE), data_dir.join(DATABASE))?;
    fs::remove_dir_all(&pending).map_err(|e| io_err(&pending, e))?;
    Ok(Some(done))
}

/// Removes the scratch dirs a stopped server left behind (a backup or restore it was
/// making: `backups/.making-*`, `.restoring-*`); they are never anything else.
fn remove_scratch(data_dir: &Path) {
    for (dir, prefix) in [
        (data_dir.join("backups"), ".making-"),
        (data_dir.to_owned(), ".restoring-"),
    ] {
        let Ok(rd) = fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(prefix) {
                tracing::info!(path = %e.path().display(), "removing an unfinished backup's scratch dir");
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_removes_unfinished_scratch_dirs_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        for d in [
            "backups/.making-ab12",
            ".restoring-cd34",
            "backups/pre-restore-1",
        ] {
            fs::create_dir_all(data.join(d)).unwrap();
        }
        fs::write(data.join("backups/aiops-backup-x.tar.gz"), b"x").unwrap();
        assert_eq!(apply_pending(data).unwrap(), None, "nothing was staged");
        assert!(!data.join("backups/.making-ab12").exists());
        assert!(!data.join(".restoring-cd34").exists());
        assert!(data.join("backups/pre-restore-1").exists());
        assert!(data.join("backups/aiops-backup-x.tar.gz").exists());
    }
}
