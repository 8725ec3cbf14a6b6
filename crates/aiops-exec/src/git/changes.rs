//! What a session changed, raw: the worktree against the merge-base of its branch with
//! the default branch (`git diff <base>` covers commits, staged and unstaged work at
//! once), the index state of each path, and the untracked files' contents. Core reads
//! these into `SessionChanges` (`aiops_core::changes`). Like every diff here: no external
//! diff drivers, no textconv.

use std::path::Path;

use aiops_core::ports::RawChanges;

use super::{Git, GitError, LOCAL_TIMEOUT};
use crate::process::ExecError;

/// The whole patch is cut past this many bytes (files past it show without text).
pub const MAX_PATCH_BYTES: usize = 16 * 1024 * 1024;
/// Untracked files whose content is read (the rest are listed without it).
const MAX_UNTRACKED_READ: usize = 200;
/// Largest untracked file whose content is read.
const MAX_UNTRACKED_BYTES: u64 = 256 * 1024;

impl Git {
    /// The raw changes of the working copy `dir` against `default_branch`: at the remote
    /// (`origin/<default>`) when known, else the local branch.
    pub fn changes(&self, dir: &Path, default_branch: &str) -> Result<RawChanges, GitError> {
        self.check_branch(default_branch)?;
        let head = self.head(dir)?;
        if head.is_empty() {
            return Err(GitError::Invalid(
                "the working copy has no commit yet".into(),
            ));
        }
        let branch = self.current_branch(dir).unwrap_or_default();
        let remote = format!("refs/remotes/origin/{default_branch}");
        let local = format!("refs/heads/{default_branch}");
        let base_ref = if self.ref_exists(dir, &remote)? {
            format!("origin/{default_branch}")
        } else if self.ref_exists(dir, &local)? {
            default_branch.to_owned()
        } else {
            "HEAD".to_owned()
        };
        let full = match base_ref.as_str() {
            "HEAD" => "HEAD".to_owned(),
            _ if base_ref.starts_with("origin/") => remote,
            _ => local,
        };
        let base = match self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["merge-base", "--end-of-options", "HEAD", &full])
            .run()
        {
            Ok(out) => out.stdout.trim().to_owned(),
            // Unrelated histories: compare with HEAD (uncommitted work only).
            Err(ExecError::Failed { .. }) => head.clone(),
            Err(e) => return Err(e.into()),
        };
        let commits = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["rev-list", "--count", "--end-of-options"])
            .arg(format!("{base}..HEAD"))
            .run()?
            .stdout
            .trim()
            .parse()
            .unwrap_or(0);
        let diff = |extra: &[&str]| {
            // Paths in headers as they are (not octal-quoted), so core can match them.
            self.spec(Some(dir), LOCAL_TIMEOUT)
                .args(["-c", "core.quotePath=false"])
                .args(["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M"])
                .args(extra)
                .args(["--end-of-options", &base, "--"])
                .run()
        };
        let numstat = diff(&["--numstat", "-z"])?.stdout;
        let mut patch = diff(&[])?.stdout;
        let patch_truncated = patch.len() > MAX_PATCH_BYTES;
        if patch_truncated {
            let mut cut = MAX_PATCH_BYTES;
            while !patch.is_char_boundary(cut) {
                cut -= 1;
            }
            patch.truncate(cut);
        }
        let status = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["status", "--porcelain=v1", "-z", "--untracked-files=all"])
            .run()?
            .stdout;
        let untracked = untracked(dir, &status);
        Ok(RawChanges {
            branch,
            base_ref,
            base,
            head,
            commits,
            numstat,
            patch,
            patch_truncated,
            status,
            untracked,
        })
    }

    /// `git add -A -- <paths>` (every change when empty).
    pub fn stage(&self, dir: &Path, paths: &[String]) -> Result<(), GitError> {
        let mut spec = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args(["add", "-A", "--"]);
        if paths.is_empty() {
            spec = spec.arg(".");
        }
        spec.args(paths).run()?;
        Ok(())
    }

    /// Takes `paths` (every staged change when empty) out of the index, keeping the
    /// working tree: `git reset -q -- <paths>`, which also works before the first commit.
    pub fn unstage(&self, dir: &Path, paths: &[String]) -> Result<(), GitError> {
        let mut spec = self.spec(Some(dir), LOCAL_TIMEOUT).args(["reset", "-q"]);
        if !self.head(dir)?.is_empty() {
            spec = spec.arg("HEAD");
        }
        spec.arg("--").args(paths).run()?;
        Ok(())
    }
}

/// The untracked paths of a `status -z` output with their content when small, text and
/// a regular file beneath `dir`.
fn untracked(dir: &Path, status: &str) -> Vec<(String, Option<String>)> {
    status
        .split('\0')
        .filter_map(|e| e.strip_prefix("?? "))
        .enumerate()
        .map(|(i, path)| {
            let content = (i < MAX_UNTRACKED_READ)
                .then(|| read_small(dir, path))
                .flatten();
            (path.to_owned(), content)
        })
        .collect()
}

/// A small text file `rel` beneath `dir`, opened without following a symlink anywhere on
/// the way (an agent may swap a folder for a link after `git status` listed it).
fn read_small(dir: &Path, rel: &str) -> Option<String> {
    use std::io::Read;
    let file = crate::beneath::open_in(dir, Path::new(rel)).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_UNTRACKED_BYTES + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if bytes.len() as u64 > MAX_UNTRACKED_BYTES || bytes.contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok()
}
