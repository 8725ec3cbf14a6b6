//! The tracker port: what the domain needs from GitHub, GitLab and Jira. `aiops-trackers`
//! implements it over HTTP; native issues never reach it.
//!
//! Calls are blocking (the domain runs on blocking threads, see the crate docs). One
//! [`Tracker`] is opened per piece of work (a sync run, one verb) with one credential, and
//! counts the HTTP requests it made so a sync run can record them.
//!
//! Issues are addressed by their `remote_id`: the GitHub issue number, the GitLab issue
//! `iid`, the Jira issue key. Timestamps are UTC; text is Markdown on both sides of the
//! port (Jira's ADF is converted inside the Jira provider).

use std::fmt;

use aiops_types::{IssueStatus, MergeMethod, Provider, PullRequest, PullRequestState, Timestamp};

/// A provider token. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that puts it in a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Where and as whom to talk to a tracker.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Which tracker the base URL and token belong to.
    pub provider: Provider,
    /// API root without a trailing slash: `https://api.github.com`,
    /// `https://github.example.com/api/v3`, `https://gitlab.com`, `https://acme.atlassian.net`.
    pub base_url: String,
    /// The API token, or the personal token of the acting user.
    pub token: Token,
    /// Jira only: the Atlassian account email the API token belongs to (Basic auth).
    pub email: Option<String>,
    /// Jira only: transition names tried, in order, to close and to reopen an issue.
    pub jira_close_transitions: Vec<String>,
    /// Jira only: transition names tried, in order, to reopen an issue.
    pub jira_reopen_transitions: Vec<String>,
}

/// Transition names tried when closing a Jira issue, first match wins (case-insensitive).
pub const JIRA_CLOSE_TRANSITIONS: &[&str] = &["Done", "Close Issue", "Closed", "Resolve Issue"];
/// Transition names tried when reopening a Jira issue.
pub const JIRA_REOPEN_TRANSITIONS: &[&str] = &["Reopen Issue", "Reopen", "To Do", "Backlog"];

/// The project a link points at: `owner/repo` (GitHub), a project path `group/sub/project`
/// or numeric id (GitLab), a project key `PROJ` or `jql:<filter>` (Jira).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The link's `external` text, as in the examples above.
    pub external: String,
}

/// An issue as the tracker reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteIssue {
    /// GitHub number, GitLab iid, Jira key: how the provider addresses the issue.
    pub remote_id: String,
    /// Shown to users: `#12` (GitHub, GitLab) or `PROJ-12` (Jira).
    pub external_id: String,
    /// Title.
    pub title: String,
    /// Markdown.
    pub description: String,
    /// Open or closed, normalised with [`normalise_status`].
    pub status: IssueStatus,
    /// The tracker's own state name (`open`, `closed`, `opened`, `In Progress`, …).
    pub provider_status: String,
    /// Label names.
    pub labels: Vec<String>,
    /// GitHub login, GitLab username, Jira accountId.
    pub assignee: Option<String>,
    /// Who opened it: GitHub login, GitLab username, Jira accountId.
    pub author: Option<String>,
    /// The issue's web page.
    pub url: Option<String>,
    /// Comment count as the tracker reports it (GitLab: user notes only).
    pub comments: u32,
    /// When it was created at the tracker.
    pub created_at: Timestamp,
    /// When it last changed at the tracker; drives the sync cursor.
    pub updated_at: Timestamp,
    /// When it was closed; `None` while open.
    pub closed_at: Option<Timestamp>,
}

/// A comment as the tracker reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteComment {
    /// The tracker's comment (GitLab: note) id.
    pub remote_id: String,
    /// Login / username / display name.
    pub author: String,
    /// Markdown.
    pub body: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it was last edited.
    pub updated_at: Timestamp,
}

/// Fields of a new issue. `assignee` is already a tracker identity (login / accountId).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewRemoteIssue {
    /// Title.
    pub title: String,
    /// Body, Markdown.
    pub description: String,
    /// Labels to set.
    pub labels: Vec<String>,
    /// Login or accountId to assign; `None` leaves it unassigned.
    pub assignee: Option<String>,
}

/// A partial update: `None` leaves a field as it is; `labels` replaces the whole set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteIssuePatch {
    /// New title.
    pub title: Option<String>,
    /// New body, Markdown.
    pub description: Option<String>,
    /// The complete new label set.
    pub labels: Option<Vec<String>>,
}

