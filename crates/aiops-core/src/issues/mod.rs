//! Issues and comments, one set of verbs for every provider. Native issues are stored in
//! aiops; tracker-backed ones are changed at the tracker first (as the caller, when they
//! have a personal token) and the stored copy is updated from the tracker's answer.
//!
//! Visibility follows the project: whoever sees a project sees its issues, and an issue
//! the caller may not see is "not found".

use aiops_types::{
    AssignIssue, Comment, CommentBody, CreateIssue, Issue, IssueListParams, IssueStatus, Page,
    Provider, UpdateIssue,
};
use serde_json::json;

use crate::page::PageQuery;
use crate::ports::{
    IntegrationStore, IssueFilter, IssueRow, IssueStore, NewAudit, NewIssueRow, ProjectStore,
    SyncStore, TenantStore, UserStore,
};
use crate::tracker::{NewRemoteIssue, RemoteIssuePatch};
use crate::{CoreError, CoreResult, Principal, projects, tenants};

mod delete;
mod remote;
pub mod workflow;

pub use delete::delete;
pub use view::view;
mod view;
pub(crate) use remote::Remote;
pub use remote::{IssueWritePorts, TrackerAccess};

/// Longest title, characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// Longest description or comment body, bytes (64 KiB).
pub const MAX_BODY_BYTES: usize = 65_536;
/// Most labels on one issue.
pub const MAX_LABELS: usize = 50;
/// Longest label, characters.
pub const MAX_LABEL_CHARS: usize = 100;

fn title(value: &str) -> CoreResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(CoreError::invalid("title", "title must not be empty"));
    }
    if v.chars().count() > MAX_TITLE_CHARS || v.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "title",
            format!("title must be one line of at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(v.to_owned())
}

