//! `tools`: what `--tool <name>` starts (JSON columns hold argv lists and the env map),
//! and `tool_credentials`: each user's sealed keys for the agents.

use aiops_core::ports::{NewAudit, ToolStore};
use aiops_core::sealed::Sealed;
use aiops_core::{CoreError, CoreResult};
use aiops_types::{PutTool, Tool, ToolCredential, ToolCredentialKind};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, audit, internal, json_list, json_text, parse_text};

const SELECT: &str =
    "SELECT name, command, args, yolo_args, env, prompt, hooks, builtin, kind FROM tools";

fn tool(r: &Row<'_>) -> rusqlite::Result<Tool> {
    let env: String = r.get(4)?;
    Ok(Tool {
        name: r.get(0)?,
        command: r.get(1)?,
        args: json_list(r, 2)?,
        yolo_args: json_list(r, 3)?,
        env: serde_json::from_str(&env).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
        })?,
        prompt: r.get(5)?,
        hooks: r.get(6)?,
        builtin: r.get(7)?,
        installed: false,
        kind: r.get(8)?,
    })
}

fn find(c: &Connection, name: &str) -> CoreResult<Option<Tool>> {
    c.prepare_cached(&format!("{SELECT} WHERE name = ?1"))
        .and_then(|mut st| st.query_row([name], tool).optional())
        .map_err(internal)
}

impl ToolStore for Db {
    fn tools(&self) -> CoreResult<Vec<Tool>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!("{SELECT} ORDER BY builtin DESC, name"))
                .map_err(internal)?;
            let rows = st.query_map([], tool).map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn tool(&self, name: &str) -> CoreResult<Option<Tool>> {
        self.read(|c| find(c, name))
    }

    fn put_tool(&self, name: &str, t: &PutTool, audit: NewAudit) -> CoreResult<Tool> {
        self.write(|tx| {
            let env =
                serde_json::to_string(&t.env).map_err(|e| CoreError::Internal(e.to_string()))?;
            tx.execute(
                "INSERT INTO tools (name, command, args, yolo_args, env, prompt, hooks, updated_at,
                    kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (name) DO UPDATE SET command = ?2, args = ?3, yolo_args = ?4,
                    env = ?5, prompt = ?6, hooks = ?7, updated_at = ?8, kind = ?9",
                params![
                    name,
                    t.command,
                    json_text(&t.args),
                    json_text(&t.yolo_args),
                    env,
                    t.prompt.as_deref().unwrap_or("none"),
                    t.hooks.as_deref().unwrap_or("none"),
                    Ts(now()),
                    t.kind.as_deref().unwrap_or("generic")
                ],
            )
            .map_err(internal)?;
            audit::insert(tx, audit)?;
            find(tx, name)?.ok_or_else(|| CoreError::Internal("stored tool vanished".into()))
        })
    }

    fn tool_credentials(&self, user_id: i64) -> CoreResult<Vec<ToolCredential>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT kind, updated_at FROM tool_credentials WHERE user_id = ?1 ORDER BY kind",
                )
                .map_err(internal)?;
            let rows = st.query_map([user_id], credential).map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn sealed_tool_credentials(
        &self,
        user_id: i64,
    ) -> CoreResult<Vec<(ToolCredentialKind, Sealed)>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT kind, sealed, key_id FROM tool_credentials WHERE user_id = ?1",
                )
                .map_err(internal)?;
            let rows = st
                .query_map([user_id], |r| {
                    Ok((
                        parse_text(0, &r.get::<_, String>(0)?)?,
                        Sealed {
                            blob: r.get(1)?,
                            key_id: r.get(2)?,
                        },
                    ))
                })
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn put_tool_credential(
        &self,
        user_id: i64,
        kind: ToolCredentialKind,
        sealed: &Sealed,
        audit: NewAudit,
    ) -> CoreResult<ToolCredential> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tool_credentials (user_id, kind, sealed, key_id, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (user_id, kind) DO UPDATE SET sealed = ?3, key_id = ?4, updated_at = ?5",
                params![user_id, kind.as_str(), sealed.blob, sealed.key_id, Ts(now())],
            )
            .map_err(internal)?;
            audit::insert(tx, audit)?;
            find_credential(tx, user_id, kind)?
                .ok_or_else(|| CoreError::Internal("stored credential vanished".into()))
        })
    }

    fn delete_tool_credential(
        &self,
        user_id: i64,
        kind: ToolCredentialKind,
        audit: NewAudit,
    ) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM tool_credentials WHERE user_id = ?1 AND kind = ?2",
                    params![user_id, kind.as_str()],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!(
                    "credential {}",
                    kind.as_str()
                )));
            }
            audit::insert(tx, audit)
        })
    }

    fn delete_tool(&self, name: &str, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let builtin: Option<bool> = tx
                .query_row("SELECT builtin FROM tools WHERE name = ?1", [name], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(internal)?;
            match builtin {
                None => Err(CoreError::not_found(format!("tool `{name}`"))),
                Some(true) => Err(CoreError::Conflict(format!(
                    "`{name}` is built in; change it instead of deleting it"
                ))),
                Some(false) => {
                    tx.execute("DELETE FROM tools WHERE name = ?1", [name])
                        .map_err(internal)?;
                    audit::insert(tx, audit)
                }
            }
        })
    }
}

fn credential(r: &Row<'_>) -> rusqlite::Result<ToolCredential> {
    Ok(ToolCredential {
        kind: parse_text(0, &r.get::<_, String>(0)?)?,
        updated_at: r.get::<_, Ts>(1)?.0,
    })
}

fn find_credential(
    c: &Connection,
    user_id: i64,
    kind: ToolCredentialKind,
) -> CoreResult<Option<ToolCredential>> {
    c.prepare_cached(
        "SELECT kind, updated_at FROM tool_credentials WHERE user_id = ?1 AND kind = ?2",
    )
    .and_then(|mut st| {
        st.query_row(params![user_id, kind.as_str()], credential)
            .optional()
    })
    .map_err(internal)
}
