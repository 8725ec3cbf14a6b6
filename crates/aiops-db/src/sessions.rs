//! `sessions`, their session-scoped keys, and the `events` log. Every state change
//! appends a `session.state` event in the same transaction, so the stream never misses
//! or invents a change; ending a session revokes its keys in that transaction too.

use aiops_core::page::PageQuery;
use aiops_core::ports::{
    NewApiKeyRow, NewAudit, NewEvent, NewSessionRow, SessionFilter, SessionStore, StateChange,
    Viewer,
};
use aiops_core::sessions::names::tmux_session_name;
use aiops_core::{CoreError, CoreResult};
use aiops_types::{Event, Session};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::time_text::now;
use crate::{Db, Ts, audit, internal, parse_text};

const SELECT: &str = "SELECT s.id, s.user_id, u.email, s.project_id, s.issue_id, i.title, s.tool,
    s.yolo, s.prompt, s.state, s.exit_code, s.detail, s.branch, s.worktree_path, s.tmux_name,
    s.created_at, s.updated_at, s.ended_at, s.sandbox, s.host_name,
    h.unreachable_since IS NOT NULL
    FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN issues i ON i.id = s.issue_id
    LEFT JOIN hosts h ON h.id = s.host_id";

fn session(r: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        user_id: r.get(1)?,
        user: r.get(2)?,
        project_id: r.get(3)?,
        issue_id: r.get(4)?,
        issue_title: r.get(5)?,
        tool: r.get(6)?,
        yolo: r.get(7)?,
        sandbox: r.get(18)?,
        host: r.get(19)?,
        host_unreachable: r.get(20)?,
        prompt: r.get(8)?,
        state: parse_text(9, &r.get::<_, String>(9)?)?,
        exit_code: r.get(10)?,
        detail: r.get(11)?,
        branch: r.get(12)?,
        worktree_path: r.get(13)?,
        tmux_target: format!("={}", r.get::<_, String>(14)?),
        created_at: r.get::<_, Ts>(15)?.0,
        updated_at: r.get::<_, Ts>(16)?.0,
        ended_at: r.get::<_, Option<Ts>>(17)?.map(|t| t.0),
    })
}

fn find(c: &Connection, viewer: Viewer, id: i64) -> CoreResult<Option<Session>> {
    c.prepare_cached(&format!(
        "{SELECT} WHERE s.id = ?1 AND (?2 IS NULL OR s.user_id = ?2)"
    ))
    .and_then(|mut st| {
        st.query_row(params![id, viewer.member_id()], session)
            .optional()
    })
    .map_err(internal)
}

fn must_find(c: &Connection, id: i64) -> CoreResult<Session> {
    find(c, Viewer::All, id)?.ok_or_else(|| CoreError::not_found(format!("session {id}")))
}

fn insert_key(tx: &Transaction<'_>, session_id: i64, key: &NewApiKeyRow) -> CoreResult<()> {
    crate::api_keys::insert_row(tx, key, Some(session_id)).map_err(internal)?;
    Ok(())
}

fn revoke_keys(tx: &Transaction<'_>, session_id: i64) -> CoreResult<()> {
    tx.execute(
        "UPDATE api_keys SET revoked_at = ?2 WHERE session_id = ?1 AND revoked_at IS NULL",
        params![session_id, Ts(now())],
    )
    .map_err(internal)?;
    Ok(())
}

pub(crate) fn insert_event(c: &Connection, e: &NewEvent) -> CoreResult<i64> {
    c.execute(
        "INSERT INTO events (at, kind, tenant_id, project_id, user_id, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            Ts(now()),
            e.kind,
            e.tenant_id,
            e.project_id,
            e.user_id,
            e.payload.to_string()
        ],
    )
    .map_err(internal)?;
    Ok(c.last_insert_rowid())
}

