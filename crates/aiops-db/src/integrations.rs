//! `integrations`, `project_links` and `user_integrations`. Tokens are stored only sealed
//! (the core seals them); reads hand the sealed blob to the core and never to the API.

use aiops_core::page::PageQuery;
use aiops_core::ports::{
    IntegrationRecord, IntegrationRow, IntegrationStore, LinkRecord, NewAudit, PersonalRecord,
    TokenWrite, Viewer,
};
use aiops_core::sealed::Sealed;
use aiops_core::tracker::SyncCursor;
use aiops_core::{CoreError, CoreResult};
use aiops_types::{Integration, PersonalCredential, ProjectLink};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::json;

use crate::personal::{PERSONAL_SELECT, personal};
use crate::time_text::now;
use crate::{Db, Ts, audit, conflict_on_unique, internal, parse_text};

const SELECT: &str = "SELECT g.id, g.tenant_id, t.slug, g.provider, g.name, g.base_url, g.email,
    g.token IS NOT NULL, g.healthy, g.health_error, g.health_checked_at, g.jira_transitions,
    g.sync_interval_secs, g.created_at, g.updated_at, g.token, g.token_key_id
    FROM integrations g JOIN tenants t ON t.id = g.tenant_id";
/// A member sees the integrations (and their sync runs) of the tenants they belong to;
/// `g` is the integration, `?` the member's user id.
pub(crate) const VISIBLE: &str =
    "EXISTS (SELECT 1 FROM tenant_members m WHERE m.tenant_id = g.tenant_id AND m.user_id = ?)";

/// One page of a tenant's rows (`select` aliases the table `g`, with `g.id` and
/// `g.tenant_id`), oldest first: a member's only from their tenants ([`VISIBLE`]), and of
/// `tenant_id` when given. Shared by tracker, automation and chat integrations.
pub(crate) fn tenant_rows<T>(
    db: &Db,
    select: &str,
    viewer: Viewer,
    tenant_id: Option<i64>,
    page: PageQuery,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> CoreResult<Vec<T>> {
    let mut conds = vec!["g.id > ?".to_owned()];
    let mut args = vec![Value::Integer(page.after.unwrap_or(0))];
    if let Some(uid) = viewer.member_id() {
        conds.push(VISIBLE.to_owned());
        args.push(Value::Integer(uid));
    }
    if let Some(t) = tenant_id {
        conds.push("g.tenant_id = ?".to_owned());
        args.push(Value::Integer(t));
    }
    args.push(Value::Integer(page.fetch()));
    let sql = format!(
        "{select} WHERE {} ORDER BY g.id LIMIT ?",
        conds.join(" AND ")
    );
    db.read(|c| {
        let mut st = c.prepare_cached(&sql).map_err(internal)?;
        let rows = st
            .query_map(rusqlite::params_from_iter(args), map)
            .map_err(internal)?;
        rows.collect::<Result<_, _>>().map_err(internal)
    })
}

/// A sealed secret from its two columns (both set, or it is absent).
pub(crate) fn sealed(blob: Option<Vec<u8>>, key_id: Option<String>) -> Option<Sealed> {
    match (blob, key_id) {
        (Some(blob), Some(key_id)) => Some(Sealed { key_id, blob }),
        _ => None,
    }
}

fn record(r: &Row<'_>) -> rusqlite::Result<IntegrationRecord> {
    let transitions: serde_json::Value =
        serde_json::from_str(&r.get::<_, String>(11)?).unwrap_or_default();
    let names = |k: &str| -> Vec<String> {
        transitions
            .get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(IntegrationRecord {
        integration: Integration {
            id: r.get(0)?,
            tenant_id: r.get(1)?,
            tenant_slug: r.get(2)?,
            provider: parse_text(3, &r.get::<_, String>(3)?)?,
            name: r.get(4)?,
            base_url: r.get(5)?,
            email: r.get(6)?,
            has_token: r.get(7)?,
            healthy: r.get(8)?,
            health_error: r.get(9)?,
            health_checked_at: r.get::<_, Option<Ts>>(10)?.map(|t| t.0),
            jira_close_transitions: names("close"),
            jira_reopen_transitions: names("reopen"),
            sync_interval_secs: r.get(12)?,
            created_at: r.get::<_, Ts>(13)?.0,
            updated_at: r.get::<_, Ts>(14)?.0,
        },
        token: sealed(r.get(15)?, r.get(16)?),
    })
}

fn find(c: &Connection, viewer: Viewer, id: i64) -> CoreResult<Option<IntegrationRecord>> {
    let (sql, args) = match viewer.member_id() {
        None => (format!("{SELECT} WHERE g.id = ?"), vec![Value::Integer(id)]),
        Some(uid) => (
            format!("{SELECT} WHERE g.id = ? AND {VISIBLE}"),
            vec![Value::Integer(id), Value::Integer(uid)],
        ),
    };
    c.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_row(rusqlite::params_from_iter(args), record)
                .optional()
        })
        .map_err(internal)
}

