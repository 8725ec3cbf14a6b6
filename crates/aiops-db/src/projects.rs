//! `projects` and `project_members`. A member sees a project when they belong to its
//! tenant or to the project itself; the condition is part of every query.

use aiops_core::page::PageQuery;
use aiops_core::ports::{NewAudit, ProjectFilter, ProjectRow, ProjectStore, Viewer};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{Member, Project, ProjectWorkspace};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::tenants::{delete_member, list_members, put_member};
use crate::time_text::now;
use crate::{Db, Ts, audit, conflict_on_unique, internal, json_list, json_text, parse_text};

const SELECT: &str =
    "SELECT p.id, p.tenant_id, t.slug, p.slug, p.name, p.repo_url, p.default_branch,
    p.description, p.created_at, p.updated_at, p.isolation, p.setup_files, p.setup_command,
    p.merge_method, p.session_host, p.host_fallback
    FROM projects p JOIN tenants t ON t.id = p.tenant_id";
/// `?1` = member user id or NULL for admins.
const VISIBLE: &str = "(?1 IS NULL
    OR EXISTS (SELECT 1 FROM tenant_members m WHERE m.tenant_id = p.tenant_id AND m.user_id = ?1)
    OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = ?1))";

fn project(row: &Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: row.get(0)?,
        tenant_id: row.get(1)?,
        tenant_slug: row.get(2)?,
        slug: row.get(3)?,
        name: row.get(4)?,
        repo_url: row.get(5)?,
        default_branch: row.get(6)?,
        description: row.get(7)?,
        created_at: row.get::<_, Ts>(8)?.0,
        updated_at: row.get::<_, Ts>(9)?.0,
        workspace: ProjectWorkspace {
            isolation: parse_text(10, &row.get::<_, String>(10)?)?,
            setup_files: json_list(row, 11)?,
            setup_command: json_list(row, 12)?,
            session_host: row.get(14)?,
            host_fallback: parse_text(15, &row.get::<_, String>(15)?)?,
        },
        merge_method: parse_text(13, &row.get::<_, String>(13)?)?,
    })
}

fn find(c: &Connection, viewer: Viewer, id: i64) -> CoreResult<Option<Project>> {
    c.prepare_cached(&format!("{SELECT} WHERE {VISIBLE} AND p.id = ?2"))
        .and_then(|mut st| {
            st.query_row(params![viewer.member_id(), id], project)
                .optional()
        })
        .map_err(internal)
}

fn slug_taken(slug: &str) -> impl FnOnce() -> String + '_ {
    move || format!("a project with slug `{slug}` already exists in this tenant")
}

impl ProjectStore for Db {
    fn list_projects(
        &self,
        viewer: Viewer,
        f: &ProjectFilter,
        page: PageQuery,
    ) -> CoreResult<Vec<Project>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "{SELECT} WHERE {VISIBLE} AND (?2 IS NULL OR p.tenant_id = ?2)
                     AND (?3 IS NULL OR p.slug = ?3) AND p.id > ifnull(?4, 0)
                     ORDER BY p.id LIMIT ?5"
                ))
                .map_err(internal)?;
            let rows = st
                .query_map(
                    params![
                        viewer.member_id(),
                        f.tenant_id,
                        f.slug,
                        page.after,
                        page.fetch()
                    ],
                    project,
                )
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn project(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Project>> {
        self.read(|c| find(c, viewer, id))
    }

    fn insert_project(&self, row: &ProjectRow, audit: NewAudit) -> CoreResult<Project> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO projects (tenant_id, slug, name, repo_url, default_branch, description,
                    isolation, setup_files, setup_command, created_at, updated_at, merge_method)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
                params![
                    row.tenant_id,
                    row.slug,
                    row.name,
                    row.repo_url,
                    row.default_branch,
                    row.description,
                    row.workspace.isolation.as_str(),
                    json_text(&row.workspace.setup_files),
                    json_text(&row.workspace.setup_command),
                    Ts(now()),
                    row.merge_method.as_str()
                ],
            )
            .map_err(conflict_on_unique(slug_taken(&row.slug)))?;
            let id = tx.last_insert_rowid();
            audit::insert(tx, audit.target("project", id))?;
            find(tx, Viewer::All, id)?
                .ok_or_else(|| CoreError::Internal("inserted project vanished".into()))
        })
    }

    fn update_project(&self, id: i64, row: &ProjectRow, audit: NewAudit) -> CoreResult<Project> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE projects SET slug = ?2, name = ?3, repo_url = ?4, default_branch = ?5,
                     description = ?6, updated_at = ?7, isolation = ?8, setup_files = ?9,
                     setup_command = ?10, merge_method = ?11, session_host = ?12,
                     host_fallback = ?13 WHERE id = ?1",
                    params![
                        id,
                        row.slug,
                        row.name,
                        row.repo_url,
                        row.default_branch,
                        row.description,
                        Ts(now()),
                        row.workspace.isolation.as_str(),
                        json_text(&row.workspace.setup_files),
                        json_text(&row.workspace.setup_command),
                        row.merge_method.as_str(),
                        row.workspace.session_host,
                        row.workspace.host_fallback.as_str(),
                    ],
                )
                .map_err(conflict_on_unique(slug_taken(&row.slug)))?;
            if n == 0 {
                return Err(CoreError::not_found(format!("project {id}")));
            }
            audit::insert(tx, audit)?;
            find(tx, Viewer::All, id)?.ok_or_else(|| CoreError::not_found(format!("project {id}")))
        })
    }

    fn delete_project(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            // `sessions.project_id` is ON DELETE RESTRICT on purpose: a session's record
            // (who ran which agent on what, its worktree and report) outlives it. Say so
            // instead of failing on the foreign key.
            let sessions: i64 = tx
                .query_row(
                    "SELECT count(*) FROM sessions WHERE project_id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .map_err(internal)?;
            if sessions > 0 {
                return Err(CoreError::Conflict(format!(
                    "project {id} has {sessions} agent session(s) on record, which are kept \
                     as its history, so it cannot be deleted; keep it (remove its members and \
                     links to retire it), or delete a project that never had a session"
                )));
            }
            if tx
                .execute("DELETE FROM projects WHERE id = ?1", [id])
                .map_err(internal)?
                == 0
            {
                return Err(CoreError::not_found(format!("project {id}")));
            }
            audit::insert(tx, audit)
        })
    }

    fn list_project_members(&self, project_id: i64, page: PageQuery) -> CoreResult<Vec<Member>> {
        self.read(|c| list_members(c, "project_members", "project_id", project_id, page))
    }

    fn put_project_member(
        &self,
        project_id: i64,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<Member> {
        self.write(|tx| {
            put_member(
                tx,
                "project_members",
                "project_id",
                project_id,
                user_id,
                None,
                audit,
            )
        })
    }

    fn delete_project_member(
        &self,
        project_id: i64,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<()> {
        self.write(|tx| {
            delete_member(
                tx,
                "project_members",
                "project_id",
                project_id,
                user_id,
                audit,
            )
        })
    }
}
