//! Git write verbs and pull/merge requests (issue 5): `/projects/{id}/git/…` and
//! `/projects/{id}/pulls…`. The read verbs' types (status, files, cat) are in `sessions.rs`.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use time::OffsetDateTime;

use crate::Provider;

/// State of a pull request (GitHub) or merge request (GitLab), normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PullRequestState {
    /// Open (drafts included).
    Open,
    /// Closed without being merged.
    Closed,
    /// Merged.
    Merged,
}

impl PullRequestState {
    /// The lowercase wire name, e.g. `open`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Merged => "merged",
        }
    }
}

/// A GitHub pull request or a GitLab merge request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullRequest {
    /// Where it lives: `github` or `gitlab`.
    pub provider: Provider,
    /// GitHub: the pull request number; GitLab: the merge request `iid`.
    pub number: u64,
    /// The title.
    pub title: String,
    /// The body, Markdown.
    pub description: String,
    /// Open, closed or merged.
    pub state: PullRequestState,
    /// A draft (GitHub draft pull request, GitLab draft merge request).
    pub draft: bool,
    /// The branch with the changes (GitHub `head.ref`, GitLab `source_branch`).
    pub source: String,
    /// The branch it merges into (GitHub `base.ref`, GitLab `target_branch`).
    pub target: String,
    /// Login / username of the author.
    pub author: Option<String>,
    /// Logins / usernames of the assignees.
    pub assignees: Vec<String>,
    /// The web page.
    pub url: String,
    /// The merge commit (or squash commit) once merged.
    pub merge_commit: Option<String>,
    /// When it was opened, as the provider says (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed, as the provider says (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Whether the provider would merge it now: `None` when it has not said (lists never
    /// say; GitHub and GitLab compute it in the background after a push). Only
    /// `GET /projects/{id}/pulls/{number}` of an open pull request fills it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mergeable: Option<bool>,
    /// The provider's own word for it: GitHub `mergeable_state` (`clean`, `dirty`,
    /// `blocked`, `behind`, `unstable`, `draft`, `unknown`), GitLab
    /// `detailed_merge_status` (`mergeable`, `conflict`, `ci_must_pass`, `draft_status`,
    /// `not_approved`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_status: Option<String>,
    /// The head commit's CI checks; `None` when none reported or not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<PullRequestChecks>,
}

/// Overall state of a pull request's checks: any failed → `failure`, else any not done
/// → `pending`, else `success`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChecksState {
    /// No check failed and at least one is queued or running.
    Pending,
    /// Every check passed.
    Success,
    /// At least one check failed, was cancelled or timed out.
    Failure,
}

impl ChecksState {
    /// The lowercase wire name, e.g. `success`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// The checks on a pull request's head commit. GitHub: its check runs
/// (<https://docs.github.com/en/rest/checks/runs#list-check-runs-for-a-git-reference>) and
/// commit statuses (<https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference>),
/// each one check; GitLab: the merge request's `head_pipeline`, one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PullRequestChecks {
    /// The overall state, from the counts.
    pub state: ChecksState,
    /// Checks counted (each ≥ 1 in total).
    pub total: u32,
    /// Failed, cancelled or timed out.
    pub failed: u32,
    /// Queued or running.
    pub pending: u32,
    /// Where they are shown (GitHub: the pull request's Checks tab; GitLab: the pipeline).
    pub url: Option<String>,
}

impl PullRequestChecks {
    /// Counts to a state: any failed → failure, else any pending → pending, else success.
    /// `None` when nothing was counted.
    pub fn from_counts(total: u32, failed: u32, pending: u32, url: Option<String>) -> Option<Self> {
        let state = match (failed, pending) {
            _ if total == 0 => return None,
            (1.., _) => ChecksState::Failure,
            (0, 1..) => ChecksState::Pending,
            (0, 0) => ChecksState::Success,
        };
        Some(Self {
            state,
            total,
            failed,
            pending,
            url,
        })
    }
}

/// How a pull request is merged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MergeMethod {
    /// A merge commit (the default).
    #[default]
    Merge,
    /// The changes squashed into one commit.
    Squash,
    /// The commits rebased onto the target branch.
    Rebase,
}

