//! `tenants` and `tenant_members`. Visibility is part of every query: a member's reads
//! only ever match tenants they belong to.

use aiops_core::page::PageQuery;
use aiops_core::ports::{NewAudit, TenantRef, TenantRow, TenantStore, Viewer};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{Member, Tenant, TenantRole};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, audit, conflict_on_unique, internal};

const COLUMNS: &str = "t.id, t.slug, t.name, t.color, t.description, t.created_at, t.updated_at";
/// `?1` = member user id or NULL for admins.
const VISIBLE: &str = "(?1 IS NULL OR EXISTS (SELECT 1 FROM tenant_members m WHERE m.tenant_id = t.id AND m.user_id = ?1))";

fn tenant(row: &Row<'_>) -> rusqlite::Result<Tenant> {
    Ok(Tenant {
        id: row.get(0)?,
        slug: row.get(1)?,
        name: row.get(2)?,
        color: row.get(3)?,
        description: row.get(4)?,
        created_at: row.get::<_, Ts>(5)?.0,
        updated_at: row.get::<_, Ts>(6)?.0,
    })
}

fn find(c: &Connection, viewer: Viewer, r: &TenantRef) -> CoreResult<Option<Tenant>> {
    let (id, slug) = match r {
        TenantRef::Id(id) => (Some(*id), None),
        TenantRef::Slug(s) => (None, Some(s.as_str())),
    };
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tenants t WHERE {VISIBLE} AND (t.id = ?2 OR t.slug = ?3)"
    ))
    .and_then(|mut st| {
        st.query_row(params![viewer.member_id(), id, slug], tenant)
            .optional()
    })
    .map_err(internal)
}

fn slug_taken(slug: &str) -> impl FnOnce() -> String + '_ {
    move || format!("a tenant with slug `{slug}` already exists")
}

/// The role column of a membership table: tenants have one (migration 0008), project
/// memberships are always plain members.
fn role_column(table: &str) -> &'static str {
    if table == "tenant_members" {
        "m.role"
    } else {
        "'member'"
    }
}

/// Members of a tenant or project: `table` and `key` name the membership table.
pub(crate) fn list_members(
    c: &Connection,
    table: &str,
    key: &str,
    id: i64,
    page: PageQuery,
) -> CoreResult<Vec<Member>> {
    let mut st = c
        .prepare_cached(&format!(
            "SELECT u.id, u.email, u.name, m.added_at, {} FROM {table} m JOIN users u ON u.id = m.user_id
             WHERE m.{key} = ?1 AND u.id > ifnull(?2, 0) ORDER BY u.id LIMIT ?3",
            role_column(table)
        ))
        .map_err(internal)?;
    let rows = st
        .query_map(params![id, page.after, page.fetch()], member)
        .map_err(internal)?;
    rows.collect::<Result<_, _>>().map_err(internal)
}

fn member(r: &Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        user_id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        added_at: r.get::<_, Ts>(3)?.0,
        role: TenantRole::parse(&r.get::<_, String>(4)?).unwrap_or_default(),
    })
}

/// Adds a membership (idempotent) and returns it; `NotFound` for an unknown user. For a
/// tenant, `role` is the new member's role (default `member`) or an existing member's
/// new one (`None` keeps it); project memberships have no role. Audited only when
/// something changed.
pub(crate) fn put_member(
    c: &Connection,
    table: &str,
    key: &str,
    id: i64,
    user_id: i64,
    role: Option<TenantRole>,
    audit: NewAudit,
) -> CoreResult<Member> {
    let exists: bool = c
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1)",
            [user_id],
            |r| r.get(0),
        )
        .map_err(internal)?;
    if !exists {
        return Err(CoreError::not_found(format!("user {user_id}")));
    }
    let n = if table == "tenant_members" {
        c.execute(
            "INSERT INTO tenant_members (tenant_id, user_id, added_at, role)
             VALUES (?1, ?2, ?3, ifnull(?4, 'member'))
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = ?4
             WHERE ?4 IS NOT NULL AND role <> ?4",
            params![id, user_id, Ts(now()), role.map(TenantRole::as_str)],
        )
    } else {
        c.execute(
            &format!(
                "INSERT OR IGNORE INTO {table} ({key}, user_id, added_at) VALUES (?1, ?2, ?3)"
            ),
            params![id, user_id, Ts(now())],
        )
    }
    .map_err(internal)?;
    if n > 0 {
        audit::insert(c, audit)?;
    }
    c.query_row(
        &format!(
            "SELECT u.id, u.email, u.name, m.added_at, {} FROM {table} m JOIN users u ON u.id = m.user_id
             WHERE m.{key} = ?1 AND m.user_id = ?2",
            role_column(table)
        ),
        params![id, user_id],
        member,
    )
    .map_err(internal)
}