/// Applies a token change to the `token`/`token_key_id` columns of `table`'s rows
/// matching `where_` (which binds `ids`); `row_id` is what the seal is bound to.
pub(crate) fn write_token(
    tx: &Transaction<'_>,
    table: &str,
    where_: &str,
    ids: &[i64],
    row_id: i64,
    token: TokenWrite<'_>,
) -> CoreResult<()> {
    write_sealed(
        tx,
        table,
        ["token", "token_key_id"],
        where_,
        ids,
        row_id,
        token,
    )
}

/// Applies a sealed-secret change to the `[secret, key id]` column pair of `table`'s rows
/// matching `where_` (which binds `ids`): kept, cleared, or sealed bound to `row_id`. The
/// one writer of sealed columns; [`sealed`] is their reader.
pub(crate) fn write_sealed(
    tx: &Transaction<'_>,
    table: &str,
    [column, key_column]: [&str; 2],
    where_: &str,
    ids: &[i64],
    row_id: i64,
    secret: TokenWrite<'_>,
) -> CoreResult<()> {
    let (blob, key_id): (Option<Vec<u8>>, Option<String>) = match secret {
        TokenWrite::Keep => return Ok(()),
        TokenWrite::Clear => (None, None),
        TokenWrite::Seal(seal) => {
            let s = seal(row_id)?;
            (Some(s.blob), Some(s.key_id))
        }
    };
    let mut args = vec![Value::from(blob), Value::from(key_id)];
    args.extend(ids.iter().map(|i| Value::Integer(*i)));
    tx.execute(
        &format!("UPDATE {table} SET {column} = ?, {key_column} = ? WHERE {where_}"),
        rusqlite::params_from_iter(args),
    )
    .map_err(internal)?;
    Ok(())
}

