//! `issues`, `issue_labels`, `issue_comments` and the `issues_fts` index. Visibility is
//! part of every query, as for projects: a member reads only issues of projects they see.

use aiops_core::page::PageQuery;
use aiops_core::ports::{IssueFilter, IssueRow, IssueStore, NewAudit, NewIssueRow, Viewer};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{Comment, Issue, IssuePullRequest, IssueStatus, Provider};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::issue_events::{self, IssueEvent, emit};
use crate::time_text::now;
use crate::{Db, Ts, audit, internal, json_column, parse_text};

/// Columns of an issue row; column 10 (labels) is filled by [`LABELS`] for one issue and
/// by one batch query per page for lists.
const COLUMNS: &str = "i.id, i.project_id, p.slug, t.slug, i.provider, i.external_id, i.title,
    i.description, i.status, i.provider_status, {labels},
    i.assignee, i.author, i.url, i.comments, i.created_at, i.updated_at, i.closed_at,
    i.removed_at IS NOT NULL,
    (SELECT l.integration_id FROM project_links l WHERE l.id = i.link_id),
    (SELECT json_object('id', s.id, 'tool', s.tool, 'state', s.state) FROM sessions s
        WHERE s.issue_id = i.id AND s.state IN ('starting', 'running', 'waiting')
        ORDER BY s.id DESC LIMIT 1),
    (SELECT json_object('provider', r.provider, 'number', r.number, 'url', r.url,
        'state', r.state) FROM issue_pull_requests r
        WHERE r.issue_id = i.id ORDER BY r.opened_at DESC, r.number DESC LIMIT 1)";
const LABELS: &str =
    "(SELECT group_concat(l.label, char(31)) FROM issue_labels l WHERE l.issue_id = i.id)";
const JOINS: &str = "JOIN projects p ON p.id = i.project_id JOIN tenants t ON t.id = p.tenant_id";

/// One issue with its labels (built once, not per request).
static SELECT_ONE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {} FROM issues i {JOINS}",
        COLUMNS.replace("{labels}", LABELS)
    )
});
/// The columns of a list page; labels come from one batch query ([`fill_labels`]).
static LIST_COLUMNS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| COLUMNS.replace("{labels}", "NULL"));

/// `?` = the member's user id, twice.
const VISIBLE: &str =
    "(EXISTS (SELECT 1 FROM tenant_members m WHERE m.tenant_id = p.tenant_id AND m.user_id = ?)
    OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = ?))";

fn issue(r: &Row<'_>) -> rusqlite::Result<Issue> {
    let labels: Option<String> = r.get(10)?;
    let mut labels: Vec<String> = labels
        .map(|s| s.split('\u{1f}').map(str::to_owned).collect())
        .unwrap_or_default();
    labels.sort();
    Ok(Issue {
        id: r.get(0)?,
        project_id: r.get(1)?,
        project_slug: r.get(2)?,
        tenant_slug: r.get(3)?,
        provider: parse_text::<Provider>(4, &r.get::<_, String>(4)?)?,
        external_id: r.get(5)?,
        title: r.get(6)?,
        description: r.get(7)?,
        status: parse_text::<IssueStatus>(8, &r.get::<_, String>(8)?)?,
        provider_status: r.get(9)?,
        labels,
        assignee: r.get(11)?,
        author: r.get(12)?,
        url: r.get(13)?,
        comments: r.get(14)?,
        created_at: r.get::<_, Ts>(15)?.0,
        updated_at: r.get::<_, Ts>(16)?.0,
        closed_at: r.get::<_, Option<Ts>>(17)?.map(|t| t.0),
        removed_upstream: r.get(18)?,
        integration_id: r.get(19)?,
        live_session: json_column(r, 20)?,
        pull_request: json_column(r, 21)?,
    })
}

