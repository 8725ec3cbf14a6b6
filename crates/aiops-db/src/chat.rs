//! `chat_integrations` and their linked users (`chat_users`); what the pollers keep is in
//! `chat_state`. The bot token is stored only sealed (the core seals
//! it).

use aiops_core::chat::{ChatRecord, ChatRow, ChatStore};
use aiops_core::page::PageQuery;
use aiops_core::ports::{NewAudit, TokenWrite, Viewer};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{ChatIntegration, ChatUser, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::integrations::{VISIBLE, sealed, write_row_sealed};
use crate::time_text::now;
use crate::{Db, Ts, audit, conflict_on_unique, internal, parse_text};

const SELECT: &str = "SELECT g.id, g.tenant_id, t.slug, g.name, g.platform,
    g.token IS NOT NULL, g.api_url, g.enabled, g.allowed_chats, g.group_only, g.keyword,
    g.default_project_id, g.answer, g.ollama_url, g.model, g.answer_timeout_secs, g.health,
    g.last_event_at, g.created_at, g.updated_at, g.token, g.token_key_id,
    g.app_token IS NOT NULL, g.app_token, g.app_token_key_id, g.agent_user_id,
    g.context_ttl_secs, g.max_chats
    FROM chat_integrations g JOIN tenants t ON t.id = g.tenant_id";

/// The Slack app-level token's column pair (migration 0019).
const APP_TOKEN: [&str; 2] = ["app_token", "app_token_key_id"];

fn record(r: &Row<'_>) -> rusqlite::Result<ChatRecord> {
    let chats: String = r.get(8)?;
    Ok(ChatRecord {
        integration: ChatIntegration {
            id: r.get(0)?,
            tenant_id: r.get(1)?,
            tenant_slug: r.get(2)?,
            name: r.get(3)?,
            platform: parse_text(4, &r.get::<_, String>(4)?)?,
            has_token: r.get(5)?,
            socket_mode: r.get(22)?,
            api_url: r.get(6)?,
            enabled: r.get(7)?,
            allowed_chats: serde_json::from_str(&chats).unwrap_or_default(),
            group_only: r.get(9)?,
            keyword: r.get(10)?,
            default_project_id: r.get(11)?,
            answer: parse_text(12, &r.get::<_, String>(12)?)?,
            ollama_url: r.get(13)?,
            model: r.get(14)?,
            answer_timeout_secs: r.get(15)?,
            health: r.get(16)?,
            last_event_at: r.get::<_, Option<Ts>>(17)?.map(|t| t.0),
            created_at: r.get::<_, Ts>(18)?.0,
            updated_at: r.get::<_, Ts>(19)?.0,
            agent_user_id: r.get(25)?,
            context_ttl_secs: r.get(26)?,
            max_chats: r.get(27)?,
        },
        token: sealed(r.get(20)?, r.get(21)?),
        app_token: sealed(r.get(23)?, r.get(24)?),
    })
}

fn find(c: &Connection, viewer: Viewer, id: i64) -> CoreResult<Option<ChatRecord>> {
    let mut args = vec![Value::Integer(id)];
    let mut sql = format!("{SELECT} WHERE g.id = ?");
    if let Some(uid) = viewer.member_id() {
        sql.push_str(&format!(" AND {VISIBLE}"));
        args.push(Value::Integer(uid));
    }
    c.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_row(rusqlite::params_from_iter(args), record)
                .optional()
        })
        .map_err(internal)
}

fn duplicate(row: &ChatRow) -> impl Fn() -> String + '_ {
    move || {
        format!(
            "a chat integration named `{}` already exists in this tenant",
            row.name
        )
    }
}

fn chats_json(row: &ChatRow) -> String {
    serde_json::to_string(&row.allowed_chats).unwrap_or_else(|_| "[]".into())
}

fn chat_user(r: &Row<'_>) -> rusqlite::Result<ChatUser> {
    Ok(ChatUser {
        integration_id: r.get(0)?,
        platform_user_id: r.get(1)?,
        user_id: r.get(2)?,
        user_email: r.get(3)?,
        created_at: r.get::<_, Ts>(4)?.0,
    })
}

const USER_SELECT: &str = "SELECT c.integration_id, c.platform_user_id, c.user_id, u.email,
    c.created_at FROM chat_users c JOIN users u ON u.id = c.user_id";

impl ChatStore for Db {
    fn list_chat_integrations(
        &self,
        viewer: Viewer,
        tenant_id: Option<i64>,
        page: PageQuery,
    ) -> CoreResult<Vec<ChatIntegration>> {
        crate::integrations::tenant_rows(self, SELECT, viewer, tenant_id, page, |r| {
            record(r).map(|x| x.integration)
        })
    }

    fn chat_integration(&self, viewer: Viewer, id: i64) -> CoreResult<Option<ChatRecord>> {
        self.read(|c| find(c, viewer, id))
    }