/// The `session.state` event of `s`, visible to its owner (and admins).
fn emit(tx: &Transaction<'_>, s: &Session) -> CoreResult<()> {
    let tenant_id: Option<i64> = tx
        .query_row(
            "SELECT tenant_id FROM projects WHERE id = ?1",
            [s.project_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(internal)?;
    let payload = serde_json::to_value(s).map_err(|e| CoreError::Internal(e.to_string()))?;
    insert_event(
        tx,
        &NewEvent {
            kind: "session.state".to_owned(),
            tenant_id,
            project_id: Some(s.project_id),
            user_id: Some(s.user_id),
            payload,
        },
    )?;
    Ok(())
}

fn event(r: &Row<'_>) -> rusqlite::Result<Event> {
    let payload: String = r.get(3)?;
    Ok(Event {
        id: r.get(0)?,
        kind: r.get(1)?,
        at: r.get::<_, Ts>(2)?.0,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
    })
}

impl SessionStore for Db {
    fn insert_session(
        &self,
        row: &NewSessionRow,
        key: &NewApiKeyRow,
        audit: NewAudit,
    ) -> CoreResult<Session> {
        self.write(|tx| {
            let at = Ts(now());
            // The tmux name needs the id: insert with a placeholder no name can take (`:`
            // is outside the tmux-safe alphabet), then name the row.
            tx.execute(
                "INSERT INTO sessions (user_id, project_id, issue_id, tool, yolo, prompt, state,
                    branch, worktree_path, tmux_name, created_at, updated_at, sandbox, host_id,
                    host_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'starting', ?7, ?8, ':' || random(), ?9, ?9,
                    ?10, ?11, ?12)",
                params![
                    row.user_id,
                    row.project_id,
                    row.issue_id,
                    row.tool,
                    row.yolo,
                    row.prompt,
                    row.branch,
                    row.worktree_path,
                    at,
                    row.sandbox,
                    row.host_id,
                    row.host_name
                ],
            )
            .map_err(internal)?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "UPDATE sessions SET tmux_name = ?2 WHERE id = ?1",
                params![id, tmux_session_name(id, &row.name_hint)],
            )
            .map_err(internal)?;
            insert_key(tx, id, key)?;
            tx.execute(
                "UPDATE users SET last_tool = ?2 WHERE id = ?1",
                params![row.user_id, row.tool],
            )
            .map_err(internal)?;
            audit::insert(tx, audit.target("session", id))?;
            let s = must_find(tx, id)?;
            emit(tx, &s)?;
            Ok(s)
        })
    }

    fn session(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Session>> {
        self.read(|c| find(c, viewer, id))
    }

    fn list_sessions(&self, f: &SessionFilter, page: PageQuery) -> CoreResult<Vec<Session>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "{SELECT} WHERE (?1 IS NULL OR s.user_id = ?1)
                     AND (?2 = 0 OR s.state IN ('starting', 'running', 'waiting'))
                     AND (?3 IS NULL OR s.issue_id = ?3)
                     AND s.id < ifnull(?4, 9223372036854775807)
                     AND (?6 IS NULL OR s.project_id = ?6)
                     ORDER BY s.id DESC LIMIT ?5"
                ))
                .map_err(internal)?;
            let rows = st
                .query_map(
                    params![
                        f.user_id,
                        f.live,
                        f.issue_id,
                        page.after,
                        page.fetch(),
                        f.project_id
                    ],
                    session,
                )
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn live_session_for(
        &self,
        user_id: i64,
        issue_id: i64,
        tool: &str,
    ) -> CoreResult<Option<Session>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "{SELECT} WHERE s.user_id = ?1 AND s.issue_id = ?2 AND s.tool = ?3
                 AND s.state IN ('starting', 'running', 'waiting') ORDER BY s.id DESC LIMIT 1"
            ))
            .and_then(|mut st| {
                st.query_row(params![user_id, issue_id, tool], session)
                    .optional()
            })
            .map_err(internal)
        })
    }

    fn count_live_sessions(&self, user_id: i64) -> CoreResult<u64> {
        self.read(|c| {
            c.query_row(
                "SELECT count(*) FROM sessions
                 WHERE user_id = ?1 AND state IN ('starting', 'running', 'waiting')",
                [user_id],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(internal)
        })
    }

    fn set_session_state(
        &self,
        id: i64,
        change: &StateChange<'_>,
        audit: Option<NewAudit>,
    ) -> CoreResult<Session> {
        self.write(|tx| {
            let current = must_find(tx, id)?;
            if !change.from.contains(&current.state) {
                return Err(CoreError::Conflict(format!(
                    "session {id} is {}; it cannot become {}",
                    current.state.as_str(),
                    change.to.as_str()
                )));
            }
            let at = Ts(now());
            let ended = !change.to.is_live();
            tx.execute(
                "UPDATE sessions SET state = ?2, exit_code = ?3, detail = ifnull(?4, ''),
                    updated_at = ?5, ended_at = CASE WHEN ?6 THEN ?5 ELSE NULL END
                 WHERE id = ?1",
                params![
                    id,
                    change.to.as_str(),
                    change.exit_code,
                    change.detail,
                    at,
                    ended
                ],
            )
            .map_err(internal)?;
            if ended {
                revoke_keys(tx, id)?;
            }
            if let Some(a) = audit {
                audit::insert(tx, a)?;
            }
            let s = must_find(tx, id)?;
            emit(tx, &s)?;
            Ok(s)
        })
    }

    fn restart_session(&self, id: i64, key: &NewApiKeyRow, audit: NewAudit) -> CoreResult<Session> {
        self.write(|tx| {
            must_find(tx, id)?;
            revoke_keys(tx, id)?;
            tx.execute(
                "UPDATE sessions SET state = 'starting', exit_code = NULL, detail = '',
                    updated_at = ?2, ended_at = NULL WHERE id = ?1",
                params![id, Ts(now())],
            )
            .map_err(internal)?;
            insert_key(tx, id, key)?;
            audit::insert(tx, audit)?;
            let s = must_find(tx, id)?;
            emit(tx, &s)?;
            Ok(s)
        })
    }

    fn insert_event(&self, event: &NewEvent) -> CoreResult<i64> {
        self.write(|tx| insert_event(tx, event))
    }

    fn events_after(&self, viewer: Viewer, after: i64, limit: u32) -> CoreResult<Vec<Event>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT e.id, e.kind, e.at, e.payload FROM events e
                     WHERE e.id > ?1 AND (?2 IS NULL
                        OR e.user_id = ?2
                        OR (e.user_id IS NULL AND e.project_id IS NOT NULL AND (
                            EXISTS (SELECT 1 FROM project_members m
                                    WHERE m.project_id = e.project_id AND m.user_id = ?2)
                            OR EXISTS (SELECT 1 FROM tenant_members m JOIN projects p
                                    ON p.tenant_id = m.tenant_id
                                    WHERE p.id = e.project_id AND m.user_id = ?2)))
                        OR (e.user_id IS NULL AND e.project_id IS NULL AND e.tenant_id IS NOT NULL
                            AND EXISTS (SELECT 1 FROM tenant_members m
                                    WHERE m.tenant_id = e.tenant_id AND m.user_id = ?2)))
                     ORDER BY e.id LIMIT ?3",
                )
                .map_err(internal)?;
            let rows = st
                .query_map(params![after, viewer.member_id(), limit], event)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn prune_events(&self, keep: i64) -> CoreResult<usize> {
        // Most ticks have nothing to prune: a read then, not a write (a write would also
        // end the API-key cache's generation).
        let (oldest, newest): (i64, i64) = self.read(|c| {
            c.query_row(
                "SELECT ifnull(min(id), 0), ifnull(max(id), 0) FROM events",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(internal)
        })?;
        if newest - oldest < keep {
            return Ok(0);
        }
        // Ids only grow, so "all but the newest N" is a primary-key range.
        self.write(|tx| {
            tx.execute(
                "DELETE FROM events WHERE id <= (SELECT ifnull(max(id), 0) FROM events) - ?1",
                [keep],
            )
            .map_err(internal)
        })
    }

    fn last_event_id(&self) -> CoreResult<i64> {
        self.read(|c| {
            c.query_row("SELECT ifnull(max(id), 0) FROM events", [], |r| r.get(0))
                .map_err(internal)
        })
    }
}