pub(crate) fn find(c: &Connection, viewer: Viewer, id: i64) -> CoreResult<Option<Issue>> {
    let (sql, args): (String, Vec<Value>) = match viewer.member_id() {
        None => (
            format!("{} WHERE i.id = ?", SELECT_ONE.as_str()),
            vec![Value::Integer(id)],
        ),
        Some(uid) => (
            format!("{} WHERE i.id = ? AND {VISIBLE}", SELECT_ONE.as_str()),
            vec![Value::Integer(id), Value::Integer(uid), Value::Integer(uid)],
        ),
    };
    c.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_row(rusqlite::params_from_iter(args), issue)
                .optional()
        })
        .map_err(internal)
}

/// Labels of a page of issues in one query (not one subquery per row).
fn fill_labels(c: &Connection, issues: &mut [Issue]) -> CoreResult<()> {
    let (Some(min), Some(max)) = (
        issues.iter().map(|i| i.id).min(),
        issues.iter().map(|i| i.id).max(),
    ) else {
        return Ok(());
    };
    let ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
    let list = serde_json::Value::from(ids).to_string();
    let mut st = c
        .prepare_cached(
            "SELECT issue_id, label FROM issue_labels
             WHERE issue_id BETWEEN ?1 AND ?2 AND issue_id IN (SELECT value FROM json_each(?3))
             ORDER BY issue_id, label",
        )
        .map_err(internal)?;
    let mut rows = st.query(params![min, max, list]).map_err(internal)?;
    let index: std::collections::HashMap<i64, usize> =
        issues.iter().enumerate().map(|(n, i)| (i.id, n)).collect();
    while let Some(r) = rows.next().map_err(internal)? {
        let id: i64 = r.get(0).map_err(internal)?;
        if let Some(&n) = index.get(&id) {
            issues[n].labels.push(r.get(1).map_err(internal)?);
        }
    }
    Ok(())
}

pub(crate) fn set_labels(c: &Connection, id: i64, labels: &[String]) -> CoreResult<()> {
    c.execute("DELETE FROM issue_labels WHERE issue_id = ?1", [id])
        .map_err(internal)?;
    let mut st = c
        .prepare_cached("INSERT INTO issue_labels (issue_id, label) VALUES (?1, ?2)")
        .map_err(internal)?;
    for label in labels {
        st.execute(params![id, label]).map_err(internal)?;
    }
    Ok(())
}

fn comment(r: &Row<'_>) -> rusqlite::Result<Comment> {
    Ok(Comment {
        id: r.get(0)?,
        issue_id: r.get(1)?,
        author: r.get(2)?,
        author_user_id: r.get(3)?,
        body: r.get(4)?,
        created_at: r.get::<_, Ts>(5)?.0,
        updated_at: r.get::<_, Ts>(6)?.0,
    })
}

const COMMENT_COLUMNS: &str = "id, issue_id, author, author_user_id, body, created_at, updated_at";

pub(crate) fn find_comment(
    c: &Connection,
    issue_id: i64,
    comment_id: i64,
) -> CoreResult<Option<Comment>> {
    c.prepare_cached(&format!(
        "SELECT {COMMENT_COLUMNS} FROM issue_comments WHERE issue_id = ?1 AND id = ?2"
    ))
    .and_then(|mut st| st.query_row([issue_id, comment_id], comment).optional())
    .map_err(internal)
}

