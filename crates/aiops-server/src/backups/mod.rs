//! Backups in `<data dir>/backups/`: making one while the server writes, listing,
//! deleting, pruning. Each archive `aiops-backup-…tar.gz[.enc]` has a sidecar
//! `<archive>.json` (its list entry: description, versions, whether it holds the key),
//! so listing reads no archive and an encrypted one can be listed without its
//! passphrase. Both are written to a temp name and renamed, mode 0600.
//!
//! Restoring is in [`restore`].

pub mod restore;

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use aiops_core::backups::{self, CONFIG, DATABASE, FORMAT, Manifest, SECRET_KEY, archive};
use aiops_core::jobs::JobContext;
use aiops_core::{CoreError, CoreResult};
use aiops_types::Backup;
use rand::Rng;

use crate::config::Settings;

/// Creates `dir` owner-only if it is missing.
pub(crate) fn private_dir(dir: &Path) -> CoreResult<()> {
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| io_err(dir, e))?;
    }
    Ok(())
}

pub(crate) fn io_err(path: &Path, e: std::io::Error) -> CoreError {
    CoreError::Internal(format!("{}: {e}", path.display()))
}

/// A new file, 0600, failing if it exists.
pub(crate) fn create_private(path: &Path) -> CoreResult<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| io_err(path, e))
}

fn suffix() -> String {
    const ABC: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..4)
        .map(|_| ABC[rng.random_range(0..ABC.len())] as char)
        .collect()
}

/// A scratch directory under `parent` removed when dropped.
pub(crate) struct Scratch(pub PathBuf);

