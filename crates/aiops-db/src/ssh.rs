//! `ssh_keys` (users' keys and projects' deploy keys) and `known_hosts`.

use aiops_core::ports::{
    HostKeyRecord, NewAudit, NewSshKeyRow, PrivateKeyRef, SshKeyRecord, SshStore,
};
use aiops_core::sealed::Sealed;
use aiops_core::{CoreError, CoreResult};
use aiops_types::{KnownHost, SshKey};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, audit, conflict_on_unique, internal};

const SELECT_KEY: &str = "SELECT id, name, public_key, fingerprint, project_id, created_at, \
     sealed, key_id, path FROM ssh_keys";
const SELECT_HOST: &str = "SELECT host, key_type, fingerprint, status, seen_at, confirmed_at, public_key FROM known_hosts";

fn key_record(r: &Row<'_>) -> rusqlite::Result<SshKeyRecord> {
    let sealed: Option<Vec<u8>> = r.get(6)?;
    let key_id: Option<String> = r.get(7)?;
    let path: Option<String> = r.get(8)?;
    let private = match (sealed, key_id, path) {
        (Some(blob), Some(key_id), _) => PrivateKeyRef::Sealed(Sealed { key_id, blob }),
        (_, _, Some(path)) => PrivateKeyRef::Path(path),
        _ => {
            return Err(rusqlite::Error::InvalidColumnType(
                6,
                "sealed".into(),
                rusqlite::types::Type::Null,
            ));
        }
    };
    let storage = match private {
        PrivateKeyRef::Sealed(_) => "sealed",
        PrivateKeyRef::Path(_) => "path",
    };
    Ok(SshKeyRecord {
        key: SshKey {
            id: r.get(0)?,
            name: r.get(1)?,
            public_key: r.get(2)?,
            fingerprint: r.get(3)?,
            storage: storage.into(),
            project_id: r.get(4)?,
            created_at: r.get::<_, Ts>(5)?.0,
        },
        private,
    })
}

fn host_record(r: &Row<'_>) -> rusqlite::Result<HostKeyRecord> {
    Ok(HostKeyRecord {
        host: KnownHost {
            host: r.get(0)?,
            key_type: r.get(1)?,
            fingerprint: r.get(2)?,
            status: r.get(3)?,
            seen_at: r.get::<_, Ts>(4)?.0,
            confirmed_at: r.get::<_, Option<Ts>>(5)?.map(|t| t.0),
        },
        public_key: r.get(6)?,
    })
}

fn one_key(c: &Connection, clause: &str, id: i64) -> CoreResult<Option<SshKeyRecord>> {
    c.query_row(
        &format!("{SELECT_KEY} WHERE {clause} ORDER BY id LIMIT 1"),
        [id],
        key_record,
    )
    .optional()
    .map_err(internal)
}

