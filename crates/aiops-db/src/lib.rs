//! SQLite store of aiops: connection setup, embedded migrations, one module per table.
//!
//! Owns: the `aiops.db` file (WAL, `busy_timeout`, foreign keys), the migrations in
//! `migrations/` (numbered SQL files that only grow; a database newer than this binary is
//! refused, never touched), one writer connection whose writes run in `BEGIN IMMEDIATE`,
//! and a small pool of read-only connections. Implements the port traits of `aiops-core`.
//!
//! Every method blocks: call it from a blocking thread (`spawn_blocking`), never from an
//! async worker. Must never import: axum, reqwest, tauri, tokio.

mod agents;
mod api_keys;
mod audit;
mod automation;
pub mod backup;
mod chat;
mod chat_state;
mod hosts;
mod integrations;
mod issue_events;
mod issue_pulls;
mod issues;
mod jobs;
mod mcp;
mod personal;
mod pool;
mod projects;
mod review;
mod sessions;
mod settings;
mod ssh;
mod sync;
mod sync_write;
mod tenants;
mod time_text;
mod tools;
mod users;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use aiops_core::{CoreError, CoreResult};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

use crate::pool::ReaderPool;
pub(crate) use crate::time_text::Ts;

/// The migrations, in order. Append only; never edit a shipped file.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_issues.sql"),
    include_str!("../migrations/0003_integrations.sql"),
    include_str!("../migrations/0004_agents.sql"),
    include_str!("../migrations/0005_sessions.sql"),
    include_str!("../migrations/0006_ssh.sql"),
    include_str!("../migrations/0007_sandbox.sql"),
    include_str!("../migrations/0008_tenant_roles.sql"),
    include_str!("../migrations/0009_tool_kind.sql"),
    include_str!("../migrations/0010_cli_defaults.sql"),
    include_str!("../migrations/0011_jobs.sql"),
    include_str!("../migrations/0012_automation.sql"),
    include_str!("../migrations/0013_mcp.sql"),
    include_str!("../migrations/0014_ship.sql"),
    include_str!("../migrations/0015_inbox_rows.sql"),
    include_str!("../migrations/0016_hosts.sql"),
    include_str!("../migrations/0017_chat.sql"),
    include_str!("../migrations/0018_chat_agent.sql"),
    include_str!("../migrations/0019_chat_app_token.sql"),
    include_str!("../migrations/0020_session_hosts.sql"),
];

/// How long a connection waits on a lock held by another before failing with "busy".
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "database {path} has schema version {found}, newer than this aiops supports ({supported}); upgrade aiops or restore a backup"
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("migrating database {path}: {message}")]
    Migrate { path: PathBuf, message: String },
}

/// The store: one writer, `readers` read-only connections.
pub struct Db {
    path: PathBuf,
    // Field order is drop order: the readers close first, so the writer is the last
    // connection and SQLite checkpoints and removes the WAL when it closes.
    readers: ReaderPool,
    writer: Mutex<Connection>,
    /// Bumped after every committed write; lets callers cache what they read and know
    /// when it may be stale.
    generation: std::sync::atomic::AtomicU64,
    /// Set by the writer's update hook when a row goes into `events`; read and cleared
    /// around each write transaction.
    appended: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Called after a committed write that appended events (see [`Db::on_events`]).
    on_events: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The schema version this binary creates and understands.
pub fn supported_schema_version() -> u32 {
    MIGRATIONS.len() as u32
}

/// Process-wide SQLite settings, applied once before the first connection.
fn configure_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Memory statistics take a global mutex on every allocation inside SQLite, which
        // the reader connections then contend on; aiops never reads the statistics.
        // SAFETY: sqlite3_config is called before any connection exists in this process
        // (Once); if SQLite was already initialised it answers SQLITE_MISUSE and changes
        // nothing, which is harmless.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::os::raw::c_int,
            )
        };
        if rc != rusqlite::ffi::SQLITE_OK {
            tracing::debug!(
                rc,
                "SQLite memory statistics stay on (library already initialised)"
            );
        }
    });
}

