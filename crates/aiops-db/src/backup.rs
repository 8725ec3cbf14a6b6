//! Consistent copies of the database for backups, and checks of a copy before a restore.

use std::collections::BTreeSet;
use std::path::Path;

use aiops_core::{CoreError, CoreResult};
use rusqlite::{Connection, OpenFlags};

use crate::{Db, internal};

/// What [`inspect`] found in a database file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    /// `PRAGMA integrity_check`'s answer: `ok` when sound.
    pub integrity: String,
    /// `PRAGMA user_version`: the schema version (migrations applied).
    pub schema_version: u32,
    /// Ids of the `secret.key`s that sealed its stored tokens and keys.
    pub key_ids: BTreeSet<String>,
}

impl Db {
    /// Writes a consistent copy of the database to `dest` (which must not exist) while
    /// the server keeps writing: `VACUUM INTO` (<https://sqlite.org/lang_vacuum.html#vacuuminto>)
    /// on a connection of its own, so the copy is one read transaction's snapshot (WAL:
    /// writers are not blocked) and the writer's and readers' connections stay free.
    pub fn snapshot(&self, dest: &Path) -> CoreResult<()> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(internal)?;
        // Only the busy timeout of the usual settings: with the readers' 256 MiB memory
        // map, copying the whole file would count all of it in the server's RSS.
        conn.busy_timeout(crate::BUSY_TIMEOUT).map_err(internal)?;
        let dest = dest
            .to_str()
            .ok_or_else(|| CoreError::Internal(format!("{} is not UTF-8", dest.display())))?;
        conn.execute("VACUUM INTO ?1", [dest]).map_err(internal)?;
        Ok(())
    }
}

/// Checks a database file that is not in use (a snapshot, or a restored copy): its
/// integrity, schema version and the keys its sealed values need. Opens it read-only.
pub fn inspect(path: &Path) -> CoreResult<FileCheck> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| CoreError::invalid("archive", format!("the database cannot be opened: {e}")))?;
    let not_db = |e: rusqlite::Error| {
        CoreError::invalid("archive", format!("the database cannot be read: {e}"))
    };
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(not_db)?;
    let schema_version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(not_db)?;
    let mut key_ids = BTreeSet::new();
    if integrity == "ok" {
        // Every `key_id` / `*_key_id` column of every table: the sealed values.
        let columns: Vec<(String, String)> = conn
            .prepare(
                "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND (p.name = 'key_id' OR p.name LIKE '%\\_key\\_id' ESCAPE '\\')",
            )
            .and_then(|mut st| {
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()
            })
            .map_err(not_db)?;
        for (table, column) in columns {
            // Names come from the file's own schema, which a crafted archive controls.
            let (table, column) = (table.replace('"', "\"\""), column.replace('"', "\"\""));
            let sql = format!(
                "SELECT DISTINCT \"{column}\" FROM \"{table}\" WHERE \"{column}\" IS NOT NULL"
            );
            let ids: Vec<String> = conn
                .prepare(&sql)
                .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
                .map_err(not_db)?;
            key_ids.extend(ids);
        }
    }
    Ok(FileCheck {
        integrity,
        schema_version,
        key_ids,
    })
}
