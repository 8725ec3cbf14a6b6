//! The working-copy port: git verbs on a base clone or a session's worktree (issue 5).
//! `aiops-exec` implements it with the hardened git wrapper; the domain decides which
//! directory, which identity and which credentials.

use std::path::{Path, PathBuf};

use aiops_types::{FileContent, FileEntry, GitBranchInfo, GitCommitInfo, GitDiff, GitStatus};

use crate::CoreResult;

/// Where and as whom a git verb runs. Serialized only to reach a session host's git
/// (issue 23), inside SSH.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct GitContext {
    /// The working copy (base clone or worktree).
    pub dir: PathBuf,
    /// The project's repository is a path on the server's disk (set by an admin), so the
    /// `file` transport is allowed.
    pub allow_file: bool,
    /// Author and committer identity (`GIT_AUTHOR_NAME`, …).
    pub env: Vec<(String, String)>,
    /// Key and host keys when the repository is reached over ssh.
    pub ssh: Option<crate::ssh::SshMaterial>,
}

/// Git on the machine where working copies live. Errors: `Invalid` for input refused
/// before git ran (a bad ref, a path out of the working copy, nothing to commit),
/// `Conflict` when the working copy's state stops the verb (local changes, a diverged
/// branch, git's own refusal with its message), `Upstream` when a remote did not answer
/// in time.
pub trait WorkingCopies: Send + Sync {
    /// Branch, upstream, ahead/behind counts, changed and untracked files (`git status`).
    fn status(&self, ctx: &GitContext) -> CoreResult<GitStatus>;
    /// Directory `rel` of the working copy; `Invalid` for a path that leads out of it.
    fn list_files(&self, ctx: &GitContext, rel: &str) -> CoreResult<Vec<FileEntry>>;
    /// File `rel` (at most 1 MiB); `Invalid` for a path that leads out.
    fn read_file(&self, ctx: &GitContext, rel: &str) -> CoreResult<FileContent>;
    /// Fetch and fast-forward; refuses local changes unless `clean` discards them.
    fn pull(&self, ctx: &GitContext, clean: bool) -> CoreResult<String>;
    /// Pushes `branch` to `origin` under the same name and tracks it.
    fn push(&self, ctx: &GitContext, branch: &str) -> CoreResult<String>;
    /// Commits `paths` only (every change when empty) with `message`; says what it
    /// committed (the caller reads the new `head`).
    fn commit(&self, ctx: &GitContext, message: &str, paths: &[String]) -> CoreResult<String>;
    /// Commits what is staged, as staged (nothing added); `Invalid` when nothing is.
    fn commit_staged(&self, ctx: &GitContext, message: &str) -> CoreResult<String>;
    /// Creates branch `name` at `from` (default `HEAD`) without checking it out; says what
    /// it did.
    fn create_branch(&self, ctx: &GitContext, name: &str, from: Option<&str>)
    -> CoreResult<String>;
    /// Checks out branch `name` (a branch only on `origin` becomes a local one tracking it);
    /// `Conflict` when local changes would be overwritten.
    fn checkout(&self, ctx: &GitContext, name: &str) -> CoreResult<String>;
    /// Local branches, then `origin`'s, by name.
    fn branches(&self, ctx: &GitContext) -> CoreResult<Vec<GitBranchInfo>>;
    /// The newest `limit` commits (at most 500) reachable from `rev` (default `HEAD`); none
    /// in a repository without commits.
    fn log(
        &self,
        ctx: &GitContext,
        rev: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<GitCommitInfo>>;
    /// Unified diff of the working tree against `rev` (default `HEAD`), or of the index when
    /// `staged`; cut at 1 MiB (`truncated`).
    fn diff(&self, ctx: &GitContext, rev: Option<&str>, staged: bool) -> CoreResult<GitDiff>;
    /// The checked-out branch (empty when detached) and the SHA of `HEAD`.
    fn head(&self, ctx: &GitContext) -> CoreResult<(String, String)>;
    /// The branch names of the repository at `url`, reached as `ctx` says (its `ssh`
    /// material, `allow_file`); `Upstream` with git's own message when it cannot.
    fn remote_branches(&self, ctx: &GitContext, url: &str) -> CoreResult<Vec<String>>;
    /// What the working copy changed against `default_branch` (see [`RawChanges`]).
    fn changes(&self, ctx: &GitContext, default_branch: &str) -> CoreResult<RawChanges>;
    /// Stages `paths` (every change when empty).
    fn stage(&self, ctx: &GitContext, paths: &[String]) -> CoreResult<()>;
    /// Unstages `paths` (every staged change when empty), keeping the working tree.
    fn unstage(&self, ctx: &GitContext, paths: &[String]) -> CoreResult<()>;
    /// The host keys `host:port` offers (`ssh-keyscan`), as `<type> <base64>` lines.
    /// `Upstream` when the host does not answer.
    fn scan_host_keys(&self, host: &str, port: u16) -> CoreResult<Vec<String>>;
}

/// One commit of a repository made from nothing ([`RepoSeeder`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedCommit {
    /// The commit message.
    pub message: String,
    /// Author (and committer) name.
    pub author_name: String,
    /// Author (and committer) email.
    pub author_email: String,
    /// Author and committer date, seconds since the Unix epoch, UTC (fixed, so the same
    /// seed gives the same SHAs).
    pub date_unix: i64,
    /// Files to write before committing: path relative to the repository, and content.
    pub files: Vec<(String, String)>,
}

/// Makes local repositories from scratch (`aiops admin seed-demo`). `aiops-exec`
/// implements it with its git wrapper.
pub trait RepoSeeder {
    /// Creates the bare repository `dest` whose `branch` holds `commits`, oldest first.
    /// `Conflict` when `dest` already exists; `Invalid` for a file path that leads out of
    /// the repository.
    fn create_repo(&self, dest: &Path, branch: &str, commits: &[SeedCommit]) -> CoreResult<()>;
}

/// A working copy's changes as git prints them, for `crate::changes` to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RawChanges {
    /// Branch checked out in the working copy.
    pub branch: String,
    /// `origin/<default>`, the local default branch, or `HEAD`.
    pub base_ref: String,
    /// The merge-base SHA.
    pub base: String,
    /// SHA of `HEAD`.
    pub head: String,
    /// Commits since the base.
    pub commits: u32,
    /// `git diff --numstat -z -M <base>`.
    pub numstat: String,
    /// `git diff -M <base>` (cut at a size limit: `patch_truncated`).
    pub patch: String,
    /// The patch was cut at the size limit.
    pub patch_truncated: bool,
    /// `git status --porcelain=v1 -z --untracked-files=all`.
    pub status: String,
    /// Untracked paths with their text when small and not binary.
    pub untracked: Vec<(String, Option<String>)>,
}
