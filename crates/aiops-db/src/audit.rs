//! `audit_log`: append-only; every write method of this crate appends its row here in the
//! same transaction. Details pass through the core redactor before they are stored.

use aiops_core::CoreResult;
use aiops_core::page::PageQuery;
use aiops_core::ports::{AuditFilter, AuditStore, NewAudit};
use aiops_core::redact::{redact, redact_json};
use aiops_types::AuditEntry;
use rusqlite::{Connection, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, internal};

pub(crate) fn insert(conn: &Connection, mut a: NewAudit) -> CoreResult<()> {
    redact_json(&mut a.detail);
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor_user_id, actor, action, target_type, target_id, ip, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut st| {
        st.execute(params![
            Ts(now()),
            a.actor_user_id,
            redact(&a.actor),
            a.action,
            a.target_type,
            a.target_id,
            a.ip,
            a.detail.to_string()
        ])
    })
    .map_err(internal)?;
    Ok(())
}

fn entry(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let detail: String = row.get(8)?;
    Ok(AuditEntry {
        id: row.get(0)?,
        at: row.get::<_, Ts>(1)?.0,
        actor_user_id: row.get(2)?,
        actor: row.get(3)?,
        action: row.get(4)?,
        target_type: row.get(5)?,
        target_id: row.get(6)?,
        ip: row.get(7)?,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
    })
}

impl AuditStore for Db {
    fn append_audit(&self, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| insert(tx, audit))
    }

    fn list_audit(&self, f: &AuditFilter, page: PageQuery) -> CoreResult<Vec<AuditEntry>> {
        // A prefix filter (`tenant.`) becomes a range on the (action, id) index.
        let (action_lo, action_hi) = match f.action.as_deref() {
            Some(a) if a.ends_with('.') => (Some(a.to_owned()), Some(format!("{a}\u{10ffff}"))),
            Some(a) => (Some(a.to_owned()), Some(a.to_owned())),
            None => (None, None),
        };
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT id, at, actor_user_id, actor, action, target_type, target_id, ip, detail
                     FROM audit_log
                     WHERE (?1 IS NULL OR id < ?1)
                       AND (?2 IS NULL OR actor_user_id = ?2)
                       AND (?3 IS NULL OR action >= ?3) AND (?4 IS NULL OR action <= ?4)
                       AND (?5 IS NULL OR target_type = ?5)
                       AND (?6 IS NULL OR target_id = ?6)
                       AND (?7 IS NULL OR at >= ?7)
                       AND (?8 IS NULL OR at < ?8)
                     ORDER BY id DESC LIMIT ?9",
                )
                .map_err(internal)?;
            let rows = st
                .query_map(
                    params![
                        page.after,
                        f.actor_user_id,
                        action_lo,
                        action_hi,
                        f.target_type,
                        f.target_id,
                        f.since.map(Ts),
                        f.until.map(Ts),
                        page.fetch()
                    ],
                    entry,
                )
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }
}
