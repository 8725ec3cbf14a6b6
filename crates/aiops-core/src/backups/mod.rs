//! Backups of a data dir: what an archive holds, how it is named, checked, kept and
//! pruned. The archive format is in [`archive`] (tar + gzip, with a manifest of
//! sha256 sums) and [`crypt`] (passphrase encryption); making the database copy and
//! moving files belong to the store and the server.

pub mod archive;
pub mod crypt;

use aiops_types::{Backup, CreateBackup};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{CoreError, CoreResult};

/// The archive's first member: the [`Manifest`] as JSON.
pub const MANIFEST: &str = "manifest.json";
/// The database, copied consistently while the server runs.
pub const DATABASE: &str = "aiops.db";
/// The data dir's config file, when it has one.
pub const CONFIG: &str = "aiops.toml";
/// The key that seals stored tokens: only in encrypted archives.
pub const SECRET_KEY: &str = "secret.key";

/// Members an archive may hold; anything else is refused (and never written out).
pub const MEMBERS: [&str; 3] = [DATABASE, CONFIG, SECRET_KEY];

/// Archive format this binary writes and reads.
pub const FORMAT: u32 = 1;

/// Shortest passphrase accepted for an encrypted archive.
pub const MIN_PASSPHRASE: usize = 12;
const MAX_DESCRIPTION: usize = 200;

/// What an archive says about itself (its first member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Archive format version ([`FORMAT`]).
    pub format: u32,
    /// Version of aiops that wrote the archive.
    pub aiops_version: String,
    /// Database schema version of the archived database.
    pub schema_version: u32,
    /// When the backup was made (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Free text given when the backup was made (at most 200 characters).
    pub description: String,
    /// `manual` or `schedule`.
    pub trigger: String,
    /// Whether `secret.key` is in the archive (encrypted archives only).
    pub includes_secret_key: bool,
    /// Every member after the manifest, with its size and checksum.
    pub members: Vec<Member>,
}

/// One file of an archive, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Member name, one of [`MEMBERS`].
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the member's bytes.
    pub sha256: String,
}

impl Manifest {
    /// The list entry of an archive named `id` of `size_bytes`.
    pub fn entry(&self, id: &str, size_bytes: u64, encrypted: bool) -> Backup {
        Backup {
            id: id.to_owned(),
            size_bytes,
            created_at: self.created_at,
            description: self.description.clone(),
            aiops_version: self.aiops_version.clone(),
            schema_version: self.schema_version,
            encrypted,
            includes_secret_key: self.includes_secret_key,
            trigger: self.trigger.clone(),
        }
    }
}

/// A new archive's file name: `aiops-backup-<UTC time>-<suffix>.tar.gz[.enc]`.
pub fn file_name(created_at: OffsetDateTime, suffix: &str, encrypted: bool) -> String {
    let t = created_at.to_offset(time::UtcOffset::UTC);
    format!(
        "aiops-backup-{:04}{:02}{:02}T{:02}{:02}{:02}Z-{suffix}.tar.gz{}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        if encrypted { ".enc" } else { "" }
    )
}

/// Checks that `id` names an archive this server made (it becomes a path under the
/// backups dir, so nothing else gets through: no `/`, no `..`).
pub fn check_id(id: &str) -> CoreResult<()> {
    let ok = id.strip_prefix("aiops-backup-").is_some_and(|rest| {
        let rest = rest
            .strip_suffix(".tar.gz.enc")
            .or_else(|| rest.strip_suffix(".tar.gz"));
        rest.is_some_and(|r| {
            !r.is_empty()
                && r.len() <= 40
                && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    });
    if ok {
        Ok(())
    } else {
        Err(CoreError::not_found(format!("backup `{id}`")))
    }
}

/// True when the archive named `id` is encrypted.
pub fn is_encrypted_name(id: &str) -> bool {
    id.ends_with(".enc")
}

/// The description and passphrase of a backup request, checked.
pub fn check_create(req: &CreateBackup) -> CoreResult<(String, Option<String>)> {
    let description = req.description.as_deref().unwrap_or("").trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(CoreError::invalid(
            "description",
            format!("description is longer than {MAX_DESCRIPTION} characters"),
        ));
    }
    if description.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "description",
            "description must be one line without control characters",
        ));
    }
    let passphrase = check_passphrase(req.passphrase.as_deref())?;
    Ok((description, passphrase))
}

/// An optional passphrase, checked; empty counts as none.
pub fn check_passphrase(p: Option<&str>) -> CoreResult<Option<String>> {
    match p {
        None | Some("") => Ok(None),
        Some(p) if p.chars().count() < MIN_PASSPHRASE => Err(CoreError::invalid(
            "passphrase",
            format!("a passphrase needs at least {MIN_PASSPHRASE} characters"),
        )),
        Some(p) => Ok(Some(p.to_owned())),
    }
}

