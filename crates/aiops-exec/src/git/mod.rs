//! git, hardened in one place: argv only, `--end-of-options`/`--` before every
//! user-supplied ref, path or URL, branch names checked with git's own
//! `check-ref-format` rules for `refs/heads/<name>` (and a leading `-` refused before that), and an
//! environment that never prompts and only speaks the allowed protocols
//! (`GIT_ALLOW_PROTOCOL`, `GIT_TERMINAL_PROMPT=0`, `GIT_PROTOCOL_FROM_USER=0`; see
//! git(1), "ENVIRONMENT VARIABLES"). Every call has a timeout; stderr comes back redacted.

use std::path::Path;
use std::time::Duration;

use crate::process::{ExecError, Output, Spec};

mod changes;
mod history;
mod status;
mod write;

pub use history::{Branch, Commit};
pub use status::{RepoStatus, parse_status};

/// Local commands (status, branch, worktree) finish in well under this.
pub const LOCAL_TIMEOUT: Duration = Duration::from_secs(60);
/// Network commands (clone, fetch, push).
pub const NETWORK_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// A ref, path or URL refused before git ran.
    #[error("{0}")]
    Invalid(String),
    /// The working copy's state stops the verb (local changes, a diverged branch, an
    /// existing branch).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// A file git keeps (e.g. `info/exclude`) could not be read or written.
    #[error("{0}")]
    Io(String),
}

/// How git may reach remotes.
#[derive(Debug, Clone, Default)]
pub struct Git {
    /// Also allow `file` (local paths and bare repositories): only for repositories an
    /// admin configured on the server's own disk.
    pub allow_file: bool,
    /// Extra environment, e.g. `GIT_SSH_COMMAND` or the author identity.
    pub env: Vec<(String, String)>,
}

impl Git {
    fn spec(&self, dir: Option<&Path>, timeout: Duration) -> Spec {
        let protocols = if self.allow_file {
            "https:ssh:file"
        } else {
            "https:ssh"
        };
        let mut spec = Spec::new("git", timeout)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_PROTOCOL_FROM_USER", "0")
            .env("GIT_ALLOW_PROTOCOL", protocols)
            // Messages in English whatever the server's locale, so errors read the same.
            .env("LC_ALL", "C")
            // Reads (status, diff) take no optional `index.lock`: a UI refreshing a
            // session's changes never makes the agent's `git add` or a commit fail.
            .env("GIT_OPTIONAL_LOCKS", "0");
        for (k, v) in &self.env {
            spec = spec.env(k, v.as_str());
        }
        if let Some(dir) = dir {
            // A main repository's common dir is its `.git`, whatever a `commondir` file a
            // sandboxed agent may have put there says (gitrepository-layout(5)).
            let git_dir = dir.join(".git");
            if git_dir.is_dir() {
                spec = spec.env("GIT_COMMON_DIR", git_dir.as_os_str());
            }
            spec = spec.arg("-C").arg(dir.as_os_str());
        }
        // Working copies are an agent's to write, and git runs programs that a
        // repository's config or a nested repository names; aiops's git runs outside the
        // sandbox, so never the fsmonitor hook, and never `git status` inside
        // submodules (each has a config of its own). See git-config(1).
        spec.args([
            "-c",
            "core.fsmonitor=false",
            "-c",
            "diff.ignoreSubmodules=all",
        ])
    }