/// [`write_sealed`] of each `[secret, key id]` column pair of row `id` of `table`, in
/// order: the secrets of a row written by its insert and its update alike.
pub(crate) fn write_row_sealed<const N: usize>(
    tx: &Transaction<'_>,
    table: &str,
    id: i64,
    secrets: [([&str; 2], TokenWrite<'_>); N],
) -> CoreResult<()> {
    for (columns, secret) in secrets {
        write_sealed(tx, table, columns, "id = ?", &[id], id, secret)?;
    }
    Ok(())
}

fn transitions_json(row: &IntegrationRow) -> String {
    json!({ "close": row.jira_close_transitions, "reopen": row.jira_reopen_transitions })
        .to_string()
}

const LINK_SELECT: &str = "SELECT l.id, l.project_id, l.integration_id, g.name, g.provider,
    l.external, l.token IS NOT NULL, l.last_synced_at, l.created_at, l.token, l.token_key_id,
    l.sync_since, l.sync_etag, l.last_full_sync_at
    FROM project_links l JOIN integrations g ON g.id = l.integration_id";

fn link_record(r: &Row<'_>) -> rusqlite::Result<LinkRecord> {
    Ok(LinkRecord {
        link: ProjectLink {
            id: r.get(0)?,
            project_id: r.get(1)?,
            integration_id: r.get(2)?,
            integration_name: r.get(3)?,
            provider: parse_text(4, &r.get::<_, String>(4)?)?,
            external: r.get(5)?,
            has_token: r.get(6)?,
            last_synced_at: r.get::<_, Option<Ts>>(7)?.map(|t| t.0),
            created_at: r.get::<_, Ts>(8)?.0,
        },
        token: sealed(r.get(9)?, r.get(10)?),
        cursor: SyncCursor {
            since: r.get::<_, Option<Ts>>(11)?.map(|t| t.0),
            etag: r.get(12)?,
        },
        last_full_sync_at: r.get::<_, Option<Ts>>(13)?.map(|t| t.0),
    })
}

fn find_link(c: &Connection, id: i64) -> CoreResult<Option<LinkRecord>> {
    c.prepare_cached(&format!("{LINK_SELECT} WHERE l.id = ?1"))
        .and_then(|mut st| st.query_row([id], link_record).optional())
        .map_err(internal)
}

impl IntegrationStore for Db {
    fn list_integrations(
        &self,
        viewer: Viewer,
        tenant_id: Option<i64>,
        page: PageQuery,
    ) -> CoreResult<Vec<Integration>> {
        tenant_rows(self, SELECT, viewer, tenant_id, page, |r| {
            record(r).map(|x| x.integration)
        })
    }

    fn integration(&self, viewer: Viewer, id: i64) -> CoreResult<Option<IntegrationRecord>> {
        self.read(|c| find(c, viewer, id))
    }

    fn insert_integration(
        &self,
        row: &IntegrationRow,
        token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<Integration> {
        self.write(|tx| {
            let t = Ts(now());
            tx.execute(
                "INSERT INTO integrations (tenant_id, provider, name, base_url, email,
                     jira_transitions, sync_interval_secs, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    row.tenant_id,
                    row.provider.as_str(),
                    row.name,
                    row.base_url,
                    row.email,
                    transitions_json(row),
                    row.sync_interval_secs,
                    t
                ],
            )
            .map_err(conflict_on_unique(|| {
                format!(
                    "an integration named `{}` already exists in this tenant",
                    row.name
                )
            }))?;
            let id = tx.last_insert_rowid();
            write_token(tx, "integrations", "id = ?", &[id], id, token)?;
            audit::insert(tx, audit.target("integration", id))?;
            find(tx, Viewer::All, id)?
                .map(|r| r.integration)
                .ok_or_else(|| CoreError::Internal("inserted integration vanished".into()))
        })
    }

    fn update_integration(
        &self,
        id: i64,
        row: &IntegrationRow,
        token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<Integration> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE integrations SET name = ?2, base_url = ?3, email = ?4,
                         jira_transitions = ?5, sync_interval_secs = ?6, updated_at = ?7,
                         healthy = NULL, health_error = NULL
                     WHERE id = ?1",
                    params![
                        id,
                        row.name,
                        row.base_url,
                        row.email,
                        transitions_json(row),
                        row.sync_interval_secs,
                        Ts(now())
                    ],
                )
                .map_err(conflict_on_unique(|| {
                    format!(
                        "an integration named `{}` already exists in this tenant",
                        row.name
                    )
                }))?;
            if n == 0 {
                return Err(CoreError::not_found(format!("integration {id}")));
            }
            write_token(tx, "integrations", "id = ?", &[id], id, token)?;
            audit::insert(tx, audit)?;
            find(tx, Viewer::All, id)?
                .map(|r| r.integration)
                .ok_or_else(|| CoreError::not_found(format!("integration {id}")))
        })
    }

    fn delete_integration(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM issues WHERE link_id IN (SELECT id FROM project_links WHERE integration_id = ?1)",
                [id],
            )
            .map_err(internal)?;
            let n = tx
                .execute("DELETE FROM integrations WHERE id = ?1", [id])
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("integration {id}")));
            }
            audit::insert(tx, audit)
        })
    }

    fn set_integration_health(&self, id: i64, error: Option<&str>) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE integrations SET healthy = ?2, health_error = ?3, health_checked_at = ?4 WHERE id = ?1",
                params![id, error.is_none(), error, Ts(now())],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn list_links(
        &self,
        project_id: Option<i64>,
        integration_id: Option<i64>,
    ) -> CoreResult<Vec<LinkRecord>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "{LINK_SELECT} WHERE (?1 IS NULL OR l.project_id = ?1)
                     AND (?2 IS NULL OR l.integration_id = ?2) ORDER BY l.id"
                ))
                .map_err(internal)?;
            let rows = st
                .query_map(params![project_id, integration_id], link_record)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn link(&self, id: i64) -> CoreResult<Option<LinkRecord>> {
        self.read(|c| find_link(c, id))
    }

    fn insert_link(
        &self,
        project_id: i64,
        integration_id: i64,
        external: &str,
        token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<ProjectLink> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO project_links (project_id, integration_id, external, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![project_id, integration_id, external, Ts(now())],
            )
            .map_err(conflict_on_unique(|| {
                format!("project {project_id} is already linked to integration {integration_id}")
            }))?;
            let id = tx.last_insert_rowid();
            write_token(tx, "project_links", "id = ?", &[id], id, token)?;
            audit::insert(tx, audit)?;
            find_link(tx, id)?
                .map(|l| l.link)
                .ok_or_else(|| CoreError::Internal("inserted link vanished".into()))
        })
    }

    fn delete_link(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM issues WHERE link_id = ?1", [id])
                .map_err(internal)?;
            let n = tx
                .execute("DELETE FROM project_links WHERE id = ?1", [id])
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("link {id}")));
            }
            audit::insert(tx, audit)
        })
    }

    fn request_full_sync(&self, integration_id: i64) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE project_links SET last_full_sync_at = NULL WHERE integration_id = ?1",
                [integration_id],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn save_cursor(&self, link_id: i64, cursor: &SyncCursor, full: bool) -> CoreResult<()> {
        self.write(|tx| {
            let t = Ts(now());
            tx.execute(
                "UPDATE project_links SET sync_since = ?2, sync_etag = ?3, last_synced_at = ?4,
                     last_full_sync_at = CASE WHEN ?5 THEN ?4 ELSE last_full_sync_at END
                 WHERE id = ?1",
                params![link_id, cursor.since.map(Ts), cursor.etag, t, full],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn personal_credentials(&self, user_id: i64) -> CoreResult<Vec<PersonalCredential>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "{PERSONAL_SELECT} WHERE u.user_id = ?1 ORDER BY u.integration_id"
                ))
                .map_err(internal)?;
            let rows = st.query_map([user_id], personal).map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn personal_record(
        &self,
        user_id: i64,
        integration_id: i64,
    ) -> CoreResult<Option<PersonalRecord>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT token, token_key_id, login, email FROM user_integrations
                 WHERE user_id = ?1 AND integration_id = ?2",
            )
            .and_then(|mut st| {
                st.query_row([user_id, integration_id], |r| {
                    Ok(PersonalRecord {
                        token: sealed(r.get(0)?, r.get(1)?),
                        login: r.get(2)?,
                        email: r.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(internal)
        })
    }

    fn put_personal_credential(
        &self,
        user_id: i64,
        integration_id: i64,
        token: TokenWrite<'_>,
        login: Option<Option<&str>>,
        email: Option<Option<&str>>,
        audit: NewAudit,
    ) -> CoreResult<PersonalCredential> {
        self.write(|tx| {
            let t = Ts(now());
            tx.execute(
                "INSERT INTO user_integrations (user_id, integration_id, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id, integration_id) DO UPDATE SET updated_at = excluded.updated_at",
                params![user_id, integration_id, t],
            )
            .map_err(internal)?;
            for (column, value) in [("login", login), ("email", email)] {
                if let Some(v) = value {
                    tx.execute(
                        &format!("UPDATE user_integrations SET {column} = ?3 WHERE user_id = ?1 AND integration_id = ?2"),
                        params![user_id, integration_id, v],
                    )
                    .map_err(internal)?;
                }
            }
            write_token(
                tx,
                "user_integrations",
                "user_id = ? AND integration_id = ?",
                &[user_id, integration_id],
                integration_id,
                token,
            )?;
            audit::insert(tx, audit)?;
            tx.prepare_cached(&format!(
                "{PERSONAL_SELECT} WHERE u.user_id = ?1 AND u.integration_id = ?2"
            ))
            .and_then(|mut st| st.query_row([user_id, integration_id], personal))
            .map_err(internal)
        })
    }

    fn delete_personal_credential(
        &self,
        user_id: i64,
        integration_id: i64,
        audit: NewAudit,
    ) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM user_integrations WHERE user_id = ?1 AND integration_id = ?2",
                    [user_id, integration_id],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!(
                    "personal credential for integration {integration_id}"
                )));
            }
            audit::insert(tx, audit)
        })
    }
}
