//! `settings` (key/value) and the counts behind `system/status` and `/metrics`.

use aiops_core::CoreResult;
use aiops_core::ports::{Counts, SettingsStore, SyncRunTotals, SystemStore};
use rusqlite::OptionalExtension;

use crate::{Db, internal};

impl SettingsStore for Db {
    fn setting(&self, key: &str) -> CoreResult<Option<String>> {
        self.read(|c| {
            c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(internal)
        })
    }

    fn set_setting(&self, key: &str, value: &str) -> CoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map_err(internal)?;
            Ok(())
        })
    }
}

impl SystemStore for Db {
    fn counts(&self) -> CoreResult<Counts> {
        self.read(|c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM tenants),
                        (SELECT count(*) FROM projects),
                        (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL)",
                [],
                |r| {
                    Ok(Counts {
                        users: r.get::<_, i64>(0)? as u64,
                        tenants: r.get::<_, i64>(1)? as u64,
                        projects: r.get::<_, i64>(2)? as u64,
                        api_keys_active: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
            .map_err(internal)
        })
    }

    fn schema_version(&self) -> CoreResult<u32> {
        self.read(|c| {
            c.pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(internal)
        })
    }

    fn sessions_by_state(&self) -> CoreResult<Vec<(String, u64)>> {
        self.read(|c| {
            let mut st = c
                .prepare("SELECT state, count(*) FROM sessions GROUP BY state ORDER BY state")
                .map_err(internal)?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn sync_run_totals(&self) -> CoreResult<Vec<SyncRunTotals>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT r.integration_id, i.provider,
                            sum(r.state IN ('succeeded', 'failed')), sum(r.state = 'failed')
                     FROM sync_runs r JOIN integrations i ON i.id = r.integration_id
                     GROUP BY r.integration_id ORDER BY r.integration_id",
                )
                .map_err(internal)?;
            let rows = st
                .query_map([], |r| {
                    Ok(SyncRunTotals {
                        integration_id: r.get(0)?,
                        provider: r.get(1)?,
                        finished: r.get::<_, i64>(2)? as u64,
                        failed: r.get::<_, i64>(3)? as u64,
                    })
                })
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn queued_sync_runs(&self) -> CoreResult<u64> {
        self.read(|c| {
            c.query_row(
                "SELECT count(*) FROM sync_runs WHERE state = 'queued'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(internal)
        })
    }
}
