//! [`LocalGit`]: the working-copy port over [`Git`] and [`crate::files`], on this machine.

use aiops_core::ports::{GitContext, WorkingCopies};
use aiops_core::{CoreError, CoreResult};
use aiops_types::{FileContent, FileEntry, GitBranchInfo, GitCommitInfo, GitDiff, GitStatus};
use time::OffsetDateTime;
use time::format_description::well_known::Iso8601;

use crate::git::{Git, GitError};
use crate::process::ExecError;

/// Git verbs on working copies of this machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalGit;

fn git(ctx: &GitContext) -> Git {
    Git {
        allow_file: ctx.allow_file,
        env: ctx.env.clone(),
    }
}

/// Git for a verb that reaches `origin`, and the guard of its ssh files (when the
/// remote is reached over ssh), which must live until the verb is done.
fn remote_git(ctx: &GitContext) -> CoreResult<(Git, Option<crate::ssh::SshFiles>)> {
    let mut g = git(ctx);
    let files = crate::ssh::apply(&mut g, ctx.ssh.as_ref())
        .map_err(|e| CoreError::Internal(format!("ssh key files: {e}")))?;
    Ok((g, files))
}

fn git_err(e: GitError) -> CoreError {
    match e {
        GitError::Invalid(m) => CoreError::Invalid {
            field: None,
            message: m,
        },
        GitError::Conflict(m) => CoreError::Conflict(m),
        GitError::Exec(ExecError::Failed { stderr, .. }) => {
            CoreError::Conflict(format!("git refused: {stderr}"))
        }
        GitError::Exec(e @ ExecError::Timeout { .. }) => CoreError::Upstream(e.to_string()),
        GitError::Exec(e) => CoreError::Internal(format!("git: {e}")),
        GitError::Io(m) => CoreError::Internal(format!("git: {m}")),
    }
}

fn file_err(e: crate::files::FileError) -> CoreError {
    match e {
        crate::files::FileError::Outside(m) => CoreError::invalid("path", m),
        crate::files::FileError::Missing(m) => CoreError::not_found(m),
        crate::files::FileError::Io { .. } => CoreError::Internal(e.to_string()),
    }
}

impl WorkingCopies for LocalGit {
    fn status(&self, ctx: &GitContext) -> CoreResult<GitStatus> {
        let s = git(ctx).status(&ctx.dir).map_err(git_err)?;
        Ok(GitStatus {
            path: ctx.dir.display().to_string(),
            branch: s.branch,
            upstream: s.upstream,
            ahead: s.ahead,
            behind: s.behind,
            changed: s.changed,
            untracked: s.untracked,
        })
    }

    fn list_files(&self, ctx: &GitContext, rel: &str) -> CoreResult<Vec<FileEntry>> {
        Ok(crate::files::list(&ctx.dir, rel)
            .map_err(file_err)?
            .into_iter()
            .map(|e| FileEntry {
                name: e.name,
                kind: e.kind.to_owned(),
                size: e.size,
            })
            .collect())
    }

    fn read_file(&self, ctx: &GitContext, rel: &str) -> CoreResult<FileContent> {
        let (size, bytes, truncated) = crate::files::read(&ctx.dir, rel).map_err(file_err)?;
        Ok(FileContent {
            path: rel.to_owned(),
            size,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            truncated,
        })
    }

    fn pull(&self, ctx: &GitContext, clean: bool) -> CoreResult<String> {
        let (git, _files) = remote_git(ctx)?;
        git.pull(&ctx.dir, clean).map_err(git_err)
    }

    fn push(&self, ctx: &GitContext, branch: &str) -> CoreResult<String> {
        let (git, _files) = remote_git(ctx)?;
        git.push(&ctx.dir, branch).map_err(git_err)
    }

    fn commit(&self, ctx: &GitContext, message: &str, paths: &[String]) -> CoreResult<String> {
        git(ctx).commit(&ctx.dir, message, paths).map_err(git_err)
    }

