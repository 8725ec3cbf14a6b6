//! What chat pollers keep between events and across restarts: `chat_processed`,
//! `chat_previews`, `chat_cursors`, `chat_contexts` (the agent's per-chat context) and
//! `chat_session_watches` (sessions started from a chat).

use aiops_core::CoreResult;
use aiops_core::chat::state::{ChatContext, ChatState, NewPreview, Preview, SessionWatch};
use aiops_types::{SessionState, Timestamp};
use rusqlite::{OptionalExtension, Row, params};

use crate::{Db, Ts, internal, parse_text};

const CONTEXT: &str = "SELECT chat_id, conversation_id, workspace, started_at, last_used_at
    FROM chat_contexts";

fn context(r: &Row<'_>) -> rusqlite::Result<ChatContext> {
    Ok(ChatContext {
        chat_id: r.get(0)?,
        conversation_id: r.get(1)?,
        workspace: r.get(2)?,
        started_at: r.get::<_, Ts>(3)?.0,
        last_used_at: r.get::<_, Ts>(4)?.0,
    })
}

fn preview(r: &Row<'_>) -> rusqlite::Result<Preview> {
    Ok(Preview {
        id: r.get(0)?,
        message_id: r.get(1)?,
        new: NewPreview {
            integration_id: r.get(2)?,
            chat_id: r.get(3)?,
            platform_user_id: r.get(4)?,
            user_id: r.get(5)?,
            project_id: r.get(6)?,
            title: r.get(7)?,
            description: r.get(8)?,
            created_at: r.get::<_, Ts>(9)?.0,
            expires_at: r.get::<_, Ts>(10)?.0,
        },
    })
}

