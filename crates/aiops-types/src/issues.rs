//! Issues from every tracker (native, GitHub, GitLab, Jira) behind one shape, and their
//! comments. Issues are addressed by aiops's own `id` everywhere; the provider's number
//! or key is `external_id`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// Where an issue lives. `native` issues are stored in aiops itself (a project without a
/// tracker still has issues).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Stored in aiops itself.
    Native,
    /// GitHub issues and pull requests.
    Github,
    /// GitLab issues and merge requests.
    Gitlab,
    /// Jira issues.
    Jira,
}

impl Provider {
    /// The lowercase wire name, e.g. `github`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Github => "github",
            Self::Gitlab => "gitlab",
            Self::Jira => "jira",
        }
    }
}

impl std::str::FromStr for Provider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "native" => Ok(Self::Native),
            "github" => Ok(Self::Github),
            "gitlab" => Ok(Self::Gitlab),
            "jira" => Ok(Self::Jira),
            other => Err(format!(
                "unknown provider `{other}` (expected native, github, gitlab or jira)"
            )),
        }
    }
}

/// Normalised state; the provider's own word is in `provider_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssueStatus {
    /// Open.
    Open,
    /// Closed (at the tracker or in aiops), or removed upstream.
    Closed,
}

impl IssueStatus {
    /// The lowercase wire name, e.g. `open`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

impl std::str::FromStr for IssueStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "open" => Ok(Self::Open),
            "closed" => Ok(Self::Closed),
            other => Err(format!(
                "unknown status `{other}` (expected open or closed)"
            )),
        }
    }
}

/// An issue of a project, from its tracker or native to aiops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Issue {
    /// aiops's id of the issue: what every route and command takes.
    pub id: i64,
    /// The id of the project it belongs to.
    pub project_id: i64,
    /// The slug of that project.
    pub project_slug: String,
    /// The slug of that project's tenant.
    pub tenant_slug: String,
    /// Where the issue lives.
    pub provider: Provider,
    /// `#12` (native, GitHub, GitLab) or `PROJ-12` (Jira).
    pub external_id: String,
    /// The title, one line.
    pub title: String,
    /// The body, Markdown.
    pub description: String,
    /// Open or closed, normalised across trackers.
    pub status: IssueStatus,
    /// The tracker's own state name (`open`, `closed`, `In Progress`, …).
    pub provider_status: String,
    /// The issue's labels.
    pub labels: Vec<String>,
    /// Email (native) or the tracker's login / account name.
    pub assignee: Option<String>,
    /// Who opened it: email (native) or the tracker's login / account name.
    pub author: Option<String>,
    /// Web page of the issue at the tracker; none for native issues.
    pub url: Option<String>,
    /// Number of comments.
    pub comments: u32,
    /// When it was opened (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it was closed (RFC 3339, UTC); absent while open.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// The issue was deleted or moved at its tracker: kept here, closed, and marked.
    #[serde(default)]
    pub removed_upstream: bool,
    /// The tracker integration the issue came through; `null` for native issues.
    #[serde(default)]
    pub integration_id: Option<i64>,
    /// The newest session on the issue that is still live (starting, running or
    /// waiting), whoever started it.
    #[serde(default)]
    pub live_session: Option<IssueSession>,
    /// The newest pull request aiops opened for the issue, in the state aiops last saw
    /// (one opened at the code host directly is not known).
    #[serde(default)]
    pub pull_request: Option<IssuePullRequest>,
}

/// A live session on an issue, as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IssueSession {
    /// The session's id.
    pub id: i64,
    /// The tool it runs (`claude`, `codex`, `aider`, `shell`, …).
    pub tool: String,
    /// The session's state: `starting`, `running` or `waiting`.
    pub state: crate::SessionState,
}

/// A pull request (GitHub) or merge request (GitLab) opened through aiops for an issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IssuePullRequest {
    /// `github` or `gitlab`.
    pub provider: Provider,
    /// GitHub: the number; GitLab: the merge request `iid`.
    pub number: u64,
    /// The pull request's web page.
    pub url: String,
    /// Open, closed or merged, as aiops last saw it.
    pub state: crate::PullRequestState,
}