fn body(field: &'static str, value: &str, required: bool) -> CoreResult<String> {
    if required && value.trim().is_empty() {
        return Err(CoreError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if value.len() > MAX_BODY_BYTES {
        return Err(CoreError::invalid(
            field,
            format!("{field} must be at most {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(value.to_owned())
}

/// Trims, drops empties and duplicates, sorts; refuses control characters, commas and
/// overlong or too many labels.
pub fn labels(values: &[String]) -> CoreResult<Vec<String>> {
    let mut out: Vec<String> = values
        .iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    out.sort();
    out.dedup();
    if out.len() > MAX_LABELS {
        return Err(CoreError::invalid(
            "labels",
            format!("at most {MAX_LABELS} labels"),
        ));
    }
    if let Some(bad) = out.iter().find(|l| {
        l.chars().count() > MAX_LABEL_CHARS || l.contains(',') || l.chars().any(char::is_control)
    }) {
        return Err(CoreError::invalid(
            "labels",
            format!("label `{bad}` must be at most {MAX_LABEL_CHARS} characters, without commas"),
        ));
    }
    Ok(out)
}

/// Turns user text into an FTS5 query that cannot be a syntax error: each word becomes a
/// quoted term (quotes doubled), all terms must match. None when there are no words.
pub fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .take(16)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// For native issues the assignee is an aiops user: their email, checked to exist.
fn native_assignee(store: &impl UserStore, value: Option<&str>) -> CoreResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let email = crate::validate::email(v).map_err(|_| {
        CoreError::invalid(
            "assignee",
            "the assignee of a native issue is a user's email",
        )
    })?;
    match store.user_by_email(&email)? {
        Some(rec) if !rec.user.disabled => Ok(Some(email)),
        _ => Err(CoreError::invalid(
            "assignee",
            format!("no active user {email}"),
        )),
    }
}

fn status_filter(value: Option<&str>) -> CoreResult<Option<IssueStatus>> {
    match value.unwrap_or("open") {
        "all" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| CoreError::invalid("status", "status must be open, closed or all")),
    }
}

/// Issues the caller sees, newest first, filtered by tenant, project, provider, status
/// (default open; `all` for both), assignee, label and words of `q` (full-text search).
/// A session key lists its own project's issues.
pub fn list(
    store: &(impl TenantStore + ProjectStore + IssueStore),
    caller: &Principal,
    params: &IssueListParams,
    page: PageQuery,
) -> CoreResult<Page<Issue>> {
    let tenant_id = match params.tenant.as_deref() {
        Some(t) => Some(tenants::get(store, caller, t)?.id),
        None => None,
    };
    let project_id = match (params.project, caller.session) {
        (Some(id), _) => Some(projects::get(store, caller, id)?.id),
        // A session key lists its own project's issues, named or not.
        (None, Some(g)) => Some(g.project_id),
        (None, None) => None,
    };
    let filter = IssueFilter {
        tenant_id,
        project_id,
        provider: params.provider,
        status: status_filter(params.status.as_deref())?,
        assignee: params.assignee.clone().filter(|a| !a.is_empty()),
        label: params.label.clone().filter(|l| !l.is_empty()),
        fts: params.q.as_deref().and_then(fts_query),
    };
    Ok(page.finish(store.list_issues(caller.viewer(), &filter, page)?, |i| i.id))
}

/// The issue; `NotFound` when the caller cannot see it, `Forbidden` for a session key
/// of another project.
pub fn get(store: &impl IssueStore, caller: &Principal, id: i64) -> CoreResult<Issue> {
    let issue = store
        .issue(caller.viewer(), id)?
        .ok_or_else(|| CoreError::not_found(format!("issue {id}")))?;
    caller.confine_project(issue.project_id)?;
    Ok(issue)
}

/// An issue the caller may change; a tracker issue deleted upstream may not be.
fn get_writable(store: &impl IssueStore, caller: &Principal, id: i64) -> CoreResult<Issue> {
    let issue = get(store, caller, id)?;
    if issue.removed_upstream {
        return Err(CoreError::Conflict(format!(
            "issue {id} was deleted or moved at {}; it is kept read-only",
            issue.provider.as_str()
        )));
    }
    Ok(issue)
}

/// The tracker client of a tracker issue; None for a native one.
fn remote_of(
    store: &(impl UserStore + IntegrationStore + SyncStore),
    access: TrackerAccess<'_>,
    caller: &Principal,
    issue: &Issue,
) -> CoreResult<Option<Remote>> {
    if issue.provider == Provider::Native {
        return Ok(None);
    }
    Remote::for_issue(store, access, caller, issue).map(Some)
}

/// Creates an issue in a project the caller sees: at the project's tracker (see
/// [`CreateIssue::provider`]) or, without one, a native issue.
pub fn create(
    store: &(impl IssueWritePorts + TenantStore + ProjectStore),
    access: TrackerAccess<'_>,
    caller: &Principal,
    req: &CreateIssue,
) -> CoreResult<Issue> {
    let project = projects::get(store, caller, req.project)
        .map_err(|_| CoreError::invalid("project", format!("project {} not found", req.project)))?;
    let new_title = title(&req.title)?;
    let description = body(
        "description",
        req.description.as_deref().unwrap_or(""),
        false,
    )?;
    let new_labels = labels(&req.labels)?;
    let audit = NewAudit::by(caller, "issue.create")
        .detail(json!({ "project_id": project.id, "title": new_title }));
    if let Some(r) = Remote::for_new_issue(store, access, caller, project.id, req)? {
        let new = NewRemoteIssue {
            title: new_title,
            description,
            labels: new_labels,
            assignee: r.identity(store, req.assignee.as_deref())?,
        };
        let created = r
            .tracker
            .create_issue(&r.target(), &new)
            .map_err(|e| r.error(store, None, e))?;
        return r.apply(store, &created, audit);
    }
    let row = NewIssueRow {
        project_id: project.id,
        title: new_title,
        description,
        labels: new_labels,
        assignee: native_assignee(store, req.assignee.as_deref())?,
        author: caller.email.clone(),
    };
    store.insert_native_issue(&row, audit)
}

fn row_of(issue: &Issue) -> IssueRow {
    IssueRow {
        title: issue.title.clone(),
        description: issue.description.clone(),
        labels: issue.labels.clone(),
        assignee: issue.assignee.clone(),
        status: issue.status,
        provider_status: issue.provider_status.clone(),
    }
}

/// Changes the title, description and labels `req` gives; a tracker issue is changed at
/// its tracker first. `Conflict` for an issue deleted or moved upstream; `Invalid` for a
/// field out of bounds.
pub fn update(
    store: &impl IssueWritePorts,
    access: TrackerAccess<'_>,
    caller: &Principal,
    id: i64,
    req: &UpdateIssue,
) -> CoreResult<Issue> {
    let issue = get_writable(store, caller, id)?;
    let audit = NewAudit::by(caller, "issue.update").target("issue", id);
    if let Some(r) = remote_of(store, access, caller, &issue)? {
        let patch = RemoteIssuePatch {
            title: req.title.as_deref().map(title).transpose()?,
            description: req
                .description
                .as_deref()
                .map(|d| body("description", d, false))
                .transpose()?,
            labels: req.labels.as_deref().map(labels).transpose()?,
        };
        let updated = r
            .tracker
            .update_issue(&r.target(), &r.remote_id, &patch)
            .map_err(|e| r.error(store, Some(id), e))?;
        return r.apply(store, &updated, audit);
    }
    let mut row = row_of(&issue);
    if let Some(t) = req.title.as_deref() {
        row.title = title(t)?;
    }
    if let Some(d) = req.description.as_deref() {
        row.description = body("description", d, false)?;
    }
    if let Some(l) = req.labels.as_deref() {
        row.labels = labels(l)?;
    }
    store.update_issue(id, &row, audit)
}

/// Closes or reopens; doing it twice is not an error.
pub fn set_status(
    store: &impl IssueWritePorts,
    access: TrackerAccess<'_>,
    caller: &Principal,
    id: i64,
    status: IssueStatus,
) -> CoreResult<Issue> {
    let issue = get_writable(store, caller, id)?;
    let action = match status {
        IssueStatus::Open => "issue.reopen",
        IssueStatus::Closed => "issue.close",
    };
    let audit = NewAudit::by(caller, action).target("issue", id);
    if let Some(r) = remote_of(store, access, caller, &issue)? {
        // The tracker decides (Jira through its workflow); our copy may be stale.
        let changed = r
            .tracker
            .set_status(&r.target(), &r.remote_id, status)
            .map_err(|e| r.error(store, Some(id), e))?;
        return r.apply(store, &changed, audit);
    }
    if issue.status == status {
        return Ok(issue);
    }
    let row = IssueRow {
        status,
        provider_status: status.as_str().to_owned(),
        ..row_of(&issue)
    };
    store.update_issue(id, &row, audit)
}

/// Moves a tracker issue to "in progress" where its tracker has such a state (Jira);
/// `Ok(None)` for native issues and trackers without one.
pub fn start_progress(
    store: &impl IssueWritePorts,
    access: TrackerAccess<'_>,
    caller: &Principal,
    id: i64,
) -> CoreResult<Option<Issue>> {
    let issue = get_writable(store, caller, id)?;
    let Some(r) = remote_of(store, access, caller, &issue)? else {
        return Ok(None);
    };
    let moved = r
        .tracker
        .start_progress(&r.target(), &r.remote_id)
        .map_err(|e| r.error(store, Some(id), e))?;
    match moved {
        Some(changed) => {
            let audit = NewAudit::by(caller, "issue.start_progress").target("issue", id);
            r.apply(store, &changed, audit).map(Some)
        }
        None => Ok(None),
    }
}

/// Assigns (or, with `None`, unassigns). Native: an aiops user's email. Tracker: a
/// tracker login / accountId, or an aiops user's email mapped through their recorded
/// identity for the integration.
pub fn assign(
    store: &impl IssueWritePorts,
    access: TrackerAccess<'_>,
    caller: &Principal,
    id: i64,
    req: &AssignIssue,
) -> CoreResult<Issue> {
    let issue = get_writable(store, caller, id)?;
    let named = match req.user.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => Some(crate::users::find_active(store, u)?.email),
        None => req.assignee.clone(),
    };
    let req = &AssignIssue {
        assignee: named,
        user: None,
    };
    if let Some(r) = remote_of(store, access, caller, &issue)? {
        let who = r.identity(store, req.assignee.as_deref())?;
        let audit = NewAudit::by(caller, "issue.assign")
            .target("issue", id)
            .detail(json!({ "assignee": who }));
        let changed = r
            .tracker
            .assign(&r.target(), &r.remote_id, who.as_deref())
            .map_err(|e| r.error(store, Some(id), e))?;
        return r.apply(store, &changed, audit);
    }
    let row = IssueRow {
        assignee: native_assignee(store, req.assignee.as_deref())?,
        ..row_of(&issue)
    };
    let audit = NewAudit::by(caller, "issue.assign")
        .target("issue", id)
        .detail(json!({ "assignee": row.assignee }));
    store.update_issue(id, &row, audit)
}

/// The issue's comments, oldest first; `NotFound` when the caller cannot see the issue.
pub fn comments(
    store: &impl IssueStore,
    caller: &Principal,
    id: i64,
    page: PageQuery,
) -> CoreResult<Page<Comment>> {
    let issue = get(store, caller, id)?;
    Ok(page.finish(store.list_comments(issue.id, page)?, |c| c.id))
}

/// Comments as the caller (at a tracker: with their personal token when they have one,
/// so the comment is attributed to them).
pub fn comment(
    store: &impl IssueWritePorts,
    access: TrackerAccess<'_>,
    caller: &Principal,
    id: i64,
    req: &CommentBody,
) -> CoreResult<Comment> {
    let issue = get_writable(store, caller, id)?;
    let text = body("body", &req.body, true)?;
    let audit = NewAudit::by(caller, "issue.comment").target("issue", issue.id);
    if let Some(r) = remote_of(store, access, caller, &issue)? {
        let posted = r
            .tracker
            .add_comment(&r.target(), &r.remote_id, &text)
            .map_err(|e| r.error(store, Some(id), e))?;
        return store.put_remote_comment(issue.id, &posted, Some(caller.user_id), audit);
    }
    store.insert_comment(issue.id, &caller.email, Some(caller.user_id), &text, audit)
}

/// Edits a comment; only the aiops user who wrote it may.
pub fn edit_comment(
    store: &impl IssueWritePorts,
    access: TrackerAccess<'_>,
    caller: &Principal,
    id: i64,
    comment_id: i64,
    req: &CommentBody,
) -> CoreResult<Comment> {
    let issue = get_writable(store, caller, id)?;
    let existing = store
        .comment(issue.id, comment_id)?
        .ok_or_else(|| CoreError::not_found(format!("comment {comment_id} of issue {id}")))?;
    if existing.author_user_id != Some(caller.user_id) {
        return Err(CoreError::Forbidden(
            "only its author may edit a comment".into(),
        ));
    }
    let text = body("body", &req.body, true)?;
    let audit = NewAudit::by(caller, "issue.comment_edit")
        .target("issue", issue.id)
        .detail(json!({ "comment_id": comment_id }));
    if let Some(r) = remote_of(store, access, caller, &issue)? {
        let remote_comment = store.comment_remote_id(comment_id)?.ok_or_else(|| {
            CoreError::Conflict(format!("comment {comment_id} has no tracker id"))
        })?;
        let edited = r
            .tracker
            .edit_comment(&r.target(), &r.remote_id, &remote_comment, &text)
            .map_err(|e| r.error(store, None, e))?;
        return store.put_remote_comment(issue.id, &edited, Some(caller.user_id), audit);
    }
    store.update_comment(issue.id, comment_id, &text, audit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_queries_are_quoted_terms() {
        assert_eq!(
            fts_query("crash on start").unwrap(),
            r#""crash" "on" "start""#
        );
        assert_eq!(fts_query(r#"a"b OR"#).unwrap(), r#""a""b" "OR""#);
        assert!(fts_query("   ").is_none());
    }

    #[test]
    fn labels_are_normalised_and_bounded() {
        let l = labels(&[" bug".into(), "bug".into(), String::new(), "ui".into()]).unwrap();
        assert_eq!(l, ["bug", "ui"]);
        assert!(labels(&["a,b".into()]).is_err());
        assert!(labels(&(0..51).map(|i| i.to_string()).collect::<Vec<_>>()).is_err());
    }

    #[test]
    fn status_filter_defaults_to_open() {
        assert_eq!(status_filter(None).unwrap(), Some(IssueStatus::Open));
        assert_eq!(status_filter(Some("all")).unwrap(), None);
        assert!(status_filter(Some("pending")).is_err());
    }
}