/// Where the previous sync of a target stopped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncCursor {
    /// Newest `updated_at` seen so far; the next run asks for issues updated since then
    /// (each provider applies its own overlap and de-duplication).
    pub since: Option<Timestamp>,
    /// GitHub: the `ETag` of the first page, sent back as `If-None-Match`.
    pub etag: Option<String>,
}

/// What changed since the cursor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// Every issue updated since the cursor, each once (pull requests excluded).
    pub issues: Vec<RemoteIssue>,
    /// The cursor for the next run.
    pub cursor: SyncCursor,
    /// The tracker answered "unchanged" (GitHub `304`): `issues` is empty.
    pub not_modified: bool,
    /// True when this was a full listing (no `since`): every issue of the target is in
    /// `issues`, so stored issues missing from it were deleted or moved upstream.
    pub complete: bool,
}

/// Why a tracker call failed. Messages are safe to show: they never contain the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackerError {
    /// 401, or 403 that is not a rate limit: the credential is wrong, expired or lacks a scope.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 404 (and GitHub's 410 for deleted issues).
    #[error("not found: {0}")]
    NotFound(String),
    /// 429, or a rate-limit 403, or the remaining quota fell under half: retry after this
    /// many seconds.
    #[error("rate limited; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait before the next call.
        retry_after_secs: u64,
    },
    /// 400/422: the tracker refused the input (message from its error body).
    #[error("refused: {0}")]
    Invalid(String),
    /// Anything else: network error, 5xx, unexpected body.
    #[error("{0}")]
    Upstream(String),
}

/// Result of a [`Tracker`] call.
pub type TrackerResult<T> = Result<T, TrackerError>;

/// One provider client bound to one [`Connection`].
pub trait Tracker: Send {
    /// Checks the credential; returns the identity it acts as (login / username / accountId).
    fn test_connection(&self) -> TrackerResult<String>;
    /// Issues of `target` updated since `cursor.since` (every issue when `since` is None).
    fn changes(&self, target: &Target, cursor: &SyncCursor) -> TrackerResult<Changes>;
    /// The issue `remote_id` of `target`; `NotFound` when it does not exist (GitHub: also
    /// when it is a pull request or was deleted).
    fn get_issue(&self, target: &Target, remote_id: &str) -> TrackerResult<RemoteIssue>;
    /// Creates an issue in `target` and returns it as stored there.
    fn create_issue(&self, target: &Target, issue: &NewRemoteIssue) -> TrackerResult<RemoteIssue>;
    /// Changes the fields `patch` gives and returns the issue as it is now.
    fn update_issue(
        &self,
        target: &Target,
        remote_id: &str,
        patch: &RemoteIssuePatch,
    ) -> TrackerResult<RemoteIssue>;
    /// Closes or reopens (Jira: through the first matching workflow transition).
    fn set_status(
        &self,
        target: &Target,
        remote_id: &str,
        status: IssueStatus,
    ) -> TrackerResult<RemoteIssue>;
    /// Moves the issue into an "in progress" state where the tracker has one (Jira: the
    /// workflow transition into the `indeterminate` status category). `Ok(None)` when the
    /// tracker has no such state (GitHub, GitLab: open is open) or none is offered now.
    fn start_progress(
        &self,
        target: &Target,
        remote_id: &str,
    ) -> TrackerResult<Option<RemoteIssue>> {
        let _ = (target, remote_id);
        Ok(None)
    }
    /// Replaces the assignee; `None` unassigns.
    fn assign(
        &self,
        target: &Target,
        remote_id: &str,
        assignee: Option<&str>,
    ) -> TrackerResult<RemoteIssue>;
    /// Every comment, oldest first, all pages (GitLab: system notes left out).
    fn comments(&self, target: &Target, remote_id: &str) -> TrackerResult<Vec<RemoteComment>>;
    /// Posts a comment (Markdown) on the issue and returns it.
    fn add_comment(
        &self,
        target: &Target,
        remote_id: &str,
        body: &str,
    ) -> TrackerResult<RemoteComment>;
    /// Replaces the body of comment `comment_id` of the issue and returns it.
    fn edit_comment(
        &self,
        target: &Target,
        remote_id: &str,
        comment_id: &str,
        body: &str,
    ) -> TrackerResult<RemoteComment>;
    /// Pull requests (GitHub) / merge requests (GitLab) of `target` in `state` (`None`:
    /// all), newest first, at most `limit`. Jira: `Invalid` (no pull requests).
    fn pull_requests(
        &self,
        target: &Target,
        state: Option<PullRequestState>,
        limit: u32,
    ) -> TrackerResult<Vec<PullRequest>> {
        let _ = (target, state, limit);
        Err(no_pull_requests())
    }
    /// One pull request with what lists leave out: whether the provider would merge it
    /// now and, while it is open, its head commit's checks (see
    /// [`PullRequest::checks`](aiops_types::PullRequest)). `NotFound` for no such number.
    fn pull_request(&self, target: &Target, number: u64) -> TrackerResult<PullRequest> {
        let _ = (target, number);
        Err(no_pull_requests())
    }
    /// Opens a pull (GitHub) or merge (GitLab) request. Jira: `Invalid`.
    fn create_pull_request(
        &self,
        target: &Target,
        pr: &NewPullRequest,
    ) -> TrackerResult<PullRequest> {
        let _ = (target, pr);
        Err(no_pull_requests())
    }
    /// Merges with `method`; with `delete_branch` the source branch is deleted afterwards
    /// (GitHub: `DELETE …/git/refs/heads/<branch>`; GitLab: `should_remove_source_branch`).
    /// A pull request that cannot be merged (conflicts, checks, already closed) is
    /// `Invalid` with the provider's message.
    fn merge_pull_request(
        &self,
        target: &Target,
        number: u64,
        merge: &MergeOptions,
    ) -> TrackerResult<PullRequest> {
        let _ = (target, number, merge);
        Err(no_pull_requests())
    }
    /// Closes without merging.
    fn close_pull_request(&self, target: &Target, number: u64) -> TrackerResult<PullRequest> {
        let _ = (target, number);
        Err(no_pull_requests())
    }
    /// HTTP requests made so far by this client (including `304`s and retries).
    fn requests(&self) -> u32;
}