impl std::str::FromStr for MergeMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "merge" => Ok(Self::Merge),
            "squash" => Ok(Self::Squash),
            "rebase" => Ok(Self::Rebase),
            other => Err(format!("`{other}` is not merge, squash or rebase")),
        }
    }
}

impl MergeMethod {
    /// The lowercase wire name, e.g. `squash`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merge => "merge",
            Self::Squash => "squash",
            Self::Rebase => "rebase",
        }
    }
}

/// `POST /api/v1/projects/{id}/pulls`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"title": "Fix the login timeout", "source": "fix/login-timeout", "target": "main", "draft": false, "issue_id": 1}))]
pub struct CreatePullRequest {
    /// The title.
    pub title: String,
    /// The branch with the changes; pushed already.
    pub source: String,
    /// Default: the repository's default branch.
    #[serde(default)]
    pub target: Option<String>,
    /// Markdown. The issue link ("Closes #N" / the Jira key) is appended when `issue_id`
    /// is given and the text does not mention it yet.
    #[serde(default)]
    pub description: Option<String>,
    /// Open it as a draft.
    #[serde(default)]
    pub draft: bool,
    /// Login / username to assign.
    #[serde(default)]
    pub assignee: Option<String>,
    /// The aiops issue this resolves (linked in the description).
    #[serde(default)]
    pub issue_id: Option<i64>,
    /// `github` or `gitlab` when the project links both.
    #[serde(default)]
    pub provider: Option<Provider>,
}

/// `POST /api/v1/projects/{id}/pulls/{number}/merge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"method": "squash", "delete_branch": true}))]
pub struct MergePullRequest {
    /// Absent: the project's `merge_method`.
    #[serde(default)]
    pub method: Option<MergeMethod>,
    /// Delete the source branch after the merge.
    #[serde(default)]
    pub delete_branch: bool,
    /// The merge (or squash) commit message.
    #[serde(default)]
    pub message: Option<String>,
    /// `github` or `gitlab` when the project links both.
    #[serde(default)]
    pub provider: Option<Provider>,
}

/// Query of the pull request routes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullRequestQuery {
    /// `open` (default), `closed`, `merged` or `all` (list only).
    pub state: Option<String>,
    /// `github` or `gitlab` when the project links both.
    pub provider: Option<Provider>,
}

/// `POST /api/v1/projects/{id}/git/pull`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session": 1, "clean": false}))]
pub struct GitPull {
    /// The session whose worktree to use; default the caller's base clone (a session
    /// key: its own session).
    #[serde(default)]
    pub session: Option<i64>,
    /// Discard local changes (tracked and untracked) before pulling.
    #[serde(default)]
    pub clean: bool,
}

/// `POST /api/v1/projects/{id}/git/push`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session": 1}))]
pub struct GitPush {
    /// The session whose worktree to use; default the caller's base clone (a session
    /// key: its own session).
    #[serde(default)]
    pub session: Option<i64>,
    /// The branch to push. Default: the checked-out branch (pushed to `origin` with the
    /// same name, tracked).
    #[serde(default)]
    pub branch: Option<String>,
}

/// `POST /api/v1/projects/{id}/git/commit`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session": 1, "message": "Fix the login timeout", "files": ["src/login.rs"]}))]
pub struct GitCommit {
    /// The session whose worktree to use; default the caller's base clone (a session
    /// key: its own session).
    #[serde(default)]
    pub session: Option<i64>,
    /// The commit message: not blank, at most 64 KiB, no NUL.
    #[schema(pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$")]
    pub message: String,
    /// Only these paths are staged and committed (relative to the working copy; at most
    /// 1,000, none blank). Empty: every change, untracked files included.
    #[serde(default)]
    pub files: Vec<String>,
    /// Commit the index as it is: what is staged, a partly staged file as staged, nothing
    /// added. `files` must be empty then.
    #[serde(default)]
    pub staged: bool,
}

/// `POST /api/v1/projects/{id}/git/branch` (create) and `…/git/checkout`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session": 1, "name": "fix/login-timeout", "from": "main"}))]
pub struct GitBranch {
    /// The session whose worktree to use; default the caller's base clone (a session
    /// key: its own session).
    #[serde(default)]
    pub session: Option<i64>,
    /// The branch to create or check out.
    pub name: String,
    /// `branch`: start point (default `HEAD`). Ignored by `checkout`.
    #[serde(default)]
    pub from: Option<String>,
}

