//! `api_keys` and `web_sessions`: both stored as SHA-256 digests of their secrets, looked
//! up by digest (unique index), never by secret.

use aiops_core::page::PageQuery;
use aiops_core::ports::{
    CredentialStore, KeySession, NewApiKeyRow, NewAudit, UserRecord, WebSessionRecord,
};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{ApiKey, Scope, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::users::{columns, record_at};
use crate::{Db, Ts, audit, conflict_on_unique, internal};

const KEY_COLUMNS: &str = "k.id, k.user_id, k.name, k.prefix, k.scopes, k.created_at, k.expires_at, k.last_used_at, k.revoked_at, k.session_id";

fn scopes_to_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn scopes_from_text(s: &str) -> Vec<Scope> {
    // Unknown words are dropped, never widened: a key can only lose scopes on a downgrade.
    s.split(',').filter_map(|w| w.parse().ok()).collect()
}

fn key(row: &Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        prefix: row.get(3)?,
        scopes: scopes_from_text(&row.get::<_, String>(4)?),
        created_at: row.get::<_, Ts>(5)?.0,
        expires_at: row.get::<_, Option<Ts>>(6)?.map(|t| t.0),
        last_used_at: row.get::<_, Option<Ts>>(7)?.map(|t| t.0),
        revoked_at: row.get::<_, Option<Ts>>(8)?.map(|t| t.0),
        session_id: row.get(9)?,
    })
}

fn key_by_id(c: &Connection, id: i64) -> CoreResult<Option<ApiKey>> {
    c.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys k WHERE k.id = ?1"
    ))
    .and_then(|mut st| st.query_row([id], key).optional())
    .map_err(internal)
}

/// Writes the row of a new key (a session's own key with `session_id`); returns its id.
/// The one INSERT of `api_keys`, for user keys here and session keys in `sessions.rs`.
pub(crate) fn insert_row(
    tx: &Connection,
    row: &NewApiKeyRow,
    session_id: Option<i64>,
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO api_keys
             (user_id, name, prefix, digest, scopes, created_at, expires_at, session_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            row.user_id,
            row.name,
            row.prefix,
            row.digest,
            scopes_to_text(&row.scopes),
            Ts(now()),
            row.expires_at.map(Ts),
            session_id
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

impl CredentialStore for Db {
    fn insert_api_key(&self, row: &NewApiKeyRow, audit: NewAudit) -> CoreResult<ApiKey> {
        self.write(|tx| {
            let id = insert_row(tx, row, None)
                .map_err(conflict_on_unique(|| "key collision; try again".to_owned()))?;
            audit::insert(tx, audit.target("api_key", id))?;
            key_by_id(tx, id)?.ok_or_else(|| CoreError::Internal("inserted key vanished".into()))
        })
    }

    fn api_key_by_digest(
        &self,
        digest: &[u8],
    ) -> CoreResult<Option<(ApiKey, UserRecord, Option<KeySession>)>> {
        let sql = format!(
            "SELECT {KEY_COLUMNS}, s.issue_id, s.project_id, {} FROM api_keys k
             JOIN users u ON u.id = k.user_id
             LEFT JOIN sessions s ON s.id = k.session_id WHERE k.digest = ?1",
            columns("u")
        );
        self.read(|c| {
            c.prepare_cached(&sql)
                .and_then(|mut st| {
                    st.query_row([digest], |r| {
                        let session = r
                            .get::<_, Option<i64>>(11)?
                            .map(|project_id| -> rusqlite::Result<KeySession> {
                                Ok(KeySession {
                                    issue_id: r.get(10)?,
                                    project_id,
                                })
                            })
                            .transpose()?;
                        Ok((key(r)?, record_at(r, 12)?, session))
                    })
                    .optional()
                })
                .map_err(internal)
        })
    }

    fn touch_api_key(&self, id: i64, at: Timestamp) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1",
                params![id, Ts(at)],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn api_key(&self, id: i64) -> CoreResult<Option<ApiKey>> {
        self.read(|c| key_by_id(c, id))
    }

    fn list_api_keys(&self, owner: Option<i64>, page: PageQuery) -> CoreResult<Vec<ApiKey>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys k
                     WHERE (?1 IS NULL OR k.user_id = ?1) AND k.id < ifnull(?2, 9223372036854775807)
                     ORDER BY k.id DESC LIMIT ?3"
                ))
                .map_err(internal)?;
            let rows = st
                .query_map(params![owner, page.after, page.fetch()], key)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn revoke_api_key(&self, id: i64, at: Timestamp, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    params![id, Ts(at)],
                )
                .map_err(internal)?;
            if n > 0 {
                audit::insert(tx, audit)?;
            }
            Ok(())
        })
    }

    fn insert_web_session(
        &self,
        user_id: i64,
        digest: &[u8],
        csrf_token: &str,
        expires_at: Timestamp,
        audit: NewAudit,
    ) -> CoreResult<i64> {
        self.write(|tx| {
            let t = now();
            // Expired sessions are swept here, at the one place sessions are made.
            tx.execute("DELETE FROM web_sessions WHERE expires_at <= ?1", [Ts(t)])
                .map_err(internal)?;
            tx.execute(
                "INSERT INTO web_sessions (user_id, digest, csrf_token, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user_id, digest, csrf_token, Ts(t), Ts(expires_at)],
            )
            .map_err(internal)?;
            let id = tx.last_insert_rowid();
            audit::insert(tx, audit)?;
            Ok(id)
        })
    }

    fn web_session_by_digest(
        &self,
        digest: &[u8],
    ) -> CoreResult<Option<(WebSessionRecord, UserRecord)>> {
        let sql = format!(
            "SELECT s.id, s.user_id, s.csrf_token, s.expires_at, {} FROM web_sessions s
             JOIN users u ON u.id = s.user_id WHERE s.digest = ?1",
            columns("u")
        );
        self.read(|c| {
            c.prepare_cached(&sql)
                .and_then(|mut st| {
                    st.query_row([digest], |r| {
                        Ok((
                            WebSessionRecord {
                                id: r.get(0)?,
                                user_id: r.get(1)?,
                                csrf_token: r.get(2)?,
                                expires_at: r.get::<_, Ts>(3)?.0,
                            },
                            record_at(r, 4)?,
                        ))
                    })
                    .optional()
                })
                .map_err(internal)
        })
    }

    fn delete_web_session(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM web_sessions WHERE id = ?1", [id])
                .map_err(internal)?;
            audit::insert(tx, audit)
        })
    }
}
