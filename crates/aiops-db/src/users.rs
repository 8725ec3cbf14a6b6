//! `users`: accounts with argon2id password hashes.

use aiops_core::page::PageQuery;
use aiops_core::ports::{NewAudit, NewUserRow, UserRecord, UserRow, UserStore};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{Preferences, Role, User};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, audit, conflict_on_unique, internal};

const COLUMNS: &str =
    "id, email, name, role, disabled, created_at, updated_at, password_hash, tool_home";

pub(crate) fn role_from(s: &str) -> rusqlite::Result<Role> {
    crate::parse_text(3, s)
}

/// Reads a user from columns `offset..offset+9` in [`COLUMNS`] order.
pub(crate) fn record_at(row: &Row<'_>, o: usize) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        user: User {
            id: row.get(o)?,
            email: row.get(o + 1)?,
            name: row.get(o + 2)?,
            role: role_from(&row.get::<_, String>(o + 3)?)?,
            disabled: row.get(o + 4)?,
            created_at: row.get::<_, Ts>(o + 5)?.0,
            updated_at: row.get::<_, Ts>(o + 6)?.0,
            tool_home: row.get(o + 8)?,
        },
        password_hash: row.get(o + 7)?,
    })
}

/// The user columns prefixed with a table alias, for joins.
pub(crate) fn columns(alias: &str) -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn by_id(c: &Connection, id: i64) -> CoreResult<Option<UserRecord>> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"))
        .and_then(|mut st| st.query_row([id], |r| record_at(r, 0)).optional())
        .map_err(internal)
}

fn insert(c: &Connection, row: &NewUserRow, audit: NewAudit) -> CoreResult<User> {
    let t = Ts(now());
    c.execute(
        "INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![row.email, row.name, row.role.as_str(), row.password_hash, t],
    )
    .map_err(conflict_on_unique(|| {
        format!("a user with email {} already exists", row.email)
    }))?;
    let id = c.last_insert_rowid();
    audit::insert(c, audit.target("user", id))?;
    Ok(by_id(c, id)?
        .ok_or_else(|| CoreError::Internal("inserted user vanished".into()))?
        .user)
}

impl UserStore for Db {
    fn count_users(&self) -> CoreResult<u64> {
        self.read(|c| {
            c.query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(internal)
        })
    }

    fn user_by_email(&self, email: &str) -> CoreResult<Option<UserRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE email = ?1"))
                .and_then(|mut st| st.query_row([email], |r| record_at(r, 0)).optional())
                .map_err(internal)
        })
    }

    fn user_by_id(&self, id: i64) -> CoreResult<Option<UserRecord>> {
        self.read(|c| by_id(c, id))
    }

    fn list_users(&self, page: PageQuery) -> CoreResult<Vec<User>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM users WHERE id > ifnull(?1, 0) ORDER BY id LIMIT ?2"
                ))
                .map_err(internal)?;
            let rows = st
                .query_map(params![page.after, page.fetch()], |r| {
                    record_at(r, 0).map(|u| u.user)
                })
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn insert_user(&self, row: &NewUserRow, audit: NewAudit) -> CoreResult<User> {
        self.write(|tx| insert(tx, row, audit))
    }

    fn insert_first_admin(
        &self,
        row: &NewUserRow,
        setup_digest: &[u8],
        audit: NewAudit,
    ) -> CoreResult<User> {
        let denied =
            || CoreError::Unauthorized("the setup link is invalid or was already used".into());
        self.write(|tx| {
            let users: i64 = tx
                .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
                .map_err(internal)?;
            let stored: Option<String> = tx
                .query_row(
                    "SELECT value FROM settings WHERE key = ?1",
                    [aiops_core::auth::SETUP_TOKEN_KEY],
                    |r| r.get(0),
                )
                .optional()
                .map_err(internal)?;
            let given = aiops_core::auth::hex(setup_digest);
            let matches = stored.is_some_and(|s| aiops_core::secrets::tokens_equal(&s, &given));
            if users > 0 || !matches {
                return Err(denied());
            }
            tx.execute(
                "DELETE FROM settings WHERE key = ?1",
                [aiops_core::auth::SETUP_TOKEN_KEY],
            )
            .map_err(internal)?;
            insert(tx, row, audit)
        })
    }

    fn update_user(&self, id: i64, row: &UserRow, audit: NewAudit) -> CoreResult<User> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE users SET name = ?2, role = ?3, disabled = ?4, updated_at = ?5,
                        tool_home = ?6 WHERE id = ?1",
                    params![
                        id,
                        row.name,
                        row.role.as_str(),
                        row.disabled,
                        Ts(now()),
                        row.tool_home
                    ],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("user {id}")));
            }
            if row.disabled {
                tx.execute("DELETE FROM web_sessions WHERE user_id = ?1", [id])
                    .map_err(internal)?;
            }
            audit::insert(tx, audit)?;
            Ok(by_id(tx, id)?
                .ok_or_else(|| CoreError::not_found(format!("user {id}")))?
                .user)
        })
    }

    fn preferences(&self, id: i64) -> CoreResult<Preferences> {
        self.read(|c| prefs(c, id))
    }

    fn set_preferences(
        &self,
        id: i64,
        p: &Preferences,
        audit: NewAudit,
    ) -> CoreResult<Preferences> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE users SET default_tool = ?2, updated_at = ?3 WHERE id = ?1",
                    params![id, p.default_tool, Ts(now())],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("user {id}")));
            }
            audit::insert(tx, audit)?;
            prefs(tx, id)
        })
    }

    fn set_password_hash(&self, id: i64, hash: &str, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1",
                    params![id, hash, Ts(now())],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("user {id}")));
            }
            tx.execute("DELETE FROM web_sessions WHERE user_id = ?1", [id])
                .map_err(internal)?;
            audit::insert(tx, audit)
        })
    }
}

fn prefs(c: &Connection, id: i64) -> CoreResult<Preferences> {
    c.prepare_cached("SELECT default_tool, last_tool FROM users WHERE id = ?1")
        .and_then(|mut st| {
            st.query_row([id], |r| {
                Ok(Preferences {
                    default_tool: r.get(0)?,
                    last_tool: r.get(1)?,
                })
            })
            .optional()
        })
        .map_err(internal)?
        .ok_or_else(|| CoreError::not_found(format!("user {id}")))
}
