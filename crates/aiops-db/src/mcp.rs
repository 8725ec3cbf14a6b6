//! `mcp_servers` and `project_mcp` (issue 21): MCP servers of a tenant's or a project's
//! sessions, their sealed secrets, and the per-project switch for aiops's own server.

use aiops_core::mcp::{McpServerRow, McpStore, NewMcpServerRow};
use aiops_core::ports::NewAudit;
use aiops_core::sealed::Sealed;
use aiops_core::{CoreError, CoreResult};
use aiops_types::McpServer;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, audit, conflict_on_unique, internal};

const COLUMNS: &str = "id, tenant_id, project_id, name, command, url, env_names, header_name, \
                       created_at, secrets, key_id";

fn list_of(text: String) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn row(r: &Row<'_>) -> rusqlite::Result<McpServerRow> {
    let secrets = match (
        r.get::<_, Option<Vec<u8>>>(9)?,
        r.get::<_, Option<String>>(10)?,
    ) {
        (Some(blob), Some(key_id)) => Some(Sealed { key_id, blob }),
        _ => None,
    };
    Ok(McpServerRow {
        server: McpServer {
            id: r.get(0)?,
            tenant_id: r.get(1)?,
            project_id: r.get(2)?,
            name: r.get(3)?,
            command: list_of(r.get(4)?)?,
            url: r.get(5)?,
            env: list_of(r.get(6)?)?,
            header: r.get(7)?,
            created_at: r.get::<_, Ts>(8)?.0,
        },
        secrets,
    })
}

fn find(c: &Connection, id: i64) -> CoreResult<Option<McpServerRow>> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM mcp_servers WHERE id = ?1"))
        .and_then(|mut st| st.query_row([id], row).optional())
        .map_err(internal)
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

impl McpStore for Db {
    fn mcp_servers(&self, tenant_id: i64, project: Option<i64>) -> CoreResult<Vec<McpServerRow>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM mcp_servers WHERE tenant_id = ?1
                     AND (?2 IS NULL OR project_id IS NULL OR project_id = ?2)
                     ORDER BY name, id"
                ))
                .map_err(internal)?;
            let rows = st
                .query_map(params![tenant_id, project], row)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn mcp_server(&self, id: i64) -> CoreResult<Option<McpServerRow>> {
        self.read(|c| find(c, id))
    }

    fn insert_mcp_server(&self, r: NewMcpServerRow, audit: NewAudit) -> CoreResult<McpServerRow> {
        self.write(|tx| {
            let (blob, key_id) = match &r.secrets {
                Some(s) => (Some(s.blob.clone()), Some(s.key_id.clone())),
                None => (None, None),
            };
            tx.execute(
                "INSERT INTO mcp_servers (tenant_id, project_id, name, command, url, env_names,
                     header_name, secrets, key_id, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    r.tenant_id,
                    r.project_id,
                    r.name,
                    json(&r.command),
                    r.url,
                    json(&r.env_names),
                    r.header,
                    blob,
                    key_id,
                    r.created_by,
                    Ts(now())
                ],
            )
            .map_err(conflict_on_unique(|| {
                format!("an MCP server named `{}` exists there already", r.name)
            }))?;
            let id = tx.last_insert_rowid();
            audit::insert(tx, audit.target("mcp_server", id))?;
            find(tx, id)?.ok_or_else(|| CoreError::Internal("the new MCP server is gone".into()))
        })
    }

    fn delete_mcp_server(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM mcp_servers WHERE id = ?1", [id])
                .map_err(internal)?;
            audit::insert(tx, audit)
        })
    }

    fn project_mcp(&self, project_id: i64) -> CoreResult<Option<bool>> {
        self.read(|c| {
            c.prepare_cached("SELECT aiops FROM project_mcp WHERE project_id = ?1")
                .and_then(|mut st| {
                    st.query_row([project_id], |r| r.get::<_, bool>(0))
                        .optional()
                })
                .map_err(internal)
        })
    }

    fn set_project_mcp(&self, project_id: i64, aiops: bool, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO project_mcp (project_id, aiops) VALUES (?1, ?2)
                 ON CONFLICT (project_id) DO UPDATE SET aiops = excluded.aiops",
                params![project_id, aiops],
            )
            .map_err(internal)?;
            audit::insert(tx, audit)
        })
    }
}