/// What a write verb did, in a line, and the commit it left checked out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GitResult {
    /// The working copy's directory on the server's host.
    pub path: String,
    /// The branch checked out afterwards.
    pub branch: String,
    /// Full SHA of `HEAD` afterwards (empty in a repository without commits).
    pub head: String,
    /// One line for people: `committed 3 files as 1a2b3c4`, `already up to date`, …
    pub message: String,
}

/// One branch of `GET …/git/branches`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GitBranchInfo {
    /// The branch name (`origin/…` for a remote-tracking branch).
    pub name: String,
    /// Checked out here.
    pub current: bool,
    /// True for a remote-tracking branch (`refs/remotes/origin`), false for a local one
    /// (`refs/heads`).
    pub remote: bool,
    /// The full SHA the branch points at.
    pub commit: String,
    /// The upstream it tracks, short form (`origin/main`); None when it tracks none.
    pub upstream: Option<String>,
}

/// One commit of `GET …/git/log`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GitCommitInfo {
    /// The full commit SHA.
    pub sha: String,
    /// The author's name.
    pub author: String,
    /// The author's email.
    pub email: String,
    /// The author date (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub date: OffsetDateTime,
    /// The first line of the commit message.
    pub subject: String,
}

/// Query of `GET …/git/diff` and `…/git/log`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GitRangeQuery {
    /// The session whose worktree to use; default the caller's base clone (a session
    /// key: its own session).
    pub session: Option<i64>,
    /// diff: compare the working tree with this ref (default: `HEAD`, i.e. uncommitted
    /// changes); log: start from this ref (default `HEAD`).
    pub rev: Option<String>,
    /// diff: staged changes only.
    #[serde(default)]
    pub staged: bool,
    /// log: most commits returned, 1..=500 (default 20).
    pub limit: Option<u32>,
}

/// `GET …/git/diff`: a unified diff, capped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GitDiff {
    /// The unified diff (`git diff` output); empty when nothing differs.
    pub diff: String,
    /// The diff was longer than 1 MiB and was cut.
    pub truncated: bool,
}

/// The workflow verbs of `POST /api/v1/issues/{id}/workflow/{verb}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WorkflowVerb {
    /// Assign to the caller and move to "in progress" where the tracker has it.
    Claim,
    /// A status comment (`message`).
    Progress,
    /// Commit `files` (all changes when empty) with `message`, then comment the short SHA.
    Submit,
    /// A review-request comment.
    Approve,
    /// A summary comment (`message`), then close.
    Complete,
}

impl WorkflowVerb {
    /// The lowercase wire name, e.g. `claim`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claim => "claim",
            Self::Progress => "progress",
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Complete => "complete",
        }
    }
}

/// Body of `POST /api/v1/issues/{id}/workflow/{verb}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"message": "Fix the login timeout", "comment": "Fixed in the linked pull request.", "files": ["src/login.rs"]}))]
pub struct WorkflowRequest {
    /// The comment (progress, approve, complete) or commit message (submit). Required
    /// for progress, submit and complete.
    #[serde(default)]
    pub message: Option<String>,
    /// progress, submit: more text for the comment, after `message` (a blank line
    /// between them).
    #[serde(default)]
    pub comment: Option<String>,
    /// submit: the project the caller means; a 400 when the issue is in another one.
    #[serde(default)]
    pub project: Option<i64>,
    /// submit: the paths to commit (every change when empty).
    #[serde(default)]
    pub files: Vec<String>,
    /// submit: the session whose worktree to commit in (default: the caller's live
    /// session on the issue, else their base clone; a session key: its own session).
    #[serde(default)]
    pub session: Option<i64>,
}

/// What a workflow verb did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkflowResult {
    /// The issue afterwards.
    pub issue: crate::Issue,
    /// The comment it posted, as the caller.
    pub comment: Option<crate::Comment>,
    /// submit: the commit.
    pub commit: Option<GitResult>,
}
