//! [`RepoSeeder`] on this machine: a scratch work tree beside the destination, one git
//! commit per [`SeedCommit`] through the hardened [`Git`] wrapper, then a bare clone at
//! the destination (so sessions can push to it) and the scratch tree removed.

use std::path::{Component, Path};

use aiops_core::ports::{RepoSeeder, SeedCommit};
use aiops_core::{CoreError, CoreResult};

use crate::git::Git;
use crate::working_copy::LocalGit;

fn io(what: &str, path: &Path, e: std::io::Error) -> CoreError {
    CoreError::Internal(format!("{what} {}: {e}", path.display()))
}

fn git_failed(e: crate::git::GitError) -> CoreError {
    CoreError::Internal(format!("git: {e}"))
}

/// `rel` as a path inside the repository: relative, no `..`, not under `.git`.
fn inside(rel: &str) -> CoreResult<&Path> {
    let p = Path::new(rel);
    let ok = !rel.is_empty()
        && p.components().all(|c| matches!(c, Component::Normal(_)))
        && p.components().next() != Some(Component::Normal(".git".as_ref()));
    if ok {
        Ok(p)
    } else {
        Err(CoreError::invalid(
            "path",
            format!("`{rel}` is not a path inside a repository"),
        ))
    }
}

impl RepoSeeder for LocalGit {
    fn create_repo(&self, dest: &Path, branch: &str, commits: &[SeedCommit]) -> CoreResult<()> {
        if dest.exists() {
            return Err(CoreError::Conflict(format!(
                "{} already exists; move it away first",
                dest.display()
            )));
        }
        let name = dest
            .file_name()
            .ok_or_else(|| CoreError::invalid("path", "a repository needs a directory name"))?;
        let parent = dest.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| io("cannot create", parent, e))?;
        let mut scratch_name = std::ffi::OsString::from(".seeding-");
        scratch_name.push(name);
        let scratch = parent.join(scratch_name);
        // A scratch tree left by an interrupted seed is ours to replace.
        if scratch.exists() {
            std::fs::remove_dir_all(&scratch).map_err(|e| io("cannot remove", &scratch, e))?;
        }
        let made = seed(&scratch, dest, branch, commits);
        let removed = std::fs::remove_dir_all(&scratch);
        made?;
        removed.map_err(|e| io("cannot remove", &scratch, e))
    }
}

fn seed(scratch: &Path, dest: &Path, branch: &str, commits: &[SeedCommit]) -> CoreResult<()> {
    Git::default().init(scratch, branch).map_err(git_failed)?;
    for c in commits {
        for (rel, content) in &c.files {
            let path = scratch.join(inside(rel)?);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
            }
            std::fs::write(&path, content).map_err(|e| io("cannot write", &path, e))?;
        }
        // git's own date format (git-commit(1), "DATE FORMATS"): no parsing ambiguity.
        let date = format!("{} +0000", c.date_unix);
        let as_author = Git {
            allow_file: false,
            env: [
                ("GIT_AUTHOR_NAME", &c.author_name),
                ("GIT_AUTHOR_EMAIL", &c.author_email),
                ("GIT_COMMITTER_NAME", &c.author_name),
                ("GIT_COMMITTER_EMAIL", &c.author_email),
                ("GIT_AUTHOR_DATE", &date),
                ("GIT_COMMITTER_DATE", &date),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect(),
        };
        as_author
            .commit(scratch, &c.message, &[])
            .map_err(git_failed)?;
    }
    Git::default()
        .clone_bare(scratch, dest)
        .map_err(git_failed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::inside;

    #[test]
    fn seed_paths_stay_inside_the_repository() {
        assert!(inside("src/main.rs").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            ".git/config",
            "./.git/hooks/x",
        ] {
            assert!(inside(bad).is_err(), "{bad}");
        }
    }
}
