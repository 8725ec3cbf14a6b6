//! The writes of a sync: a tracker's issue or comment upserted into the store, issues
//! gone upstream marked removed (each announced: `issue_events`), and what an issue was
//! before a sync changed it.

use aiops_core::ports::Applied;
use aiops_core::tracker::{RemoteComment, RemoteIssue};
use aiops_core::{CoreError, CoreResult};
use aiops_types::ProjectLink;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params};

use crate::issue_events::{IssueEvent, emit};
use crate::issues::set_labels;
use crate::time_text::{format, now};
use crate::{Ts, internal};

pub(crate) fn upsert_issue(
    tx: &Transaction<'_>,
    link: &ProjectLink,
    ri: &RemoteIssue,
) -> CoreResult<Applied> {
    let existing: Option<(i64, String, u32)> = tx
        .prepare_cached(
            "SELECT id, updated_at, comments FROM issues WHERE link_id = ?1 AND remote_id = ?2",
        )
        .and_then(|mut st| {
            st.query_row(params![link.id, ri.remote_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
        })
        .map_err(internal)?;
    let updated = format(ri.updated_at);
    let values = params![
        ri.external_id,
        ri.title,
        ri.description,
        ri.status.as_str(),
        ri.provider_status,
        ri.assignee,
        ri.author,
        ri.url,
        ri.comments,
        Ts(ri.created_at),
        updated,
        ri.closed_at.map(Ts),
        link.id,
        ri.remote_id,
        link.project_id,
        link.provider.as_str(),
    ];
    let applied = match existing {
        None => {
            tx.prepare_cached(
                "INSERT INTO issues (external_id, title, description, status, provider_status,
                     assignee, author, url, comments, created_at, updated_at, closed_at, link_id,
                     remote_id, project_id, provider)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .and_then(|mut st| st.execute(values))
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                {
                    CoreError::Conflict(format!(
                        "project {} already has an issue {} from another {} link",
                        link.project_id,
                        ri.external_id,
                        link.provider.as_str()
                    ))
                }
                other => internal(other),
            })?;
            Applied {
                issue_id: tx.last_insert_rowid(),
                created: true,
                changed: true,
                comments_stale: ri.comments > 0,
            }
        }
        Some((id, old_updated, old_comments)) => {
            tx.prepare_cached(
                "UPDATE issues SET external_id = ?1, title = ?2, description = ?3, status = ?4,
                     provider_status = ?5, assignee = ?6, author = ?7, url = ?8, comments = ?9,
                     created_at = ?10, updated_at = ?11, closed_at = ?12, removed_at = NULL
                 WHERE link_id = ?13 AND remote_id = ?14 AND project_id = ?15 AND provider = ?16",
            )
            .and_then(|mut st| st.execute(values))
            .map_err(internal)?;
            let changed = old_updated != updated || old_comments != ri.comments;
            // Also stale when the stored comments do not add up to the tracker's count:
            // a run that stopped (rate limit, error) after storing issues but before
            // fetching their comments is completed by the next one.
            let stored: u32 = tx
                .prepare_cached("SELECT count(*) FROM issue_comments WHERE issue_id = ?1")
                .and_then(|mut st| st.query_row([id], |r| r.get(0)))
                .map_err(internal)?;
            Applied {
                issue_id: id,
                created: false,
                changed,
                comments_stale: (changed && (ri.comments > 0 || old_comments > 0))
                    || stored != ri.comments,
            }
        }
    };
    set_labels(tx, applied.issue_id, &ri.labels)?;
    Ok(applied)
}

pub(crate) fn upsert_comment(
    tx: &Transaction<'_>,
    issue_id: i64,
    c: &RemoteComment,
    author_user_id: Option<i64>,
) -> CoreResult<bool> {
    let existed: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM issue_comments WHERE issue_id = ?1 AND external_id = ?2)",
            params![issue_id, c.remote_id],
            |r| r.get(0),
        )
        .map_err(internal)?;
    tx.prepare_cached(
        "INSERT INTO issue_comments (issue_id, external_id, author, author_user_id, body, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (issue_id, external_id) DO UPDATE SET author = excluded.author,
             author_user_id = coalesce(excluded.author_user_id, author_user_id),
             body = excluded.body, created_at = excluded.created_at, updated_at = excluded.updated_at",
    )
    .and_then(|mut st| {
        st.execute(params![
            issue_id,
            c.remote_id,
            c.author,
            author_user_id,
            c.body,
            Ts(c.created_at),
            Ts(c.updated_at)
        ])
    })
    .map_err(internal)?;
    Ok(!existed)
}

pub(crate) fn mark(tx: &Transaction<'_>, cond: &str, args: Vec<Value>) -> CoreResult<u32> {
    let t = format(now());
    let mut all = vec![Value::Text(t)];
    all.extend(args);
    // (id, was open): each marked issue is announced, `closed` when it was open.
    let marked: Vec<(i64, bool)> = {
        let mut st = tx
            .prepare(&format!(
                "UPDATE issues SET removed_at = ?1, status = 'closed', closed_at = coalesce(closed_at, ?1)
                 WHERE removed_at IS NULL AND {cond}
                 RETURNING id, closed_at = ?1"
            ))
            .map_err(internal)?;
        let rows = st
            .query_map(rusqlite::params_from_iter(all), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(internal)?;
        rows.collect::<Result<_, _>>().map_err(internal)?
    };
    for (id, was_open) in &marked {
        let what = if *was_open {
            IssueEvent::Closed
        } else {
            IssueEvent::Updated
        };
        emit(tx, what, *id, None)?;
    }
    Ok(marked.len() as u32)
}

/// The stored status of a synced issue, before a sync writes it.
pub(crate) fn remote_status(
    tx: &Transaction<'_>,
    link_id: i64,
    remote_id: &str,
) -> CoreResult<Option<aiops_types::IssueStatus>> {
    let status: Option<String> = tx
        .prepare_cached("SELECT status FROM issues WHERE link_id = ?1 AND remote_id = ?2")
        .and_then(|mut st| {
            st.query_row(params![link_id, remote_id], |r| r.get(0))
                .optional()
        })
        .map_err(internal)?;
    Ok(status.and_then(|s| s.parse().ok()))
}
