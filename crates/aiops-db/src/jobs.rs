//! `jobs`: background jobs of the operations surface, their output and end events.

use aiops_core::jobs::{JobStore, MAX_OUTPUT_BYTES};
use aiops_core::page::PageQuery;
use aiops_core::ports::NewEvent;
use aiops_core::{CoreError, CoreResult};
use aiops_types::{Job, JobLog, JobState};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::time_text::now;
use crate::{Db, Ts, internal};

const SELECT: &str = "SELECT id, kind, subject, state, requested_by, queued_at, started_at,
    finished_at, progress, error, result FROM jobs";

fn job(r: &Row<'_>) -> rusqlite::Result<Job> {
    let state: String = r.get(3)?;
    let result: Option<String> = r.get(10)?;
    Ok(Job {
        id: r.get(0)?,
        kind: r.get(1)?,
        subject: r.get(2)?,
        state: crate::parse_text(3, &state)?,
        requested_by: r.get(4)?,
        queued_at: r.get::<_, Ts>(5)?.0,
        started_at: r.get::<_, Option<Ts>>(6)?.map(|t| t.0),
        finished_at: r.get::<_, Option<Ts>>(7)?.map(|t| t.0),
        progress: r.get(8)?,
        error: r.get(9)?,
        result: result.and_then(|s| serde_json::from_str(&s).ok()),
    })
}

fn find(c: &Connection, id: i64) -> CoreResult<Option<Job>> {
    c.prepare_cached(&format!("{SELECT} WHERE id = ?1"))
        .and_then(|mut st| st.query_row([id], job).optional())
        .map_err(internal)
}

/// The largest index ≤ `i` that is a char boundary of `s`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl JobStore for Db {
    fn queue_job(&self, kind: &str, subject: &str, requested_by: Option<i64>) -> CoreResult<Job> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO jobs (kind, subject, requested_by, queued_at) VALUES (?1, ?2, ?3, ?4)",
                params![kind, subject, requested_by, Ts(now())],
            )
            .map_err(internal)?;
            find(tx, tx.last_insert_rowid())?
                .ok_or_else(|| CoreError::Internal("job vanished".into()))
        })
    }

    fn start_job(&self, id: i64) -> CoreResult<Option<Job>> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE jobs SET state = 'running', started_at = ?2
                     WHERE id = ?1 AND state = 'queued'",
                    params![id, Ts(now())],
                )
                .map_err(internal)?;
            if n == 0 { Ok(None) } else { find(tx, id) }
        })
    }

    fn append_job_output(&self, id: i64, text: &str) -> CoreResult<()> {
        if text.is_empty() {
            return Ok(());
        }
        let progress = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.chars().take(500).collect::<String>());
        self.write(|tx| {
            let (mut output, dropped): (String, i64) = tx
                .query_row(
                    "SELECT output, output_dropped FROM jobs WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(internal)?;
            output.push_str(text);
            let mut cut = 0;
            if output.len() > MAX_OUTPUT_BYTES {
                cut = floor_boundary(&output, output.len() - MAX_OUTPUT_BYTES);
                // Whole lines where one ends soon after: a follower's first line is then
                // not a fragment.
                if let Some(nl) = output[cut..].find('\n').filter(|n| *n < 4096) {
                    cut += nl + 1;
                }
                output.drain(..cut);
            }
            tx.execute(
                "UPDATE jobs SET output = ?2, output_dropped = ?3,
                     progress = coalesce(?4, progress) WHERE id = ?1",
                params![id, output, dropped + cut as i64, progress],
            )
            .map_err(internal)?;
            Ok(())
        })
    }

    fn finish_job(
        &self,
        id: i64,
        state: JobState,
        error: Option<&str>,
        result: Option<&serde_json::Value>,
    ) -> CoreResult<Option<Job>> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE jobs SET state = ?2, finished_at = ?3, error = ?4, result = ?5
                     WHERE id = ?1 AND state IN ('queued', 'running')",
                    params![
                        id,
                        state.as_str(),
                        Ts(now()),
                        error,
                        result.map(std::string::ToString::to_string)
                    ],
                )
                .map_err(internal)?;
            if n == 0 {
                return Ok(None);
            }
            let Some(j) = find(tx, id)? else {
                return Ok(None);
            };
            let kind = if state == JobState::Failed {
                "job.failed"
            } else {
                "job.finished"
            };
            // Neither tenant, project nor user: visible to admins only.
            crate::sessions::insert_event(
                tx,
                &NewEvent {
                    kind: kind.to_owned(),
                    tenant_id: None,
                    project_id: None,
                    user_id: None,
                    payload: serde_json::to_value(&j)
                        .map_err(|e| CoreError::Internal(e.to_string()))?,
                },
            )?;
            Ok(Some(j))
        })
    }

    fn fail_interrupted_jobs(&self) -> CoreResult<u64> {
        self.write(|tx| {
            tx.execute(
                "UPDATE jobs SET state = 'failed', finished_at = ?1,
                     error = 'interrupted: the server stopped before the job finished'
                 WHERE state IN ('queued', 'running')",
                [Ts(now())],
            )
            .map(|n| n as u64)
            .map_err(internal)
        })
    }

    fn job(&self, id: i64) -> CoreResult<Option<Job>> {
        self.read(|c| find(c, id))
    }

    fn job_log(&self, id: i64, offset: u64) -> CoreResult<Option<JobLog>> {
        self.read(|c| {
            let Some(j) = find(c, id)? else {
                return Ok(None);
            };
            let (output, dropped): (String, i64) = c
                .query_row(
                    "SELECT output, output_dropped FROM jobs WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(internal)?;
            let dropped = dropped as u64;
            let end = dropped + output.len() as u64;
            let truncated = offset < dropped;
            let from = offset.clamp(dropped, end) - dropped;
            let from = floor_boundary(&output, from as usize);
            Ok(Some(JobLog {
                job: j,
                output: output[from..].to_owned(),
                next_offset: end,
                truncated,
            }))
        })
    }

    fn list_jobs(&self, kind: Option<&str>, page: PageQuery) -> CoreResult<Vec<Job>> {
        let mut conds = vec!["id < ?"];
        let mut args = vec![Value::Integer(page.after.unwrap_or(i64::MAX))];
        if let Some(k) = kind {
            conds.push("kind = ?");
            args.push(Value::Text(k.to_owned()));
        }
        args.push(Value::Integer(page.fetch()));
        let sql = format!(
            "{SELECT} WHERE {} ORDER BY id DESC LIMIT ?",
            conds.join(" AND ")
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql).map_err(internal)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args), job)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn last_job(&self, kind: &str, state: JobState) -> CoreResult<Option<Job>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "{SELECT} WHERE kind = ?1 AND state = ?2 ORDER BY id DESC LIMIT 1"
            ))
            .and_then(|mut st| st.query_row(params![kind, state.as_str()], job).optional())
            .map_err(internal)
        })
    }

    fn count_jobs(&self, state: JobState) -> CoreResult<u64> {
        self.read(|c| {
            c.query_row(
                "SELECT count(*) FROM jobs WHERE state = ?1",
                [state.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(internal)
        })
    }
}