    fn enabled_chat_integrations(&self) -> CoreResult<Vec<ChatRecord>> {
        self.read(|c| {
            let sql = format!("{SELECT} WHERE g.enabled = 1 AND g.token IS NOT NULL ORDER BY g.id");
            let mut st = c.prepare_cached(&sql).map_err(internal)?;
            let rows = st.query_map([], record).map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn insert_chat_integration(
        &self,
        row: &ChatRow,
        token: TokenWrite<'_>,
        app_token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<ChatIntegration> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO chat_integrations (tenant_id, name, platform, api_url, enabled,
                     allowed_chats, group_only, keyword, default_project_id, answer, ollama_url,
                     model, answer_timeout_secs, agent_user_id, context_ttl_secs, max_chats,
                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, ?17)",
                params![
                    row.tenant_id,
                    row.name,
                    row.platform.as_str(),
                    row.api_url,
                    row.enabled,
                    chats_json(row),
                    row.group_only,
                    row.keyword,
                    row.default_project_id,
                    row.answer.as_str(),
                    row.ollama_url,
                    row.model,
                    row.answer_timeout_secs,
                    row.agent_user_id,
                    row.context_ttl_secs,
                    row.max_chats,
                    Ts(now())
                ],
            )
            .map_err(conflict_on_unique(duplicate(row)))?;
            let id = tx.last_insert_rowid();
            write_row_sealed(
                tx,
                "chat_integrations",
                id,
                [(["token", "token_key_id"], token), (APP_TOKEN, app_token)],
            )?;
            audit::insert(tx, audit.target("chat_integration", id))?;
            find(tx, Viewer::All, id)?
                .map(|r| r.integration)
                .ok_or_else(|| CoreError::Internal("inserted chat integration vanished".into()))
        })
    }

    fn update_chat_integration(
        &self,
        id: i64,
        row: &ChatRow,
        token: TokenWrite<'_>,
        app_token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<ChatIntegration> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE chat_integrations SET name = ?2, api_url = ?3, enabled = ?4,
                         allowed_chats = ?5, group_only = ?6, keyword = ?7,
                         default_project_id = ?8, answer = ?9, ollama_url = ?10, model = ?11,
                         answer_timeout_secs = ?12, agent_user_id = ?13,
                         context_ttl_secs = ?14, max_chats = ?15, updated_at = ?16
                     WHERE id = ?1",
                    params![
                        id,
                        row.name,
                        row.api_url,
                        row.enabled,
                        chats_json(row),
                        row.group_only,
                        row.keyword,
                        row.default_project_id,
                        row.answer.as_str(),
                        row.ollama_url,
                        row.model,
                        row.answer_timeout_secs,
                        row.agent_user_id,
                        row.context_ttl_secs,
                        row.max_chats,
                        Ts(now())
                    ],
                )
                .map_err(conflict_on_unique(duplicate(row)))?;
            if n == 0 {
                return Err(CoreError::not_found(format!("chat integration {id}")));
            }
            write_row_sealed(
                tx,
                "chat_integrations",
                id,
                [(["token", "token_key_id"], token), (APP_TOKEN, app_token)],
            )?;
            audit::insert(tx, audit)?;
            find(tx, Viewer::All, id)?
                .map(|r| r.integration)
                .ok_or_else(|| CoreError::Internal("updated chat integration vanished".into()))
        })
    }

    fn delete_chat_integration(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute("DELETE FROM chat_integrations WHERE id = ?1", [id])
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("chat integration {id}")));
            }
            audit::insert(tx, audit)
        })
    }

    fn note_chat_health(
        &self,
        id: i64,
        health: &str,
        event_at: Option<Timestamp>,
    ) -> CoreResult<()> {
        let health = aiops_core::redact::redact(health).into_owned();
        self.write(|tx| {
            tx.execute(
                "UPDATE chat_integrations SET health = ?2,
                     last_event_at = COALESCE(?3, last_event_at) WHERE id = ?1",
                params![id, health, event_at.map(Ts)],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn map_chat_user(
        &self,
        integration_id: i64,
        platform_user_id: &str,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<ChatUser> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO chat_users (integration_id, platform_user_id, user_id, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (integration_id, platform_user_id)
                 DO UPDATE SET user_id = excluded.user_id, created_at = excluded.created_at",
                params![integration_id, platform_user_id, user_id, Ts(now())],
            )
            .map_err(internal)?;
            audit::insert(tx, audit)?;
            tx.query_row(
                &format!("{USER_SELECT} WHERE c.integration_id = ?1 AND c.platform_user_id = ?2"),
                params![integration_id, platform_user_id],
                chat_user,
            )
            .map_err(internal)
        })
    }

    fn unmap_chat_user(
        &self,
        integration_id: i64,
        platform_user_id: &str,
        audit: NewAudit,
    ) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM chat_users WHERE integration_id = ?1 AND platform_user_id = ?2",
                    params![integration_id, platform_user_id],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!(
                    "chat user {platform_user_id}"
                )));
            }
            audit::insert(tx, audit)
        })
    }

    fn list_chat_users(&self, integration_id: i64) -> CoreResult<Vec<ChatUser>> {
        self.read(|c| {
            let sql = format!("{USER_SELECT} WHERE c.integration_id = ?1 ORDER BY c.created_at");
            let mut st = c.prepare_cached(&sql).map_err(internal)?;
            let rows = st
                .query_map([integration_id], chat_user)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }
}