    fn commit_staged(&self, ctx: &GitContext, message: &str) -> CoreResult<String> {
        git(ctx).commit_staged(&ctx.dir, message).map_err(git_err)
    }

    fn create_branch(
        &self,
        ctx: &GitContext,
        name: &str,
        from: Option<&str>,
    ) -> CoreResult<String> {
        git(ctx)
            .create_branch(&ctx.dir, name, from)
            .map_err(git_err)
    }

    fn checkout(&self, ctx: &GitContext, name: &str) -> CoreResult<String> {
        git(ctx).checkout(&ctx.dir, name).map_err(git_err)
    }

    fn branches(&self, ctx: &GitContext) -> CoreResult<Vec<GitBranchInfo>> {
        Ok(git(ctx)
            .branches(&ctx.dir)
            .map_err(git_err)?
            .into_iter()
            .map(|b| GitBranchInfo {
                name: b.name,
                current: b.current,
                remote: b.remote,
                commit: b.commit,
                upstream: b.upstream,
            })
            .collect())
    }

    fn log(
        &self,
        ctx: &GitContext,
        rev: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<GitCommitInfo>> {
        git(ctx)
            .log(&ctx.dir, rev, limit)
            .map_err(git_err)?
            .into_iter()
            .map(|c| {
                let date = OffsetDateTime::parse(&c.date, &Iso8601::DEFAULT)
                    .map_err(|e| CoreError::Internal(format!("git log date {}: {e}", c.date)))?;
                Ok(GitCommitInfo {
                    sha: c.sha,
                    author: c.author,
                    email: c.email,
                    date: date.to_offset(time::UtcOffset::UTC),
                    subject: c.subject,
                })
            })
            .collect()
    }

    fn diff(&self, ctx: &GitContext, rev: Option<&str>, staged: bool) -> CoreResult<GitDiff> {
        let (diff, truncated) = git(ctx).diff(&ctx.dir, rev, staged).map_err(git_err)?;
        Ok(GitDiff { diff, truncated })
    }

    fn remote_branches(&self, ctx: &GitContext, url: &str) -> CoreResult<Vec<String>> {
        let (g, _files) = remote_git(ctx)?;
        g.remote_branches(url, std::time::Duration::from_secs(30))
            .map_err(|e| match e {
                GitError::Exec(ExecError::Failed { stderr, .. }) => CoreError::Upstream(stderr),
                GitError::Exec(e @ ExecError::Timeout { .. }) => CoreError::Upstream(e.to_string()),
                other => git_err(other),
            })
    }

    fn changes(
        &self,
        ctx: &GitContext,
        default_branch: &str,
    ) -> CoreResult<aiops_core::ports::RawChanges> {
        git(ctx).changes(&ctx.dir, default_branch).map_err(git_err)
    }

    fn stage(&self, ctx: &GitContext, paths: &[String]) -> CoreResult<()> {
        git(ctx).stage(&ctx.dir, paths).map_err(git_err)
    }

    fn unstage(&self, ctx: &GitContext, paths: &[String]) -> CoreResult<()> {
        git(ctx).unstage(&ctx.dir, paths).map_err(git_err)
    }

    fn scan_host_keys(&self, host: &str, port: u16) -> CoreResult<Vec<String>> {
        crate::ssh::scan(host, port).map_err(|e| match e {
            ExecError::NotFound { .. } | ExecError::Spawn { .. } => {
                CoreError::Internal(e.to_string())
            }
            e => CoreError::Upstream(format!("scanning the host keys of {host}:{port}: {e}")),
        })
    }

    fn head(&self, ctx: &GitContext) -> CoreResult<(String, String)> {
        let g = git(ctx);
        let sha = g.head(&ctx.dir).map_err(git_err)?;
        let branch = g.current_branch(&ctx.dir).unwrap_or_default();
        Ok((branch, sha))
    }
}
