//! Issue worktrees in users' workspaces (`/api/v1/worktrees…`), and what a working copy
//! holds: its git status and files (`/api/v1/projects/{id}/git/status|files|cat`).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One issue worktree in a user's workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Worktree {
    /// The project it is a worktree of.
    pub project_id: i64,
    /// `tenant/project`.
    pub project: String,
    /// The id of the user whose workspace holds it.
    pub user_id: i64,
    /// The directory name under the project's `worktrees/` (what `remove` takes).
    pub name: String,
    /// The worktree's directory, on the machine named by `host`.
    pub path: String,
    /// The session host it is on (issue 23); none: the control plane's machine.
    #[serde(default)]
    pub host: Option<String>,
    /// The branch checked out in it.
    pub branch: String,
    /// Changed or untracked files (the context file is excluded, so it is not here).
    pub dirty: Vec<String>,
    /// The live session working in it, if any; without one the worktree is stale.
    pub session_id: Option<i64>,
}

/// Query of `GET /api/v1/worktrees`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorktreeListParams {
    /// Admins: every user's worktrees.
    #[serde(default)]
    pub all_users: bool,
    /// Only worktrees without a live session.
    #[serde(default)]
    pub stale: bool,
}

/// `POST /api/v1/worktrees/remove`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"project_id": 1, "name": "aiops-1-fix-login", "force": false}))]
pub struct RemoveWorktree {
    /// The project it is a worktree of.
    pub project_id: i64,
    /// The worktree's directory name under the project's `worktrees/`.
    pub name: String,
    /// Admins: another user's worktree.
    #[serde(default)]
    pub user_id: Option<i64>,
    /// The session host it is on, as the list shows it; none: the control plane's
    /// machine.
    #[serde(default)]
    pub host: Option<String>,
    /// Remove even with uncommitted changes (they are lost).
    #[serde(default)]
    pub force: bool,
}

/// `GET /api/v1/projects/{id}/git/status`: the caller's base clone, or a session's worktree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GitStatus {
    /// Where it was read.
    pub path: String,
    /// Empty when detached.
    pub branch: String,
    /// `origin/<branch>` when the branch tracks one.
    pub upstream: Option<String>,
    /// Commits on the branch not on its upstream.
    pub ahead: u32,
    /// Commits on the upstream not on the branch.
    pub behind: u32,
    /// Changed tracked files: `XY path` as `git status --porcelain` shows them.
    pub changed: Vec<String>,
    /// Untracked files (the context file is excluded from git, so never here).
    pub untracked: Vec<String>,
}

/// Which working copy a git verb reads: a session's worktree, else the caller's base clone.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GitWhere {
    /// The session whose worktree to read; default the caller's base clone.
    pub session: Option<i64>,
    /// A path relative to the working copy's root (`files`, `cat`).
    pub path: Option<String>,
}

/// One entry of `GET …/git/files`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileEntry {
    /// The entry's name (not a path).
    pub name: String,
    /// `file`, `dir` or `symlink`.
    pub kind: String,
    /// Bytes (files only).
    pub size: Option<u64>,
}

/// `GET …/git/cat`: one file of the working copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FileContent {
    /// The file's path, relative to the working copy's root.
    pub path: String,
    /// The file's size in bytes.
    pub size: u64,
    /// UTF-8 text (invalid bytes replaced), at most 1 MiB.
    pub text: String,
    /// The file is over 1 MiB and `text` holds its first part only.
    pub truncated: bool,
}
