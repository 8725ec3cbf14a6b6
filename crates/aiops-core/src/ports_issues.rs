//! Storage port of issues and their comments. Re-exported from [`crate::ports`].

use aiops_types::{Comment, Issue, IssueStatus, Provider};

use crate::CoreResult;
use crate::page::PageQuery;
use crate::ports::{NewAudit, Viewer};

/// A native issue to create; its number (`#N`) is allocated in the same transaction.
pub struct NewIssueRow {
    /// Project the issue belongs to.
    pub project_id: i64,
    /// Title.
    pub title: String,
    /// Body, Markdown.
    pub description: String,
    /// Labels to attach.
    pub labels: Vec<String>,
    /// Assignee: an aiops user's email; `None` leaves the issue unassigned.
    pub assignee: Option<String>,
    /// Who opened it, as shown on the issue (the author's email).
    pub author: String,
}

/// The full mutable state of an issue, written as a whole by `update_issue`.
pub struct IssueRow {
    /// Title.
    pub title: String,
    /// Body, Markdown.
    pub description: String,
    /// The complete label set; replaces the current one.
    pub labels: Vec<String>,
    /// Assignee: email (native) or the tracker's login; `None` unassigns.
    pub assignee: Option<String>,
    /// Open or closed; closing stamps `closed_at` once.
    pub status: IssueStatus,
    /// The tracker's own state name (`open`, `In Progress`, …).
    pub provider_status: String,
}

/// Which issues `list_issues` returns; every `None` matches all.
#[derive(Debug, Clone, Default)]
pub struct IssueFilter {
    /// Only issues of this tenant's projects.
    pub tenant_id: Option<i64>,
    /// Only issues of this project.
    pub project_id: Option<i64>,
    /// Only issues from this provider (native, GitHub, GitLab, Jira).
    pub provider: Option<Provider>,
    /// None: any status.
    pub status: Option<IssueStatus>,
    /// Only issues with exactly this assignee (email or tracker login).
    pub assignee: Option<String>,
    /// Only issues carrying this label.
    pub label: Option<String>,
    /// An FTS5 query already made safe by the core (quoted words).
    pub fts: Option<String>,
}

/// Issues, their comments and the pull requests recorded for them. Reads only match
/// issues of projects the [`Viewer`] may see.
pub trait IssueStore {
    /// Newest first.
    fn list_issues(
        &self,
        viewer: Viewer,
        filter: &IssueFilter,
        page: PageQuery,
    ) -> CoreResult<Vec<Issue>>;
    /// The issue, or `None` when it does not exist or is not visible.
    fn issue(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Issue>>;
    /// Inserts a native issue with the next `#N` of its project (numbers are never reused,
    /// even after a delete) and status open.
    fn insert_native_issue(&self, row: &NewIssueRow, audit: NewAudit) -> CoreResult<Issue>;
    /// Writes the whole [`IssueRow`]; `NotFound` for an unknown id.
    fn update_issue(&self, id: i64, row: &IssueRow, audit: NewAudit) -> CoreResult<Issue>;
    /// Deletes the issue with its comments and labels (its sessions and automation runs
    /// keep their rows, without the link), appending `issue.deleted`. `NotFound` when it
    /// is gone already.
    fn delete_issue(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// Records a pull request of project `project_id`: for `issue_id` when given (opened
    /// for it), and its new state on every issue of the project it was recorded for
    /// (merged or closed). Each issue whose row changed gets `issue.updated`.
    fn record_pull_request(
        &self,
        project_id: i64,
        issue_id: Option<i64>,
        pr: &aiops_types::IssuePullRequest,
    ) -> CoreResult<()>;
    /// Oldest first.
    fn list_comments(&self, issue_id: i64, page: PageQuery) -> CoreResult<Vec<Comment>>;
    /// The comment `comment_id` of issue `issue_id`, or `None`.
    fn comment(&self, issue_id: i64, comment_id: i64) -> CoreResult<Option<Comment>>;
    /// Also counts the comment on the issue and bumps its `updated_at`.
    fn insert_comment(
        &self,
        issue_id: i64,
        author: &str,
        author_user_id: Option<i64>,
        body: &str,
        audit: NewAudit,
    ) -> CoreResult<Comment>;
    /// Replaces the comment's body and bumps the issue's `updated_at`; `NotFound` when the
    /// issue has no such comment.
    fn update_comment(
        &self,
        issue_id: i64,
        comment_id: i64,
        body: &str,
        audit: NewAudit,
    ) -> CoreResult<Comment>;
}