/// A comment on an issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    /// The comment's id in aiops.
    pub id: i64,
    /// The issue it is on.
    pub issue_id: i64,
    /// Who wrote it: email (native) or the tracker's login / account name.
    pub author: String,
    /// The aiops user who wrote it through aiops, when known (only they may edit it).
    pub author_user_id: Option<i64>,
    /// Markdown.
    pub body: String,
    /// When it was written (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was last edited (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /api/v1/issues`
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"project": 1, "title": "Login times out after 30 s", "description": "Steps: sign in, wait.", "labels": ["bug"]}))]
#[serde(deny_unknown_fields)]
pub struct CreateIssue {
    /// Project id.
    pub project: i64,
    /// Where to create it. Default: the project's tracker when it has exactly one link,
    /// else native. `native` always creates an aiops issue.
    #[serde(default)]
    pub provider: Option<Provider>,
    /// 1..=500 characters.
    pub title: String,
    /// The body, Markdown, at most 65,536 bytes.
    #[serde(default)]
    pub description: Option<String>,
    /// At most 50 labels of at most 100 characters each, without commas.
    #[serde(default)]
    pub labels: Vec<String>,
    /// A native issue: an aiops user's email; a tracker's: their login or account id, or
    /// an aiops user's email (mapped to the login they recorded).
    #[serde(default)]
    pub assignee: Option<String>,
    /// The integration whose link receives the issue, when the project has several
    /// (`aiops integrations list`); with `provider`, both must agree.
    #[serde(default)]
    pub integration: Option<i64>,
}

/// `PATCH /api/v1/issues/{id}`. Absent fields are left as they are; `labels` replaces the
/// whole set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"title": "Login times out after 30 s", "labels": ["bug", "auth"]}))]
#[serde(deny_unknown_fields)]
pub struct UpdateIssue {
    /// A new title, one line of 1..=500 characters.
    #[serde(default)]
    pub title: Option<String>,
    /// A new body, Markdown, at most 65,536 bytes.
    #[serde(default)]
    pub description: Option<String>,
    /// The new set of labels (at most 50 of at most 100 characters, without commas).
    #[serde(default)]
    pub labels: Option<Vec<String>>,
}

/// `PUT /api/v1/issues/{id}/assignee`: `null` (and no `user`) unassigns.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"assignee": "ada@example.com"}))]
#[serde(deny_unknown_fields)]
pub struct AssignIssue {
    /// A native issue: an aiops user's email; a tracker's: their login or account id, or
    /// an aiops user's email (mapped to the login they recorded).
    pub assignee: Option<String>,
    /// An aiops user by id or email, mapped as `assignee` maps an email; wins over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// `POST /api/v1/issues/{id}/comments` and `PATCH …/comments/{comment_id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"body": "Reproduced on main; the fix is in progress."}))]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// Markdown, 1..=65,536 bytes.
    pub body: String,
}

/// Which issues `GET /api/v1/issues` returns; newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssueListParams {
    /// Tenant id or slug.
    pub tenant: Option<String>,
    /// Project id.
    pub project: Option<i64>,
    /// Only issues of this provider.
    pub provider: Option<Provider>,
    /// `open` (default), `closed` or `all`.
    pub status: Option<String>,
    /// Only issues with exactly this assignee (as `assignee` shows it).
    pub assignee: Option<String>,
    /// Only issues carrying this label.
    pub label: Option<String>,
    /// Full-text search over title and description (SQLite FTS5 query words).
    pub q: Option<String>,
    /// Rows per page, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `GET /api/v1/issues/{id}/view`: an issue with its description and comments rendered
/// to sanitized HTML (see `aiops_core::markdown`), for pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IssueView {
    /// The issue.
    pub issue: Issue,
    /// The description rendered to sanitized HTML.
    pub description_html: String,
    /// Oldest first (at most 1,000).
    pub comments: Vec<RenderedComment>,
}

/// A comment with its body rendered to sanitized HTML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RenderedComment {
    /// The comment (its fields inline in the JSON).
    #[serde(flatten)]
    pub comment: Comment,
    /// The body rendered to sanitized HTML.
    pub body_html: String,
}