impl IssueStore for Db {
    fn list_issues(
        &self,
        viewer: Viewer,
        f: &IssueFilter,
        page: PageQuery,
    ) -> CoreResult<Vec<Issue>> {
        // Only the filters given become conditions, so each can use its index. Full-text
        // search drives the query from the FTS index (newest match first, bounded by the
        // cursor) instead of materialising every match.
        // A label filter likewise drives from `issue_labels(label, issue_id)`: the newest
        // issues carrying the label, instead of every open issue probed for it.
        let by_label = f.fts.is_none() && f.label.is_some();
        let key = if f.fts.is_some() {
            "f.rowid"
        } else if by_label {
            "lf.issue_id"
        } else {
            "i.id"
        };
        let mut conds = vec![format!("{key} < ?")];
        let mut args = vec![Value::Integer(page.after.unwrap_or(i64::MAX))];
        let mut add = |cond: &str, vals: Vec<Value>| {
            conds.push(cond.to_owned());
            args.extend(vals);
        };
        if let Some(q) = &f.fts {
            add("issues_fts MATCH ?", vec![Value::Text(q.clone())]);
        }
        if let Some(uid) = viewer.member_id() {
            add(VISIBLE, vec![Value::Integer(uid), Value::Integer(uid)]);
        }
        if let Some(t) = f.tenant_id {
            add("p.tenant_id = ?", vec![Value::Integer(t)]);
        }
        if let Some(p) = f.project_id {
            add("i.project_id = ?", vec![Value::Integer(p)]);
        }
        if let Some(p) = f.provider {
            add("i.provider = ?", vec![Value::Text(p.as_str().into())]);
        }
        if let Some(s) = f.status {
            add("i.status = ?", vec![Value::Text(s.as_str().into())]);
        }
        if let Some(a) = &f.assignee {
            add("i.assignee = ?", vec![Value::Text(a.clone())]);
        }
        if let Some(l) = &f.label {
            if by_label {
                add("lf.label = ?", vec![Value::Text(l.clone())]);
            } else {
                add(
                    "EXISTS (SELECT 1 FROM issue_labels l WHERE l.issue_id = i.id AND l.label = ?)",
                    vec![Value::Text(l.clone())],
                );
            }
        }
        args.push(Value::Integer(page.fetch()));
        // CROSS JOIN pins the FTS table as the outer loop (SQLite keeps CROSS JOIN order).
        let from = if f.fts.is_some() {
            format!("issues_fts f CROSS JOIN issues i ON i.id = f.rowid {JOINS}")
        } else if by_label {
            format!("issue_labels lf CROSS JOIN issues i ON i.id = lf.issue_id {JOINS}")
        } else {
            format!("issues i {JOINS}")
        };
        let sql = format!(
            "SELECT {} FROM {from} WHERE {} ORDER BY {key} DESC LIMIT ?",
            LIST_COLUMNS.as_str(),
            conds.join(" AND ")
        );
        self.read(|c| {
            let mut st = c.prepare_cached(&sql).map_err(internal)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args), issue)
                .map_err(internal)?;
            let mut issues: Vec<Issue> = rows.collect::<Result<_, _>>().map_err(internal)?;
            fill_labels(c, &mut issues)?;
            Ok(issues)
        })
    }

    fn issue(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Issue>> {
        self.read(|c| find(c, viewer, id))
    }

    fn insert_native_issue(&self, row: &NewIssueRow, audit: NewAudit) -> CoreResult<Issue> {
        self.write(|tx| {
            // Never a number given before, even to an issue since deleted.
            let number: i64 = tx
                .query_row(
                    "UPDATE projects SET native_issue_last = max(native_issue_last, (
                         SELECT ifnull(max(number), 0) FROM issues
                         WHERE project_id = ?1 AND provider = 'native')) + 1
                     WHERE id = ?1 RETURNING native_issue_last",
                    [row.project_id],
                    |r| r.get(0),
                )
                .map_err(internal)?;
            let t = Ts(now());
            tx.execute(
                "INSERT INTO issues (project_id, provider, external_id, number, title, description,
                     status, provider_status, assignee, author, created_at, updated_at)
                 VALUES (?1, 'native', ?2, ?3, ?4, ?5, 'open', 'open', ?6, ?7, ?8, ?8)",
                params![
                    row.project_id,
                    format!("#{number}"),
                    number,
                    row.title,
                    row.description,
                    row.assignee,
                    row.author,
                    t
                ],
            )
            .map_err(internal)?;
            let id = tx.last_insert_rowid();
            set_labels(tx, id, &row.labels)?;
            audit::insert(tx, audit.target("issue", id))?;
            emit(tx, IssueEvent::Created, id, None)?;
            find(tx, Viewer::All, id)?
                .ok_or_else(|| CoreError::Internal("inserted issue vanished".into()))
        })
    }

    fn delete_issue(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.write(|tx| {
            // The event carries the issue as it was, so open lists can drop its row.
            emit(tx, IssueEvent::Deleted, id, None)?;
            let n = tx
                .execute("DELETE FROM issues WHERE id = ?1", [id])
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("issue {id}")));
            }
            audit::insert(tx, audit)?;
            Ok(())
        })
    }

    fn update_issue(&self, id: i64, row: &IssueRow, audit: NewAudit) -> CoreResult<Issue> {
        self.write(|tx| {
            let before = issue_events::status(tx, id)?;
            let t = now();
            let closed_at = match row.status {
                IssueStatus::Closed => Some(Ts(t)),
                IssueStatus::Open => None,
            };
            let n = tx
                .execute(
                    "UPDATE issues SET title = ?2, description = ?3, assignee = ?4, status = ?5,
                         provider_status = ?6, updated_at = ?7,
                         closed_at = CASE WHEN ?5 = 'closed' THEN coalesce(closed_at, ?8) END
                     WHERE id = ?1",
                    params![
                        id,
                        row.title,
                        row.description,
                        row.assignee,
                        row.status.as_str(),
                        row.provider_status,
                        Ts(t),
                        closed_at
                    ],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("issue {id}")));
            }
            set_labels(tx, id, &row.labels)?;
            audit::insert(tx, audit)?;
            emit(tx, IssueEvent::change(before, row.status), id, None)?;
            find(tx, Viewer::All, id)?.ok_or_else(|| CoreError::not_found(format!("issue {id}")))
        })
    }

    fn record_pull_request(
        &self,
        project_id: i64,
        issue_id: Option<i64>,
        pr: &IssuePullRequest,
    ) -> CoreResult<()> {
        self.write(|tx| crate::issue_pulls::record(tx, project_id, issue_id, pr))
    }

    fn list_comments(&self, issue_id: i64, page: PageQuery) -> CoreResult<Vec<Comment>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COMMENT_COLUMNS} FROM issue_comments
                     WHERE issue_id = ?1 AND id > ifnull(?2, 0) ORDER BY id LIMIT ?3"
                ))
                .map_err(internal)?;
            let rows = st
                .query_map(params![issue_id, page.after, page.fetch()], comment)
                .map_err(internal)?;
            rows.collect::<Result<_, _>>().map_err(internal)
        })
    }

    fn comment(&self, issue_id: i64, comment_id: i64) -> CoreResult<Option<Comment>> {
        self.read(|c| find_comment(c, issue_id, comment_id))
    }

    fn insert_comment(
        &self,
        issue_id: i64,
        author: &str,
        author_user_id: Option<i64>,
        body: &str,
        audit: NewAudit,
    ) -> CoreResult<Comment> {
        self.write(|tx| {
            let t = Ts(now());
            tx.execute(
                "INSERT INTO issue_comments (issue_id, author, author_user_id, body, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![issue_id, author, author_user_id, body, t],
            )
            .map_err(internal)?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "UPDATE issues SET comments = comments + 1, updated_at = ?2 WHERE id = ?1",
                params![issue_id, t],
            )
            .map_err(internal)?;
            audit::insert(tx, audit.detail(serde_json::json!({ "comment_id": id })))?;
            let c = find_comment(tx, issue_id, id)?
                .ok_or_else(|| CoreError::Internal("inserted comment vanished".into()))?;
            emit(tx, IssueEvent::Commented, issue_id, Some(&c))?;
            Ok(c)
        })
    }

    fn update_comment(
        &self,
        issue_id: i64,
        comment_id: i64,
        body: &str,
        audit: NewAudit,
    ) -> CoreResult<Comment> {
        self.write(|tx| {
            let t = Ts(now());
            let n = tx
                .execute(
                    "UPDATE issue_comments SET body = ?3, updated_at = ?4 WHERE issue_id = ?1 AND id = ?2",
                    params![issue_id, comment_id, body, t],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(CoreError::not_found(format!("comment {comment_id}")));
            }
            tx.execute("UPDATE issues SET updated_at = ?2 WHERE id = ?1", params![issue_id, t])
                .map_err(internal)?;
            audit::insert(tx, audit)?;
            let c = find_comment(tx, issue_id, comment_id)?
                .ok_or_else(|| CoreError::not_found(format!("comment {comment_id}")))?;
            emit(tx, IssueEvent::Updated, issue_id, Some(&c))?;
            Ok(c)
        })
    }
}