impl Scratch {
    pub(crate) fn new(parent: &Path, prefix: &str) -> CoreResult<Self> {
        let dir = parent.join(format!(".{prefix}-{}", suffix()));
        private_dir(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Makes a backup of the running server's data dir (on a blocking thread): a
/// consistent copy of the database (`VACUUM INTO`), its integrity checked, archived with
/// `aiops.toml` and — only with a passphrase, then encrypted — `secret.key`. Prunes to
/// `backup_keep` afterwards.
pub fn create(
    db: &aiops_db::Db,
    settings: &Settings,
    description: &str,
    passphrase: Option<&str>,
    trigger: &str,
    ctx: &dyn JobContext,
) -> CoreResult<Backup> {
    let dir = settings.backups_dir();
    private_dir(&dir)?;
    let scratch = Scratch::new(&dir, "making")?;
    let copy = scratch.0.join(DATABASE);
    ctx.line("copying the database (a consistent snapshot; the server keeps writing)");
    db.snapshot(&copy)?;
    if ctx.cancelled() {
        return Err(CoreError::Conflict("cancelled".into()));
    }
    let check = aiops_db::backup::inspect(&copy)?;
    if check.integrity != "ok" {
        return Err(CoreError::Internal(format!(
            "the database copy fails its integrity check: {}",
            check.integrity
        )));
    }
    ctx.line(&format!(
        "integrity check: ok (schema {})",
        check.schema_version
    ));
    let mut files: Vec<(&str, PathBuf)> = vec![(DATABASE, copy.clone())];
    let config = settings.data_dir.join(CONFIG);
    if config.is_file() {
        files.push((CONFIG, config));
    }
    if passphrase.is_some() {
        files.push((SECRET_KEY, crate::secret_key::path(&settings.data_dir)));
    }
    let members = files
        .iter()
        .map(|(n, p)| archive::member(n, p).map_err(|e| io_err(p, e)))
        .collect::<CoreResult<Vec<_>>>()?;
    let manifest = Manifest {
        format: FORMAT,
        aiops_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version: check.schema_version,
        created_at: time::OffsetDateTime::now_utc(),
        description: description.to_owned(),
        trigger: trigger.to_owned(),
        includes_secret_key: passphrase.is_some(),
        members,
    };
    let name = backups::file_name(manifest.created_at, &suffix(), passphrase.is_some());
    let partial = scratch.0.join(&name);
    if passphrase.is_some() {
        ctx.line("encrypting (Argon2id key from the passphrase, XChaCha20-Poly1305)");
    }
    let out = BufWriter::new(create_private(&partial)?);
    let refs: Vec<(&str, &Path)> = files.iter().map(|(n, p)| (*n, p.as_path())).collect();
    let out = archive::write(out, &manifest, &refs, passphrase, &|l| ctx.line(l))
        .map_err(|e| io_err(&partial, e))?;
    let file = out
        .into_inner()
        .map_err(|e| io_err(&partial, e.into_error()))?;
    file.sync_all().map_err(|e| io_err(&partial, e))?;
    let size = file.metadata().map_err(|e| io_err(&partial, e))?.len();
    let entry = manifest.entry(&name, size, passphrase.is_some());
    write_sidecar(&scratch.0, &dir, &entry)?;
    fs::rename(&partial, dir.join(&name)).map_err(|e| io_err(&partial, e))?;
    ctx.line(&format!("wrote {name} ({size} bytes)"));
    let pruned = prune(settings)?;
    if !pruned.is_empty() {
        ctx.line(&format!(
            "deleted {} older backup(s) (backup_keep = {})",
            pruned.len(),
            settings.backup_keep
        ));
    }
    Ok(entry)
}

fn write_sidecar(scratch: &Path, dir: &Path, entry: &Backup) -> CoreResult<()> {
    let tmp = scratch.join(format!("{}.json", entry.id));
    let mut f = create_private(&tmp)?;
    let json = serde_json::to_vec_pretty(entry).map_err(|e| CoreError::Internal(e.to_string()))?;
    f.write_all(&json).map_err(|e| io_err(&tmp, e))?;
    f.sync_all().map_err(|e| io_err(&tmp, e))?;
    fs::rename(&tmp, dir.join(format!("{}.json", entry.id))).map_err(|e| io_err(&tmp, e))
}

/// Queues a backup job (also what the scheduler calls).
pub async fn start(
    st: &crate::state::AppState,
    description: String,
    passphrase: Option<String>,
    trigger: &'static str,
    requested_by: Option<i64>,
) -> crate::error::ApiResult<aiops_types::Job> {
    let subject = if description.is_empty() {
        trigger.to_owned()
    } else {
        description.clone()
    };
    let st2 = st.clone();
    let work: crate::runner::Work = Box::new(move |ctx| {
        let b = create(
            st2.db(),
            st2.settings(),
            &description,
            passphrase.as_deref(),
            trigger,
            ctx,
        )
        .map_err(|e| e.to_string())?;
        serde_json::to_value(b).map_err(|e| e.to_string())
    });
    crate::runner::submit(st, "backup", subject, requested_by, work, None).await
}

/// Queues a scheduled backup when one is due (`backup_interval_hours` since the newest
/// backup, or since this start when there is none) and none is queued or running; after a failure, waits an hour before the
/// next attempt instead of failing (and notifying) on every tick.
pub async fn schedule(st: &crate::state::AppState) -> crate::error::ApiResult<()> {
    use aiops_core::jobs::JobStore;
    let settings = st.settings().clone();
    let started_at = st.started_at();
    let due = st
        .run(move |db| {
            let now = time::OffsetDateTime::now_utc();
            // Without any backup yet, the first is due an interval after this start
            // (not at once: a fresh install has nothing worth keeping).
            let since = newest(&settings)?.unwrap_or(started_at);
            if !backups::due(Some(since), now, settings.backup_interval_hours) {
                return Ok(false);
            }
            let page = aiops_core::page::PageQuery {
                after: None,
                limit: 1,
            };
            Ok(match db.list_jobs(Some("backup"), page)?.first() {
                Some(j) if !j.state.is_done() => false,
                Some(j) if j.state == aiops_types::JobState::Failed => {
                    now - j.queued_at >= time::Duration::hours(1)
                }
                _ => true,
            })
        })
        .await?;
    if due {
        start(st, String::new(), None, "schedule", None).await?;
    }
    Ok(())
}

/// Every backup, newest first.
pub fn list(settings: &Settings) -> CoreResult<Vec<Backup>> {
    let dir = settings.backups_dir();
    let rd = match fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(&dir, e)),
    };
    let mut out = Vec::new();
    for ent in rd.flatten() {
        let name = ent.file_name().to_string_lossy().into_owned();
        let Some(id) = name.strip_suffix(".json") else {
            continue;
        };
        if backups::check_id(id).is_err() || !dir.join(id).is_file() {
            continue;
        }
        let text = fs::read(ent.path()).map_err(|e| io_err(&ent.path(), e))?;
        match serde_json::from_slice::<Backup>(&text) {
            Ok(b) => out.push(b),
            Err(e) => tracing::warn!(file = %name, error = %e, "unreadable backup entry skipped"),
        }
    }
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    Ok(out)
}

/// The archive named `id` and its entry; NotFound when there is none.
pub fn find(settings: &Settings, id: &str) -> CoreResult<(PathBuf, Backup)> {
    backups::check_id(id)?;
    let path = settings.backups_dir().join(id);
    let entry = list(settings)?
        .into_iter()
        .find(|b| b.id == id)
        .ok_or_else(|| CoreError::not_found(format!("backup `{id}`")))?;
    Ok((path, entry))
}

/// Deletes the archive `id` and its entry.
pub fn delete(settings: &Settings, id: &str) -> CoreResult<Backup> {
    let (path, entry) = find(settings, id)?;
    fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
    let side = settings.backups_dir().join(format!("{id}.json"));
    let _ = fs::remove_file(side);
    Ok(entry)
}

/// Deletes all but the newest `backup_keep` archives; returns their ids.
pub fn prune(settings: &Settings) -> CoreResult<Vec<String>> {
    let doomed = backups::to_prune(&list(settings)?, settings.backup_keep as usize);
    for id in &doomed {
        delete(settings, id)?;
    }
    Ok(doomed)
}

/// When the newest backup was made, if any.
pub fn newest(settings: &Settings) -> CoreResult<Option<time::OffsetDateTime>> {
    Ok(list(settings)?.first().map(|b| b.created_at))
}
