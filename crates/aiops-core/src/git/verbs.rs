//! The write and history verbs: pull, push, commit, branch, checkout, branches, log,
//! diff. Writes are audited (`git.pull`, `git.push`, …) with the working copy they
//! changed; the port validates every ref and path again before git runs.

use aiops_types::{
    GitBranch, GitBranchInfo, GitCommit, GitCommitInfo, GitDiff, GitPull, GitPush, GitRangeQuery,
    GitResult,
};

use super::{WorkingCopy, working_copy};
use crate::ports::{AuditStore, NewAudit, ProjectStore, SessionStore, SshStore, UserStore};
use crate::sessions::Host;
use crate::validate::no_nul;
use crate::{CoreError, CoreResult, Principal};

/// Most paths one commit may name (the port checks it again).
pub const MAX_COMMIT_FILES: usize = 1000;
/// Longest commit message, in bytes.
pub const MAX_COMMIT_MESSAGE: usize = 64 * 1024;

fn audited(
    store: &impl AuditStore,
    host: &Host<'_>,
    caller: &Principal,
    wc: &WorkingCopy,
    action: &str,
    message: String,
    detail: serde_json::Value,
) -> CoreResult<GitResult> {
    let (branch, head) = wc.git(host).head(&wc.ctx)?;
    let mut detail = detail;
    detail["path"] = wc.ctx.dir.display().to_string().into();
    detail["session"] = wc.session.as_ref().map(|s| s.id).into();
    detail["head"] = head.clone().into();
    store.append_audit(
        NewAudit::by(caller, action)
            .target("project", wc.project.id)
            .detail(detail),
    )?;
    Ok(GitResult {
        path: wc.ctx.dir.display().to_string(),
        branch,
        head,
        message,
    })
}

/// Fetches and fast-forwards; `409 conflict` listing the local changes unless `clean`.
pub fn pull(
    store: &(impl UserStore + ProjectStore + SessionStore + SshStore + AuditStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    req: &GitPull,
) -> CoreResult<GitResult> {
    let wc =
        working_copy(store, host, caller, project_id, req.session)?.remote(store, host, caller)?;
    let message = wc.git(host).pull(&wc.ctx, req.clean)?;
    let detail = serde_json::json!({ "clean": req.clean });
    audited(store, host, caller, &wc, "git.pull", message, detail)
}

/// Pushes `branch` (default: the checked-out one) to `origin`.
pub fn push(
    store: &(impl UserStore + ProjectStore + SessionStore + SshStore + AuditStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    req: &GitPush,
) -> CoreResult<GitResult> {
    let wc =
        working_copy(store, host, caller, project_id, req.session)?.remote(store, host, caller)?;
    let branch = match req.branch.as_deref().map(str::trim) {
        Some(b) if !b.is_empty() => b.to_owned(),
        _ => match wc.git(host).head(&wc.ctx)?.0 {
            b if b.is_empty() => {
                return Err(CoreError::invalid(
                    "branch",
                    "no branch is checked out: name the branch to push",
                ));
            }
            b => b,
        },
    };
    let message = wc.git(host).push(&wc.ctx, &branch)?;
    let detail = serde_json::json!({ "branch": branch });
    audited(store, host, caller, &wc, "git.push", message, detail)
}

/// Commits `files` only (every change when empty), or with `staged` the index as it is,
/// as the caller.
pub fn commit(
    store: &(impl UserStore + ProjectStore + SessionStore + AuditStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    req: &GitCommit,
) -> CoreResult<GitResult> {
    if req.message.trim().is_empty() {
        return Err(CoreError::invalid("message", "a commit needs a message"));
    }
    if req.message.len() > MAX_COMMIT_MESSAGE {
        return Err(CoreError::invalid("message", "the message is over 64 KiB"));
    }
    no_nul("message", &req.message)?;
    if req.files.len() > MAX_COMMIT_FILES {
        return Err(CoreError::invalid(
            "files",
            format!("at most {MAX_COMMIT_FILES} files per commit"),
        ));
    }
    let files: Vec<String> = req
        .files
        .iter()
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();
    if files.len() != req.files.len() {
        return Err(CoreError::invalid("files", "a file name is empty"));
    }
    for f in &files {
        no_nul("files", f)?;
    }
    if req.staged && !files.is_empty() {
        return Err(CoreError::invalid(
            "files",
            "`staged` commits the index as it is: give no files with it",
        ));
    }
    let wc = working_copy(store, host, caller, project_id, req.session)?;
    let message = if req.staged {
        wc.git(host).commit_staged(&wc.ctx, &req.message)?
    } else {
        wc.git(host).commit(&wc.ctx, &req.message, &files)?
    };
    let detail = serde_json::json!({ "files": files, "staged": req.staged });
    let mut done = audited(store, host, caller, &wc, "git.commit", message, detail)?;
    let short: String = done.head.chars().take(7).collect();
    done.message = format!("{} as {short}", done.message);
    Ok(done)
}

/// Creates branch `name` at `from` (default `HEAD`).
pub fn create_branch(
    store: &(impl UserStore + ProjectStore + SessionStore + AuditStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    req: &GitBranch,
) -> CoreResult<GitResult> {
    if let Some(from) = &req.from {
        no_nul("from", from)?;
    }
    let wc = working_copy(store, host, caller, project_id, req.session)?;
    let message = wc
        .git(host)
        .create_branch(&wc.ctx, req.name.trim(), req.from.as_deref())?;
    let detail = serde_json::json!({ "branch": req.name.trim(), "from": req.from });
    audited(store, host, caller, &wc, "git.branch", message, detail)
}

/// Checks out branch `name` (from `origin` when only there).
pub fn checkout(
    store: &(impl UserStore + ProjectStore + SessionStore + AuditStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    req: &GitBranch,
) -> CoreResult<GitResult> {
    let wc = working_copy(store, host, caller, project_id, req.session)?;
    let message = wc.git(host).checkout(&wc.ctx, req.name.trim())?;
    let detail = serde_json::json!({ "branch": req.name.trim() });
    audited(store, host, caller, &wc, "git.checkout", message, detail)
}

/// Local branches, then `origin`'s, of the session's worktree (or the caller's base clone
/// of the project when `session` is `None`).
pub fn branches(
    store: &(impl UserStore + ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    session: Option<i64>,
) -> CoreResult<Vec<GitBranchInfo>> {
    let wc = working_copy(store, host, caller, project_id, session)?;
    wc.git(host).branches(&wc.ctx)
}

/// The newest commits from `rev` (default `HEAD`), `limit` 1..=500 (default 20).
pub fn log(
    store: &(impl UserStore + ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    q: &GitRangeQuery,
) -> CoreResult<Vec<GitCommitInfo>> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=500).contains(&limit) {
        return Err(CoreError::invalid("limit", "limit must be 1..=500"));
    }
    if let Some(rev) = &q.rev {
        no_nul("rev", rev)?;
    }
    let wc = working_copy(store, host, caller, project_id, q.session)?;
    wc.git(host).log(&wc.ctx, q.rev.as_deref(), limit)
}

/// Uncommitted changes (or against `rev`, or staged only), at most 1 MiB.
pub fn diff(
    store: &(impl UserStore + ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    q: &GitRangeQuery,
) -> CoreResult<GitDiff> {
    if let Some(rev) = &q.rev {
        no_nul("rev", rev)?;
    }
    let wc = working_copy(store, host, caller, project_id, q.session)?;
    wc.git(host).diff(&wc.ctx, q.rev.as_deref(), q.staged)
}
