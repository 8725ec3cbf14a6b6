//! `agent_instructions`: the global agent instructions, one row per version.

use aiops_core::page::PageQuery;
use aiops_core::ports::{AgentStore, NewAudit};
use aiops_core::{CoreError, CoreResult};
use aiops_types::AgentInstructions;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, audit, internal};

const COLUMNS: &str = "version, body, author, note, created_at";

fn row(r: &Row<'_>) -> rusqlite::Result<AgentInstructions> {
    Ok(AgentInstructions {
        version: r.get(0)?,
        body: r.get(1)?,
        author: r.get(2)?,
        note: r.get(3)?,
        created_at: Some(r.get::<_, Ts>(4)?.0),
    })
}

fn find(c: &Connection, version: Option<i64>) -> CoreResult<Option<AgentInstructions>> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM agent_instructions
         WHERE version = coalesce(?1, (SELECT max(version) FROM agent_instructions))"
    ))
    .and_then(|mut st| st.query_row([version], row).optional())
    .map_err(internal)
}

impl AgentStore for Db {
    fn agent_instructions(&self, version: Option<i64>) -> CoreResult<Option<AgentInstructions>> {
        self.read(|c| find(c, version))
    }

    fn list_agent_instructions(&self, page: PageQuery) -> CoreResult<Vec<AgentInstructions>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM agent_instructions WHERE version < ifnull(?1, 9223372036854775807)
                     ORDER BY version DESC LIMIT ?2"
                ))
                .map_err(internal)?;
            let rows = st
                .query_map(params![page.after, page.fetch()], row)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn append_agent_instructions(
        &self,
        body: &str,
        note: &str,
        base_version: Option<i64>,
        audit: NewAudit,
    ) -> CoreResult<AgentInstructions> {
        self.write(|tx| {
            let current: i64 = tx
                .query_row("SELECT ifnull(max(version), 0) FROM agent_instructions", [], |r| {
                    r.get(0)
                })
                .map_err(internal)?;
            if let Some(base) = base_version
                && base != current
            {
                return Err(CoreError::Conflict(format!(
                    "the instructions changed since version {base} (now version {current}); reload and edit again"
                )));
            }
            tx.execute(
                "INSERT INTO agent_instructions (version, body, author_user_id, author, note, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![current + 1, body, audit.actor_user_id, audit.actor, note, Ts(now())],
            )
            .map_err(internal)?;
            audit::insert(tx, audit.target("agent_instructions", current + 1))?;
            find(tx, Some(current + 1))?
                .ok_or_else(|| CoreError::Internal("appended version vanished".into()))
        })
    }
}