impl ChatState for Db {
    fn chat_user(&self, integration_id: i64, platform_user_id: &str) -> CoreResult<Option<i64>> {
        self.read(|c| {
            c.query_row(
                "SELECT user_id FROM chat_users WHERE integration_id = ?1 AND platform_user_id = ?2",
                params![integration_id, platform_user_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(internal)
        })
    }

    fn mark_chat_processed(
        &self,
        integration_id: i64,
        event_key: &str,
        at: Timestamp,
    ) -> CoreResult<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "INSERT INTO chat_processed (integration_id, event_key, processed_at)
                     VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    params![integration_id, event_key, Ts(at)],
                )
                .map_err(internal)?;
            Ok(n == 1)
        })
    }

    fn insert_chat_preview(&self, p: &NewPreview) -> CoreResult<i64> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO chat_previews (integration_id, chat_id, platform_user_id, user_id,
                     project_id, title, description, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    p.integration_id,
                    p.chat_id,
                    p.platform_user_id,
                    p.user_id,
                    p.project_id,
                    p.title,
                    p.description,
                    Ts(p.created_at),
                    Ts(p.expires_at)
                ],
            )
            .map_err(internal)?;
            Ok(tx.last_insert_rowid())
        })
    }

    fn set_chat_preview_message(&self, id: i64, message_id: &str) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE chat_previews SET message_id = ?2 WHERE id = ?1",
                params![id, message_id],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn chat_preview(&self, integration_id: i64, id: i64) -> CoreResult<Option<Preview>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, message_id, integration_id, chat_id, platform_user_id, user_id,
                     project_id, title, description, created_at, expires_at
                 FROM chat_previews WHERE id = ?1 AND integration_id = ?2",
                params![id, integration_id],
                preview,
            )
            .optional()
            .map_err(internal)
        })
    }

    fn take_chat_preview(&self, integration_id: i64, id: i64) -> CoreResult<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM chat_previews WHERE id = ?1 AND integration_id = ?2",
                    params![id, integration_id],
                )
                .map_err(internal)?;
            Ok(n == 1)
        })
    }

    fn purge_chat_state(&self, now: Timestamp, keep_before: Timestamp) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM chat_previews WHERE expires_at < ?1", [Ts(now)])
                .map_err(internal)?;
            tx.execute(
                "DELETE FROM chat_processed WHERE processed_at < ?1",
                [Ts(keep_before)],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn chat_cursor(&self, integration_id: i64, scope: &str) -> CoreResult<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT cursor FROM chat_cursors WHERE integration_id = ?1 AND scope = ?2",
                params![integration_id, scope],
                |r| r.get(0),
            )
            .optional()
            .map_err(internal)
        })
    }

    fn set_chat_cursor(&self, integration_id: i64, scope: &str, cursor: &str) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO chat_cursors (integration_id, scope, cursor) VALUES (?1, ?2, ?3)
                 ON CONFLICT (integration_id, scope) DO UPDATE SET cursor = excluded.cursor",
                params![integration_id, scope, cursor],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn chat_context(&self, integration_id: i64, chat_id: &str) -> CoreResult<Option<ChatContext>> {
        self.read(|c| {
            c.query_row(
                &format!("{CONTEXT} WHERE integration_id = ?1 AND chat_id = ?2"),
                params![integration_id, chat_id],
                context,
            )
            .optional()
            .map_err(internal)
        })
    }

    fn save_chat_context(&self, integration_id: i64, x: &ChatContext) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO chat_contexts (integration_id, chat_id, conversation_id, workspace,
                     started_at, last_used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (integration_id, chat_id) DO UPDATE SET
                     conversation_id = excluded.conversation_id, workspace = excluded.workspace,
                     started_at = excluded.started_at, last_used_at = excluded.last_used_at",
                params![
                    integration_id,
                    x.chat_id,
                    x.conversation_id,
                    x.workspace,
                    Ts(x.started_at),
                    Ts(x.last_used_at)
                ],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn delete_chat_context(&self, integration_id: i64, chat_id: &str) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM chat_contexts WHERE integration_id = ?1 AND chat_id = ?2",
                params![integration_id, chat_id],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn count_chat_contexts(&self, integration_id: i64, since: Timestamp) -> CoreResult<u32> {
        self.read(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM chat_contexts
                 WHERE integration_id = ?1 AND last_used_at >= ?2",
                params![integration_id, Ts(since)],
                |r| r.get(0),
            )
            .map_err(internal)
        })
    }

    fn stale_chat_contexts(
        &self,
        integration_id: i64,
        before: Timestamp,
    ) -> CoreResult<Vec<ChatContext>> {
        self.read(|c| {
            let sql = format!("{CONTEXT} WHERE integration_id = ?1 AND last_used_at < ?2");
            let mut st = c.prepare_cached(&sql).map_err(internal)?;
            let rows = st
                .query_map(params![integration_id, Ts(before)], context)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn watch_chat_session(&self, integration_id: i64, w: &SessionWatch) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO chat_session_watches (integration_id, session_id, chat_id, reply_to,
                     state)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (integration_id, session_id) DO UPDATE SET
                     chat_id = excluded.chat_id, reply_to = excluded.reply_to,
                     state = excluded.state",
                params![
                    integration_id,
                    w.session_id,
                    w.chat_id,
                    w.reply_to,
                    w.state.as_str()
                ],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn chat_session_watches(&self, integration_id: i64) -> CoreResult<Vec<SessionWatch>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT session_id, chat_id, reply_to, state FROM chat_session_watches
                     WHERE integration_id = ?1 ORDER BY session_id",
                )
                .map_err(internal)?;
            let rows = st
                .query_map([integration_id], |r| {
                    Ok(SessionWatch {
                        session_id: r.get(0)?,
                        chat_id: r.get(1)?,
                        reply_to: r.get(2)?,
                        state: parse_text(3, &r.get::<_, String>(3)?)?,
                    })
                })
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn set_chat_watch_state(
        &self,
        integration_id: i64,
        session_id: i64,
        state: SessionState,
    ) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE chat_session_watches SET state = ?3
                 WHERE integration_id = ?1 AND session_id = ?2",
                params![integration_id, session_id, state.as_str()],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn end_chat_watch(&self, integration_id: i64, session_id: i64) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM chat_session_watches WHERE integration_id = ?1 AND session_id = ?2",
                params![integration_id, session_id],
            )
            .map_err(internal)?;
            Ok(())
        })
    }
}
