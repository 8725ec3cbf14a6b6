//! `audit_log`: append-only; every write method of this crate appends its row here in the
//! same transaction. Details pass through the core redactor before they are stored.

use aiops_core::CoreResult;
use aiops_core::page::PageQuery;
use aiops_core::ports::{AuditFilter, AuditStore, NewAudit};
use aiops_core::redact::{redact, redact_json};
use aiops_types::AuditEntry;
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};

use crate::time_text::{format, now};
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
        // Only the filters given become conditions, so SQLite can seek on the matching
        // index (`(x IS NULL OR col = x)` would force a scan of the whole log).
        let mut conds = vec!["id < ?".to_owned()];
        let mut args: Vec<Value> = vec![Value::Integer(page.after.unwrap_or(i64::MAX))];
        let mut add = |cond: &str, v: Value| {
            conds.push(cond.to_owned());
            args.push(v);
        };
        if let Some(id) = f.actor_user_id {
            add("actor_user_id = ?", Value::Integer(id));
        }
        match f.action.as_deref() {
            // A prefix (`tenant.`) is a range on the (action, id) index.
            Some(a) if a.ends_with('.') => {
                add("action >= ?", Value::Text(a.to_owned()));
                add("action < ?", Value::Text(format!("{}/", &a[..a.len() - 1])));
            }
            Some(a) => add("action = ?", Value::Text(a.to_owned())),
            None => {}
        }
        if let Some(t) = &f.target_type {
            add("target_type = ?", Value::Text(t.clone()));
        }
        if let Some(t) = &f.target_id {
            add("target_id = ?", Value::Text(t.clone()));
        }
        if let Some(t) = f.since {
            add("at >= ?", Value::Text(format(t)));
        }
        if let Some(t) = f.until {
            add("at < ?", Value::Text(format(t)));
        }
        args.push(Value::Integer(page.fetch()));
        let sql = format!(
            "SELECT id, at, actor_user_id, actor, action, target_type, target_id, ip, detail
             FROM audit_log WHERE {} ORDER BY id DESC LIMIT ?",
            conds.join(" AND ")
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql).map_err(internal)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args), entry)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }
}