pub(crate) fn delete_member(
    c: &Connection,
    table: &str,
    key: &str,
    id: i64,
    user_id: i64,
    audit: NewAudit,
) -> CoreResult<()> {
    let n = c
        .execute(
            &format!("DELETE FROM {table} WHERE {key} = ?1 AND user_id = ?2"),
            params![id, user_id],
        )
        .map_err(internal)?;
    if n == 0 {
        return Err(CoreError::not_found(format!("member {user_id}")));
    }
    audit::insert(c, audit)
}

impl TenantStore for Db {
    fn list_tenants(&self, viewer: Viewer, page: PageQuery) -> CoreResult<Vec<Tenant>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM tenants t WHERE {VISIBLE} AND t.id > ifnull(?2, 0)
                     ORDER BY t.id LIMIT ?3"
                ))
                .map_err(internal)?;
            let rows = st
                .query_map(
                    params![viewer.member_id(), page.after, page.fetch()],
                    tenant,
                )
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn tenant(&self, viewer: Viewer, r: &TenantRef) -> CoreResult<Option<Tenant>> {
        self.read(|c| find(c, viewer, r))
    }

    fn insert_tenant(&self, row: &TenantRow, creator: i64, audit: NewAudit) -> CoreResult<Tenant> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tenants (slug, name, color, description, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![row.slug, row.name, row.color, row.description, Ts(now())],
            )
            .map_err(conflict_on_unique(slug_taken(&row.slug)))?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO tenant_members (tenant_id, user_id, added_at, role)
                 SELECT ?1, id, ?3, 'admin' FROM users WHERE id = ?2",
                params![id, creator, Ts(now())],
            )
            .map_err(internal)?;
            audit::insert(tx, audit.target("tenant", id))?;
            find(tx, Viewer::All, &TenantRef::Id(id))?
                .ok_or_else(|| CoreError::Internal("inserted tenant vanished".into()))
        })
    }

    fn update_tenant(&self, id: i64, row: &TenantRow, audit: NewAudit) -> CoreResult<Tenant> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE tenants SET slug = ?2, name = ?3, color = ?4, description = ?5, updated_at = ?6
                     WHERE id = ?1",
                    params![id, row.slug, row.name, row.color, row.description, Ts(now())],
                )
                .map_err(conflict_on_unique(slug_taken(&row.slug)))?;
            if n == 0 {
                return Err(CoreError::not_found(format!("tenant {id}")));
            }
            audit::insert(tx, audit)?;
            find(tx, Viewer::All, &TenantRef::Id(id))?.ok_or_else(|| CoreError::not_found(format!("tenant {id}")))
        })
    }

    fn delete_tenant(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let projects: i64 = tx
                .query_row(
                    "SELECT count(*) FROM projects WHERE tenant_id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .map_err(internal)?;
            if projects > 0 {
                return Err(CoreError::Conflict(format!(
                    "tenant still has {projects} project(s); delete or move them first"
                )));
            }
            if tx
                .execute("DELETE FROM tenants WHERE id = ?1", [id])
                .map_err(internal)?
                == 0
            {
                return Err(CoreError::not_found(format!("tenant {id}")));
            }
            audit::insert(tx, audit)
        })
    }

    fn list_tenant_members(&self, tenant_id: i64, page: PageQuery) -> CoreResult<Vec<Member>> {
        self.read(|c| list_members(c, "tenant_members", "tenant_id", tenant_id, page))
    }

    fn put_tenant_member(
        &self,
        tenant_id: i64,
        user_id: i64,
        role: Option<TenantRole>,
        audit: NewAudit,
    ) -> CoreResult<Member> {
        self.write(|tx| {
            put_member(
                tx,
                "tenant_members",
                "tenant_id",
                tenant_id,
                user_id,
                role,
                audit,
            )
        })
    }

    fn tenant_role(&self, tenant_id: i64, user_id: i64) -> CoreResult<Option<TenantRole>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT role FROM tenant_members WHERE tenant_id = ?1 AND user_id = ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![tenant_id, user_id], |r| r.get::<_, String>(0))
                    .optional()
            })
            .map(|r| r.as_deref().and_then(TenantRole::parse))
            .map_err(internal)
        })
    }

    fn delete_tenant_member(
        &self,
        tenant_id: i64,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<()> {
        self.write(|tx| delete_member(tx, "tenant_members", "tenant_id", tenant_id, user_id, audit))
    }
}