impl SshStore for Db {
    fn ssh_keys(&self, user_id: i64) -> CoreResult<Vec<SshKey>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!("{SELECT_KEY} WHERE user_id = ?1 ORDER BY id"))
                .map_err(internal)?;
            let rows = st.query_map([user_id], key_record).map_err(internal)?;
            rows.map(|r| r.map(|k| k.key))
                .collect::<Result<_, _>>()
                .map_err(internal)
        })
    }

    fn user_ssh_key(&self, user_id: i64) -> CoreResult<Option<SshKeyRecord>> {
        self.read(|c| one_key(c, "user_id = ?1", user_id))
    }

    fn ssh_key_record(&self, id: i64) -> CoreResult<Option<SshKeyRecord>> {
        self.read(|c| one_key(c, "id = ?1", id))
    }

    fn insert_ssh_key(&self, row: &NewSshKeyRow, audit: NewAudit) -> CoreResult<SshKey> {
        let (sealed, key_id, path) = match &row.private {
            PrivateKeyRef::Sealed(s) => (Some(s.blob.clone()), Some(s.key_id.clone()), None),
            PrivateKeyRef::Path(p) => (None, None, Some(p.clone())),
        };
        self.write(|tx| {
            if let Some(project) = row.project_id {
                tx.execute("DELETE FROM ssh_keys WHERE project_id = ?1", [project])
                    .map_err(internal)?;
            }
            tx.execute(
                "INSERT INTO ssh_keys (user_id, project_id, name, public_key, fingerprint, \
                 sealed, key_id, path, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    row.user_id,
                    row.project_id,
                    row.name,
                    row.public_key,
                    row.fingerprint,
                    sealed,
                    key_id,
                    path,
                    Ts(now())
                ],
            )
            .map_err(conflict_on_unique(|| {
                format!("you already have a key named `{}`", row.name)
            }))?;
            let id = tx.last_insert_rowid();
            audit::insert(tx, audit)?;
            one_key(tx, "id = ?1", id)?
                .map(|k| k.key)
                .ok_or_else(|| CoreError::Internal("stored key vanished".into()))
        })
    }

    fn delete_ssh_key(&self, user_id: i64, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM ssh_keys WHERE id = ?1 AND user_id = ?2",
                    params![id, user_id],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("ssh key {id}")));
            }
            audit::insert(tx, audit)
        })
    }

    fn deploy_key(&self, project_id: i64) -> CoreResult<Option<SshKeyRecord>> {
        self.read(|c| one_key(c, "project_id = ?1", project_id))
    }

    fn delete_deploy_key(&self, project_id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute("DELETE FROM ssh_keys WHERE project_id = ?1", [project_id])
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!(
                    "a deploy key of project {project_id}"
                )));
            }
            audit::insert(tx, audit)
        })
    }

    fn known_hosts(&self) -> CoreResult<Vec<KnownHost>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!("{SELECT_HOST} ORDER BY host, key_type"))
                .map_err(internal)?;
            let rows = st.query_map([], host_record).map_err(internal)?;
            rows.map(|r| r.map(|h| h.host))
                .collect::<Result<_, _>>()
                .map_err(internal)
        })
    }

    fn host_keys(&self, host: &str) -> CoreResult<Vec<HostKeyRecord>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!("{SELECT_HOST} WHERE host = ?1 ORDER BY key_type"))
                .map_err(internal)?;
            let rows = st.query_map([host], host_record).map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn add_pending_host_keys(&self, keys: &[HostKeyRecord]) -> CoreResult<()> {
        self.write(|tx| {
            for k in keys {
                tx.execute(
                    "INSERT INTO known_hosts (host, key_type, public_key, fingerprint, status, seen_at) \
                     VALUES (?1, ?2, ?3, ?4, 'pending', ?5) ON CONFLICT (host, key_type) DO NOTHING",
                    params![k.host.host, k.host.key_type, k.public_key, k.host.fingerprint, Ts(now())],
                )
                .map_err(internal)?;
            }
            Ok(())
        })
    }

    fn trust_host_key(
        &self,
        host: &str,
        fingerprint: &str,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<KnownHost> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE known_hosts SET status = 'trusted', confirmed_at = ?3, confirmed_by = ?4 \
                     WHERE host = ?1 AND fingerprint = ?2 AND status = 'pending'",
                    params![host, fingerprint, Ts(now()), user_id],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!(
                    "a pending key of {host} with fingerprint {fingerprint}"
                )));
            }
            audit::insert(tx, audit)?;
            tx.query_row(
                &format!("{SELECT_HOST} WHERE host = ?1 AND fingerprint = ?2"),
                params![host, fingerprint],
                host_record,
            )
            .map(|h| h.host)
            .map_err(internal)
        })
    }

    fn delete_known_host(&self, host: &str, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute("DELETE FROM known_hosts WHERE host = ?1", [host])
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("known host {host}")));
            }
            audit::insert(tx, audit)
        })
    }
}
