//! `hosts`: session hosts (issue 23). Labels and the last check are JSON text.

use aiops_core::hosts::{HostRow, HostStore};
use aiops_core::ports::NewAudit;
use aiops_core::{CoreError, CoreResult};
use aiops_types::{Host, HostCheck};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, audit, conflict_on_unique, internal, json_column};

const SELECT: &str = "SELECT id, name, ssh_user, address, port, root, key_id, labels, capacity,
    draining, last_check, created_at, updated_at, unreachable_since FROM hosts";

fn host(r: &Row<'_>) -> rusqlite::Result<Host> {
    Ok(Host {
        id: r.get(0)?,
        name: r.get(1)?,
        ssh_user: r.get(2)?,
        address: r.get(3)?,
        port: r.get(4)?,
        root: r.get(5)?,
        key_id: r.get(6)?,
        labels: json_column(r, 7)?.unwrap_or_default(),
        capacity: r.get(8)?,
        draining: r.get(9)?,
        last_check: json_column(r, 10)?,
        created_at: r.get::<_, Ts>(11)?.0,
        updated_at: r.get::<_, Ts>(12)?.0,
        unreachable_since: r.get::<_, Option<Ts>>(13)?.map(|t| t.0),
    })
}

fn find(c: &Connection, id: i64) -> CoreResult<Option<Host>> {
    c.prepare_cached(&format!("{SELECT} WHERE id = ?1"))
        .map_err(internal)?
        .query_row([id], host)
        .optional()
        .map_err(internal)
}

fn labels_text(row: &HostRow) -> String {
    serde_json::to_string(&row.labels).unwrap_or_else(|_| "[]".into())
}

impl HostStore for Db {
    fn list_hosts(&self) -> CoreResult<Vec<Host>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!("{SELECT} ORDER BY name"))
                .map_err(internal)?;
            let rows = st.query_map([], host).map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn host(&self, id: i64) -> CoreResult<Option<Host>> {
        self.read(|c| find(c, id))
    }

    fn insert_host(&self, row: &HostRow, audit: NewAudit) -> CoreResult<Host> {
        self.write(|tx| {
            let t = Ts(now());
            tx.execute(
                "INSERT INTO hosts (name, ssh_user, address, port, root, key_id, labels,
                     capacity, draining, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                params![
                    row.name,
                    row.target.user,
                    row.target.address,
                    row.target.port,
                    row.root,
                    row.key_id,
                    labels_text(row),
                    row.capacity,
                    row.draining,
                    t
                ],
            )
            .map_err(conflict_on_unique(|| {
                format!("a host named `{}` exists already", row.name)
            }))?;
            let id = tx.last_insert_rowid();
            audit::insert(tx, audit)?;
            find(tx, id)?.ok_or_else(|| CoreError::Internal("inserted host vanished".into()))
        })
    }

    fn update_host(&self, id: i64, row: &HostRow, audit: NewAudit) -> CoreResult<Host> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE hosts SET root = ?2, key_id = ?3, labels = ?4, capacity = ?5,
                         draining = ?6, updated_at = ?7 WHERE id = ?1",
                    params![
                        id,
                        row.root,
                        row.key_id,
                        labels_text(row),
                        row.capacity,
                        row.draining,
                        Ts(now())
                    ],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("host {id}")));
            }
            audit::insert(tx, audit)?;
            find(tx, id)?.ok_or_else(|| CoreError::not_found(format!("host {id}")))
        })
    }

    fn delete_host(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute("DELETE FROM hosts WHERE id = ?1", [id])
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("host {id}")));
            }
            audit::insert(tx, audit)
        })
    }

    fn set_host_unreachable(
        &self,
        id: i64,
        since: Option<aiops_types::Timestamp>,
    ) -> CoreResult<bool> {
        self.write(|tx| {
            // Only a change is written: the first failure's time stays while it lasts.
            let n = tx
                .execute(
                    "UPDATE hosts SET unreachable_since = ?2 WHERE id = ?1 AND (
                         (?2 IS NULL AND unreachable_since IS NOT NULL)
                         OR (?2 IS NOT NULL AND unreachable_since IS NULL))",
                    params![id, since.map(Ts)],
                )
                .map_err(internal)?;
            Ok(n == 1)
        })
    }

    fn record_host_check(&self, id: i64, check: &HostCheck) -> CoreResult<Host> {
        let text = serde_json::to_string(check).map_err(|e| CoreError::Internal(e.to_string()))?;
        self.write(|tx| {
            tx.execute(
                "UPDATE hosts SET last_check = ?2 WHERE id = ?1",
                params![id, text],
            )
            .map_err(internal)?;
            find(tx, id)?.ok_or_else(|| CoreError::not_found(format!("host {id}")))
        })
    }
}
