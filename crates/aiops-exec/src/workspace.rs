//! A session's working copy: the user's base clone of a project (cloned once, fetched
//! on later starts) and, with worktree isolation, the git worktree on its own
//! branch from `origin/<default branch>`. A new worktree gets the project's setup files
//! (copied from the base clone, regular files only, never through a symlink) and its
//! setup command (argv, with a deadline). Everything goes through [`Git`], so the hardening lives in one place.

use std::os::fd::AsFd;
use std::path::Path;
use std::time::Duration;

use aiops_core::ports::{Prepared, WorkspacePlan};

use crate::beneath::{self, BeneathError};
use crate::git::{Git, GitError};
use crate::process::Spec;

/// How long a project's setup command may run.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("cannot clone {url}: {source}")]
    Clone { url: String, source: GitError },
    #[error("cannot create the worktree {path}: {source}")]
    Worktree { path: String, source: GitError },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{0}")]
    Io(String),
}

fn io(what: &str, path: &Path, e: std::io::Error) -> WorkspaceError {
    WorkspaceError::Io(format!("cannot {what} {}: {e}", path.display()))
}

/// Creates `dir` and its parents; the directories aiops creates are private (0700).
fn private_dir(dir: &Path) -> Result<(), WorkspaceError> {
    crate::launch::private_dir(dir).map_err(|e| io("create", dir, e))
}

/// Clones or fetches, then adds or reuses the worktree. Safe to call again.
pub fn prepare(plan: &WorkspacePlan) -> Result<Prepared, WorkspaceError> {
    let mut git = Git {
        allow_file: plan.allow_file,
        env: plan.git_env.clone(),
    };
    // Lives until preparing is done: the key files go with it.
    let _ssh = crate::ssh::apply(&mut git, plan.ssh.as_ref())
        .map_err(|e| WorkspaceError::Io(format!("ssh key files: {e}")))?;
    let mut warnings = Vec::new();
    if plan.base.join(".git").exists() {
        if let Err(e) = git.fetch(&plan.base) {
            warnings.push(format!(
                "fetch failed, working from the last fetched state: {e}"
            ));
        }
    } else {
        clone(&git, plan)?;
    }
    let Some(wt) = &plan.worktree else {
        let branch = git.current_branch(&plan.base).unwrap_or_default();
        return Ok(Prepared {
            dir: plan.base.clone(),
            branch,
            warnings,
        });
    };
    if wt.path.join(".git").exists() {
        let branch = git.current_branch(&wt.path)?;
        return Ok(Prepared {
            dir: wt.path.clone(),
            branch,
            warnings,
        });
    }
    if let Some(parent) = wt.path.parent() {
        private_dir(parent)?;
    }
    let added = if git.ref_exists(&plan.base, &format!("refs/heads/{}", wt.branch))? {
        git.worktree_add_existing(&plan.base, &wt.path, &wt.branch)
    } else {
        let remote = format!("refs/remotes/origin/{}", plan.default_branch);
        let start = if git.ref_exists(&plan.base, &remote)? {
            format!("origin/{}", plan.default_branch)
        } else {
            plan.default_branch.clone()
        };
        git.worktree_add(&plan.base, &wt.path, &wt.branch, &start)
    };
    added.map_err(|source| WorkspaceError::Worktree {
        path: wt.path.display().to_string(),
        source,
    })?;
    warnings.extend(copy_setup_files(&plan.base, &wt.path, &plan.setup_files));
    if let Some(w) = run_setup(&wt.path, &plan.setup_command, &plan.git_env) {
        warnings.push(w);
    }
    Ok(Prepared {
        dir: wt.path.clone(),
        branch: wt.branch.clone(),
        warnings,
    })
}

fn clone(git: &Git, plan: &WorkspacePlan) -> Result<(), WorkspaceError> {
    if let Some(parent) = plan.base.parent() {
        private_dir(parent)?;
    }
    // A clone that failed halfway leaves a directory a retry would trip over.
    let _ = std::fs::remove_dir_all(&plan.base);
    git.clone(&plan.repo_url, &plan.base).map_err(|source| {
        let _ = std::fs::remove_dir_all(&plan.base);
        WorkspaceError::Clone {
            url: plan.repo_url.clone(),
            source,
        }
    })?;
    Ok(())
}

/// Copies each setup file from the base clone `from` to the same path in the worktree
/// `to`, regular files only. Nothing outside either tree is read or written: every path
/// is resolved beneath its root without following a symlink ([`beneath`]), and a
/// destination that is the source itself is refused before it could be truncated.
/// Returns one warning per file not copied (the session's notes show them).
pub fn copy_setup_files(from: &Path, to: &Path, files: &[String]) -> Vec<String> {
    let (src_root, dst_root) = match (beneath::open_root(from), beneath::open_root(to)) {
        (Ok(s), Ok(d)) => (s, d),
        (Err(e), _) | (_, Err(e)) => {
            return vec![format!("setup files not copied: {e}")];
        }
    };
    files
        .iter()
        .filter_map(|f| {
            beneath::copy(src_root.as_fd(), dst_root.as_fd(), f)
                .err()
                .map(|e| match e {
                    BeneathError::Missing(_) => {
                        format!("setup file {f} does not exist in the base clone")
                    }
                    e => format!("setup file {f} not copied: {e}"),
                })
        })
        .collect()
}

/// Runs the setup command in a new worktree; a failure is a warning (the worktree is
/// usable, the developer sees why setup did not finish).
fn run_setup(dir: &Path, argv: &[String], env: &[(String, String)]) -> Option<String> {
    let (program, args) = argv.split_first()?;
    // A program inside the worktree (`./scripts/setup`) must be a regular file there,
    // reached without a symlink: the repository's content decides what it points at.
    let program = if program.contains('/') && !Path::new(program).is_absolute() {
        let rel = program.trim_start_matches("./");
        let inside = beneath::open_root(dir)
            .map_err(|e| e.to_string())
            .and_then(|root| beneath::open_file(root.as_fd(), rel).map_err(|e| e.to_string()));
        if let Err(e) = inside {
            return Some(format!("setup command not run: {e}"));
        }
        dir.join(rel).display().to_string()
    } else {
        program.clone()
    };
    let mut spec = Spec::new(&program, SETUP_TIMEOUT).dir(dir).args(args);
    for (k, v) in env {
        spec = spec.env(k, v.as_str());
    }
    spec.run()
        .err()
        .map(|e| format!("setup command failed: {e}"))
}