/// Settings every connection (writer and readers) needs.
fn configure_common(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Without the query-planner stability guarantee, a bound `LIMIT ?` makes SQLite
    // re-compile a cached statement every time it is re-bound (~21% of CPU on list pages,
    // measured with perf on the bundled 3.53).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    // Read pages straight from a memory map instead of copying each into the page cache
    // with pread (up to 256 MiB of the file; SQLite falls back to pread past that).
    conn.pragma_update(None, "mmap_size", 268_435_456)?;
    Ok(())
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    configure_common(conn)?;
    // WAL: readers never block the writer. NORMAL is durable against a process crash
    // (kill -9); only an OS crash may lose the last transactions.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the database at `path`, applies pending migrations in
    /// one transaction, and refuses a schema newer than [`supported_schema_version`].
    pub fn open(path: &Path, readers: usize) -> Result<Db, DbError> {
        let open_err = |source| DbError::Open {
            path: path.to_owned(),
            source,
        };
        configure_library();
        let mut writer = Connection::open(path).map_err(open_err)?;
        configure(&writer).map_err(open_err)?;
        let found: u32 = writer
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(open_err)?;
        if found > supported_schema_version() {
            return Err(DbError::NewerSchema {
                path: path.to_owned(),
                found,
                supported: supported_schema_version(),
            });
        }
        migrations()
            .to_latest(&mut writer)
            .map_err(|e| DbError::Migrate {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        restrict_permissions(path);
        let appended = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = appended.clone();
        writer
            .update_hook(Some(
                move |action: rusqlite::hooks::Action, _db: &str, table: &str, _row: i64| {
                    if action == rusqlite::hooks::Action::SQLITE_INSERT && table == "events" {
                        seen.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                },
            ))
            .map_err(open_err)?;
        let mut pool = Vec::with_capacity(readers.max(1));
        for _ in 0..readers.max(1) {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(open_err)?;
            configure_common(&conn).map_err(open_err)?;
            pool.push(conn);
        }
        Ok(Db {
            path: path.to_owned(),
            readers: ReaderPool::new(pool),
            writer: Mutex::new(writer),
            generation: std::sync::atomic::AtomicU64::new(0),
            appended,
            on_events: std::sync::OnceLock::new(),
        })
    }

    /// Calls `f` after every committed write that appended to the event log, whichever
    /// path wrote it (API, sync, workflow, jobs), so event streams wake at once instead
    /// of on their next recheck. Set once; later calls are ignored.
    pub fn on_events(&self, f: Box<dyn Fn() + Send + Sync>) {
        let _ = self.on_events.set(f);
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many write transactions this store has committed. Anything read while it
    /// had a value is still current as long as it has that value.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the writer; commits on `Ok`.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> CoreResult<T>,
    ) -> CoreResult<T> {
        let mut conn = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(internal)?;
        // Only this transaction's inserts count (a rolled-back one set it for nothing).
        self.appended
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let out = f(&tx)?;
        tx.commit().map_err(internal)?;
        // Read under the lock: the next writer clears it.
        let appended = self
            .appended
            .swap(false, std::sync::atomic::Ordering::Relaxed);
        drop(conn);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        if appended && let Some(wake) = self.on_events.get() {
            wake();
        }
        Ok(out)
    }

    /// Runs `f` on a pooled read-only connection.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> CoreResult<T>) -> CoreResult<T> {
        let conn = self.readers.get();
        f(&conn)
    }

    /// `PRAGMA integrity_check` on the writer; "ok" when the file is sound.
    pub fn integrity_check(&self) -> CoreResult<String> {
        self.read(|c| {
            c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .map_err(internal)
        })
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // The file holds password hashes and key digests: owner only. Best effort (the data
    // dir itself is 0700), so a failure here is logged, not fatal.
    for p in [path.to_owned(), wal_path(path)] {
        if p.exists()
            && let Err(e) = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
        {
            tracing::warn!(path = %p.display(), error = %e, "cannot restrict database permissions");
        }
    }
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

/// `aiops.db-wal` beside `aiops.db`.
pub fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// Column `column` holding the text form of `T` (a role, provider, state…); a value the
/// type does not know is a conversion error, not a panic.
pub(crate) fn parse_text<T: std::str::FromStr<Err = String>>(
    column: usize,
    s: &str,
) -> rusqlite::Result<T> {
    s.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, e.into())
    })
}

/// Column `column` holding a JSON array of strings (argv, path lists).
pub(crate) fn json_list(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, e.into())
    })
}

/// A list of strings as the JSON text stored in such a column.
pub(crate) fn json_text(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

/// Any storage failure the caller cannot act on: logged by the server, shown as
/// `internal`.
pub(crate) fn internal(e: rusqlite::Error) -> CoreError {
    CoreError::Internal(format!("database: {e}"))
}

/// A JSON text column (`json_object(…)`, a stored array or report) as `T`; NULL is None.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    r: &rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<Option<T>> {
    let Some(text) = r.get::<_, Option<String>>(i)? else {
        return Ok(None);
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Maps a UNIQUE violation to `Conflict(message)`, anything else to `Internal`.
pub(crate) fn conflict_on_unique(
    message: impl FnOnce() -> String,
) -> impl FnOnce(rusqlite::Error) -> CoreError {
    move |e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            CoreError::Conflict(message())
        }
        other => internal(other),
    }
}