/// Refuses an archive this binary cannot restore: another format or a newer schema.
pub fn check_restorable(m: &Manifest, supported_schema: u32) -> CoreResult<()> {
    if m.format != FORMAT {
        return Err(CoreError::invalid(
            "archive",
            format!(
                "archive format {} is not one this aiops reads ({FORMAT})",
                m.format
            ),
        ));
    }
    if m.schema_version > supported_schema {
        return Err(CoreError::invalid(
            "archive",
            format!(
                "the archive's database has schema {} but this aiops ({}) knows up to {}: \
                 restore it with aiops {} or newer",
                m.schema_version,
                env!("CARGO_PKG_VERSION"),
                supported_schema,
                m.aiops_version
            ),
        ));
    }
    if !m.members.iter().any(|x| x.name == DATABASE) {
        return Err(CoreError::invalid(
            "archive",
            "the archive holds no database",
        ));
    }
    Ok(())
}

/// Which archives to delete so that the newest `keep` remain (0 keeps all).
pub fn to_prune(backups: &[Backup], keep: usize) -> Vec<String> {
    if keep == 0 {
        return Vec::new();
    }
    let mut sorted: Vec<&Backup> = backups.iter().collect();
    sorted.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    sorted
        .into_iter()
        .skip(keep)
        .map(|b| b.id.clone())
        .collect()
}

/// True when a scheduled backup is due: `interval_hours` (0 = never) have passed since
/// the newest backup (or there is none).
pub fn due(newest: Option<OffsetDateTime>, now: OffsetDateTime, interval_hours: u32) -> bool {
    if interval_hours == 0 {
        return false;
    }
    newest.is_none_or(|t| now - t >= time::Duration::hours(i64::from(interval_hours)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn backup(id: &str, at: OffsetDateTime) -> Backup {
        Manifest {
            format: FORMAT,
            aiops_version: "0".into(),
            schema_version: 1,
            created_at: at,
            description: String::new(),
            trigger: "manual".into(),
            includes_secret_key: false,
            members: vec![],
        }
        .entry(id, 1, false)
    }

    #[test]
    fn names_are_recognised_and_nothing_else_is() {
        let n = file_name(datetime!(2026-12-07 06:16:00 UTC), "k3v9", false);
        assert_eq!(n, "aiops-backup-20261207T061600Z-k3v9.tar.gz");
        check_id(&n).unwrap();
        check_id(&file_name(datetime!(2026-12-07 06:16:00 UTC), "ab12", true)).unwrap();
        for bad in [
            "",
            "aiops-backup-.tar.gz",
            "aiops-backup-../../etc.tar.gz",
            "aiops-backup-x/y.tar.gz",
            "aiops.db",
            "aiops-backup-x.tar.gz.enc.json",
        ] {
            assert!(check_id(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn prune_keeps_the_newest() {
        let list = vec![
            backup("a", datetime!(2026-01-01 0:00 UTC)),
            backup("c", datetime!(2026-01-03 0:00 UTC)),
            backup("b", datetime!(2026-01-02 0:00 UTC)),
        ];
        assert_eq!(to_prune(&list, 2), vec!["a".to_owned()]);
        assert!(to_prune(&list, 0).is_empty());
        assert!(to_prune(&list, 5).is_empty());
    }

    #[test]
    fn schedule_and_passphrase_rules() {
        let now = datetime!(2026-01-02 0:00 UTC);
        assert!(due(None, now, 24));
        assert!(!due(None, now, 0));
        assert!(due(Some(datetime!(2026-01-01 0:00 UTC)), now, 24));
        assert!(!due(Some(datetime!(2026-01-01 0:01 UTC)), now, 24));
        assert!(check_passphrase(Some("short")).is_err());
        assert_eq!(check_passphrase(Some("")).unwrap(), None);
        assert!(check_passphrase(Some("twelve chars")).unwrap().is_some());
    }

    #[test]
    fn newer_schema_and_other_formats_are_refused() {
        let mut m = Manifest {
            format: FORMAT,
            aiops_version: "9.9.9".into(),
            schema_version: 12,
            created_at: datetime!(2026-01-01 0:00 UTC),
            description: String::new(),
            trigger: "manual".into(),
            includes_secret_key: false,
            members: vec![Member {
                name: DATABASE.into(),
                size: 1,
                sha256: String::new(),
            }],
        };
        assert!(check_restorable(&m, 12).is_ok());
        let e = check_restorable(&m, 11).unwrap_err().to_string();
        assert!(e.contains("schema 12") && e.contains("9.9.9"), "{e}");
        m.format = 2;
        assert!(check_restorable(&m, 12).is_err());
    }
}