fn no_pull_requests() -> TrackerError {
    TrackerError::Invalid("this tracker has no pull requests".into())
}

/// Fields of a new pull request. `assignee` is already a tracker identity (login /
/// username).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewPullRequest {
    /// Title.
    pub title: String,
    /// Markdown, the issue link already in it.
    pub description: String,
    /// Branch with the changes.
    pub source: String,
    /// Branch to merge into.
    pub target: String,
    /// Open it as a draft.
    pub draft: bool,
    /// Login or username to assign; `None`: nobody.
    pub assignee: Option<String>,
}

/// How to merge.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeOptions {
    /// Merge commit, squash or rebase.
    pub method: MergeMethod,
    /// Delete the source branch after merging.
    pub delete_branch: bool,
    /// Merge (or squash) commit message; the provider's default when None.
    pub message: Option<String>,
}

/// Opens provider clients; the server holds one for its whole life.
pub trait Trackers: Send + Sync {
    /// `Invalid` when the connection cannot work at all (e.g. a malformed base URL).
    fn open(&self, connection: &Connection) -> TrackerResult<Box<dyn Tracker>>;
}

/// Normalises a provider's state word to open/closed; the one place this mapping lives.
///
/// GitHub: `open`/`closed`. GitLab: `opened`/`closed` (`locked` counts as open). Jira:
/// the status category key, `done` is closed, `new` and `indeterminate` are open.
pub fn normalise_status(provider: Provider, state: &str) -> IssueStatus {
    let s = state.to_ascii_lowercase();
    let closed = match provider {
        Provider::Native | Provider::Github | Provider::Gitlab => s == "closed",
        Provider::Jira => s == "done",
    };
    if closed {
        IssueStatus::Closed
    } else {
        IssueStatus::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_never_prints() {
        let t = Token::new("ghp_secret");
        assert_eq!(format!("{t:?}"), "Token(***)");
        let c = Connection {
            provider: Provider::Github,
            base_url: "https://api.github.com".into(),
            token: t,
            email: None,
            jira_close_transitions: vec![],
            jira_reopen_transitions: vec![],
        };
        assert!(!format!("{c:?}").contains("ghp_secret"));
    }

    #[test]
    fn statuses_normalise_per_provider() {
        assert_eq!(
            normalise_status(Provider::Gitlab, "opened"),
            IssueStatus::Open
        );
        assert_eq!(
            normalise_status(Provider::Gitlab, "closed"),
            IssueStatus::Closed
        );
        assert_eq!(
            normalise_status(Provider::Github, "closed"),
            IssueStatus::Closed
        );
        assert_eq!(
            normalise_status(Provider::Jira, "done"),
            IssueStatus::Closed
        );
        assert_eq!(
            normalise_status(Provider::Jira, "indeterminate"),
            IssueStatus::Open
        );
    }
}
