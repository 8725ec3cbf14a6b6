//! The verbs that change a working copy: pull, push, commit, branch, checkout. Each
//! validates what a user typed before git sees it, and passes it after
//! `--end-of-options` or `--`.

use std::path::{Component, Path};

use super::{Git, GitError, LOCAL_TIMEOUT, NETWORK_TIMEOUT};
use crate::process::ExecError;

/// Most paths one commit may name.
pub const MAX_COMMIT_PATHS: usize = 1000;

impl Git {
    /// Checks a revision typed by a user (`main`, `origin/main`, `HEAD~2`, a SHA) and
    /// resolves it to the full SHA of a commit, so only that SHA reaches later commands.
    /// `Invalid` for a leading `-`, control characters or a revision that names no commit.
    pub fn resolve_commit(&self, dir: &Path, rev: &str) -> Result<String, GitError> {
        if rev.is_empty() || rev.starts_with('-') || rev.chars().any(char::is_control) {
            return Err(GitError::Invalid(format!("`{rev}` is not a revision")));
        }
        match self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{rev}^{{commit}}"))
            .run()
        {
            Ok(out) => Ok(out.stdout.trim().to_owned()),
            Err(ExecError::Failed { .. }) => {
                Err(GitError::Invalid(format!("`{rev}` names no commit here")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The SHA of `HEAD`; empty in a repository without commits.
    pub fn head(&self, dir: &Path) -> Result<String, GitError> {
        match self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
            .run()
        {
            Ok(out) => Ok(out.stdout.trim().to_owned()),
            Err(ExecError::Failed { .. }) => Ok(String::new()),
            Err(e) => Err(e.into()),
        }
    }

    /// Fetches `origin` and fast-forwards the checked-out branch to its upstream (or to
    /// `origin/<branch>` when it tracks nothing yet). Refuses when the working copy has
    /// changes unless `clean`, which first discards them (`reset --hard`, `clean -fd`;
    /// ignored files such as the context file and copied `.env`s stay). A branch that
    /// diverged from its upstream is refused too: merging is left to a person.
    pub fn pull(&self, dir: &Path, clean: bool) -> Result<String, GitError> {
        // One status read serves all: the changes, the branch and its upstream (neither
        // of which a reset, a clean or a fetch changes).
        let status = self.status(dir)?;
        let dirty: Vec<String> = status
            .changed
            .iter()
            .map(|c| c.get(3..).unwrap_or(c).to_owned())
            .chain(status.untracked.iter().cloned())
            .collect();
        if !dirty.is_empty() {
            if !clean {
                return Err(GitError::Conflict(format!(
                    "local changes would be lost: {}; commit them, or pull with --clean to discard them",
                    summarize(&dirty)
                )));
            }
            self.spec(Some(dir), LOCAL_TIMEOUT)
                .args(["reset", "--hard", "--quiet"])
                .run()?;
            self.spec(Some(dir), LOCAL_TIMEOUT)
                .args(["clean", "-f", "-d", "--quiet"])
                .run()?;
        }
        self.fetch(dir)?;
        let branch = status.branch;
        if branch.is_empty() {
            return Err(GitError::Conflict(
                "no branch is checked out (detached HEAD): check one out first".into(),
            ));
        }
        let upstream = match status.upstream {
            Some(u) => u,
            None if self.ref_exists(dir, &format!("refs/remotes/origin/{branch}"))? => {
                format!("origin/{branch}")
            }
            None => return Ok(format!("fetched; {branch} is not on origin yet")),
        };
        let target = self.resolve_commit(dir, &upstream)?;
        if self.head(dir)? == target {
            return Ok(format!("{branch} is up to date with {upstream}"));
        }
        match self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["merge", "--ff-only", "--quiet", "--end-of-options"])
            .arg(&target)
            .run()
        {
            Ok(_) => Ok(format!("fast-forwarded {branch} to {upstream}")),
            Err(ExecError::Failed { .. }) => Err(GitError::Conflict(format!(
                "{branch} and {upstream} have diverged: merge or rebase by hand"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Pushes `branch` to the same name on `origin` and makes it the upstream.
    pub fn push(&self, dir: &Path, branch: &str) -> Result<String, GitError> {
        self.check_branch(branch)?;
        if !self.ref_exists(dir, &format!("refs/heads/{branch}"))? {
            return Err(GitError::Invalid(format!(
                "there is no branch `{branch}` here"
            )));
        }
        self.spec(Some(dir), NETWORK_TIMEOUT)
            .args([
                "push",
                "--quiet",
                "--set-upstream",
                "--end-of-options",
                "origin",
            ])
            .arg(format!("refs/heads/{branch}:refs/heads/{branch}"))
            .run()?;
        Ok(format!("pushed {branch} to origin"))
    }

    /// Commits with `message` (given on stdin, never as an argument). With `paths`, only
    /// those are staged and committed (additions, changes and deletions), whatever else
    /// is staged; without, every change including untracked files. `Invalid` when there
    /// is nothing to commit or a path leads out of the working copy.
    pub fn commit(&self, dir: &Path, message: &str, paths: &[String]) -> Result<String, GitError> {
        if message.trim().is_empty() {
            return Err(GitError::Invalid("a commit needs a message".into()));
        }
        if paths.len() > MAX_COMMIT_PATHS {
            return Err(GitError::Invalid(format!(
                "at most {MAX_COMMIT_PATHS} paths per commit"
            )));
        }
        for p in paths {
            check_path(p)?;
        }
        // Pathspec magic (`:(glob)`, `:!x`) off: a path is a path.
        let add = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .env("GIT_LITERAL_PATHSPECS", "1")
            .args(["add", "--all", "--"]);
        let add = if paths.is_empty() {
            add.arg(".")
        } else {
            add.args(paths)
        };
        add.run()?;
        if self.staged_nothing(dir, paths)? {
            return Err(GitError::Invalid("nothing to commit".into()));
        }
        let mut commit = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .env("GIT_LITERAL_PATHSPECS", "1")
            .args(["commit", "--quiet", "--file=-"]);
        if !paths.is_empty() {
            commit = commit.args(["--only", "--"]).args(paths);
        }
        commit.run_with_input(Some(message.as_bytes()))?;
        // The new commit's SHA is read once by the caller, with the branch (`head`).
        Ok(if paths.is_empty() {
            "committed every change".to_owned()
        } else {
            format!("committed {} path(s)", paths.len())
        })
    }

    /// Whether `paths` (or the whole tree) has no change against `HEAD`.
    /// Commits the index as it is (`git commit` with no paths and nothing added), with
    /// `message` on stdin. `Invalid` when nothing is staged.
    pub fn commit_staged(&self, dir: &Path, message: &str) -> Result<String, GitError> {
        if message.trim().is_empty() {
            return Err(GitError::Invalid("a commit needs a message".into()));
        }
        if self.staged_nothing(dir, &[])? {
            return Err(GitError::Invalid("nothing is staged".into()));
        }
        self.spec(Some(dir), LOCAL_TIMEOUT)
            .args(["commit", "--quiet", "--file=-"])
            .run_with_input(Some(message.as_bytes()))?;
        Ok("committed what was staged".to_owned())
    }

    fn staged_nothing(&self, dir: &Path, paths: &[String]) -> Result<bool, GitError> {
        let diff = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .env("GIT_LITERAL_PATHSPECS", "1")
            .args(["diff", "--cached", "--quiet", "--"])
            .args(paths)
            .run();
        match diff {
            Ok(_) => Ok(true),
            Err(ExecError::Failed { code: Some(1), .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates branch `name` at `from` (default `HEAD`) without checking it out.
    pub fn create_branch(
        &self,
        dir: &Path,
        name: &str,
        from: Option<&str>,
    ) -> Result<String, GitError> {
        self.check_branch(name)?;
        if self.ref_exists(dir, &format!("refs/heads/{name}"))? {
            return Err(GitError::Conflict(format!(
                "branch `{name}` already exists"
            )));
        }
        let start = self.resolve_commit(dir, from.unwrap_or("HEAD"))?;
        self.spec(Some(dir), LOCAL_TIMEOUT)
            .args(["branch", "--quiet", "--no-track", "--end-of-options", name])
            .arg(&start)
            .run()?;
        Ok(format!(
            "created {name} at {}",
            &start[..start.len().min(7)]
        ))
    }

    /// Checks out branch `name`; a branch only on `origin` becomes a local branch that
    /// tracks it. Git refuses (kept as a `Conflict`) when local changes would be
    /// overwritten.
    pub fn checkout(&self, dir: &Path, name: &str) -> Result<String, GitError> {
        self.check_branch(name)?;
        let local = self.ref_exists(dir, &format!("refs/heads/{name}"))?;
        let mut switch = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["switch", "--quiet"]);
        if !local {
            if !self.ref_exists(dir, &format!("refs/remotes/origin/{name}"))? {
                return Err(GitError::Invalid(format!(
                    "there is no branch `{name}` here or on origin"
                )));
            }
            switch = switch.args(["--track", "--create", name, "--end-of-options"]);
            switch = switch.arg(format!("refs/remotes/origin/{name}"));
        } else {
            switch = switch.args(["--end-of-options", name]);
        }
        match switch.run() {
            Ok(_) => Ok(format!("switched to {name}")),
            Err(ExecError::Failed { stderr, .. }) => Err(GitError::Conflict(stderr)),
            Err(e) => Err(e.into()),
        }
    }
}

/// A path inside the working copy, checked without touching the disk (it may be a
/// deletion): relative, no `..`, not inside `.git`, no control characters.
pub fn check_path(p: &str) -> Result<(), GitError> {
    let bad = |why: &str| Err(GitError::Invalid(format!("`{p}`: {why}")));
    if p.is_empty() || p.chars().any(char::is_control) {
        return bad("not a path");
    }
    let path = Path::new(p);
    let mut first = true;
    for c in path.components() {
        match c {
            Component::Normal(n) if first && n == ".git" => return bad("inside .git"),
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return bad("`..` is not allowed"),
            Component::RootDir | Component::Prefix(_) => return bad("must be relative"),
        }
        first = false;
    }
    Ok(())
}

/// The first few paths, then a count.
fn summarize(paths: &[String]) -> String {
    let shown: Vec<&str> = paths.iter().take(5).map(String::as_str).collect();
    match paths.len() {
        n if n > 5 => format!("{} and {} more", shown.join(", "), n - 5),
        _ => shown.join(", "),
    }
}
