//! The verbs that read history: branches, log, diff. Revisions from users are resolved
//! to a SHA first ([`Git::resolve_commit`]), so only SHAs reach these commands.

use std::path::Path;

use super::{Git, GitError, LOCAL_TIMEOUT};

/// Most bytes of a diff returned; the rest is cut (and said so).
pub const MAX_DIFF_BYTES: usize = 1024 * 1024;
/// Most commits `log` returns.
pub const MAX_LOG: u32 = 500;

/// A local branch or a remote-tracking branch of `origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub name: String,
    pub current: bool,
    pub remote: bool,
    pub commit: String,
    pub upstream: Option<String>,
}

/// One commit of [`Git::log`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub sha: String,
    pub author: String,
    pub email: String,
    /// Strict ISO 8601 (`%aI`), e.g. `2026-11-22T10:00:00+01:00`.
    pub date: String,
    pub subject: String,
}

impl Git {
    /// Local branches, then `origin`'s (its `HEAD` pointer left out), by name.
    pub fn branches(&self, dir: &Path) -> Result<Vec<Branch>, GitError> {
        let out = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args([
                "for-each-ref",
                "--format=%(refname)%00%(objectname)%00%(upstream:short)%00%(HEAD)",
                "refs/heads",
                "refs/remotes/origin",
            ])
            .run()?;
        let mut list = Vec::new();
        for line in out.stdout.lines() {
            let f: Vec<&str> = line.split('\0').collect();
            let [refname, commit, upstream, head] = f[..] else {
                continue;
            };
            let (name, remote) = if let Some(n) = refname.strip_prefix("refs/heads/") {
                (n, false)
            } else if let Some(n) = refname.strip_prefix("refs/remotes/") {
                (n, true)
            } else {
                continue;
            };
            if remote && name == "origin/HEAD" {
                continue;
            }
            list.push(Branch {
                name: name.to_owned(),
                current: head == "*",
                remote,
                commit: commit.to_owned(),
                upstream: Some(upstream.to_owned()).filter(|u| !u.is_empty()),
            });
        }
        Ok(list)
    }

    /// The newest `limit` commits reachable from `rev` (default `HEAD`); none in a
    /// repository without commits.
    pub fn log(&self, dir: &Path, rev: Option<&str>, limit: u32) -> Result<Vec<Commit>, GitError> {
        let start = match rev {
            Some(r) => self.resolve_commit(dir, r)?,
            None => match self.head(dir)? {
                h if h.is_empty() => return Ok(Vec::new()),
                h => h,
            },
        };
        let out = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["log", "--no-color", "--no-show-signature"])
            .arg(format!("--max-count={}", limit.clamp(1, MAX_LOG)))
            .arg("--format=%H%x00%an%x00%ae%x00%aI%x00%s")
            .args(["--end-of-options", &start, "--"])
            .run()?;
        Ok(out
            .stdout
            .lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split('\0').collect();
                let [sha, author, email, date, subject] = f[..] else {
                    return None;
                };
                Some(Commit {
                    sha: sha.into(),
                    author: author.into(),
                    email: email.into(),
                    date: date.into(),
                    subject: subject.into(),
                })
            })
            .collect())
    }

    /// A unified diff of the working tree against `rev` (default `HEAD`: the
    /// uncommitted changes), or of the index with `staged`. Never runs external diff
    /// drivers or textconv filters a repository may configure. Returns the text (at
    /// most [`MAX_DIFF_BYTES`]) and whether it was cut.
    pub fn diff(
        &self,
        dir: &Path,
        rev: Option<&str>,
        staged: bool,
    ) -> Result<(String, bool), GitError> {
        let mut spec = self.spec(Some(dir), LOCAL_TIMEOUT).args([
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
        ]);
        if staged {
            spec = spec.arg("--cached");
        }
        if let Some(r) = rev {
            let sha = self.resolve_commit(dir, r)?;
            spec = spec.args(["--end-of-options", &sha]);
        }
        let mut text = spec.arg("--").run()?.stdout;
        if text.len() <= MAX_DIFF_BYTES {
            return Ok((text, false));
        }
        let mut cut = MAX_DIFF_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        Ok((text, true))
    }
}