    /// Checks a branch name the way `git branch` does (`git check-ref-format
    /// refs/heads/<name>`, and neither `HEAD` nor `@`), after refusing a leading `-` (which git would
    /// read as an option) and a full ref name (`refs/…`). `--branch` mode is not used: it
    /// expands `@` and `@{-1}`.
    pub fn check_branch(&self, name: &str) -> Result<(), GitError> {
        if name.is_empty()
            || name.starts_with('-')
            || name == "HEAD"
            || name == "@"
            || name.chars().any(char::is_control)
        {
            return Err(GitError::Invalid(format!(
                "`{name}` is not a valid branch name"
            )));
        }
        // git would accept it as a branch literally named `refs/heads/…`
        // (`refs/heads/refs/heads/…`), which later reads as another ref or ambiguously.
        if name.starts_with("refs/") {
            let short = name.strip_prefix("refs/heads/").unwrap_or(name);
            return Err(GitError::Invalid(format!(
                "`{name}` is a full ref name; give the branch name alone (e.g. `{short}`), without refs/"
            )));
        }
        match self
            .spec(None, LOCAL_TIMEOUT)
            .arg("check-ref-format")
            .arg(format!("refs/heads/{name}"))
            .run()
        {
            Ok(_) => Ok(()),
            Err(ExecError::Failed { .. }) => Err(GitError::Invalid(format!(
                "`{name}` is not a valid branch name"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// `git clone --end-of-options <url> <dest>`, after [`check_url`].
    pub fn clone(&self, url: &str, dest: &Path) -> Result<Output, GitError> {
        check_url(url, self.allow_file)?;
        Ok(self
            .spec(None, NETWORK_TIMEOUT)
            .args(["clone", "--quiet", "--end-of-options"])
            .arg(url)
            .arg(dest.as_os_str())
            .run()?)
    }

    /// The branches of the repository at `url` (`git ls-remote --heads`), after
    /// [`check_url`]; bounded by `timeout` (a check, not a clone).
    pub fn remote_branches(&self, url: &str, timeout: Duration) -> Result<Vec<String>, GitError> {
        check_url(url, self.allow_file)?;
        let out = self
            .spec(None, timeout)
            .args(["ls-remote", "--heads", "--end-of-options"])
            .arg(url)
            .run()?;
        Ok(out
            .stdout
            .lines()
            .filter_map(|l| l.split('\t').nth(1)?.strip_prefix("refs/heads/"))
            .map(str::to_owned)
            .collect())
    }

    /// `git init --quiet --initial-branch=<branch> -- <dir>`: a new, empty repository with
    /// a work tree (git creates `dir` and its parents).
    pub fn init(&self, dir: &Path, branch: &str) -> Result<Output, GitError> {
        self.check_branch(branch)?;
        Ok(self
            .spec(None, LOCAL_TIMEOUT)
            .args(["init", "--quiet"])
            .arg(format!("--initial-branch={branch}"))
            .arg("--")
            .arg(dir.as_os_str())
            .run()?)
    }

    /// `git clone --bare` of the repository at the local path `src` into `dest`: a
    /// repository others clone from and push to (a non-bare one refuses pushes to its
    /// checked-out branch). Always allows the `file` transport, whatever `allow_file`.
    pub fn clone_bare(&self, src: &Path, dest: &Path) -> Result<Output, GitError> {
        let local = Git {
            allow_file: true,
            env: self.env.clone(),
        };
        Ok(local
            .spec(None, LOCAL_TIMEOUT)
            .args(["clone", "--quiet", "--bare", "--end-of-options"])
            .arg(src.as_os_str())
            .arg(dest.as_os_str())
            .run()?)
    }

    /// A new worktree at `path` on a new branch `branch` started from `base`.
    pub fn worktree_add(
        &self,
        repo: &Path,
        path: &Path,
        branch: &str,
        base: &str,
    ) -> Result<Output, GitError> {
        self.check_branch(branch)?;
        if base.starts_with('-') {
            return Err(GitError::Invalid(format!("`{base}` is not a valid ref")));
        }
        Ok(self
            .spec(Some(repo), LOCAL_TIMEOUT)
            .args([
                "worktree",
                "add",
                "--quiet",
                "-b",
                branch,
                "--end-of-options",
            ])
            .arg(path.as_os_str())
            .arg(base)
            .run()?)
    }

    /// Adds `pattern` (one line, e.g. `/AGENTS.override.md`) to the `info/exclude` file of
    /// the repository or worktree at `dir`, once, so it is never committed. For a worktree
    /// git shares `info/exclude` with the main repository (`git rev-parse --git-path`).
    pub fn exclude(&self, dir: &Path, pattern: &str) -> Result<(), GitError> {
        if pattern.is_empty() || pattern.contains(['\n', '\r']) {
            return Err(GitError::Invalid(format!(
                "`{pattern}` is not one exclude pattern"
            )));
        }
        let out = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args([
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                "info/exclude",
            ])
            .run()?;
        let path = std::path::PathBuf::from(out.stdout.trim());
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        // Exact lines: a trimmed comparison took ` x` for `x` (they differ in gitignore).
        if current.lines().any(|l| l == pattern) {
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| GitError::Io(format!("cannot create {}: {e}", parent.display())))?;
        }
        let mut text = current;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(pattern);
        text.push('\n');
        std::fs::write(&path, text)
            .map_err(|e| GitError::Invalid(format!("cannot write {}: {e}", path.display())))
    }

    /// Paths git reports as changed or untracked in `dir` (`status --porcelain`).
    pub fn dirty_paths(&self, dir: &Path) -> Result<Vec<String>, GitError> {
        let out = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["status", "--porcelain=v1", "--untracked-files=all"])
            .run()?;
        Ok(out
            .stdout
            .lines()
            .filter_map(|l| l.get(3..).map(str::to_owned))
            .collect())
    }

    /// The branch checked out in `dir`.
    pub fn current_branch(&self, dir: &Path) -> Result<String, GitError> {
        let out = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["symbolic-ref", "--quiet", "--short", "HEAD"])
            .run()?;
        Ok(out.stdout.trim().to_owned())
    }

    /// `git fetch --quiet --prune origin` in `repo`.
    pub fn fetch(&self, repo: &Path) -> Result<Output, GitError> {
        Ok(self
            .spec(Some(repo), NETWORK_TIMEOUT)
            .args(["fetch", "--quiet", "--prune", "origin"])
            .run()?)
    }

    /// Whether `refname` (a full ref such as `refs/heads/aiops/12-x`) exists in `repo`.
    /// `Invalid` for revision syntax (`~`, `^`, `:`, `@{`, `..`) and control characters:
    /// `rev-parse` would otherwise answer for another commit (`refs/heads/main~1`).
    pub fn ref_exists(&self, repo: &Path, refname: &str) -> Result<bool, GitError> {
        if !refname.starts_with("refs/")
            || refname.contains(['~', '^', ':'])
            || refname.contains("@{")
            || refname.contains("..")
            || refname.chars().any(char::is_control)
        {
            return Err(GitError::Invalid(format!(
                "`{refname}` is not a full ref name"
            )));
        }
        match self
            .spec(Some(repo), LOCAL_TIMEOUT)
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{refname}^{{commit}}"))
            .run()
        {
            Ok(_) => Ok(true),
            Err(ExecError::Failed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// A new worktree at `path` on the existing branch `branch`. Only a local branch:
    /// given another name (`origin/x`, a tag, a SHA) git would check out a detached HEAD
    /// or create a branch from a remote one.
    pub fn worktree_add_existing(
        &self,
        repo: &Path,
        path: &Path,
        branch: &str,
    ) -> Result<Output, GitError> {
        self.check_branch(branch)?;
        if !self.ref_exists(repo, &format!("refs/heads/{branch}"))? {
            return Err(GitError::Invalid(format!(
                "there is no branch `{branch}` here"
            )));
        }
        Ok(self
            .spec(Some(repo), LOCAL_TIMEOUT)
            .args(["worktree", "add", "--quiet", "--end-of-options"])
            .arg(path.as_os_str())
            .arg(branch)
            .run()?)
    }

    /// The worktrees of `repo` other than the main one: (path, branch) from
    /// `git worktree list --porcelain`; a detached worktree has an empty branch.
    pub fn worktrees(&self, repo: &Path) -> Result<Vec<(std::path::PathBuf, String)>, GitError> {
        let out = self
            .spec(Some(repo), LOCAL_TIMEOUT)
            .args(["worktree", "list", "--porcelain"])
            .run()?;
        let mut list = Vec::new();
        for block in out.stdout.split("\n\n").skip(1) {
            let mut path = None;
            let mut branch = String::new();
            for line in block.lines() {
                if let Some(p) = line.strip_prefix("worktree ") {
                    path = Some(std::path::PathBuf::from(p));
                } else if let Some(b) = line.strip_prefix("branch refs/heads/") {
                    branch = b.to_owned();
                }
            }
            if let Some(p) = path {
                list.push((p, branch));
            }
        }
        Ok(list)
    }

    /// `git worktree remove [--force] -- <path>`: refuses a worktree with changes unless
    /// `force`. The branch is kept (it may hold commits not pushed yet).
    pub fn worktree_remove(&self, repo: &Path, path: &Path, force: bool) -> Result<(), GitError> {
        let mut spec = self
            .spec(Some(repo), LOCAL_TIMEOUT)
            .args(["worktree", "remove"]);
        if force {
            spec = spec.arg("--force");
        }
        spec.arg("--").arg(path.as_os_str()).run()?;
        Ok(())
    }
}

/// Checks a repository URL before git sees it: `https://…`, `ssh://…` or scp-like
/// `user@host:path`; with `allow_file` also an absolute path or `file://…`. Refused:
/// anything starting with `-`, a user or host starting with `-`, bracketed or not (git
/// would pass `user@host` to ssh as an option, CVE-2017-1000117), control characters
/// and whitespace, and every other transport (`ext::`, `fd::`, `git://`, …;
/// `GIT_ALLOW_PROTOCOL` refuses them again).
pub fn check_url(url: &str, allow_file: bool) -> Result<(), GitError> {
    let bad = || GitError::Invalid(format!("`{url}` is not a repository URL aiops can use"));
    if url.is_empty()
        || url.starts_with('-')
        || url.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(bad());
    }
    let host_ok = |rest: &str| {
        let authority = rest.split('/').next().unwrap_or("");
        let host = authority.rsplit('@').next().unwrap_or("");
        !host.is_empty() && !authority.split(['@', '[']).any(|p| p.starts_with('-'))
    };
    if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("ssh://"))
    {
        return if host_ok(rest) { Ok(()) } else { Err(bad()) };
    }
    if let Some(rest) = url.strip_prefix("file://") {
        return if allow_file && rest.starts_with('/') {
            Ok(())
        } else {
            Err(bad())
        };
    }
    if url.starts_with('/') {
        return if allow_file { Ok(()) } else { Err(bad()) };
    }
    // scp-like `[user@]host:path`: no `://`, a colon before any slash, and not
    // `<helper>::…`, which git hands to the remote helper `git-remote-<helper>`.
    match url.split_once(':') {
        Some((authority, path))
            if !url.contains("://")
                && !authority.contains('/')
                && !path.is_empty()
                && !path.starts_with(':') =>
        {
            if host_ok(authority) {
                Ok(())
            } else {
                Err(bad())
            }
        }
        _ => Err(bad()),
    }
}
