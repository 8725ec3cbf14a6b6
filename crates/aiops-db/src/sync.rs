//! `sync_runs` (the sync jobs) and storing tracker issues and comments into `issues`.

use aiops_core::page::PageQuery;
use aiops_core::ports::{Applied, NewAudit, SyncCounts, SyncStore, Viewer};
use aiops_core::tracker::{RemoteComment, RemoteIssue};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{Comment, ProjectLink, SyncRun, SyncState, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::integrations::VISIBLE;
use crate::issue_events::{IssueEvent, emit};
use crate::issues::find_comment;
use crate::sync_write::{mark, remote_status, upsert_comment, upsert_issue};
use crate::time_text::now;
use crate::{Db, Ts, audit, internal};

const RUN_SELECT: &str = "SELECT r.id, r.integration_id, r.state, r.trigger, r.queued_at,
    r.started_at, r.finished_at, r.issues_seen, r.issues_created, r.issues_updated,
    r.issues_removed, r.comments_fetched, r.requests, r.error
    FROM sync_runs r JOIN integrations g ON g.id = r.integration_id";

fn run(r: &Row<'_>) -> rusqlite::Result<SyncRun> {
    let state: String = r.get(2)?;
    Ok(SyncRun {
        id: r.get(0)?,
        integration_id: r.get(1)?,
        state: crate::parse_text(2, &state)?,
        trigger: r.get(3)?,
        queued_at: r.get::<_, Ts>(4)?.0,
        started_at: r.get::<_, Option<Ts>>(5)?.map(|t| t.0),
        finished_at: r.get::<_, Option<Ts>>(6)?.map(|t| t.0),
        issues_seen: r.get(7)?,
        issues_created: r.get(8)?,
        issues_updated: r.get(9)?,
        issues_removed: r.get(10)?,
        comments_fetched: r.get(11)?,
        requests: r.get(12)?,
        error: r.get(13)?,
    })
}

fn find_run(c: &Connection, id: i64) -> CoreResult<Option<SyncRun>> {
    c.prepare_cached(&format!("{RUN_SELECT} WHERE r.id = ?1"))
        .and_then(|mut st| st.query_row([id], run).optional())
        .map_err(internal)
}

fn set_counts(tx: &Transaction<'_>, id: i64, c: &SyncCounts) -> CoreResult<()> {
    tx.execute(
        "UPDATE sync_runs SET issues_seen = ?2, issues_created = ?3, issues_updated = ?4,
             issues_removed = ?5, comments_fetched = ?6, requests = ?7 WHERE id = ?1",
        params![
            id,
            c.issues_seen,
            c.issues_created,
            c.issues_updated,
            c.issues_removed,
            c.comments_fetched,
            c.requests
        ],
    )
    .map_err(internal)?;
    Ok(())
}

/// A JSON array of strings, for `IN (SELECT value FROM json_each(?))`.
fn json_list(values: &[String]) -> String {
    serde_json::Value::from(values.to_vec()).to_string()
}

impl SyncStore for Db {
    fn queue_sync(
        &self,
        integration_id: i64,
        trigger: &str,
        requested_by: Option<i64>,
    ) -> CoreResult<SyncRun> {
        self.write(|tx| {
            let active: Option<i64> = tx
                .query_row(
                    "SELECT id FROM sync_runs WHERE integration_id = ?1 AND state IN ('queued', 'running')
                     ORDER BY id LIMIT 1",
                    [integration_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(internal)?;
            let id = match active {
                Some(id) => id,
                None => {
                    tx.execute(
                        "INSERT INTO sync_runs (integration_id, state, trigger, requested_by, queued_at)
                         VALUES (?1, 'queued', ?2, ?3, ?4)",
                        params![integration_id, trigger, requested_by, Ts(now())],
                    )
                    .map_err(internal)?;
                    tx.last_insert_rowid()
                }
            };
            find_run(tx, id)?.ok_or_else(|| CoreError::Internal("queued run vanished".into()))
        })
    }

    fn start_sync(&self, run_id: i64) -> CoreResult<Option<SyncRun>> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE sync_runs SET state = 'running', started_at = ?2 WHERE id = ?1 AND state = 'queued'",
                    params![run_id, Ts(now())],
                )
                .map_err(internal)?;
            if n == 0 {
                return Ok(None);
            }
            find_run(tx, run_id)
        })
    }

    fn queued_syncs(&self) -> CoreResult<Vec<i64>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached("SELECT id FROM sync_runs WHERE state = 'queued' ORDER BY id")
                .map_err(internal)?;
            let rows = st.query_map([], |r| r.get(0)).map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn sync_progress(&self, run_id: i64, counts: &SyncCounts) -> CoreResult<()> {
        self.write(|tx| set_counts(tx, run_id, counts))
    }

    fn finish_sync(
        &self,
        run_id: i64,
        state: SyncState,
        counts: &SyncCounts,
        error: Option<&str>,
    ) -> CoreResult<SyncRun> {
        self.write(|tx| {
            set_counts(tx, run_id, counts)?;
            tx.execute(
                "UPDATE sync_runs SET state = ?2, finished_at = ?3, error = ?4 WHERE id = ?1",
                params![run_id, state.as_str(), Ts(now()), error],
            )
            .map_err(internal)?;
            find_run(tx, run_id)?.ok_or_else(|| CoreError::not_found(format!("sync run {run_id}")))
        })
    }

    fn fail_interrupted_syncs(&self) -> CoreResult<u64> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE sync_runs SET state = 'failed', finished_at = ?1,
                         error = 'interrupted: the server stopped during the run'
                     WHERE state = 'running'",
                    [Ts(now())],
                )
                .map_err(internal)?;
            Ok(n as u64)
        })
    }

    fn due_integrations(&self, now: Timestamp) -> CoreResult<Vec<i64>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT g.id FROM integrations g
                     WHERE g.sync_interval_secs > 0 AND ifnull(g.healthy, 1) = 1
                       AND EXISTS (SELECT 1 FROM project_links l WHERE l.integration_id = g.id)
                       AND NOT EXISTS (SELECT 1 FROM sync_runs r WHERE r.integration_id = g.id
                           AND (r.state IN ('queued', 'running')
                                OR r.queued_at > strftime('%Y-%m-%dT%H:%M:%fZ', ?1,
                                                          '-' || g.sync_interval_secs || ' seconds')))
                     ORDER BY g.id",
                )
                .map_err(internal)?;
            let rows = st.query_map([Ts(now)], |r| r.get(0)).map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn sync_run(&self, viewer: Viewer, id: i64) -> CoreResult<Option<SyncRun>> {
        let (sql, args) = match viewer.member_id() {
            None => (
                format!("{RUN_SELECT} WHERE r.id = ?"),
                vec![Value::Integer(id)],
            ),
            Some(uid) => (
                format!("{RUN_SELECT} WHERE r.id = ? AND {VISIBLE}"),
                vec![Value::Integer(id), Value::Integer(uid)],
            ),
        };
        self.read(|c| {
            c.prepare_cached(&sql)
                .and_then(|mut st| {
                    st.query_row(rusqlite::params_from_iter(args), run)
                        .optional()
                })
                .map_err(internal)
        })
    }

    fn list_sync_runs(
        &self,
        viewer: Viewer,
        integration_id: Option<i64>,
        page: PageQuery,
    ) -> CoreResult<Vec<SyncRun>> {
        let mut conds = vec!["r.id < ?".to_owned()];
        let mut args = vec![Value::Integer(page.after.unwrap_or(i64::MAX))];
        if let Some(uid) = viewer.member_id() {
            conds.push(VISIBLE.to_owned());
            args.push(Value::Integer(uid));
        }
        if let Some(i) = integration_id {
            conds.push("r.integration_id = ?".to_owned());
            args.push(Value::Integer(i));
        }
        args.push(Value::Integer(page.fetch()));
        let sql = format!(
            "{RUN_SELECT} WHERE {} ORDER BY r.id DESC LIMIT ?",
            conds.join(" AND ")
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql).map_err(internal)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args), run)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn apply_remote_issues(
        &self,
        link: &ProjectLink,
        issues: &[RemoteIssue],
        audit: Option<NewAudit>,
    ) -> CoreResult<Vec<Applied>> {
        self.write(|tx| {
            let mut applied = Vec::with_capacity(issues.len());
            for ri in issues {
                let before = remote_status(tx, link.id, &ri.remote_id)?;
                let a = upsert_issue(tx, link, ri)?;
                if a.created {
                    emit(tx, IssueEvent::Created, a.issue_id, None)?;
                } else if a.changed {
                    emit(tx, IssueEvent::change(before, ri.status), a.issue_id, None)?;
                }
                applied.push(a);
            }
            if let Some(a) = audit {
                let a = match applied.first() {
                    Some(first) if a.target_id.is_none() => a.target("issue", first.issue_id),
                    _ => a,
                };
                audit::insert(tx, a)?;
            }
            Ok(applied)
        })
    }

    fn replace_remote_comments(&self, issue_id: i64, comments: &[RemoteComment]) -> CoreResult<()> {
        self.write(|tx| {
            let mut new = 0;
            for c in comments {
                new += usize::from(upsert_comment(tx, issue_id, c, None)?);
            }
            let ids: Vec<String> = comments.iter().map(|c| c.remote_id.clone()).collect();
            tx.execute(
                "DELETE FROM issue_comments WHERE issue_id = ?1 AND external_id IS NOT NULL
                     AND external_id NOT IN (SELECT value FROM json_each(?2))",
                params![issue_id, json_list(&ids)],
            )
            .map_err(internal)?;
            tx.execute(
                "UPDATE issues SET comments = (SELECT count(*) FROM issue_comments WHERE issue_id = ?1) WHERE id = ?1",
                [issue_id],
            )
            .map_err(internal)?;
            if new > 0 {
                emit(tx, IssueEvent::Commented, issue_id, None)?;
            }
            Ok(())
        })
    }

    fn put_remote_comment(
        &self,
        issue_id: i64,
        comment: &RemoteComment,
        author_user_id: Option<i64>,
        audit: NewAudit,
    ) -> CoreResult<Comment> {
        self.write(|tx| {
            let added = upsert_comment(tx, issue_id, comment, author_user_id)?;
            if added {
                tx.execute(
                    "UPDATE issues SET comments = comments + 1 WHERE id = ?1",
                    [issue_id],
                )
                .map_err(internal)?;
            }
            let id: i64 = tx
                .query_row(
                    "SELECT id FROM issue_comments WHERE issue_id = ?1 AND external_id = ?2",
                    params![issue_id, comment.remote_id],
                    |r| r.get(0),
                )
                .map_err(internal)?;
            audit::insert(tx, audit.detail(serde_json::json!({ "comment_id": id })))?;
            let c = find_comment(tx, issue_id, id)?
                .ok_or_else(|| CoreError::Internal("stored comment vanished".into()))?;
            if added {
                emit(tx, IssueEvent::Commented, issue_id, Some(&c))?;
            }
            Ok(c)
        })
    }

    fn mark_removed(&self, link_id: i64, present: &[String]) -> CoreResult<u32> {
        self.write(|tx| {
            mark(
                tx,
                "link_id = ?2 AND remote_id NOT IN (SELECT value FROM json_each(?3))",
                vec![Value::Integer(link_id), Value::Text(json_list(present))],
            )
        })
    }

    fn mark_issue_removed(&self, issue_id: i64) -> CoreResult<()> {
        self.write(|tx| mark(tx, "id = ?2", vec![Value::Integer(issue_id)]).map(|_| ()))
    }

    fn issue_remote(&self, issue_id: i64) -> CoreResult<Option<(i64, String)>> {
        self.read(|c| {
            c.query_row(
                "SELECT link_id, remote_id FROM issues WHERE id = ?1 AND link_id IS NOT NULL",
                [issue_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(internal)
        })
    }

    fn comment_remote_id(&self, comment_id: i64) -> CoreResult<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT external_id FROM issue_comments WHERE id = ?1",
                [comment_id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(internal)
        })
    }
}
