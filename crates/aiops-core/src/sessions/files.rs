//! Reading a working copy (issue 5's read-only git verbs): `status`, `files`, `cat` on
//! the caller's base clone of a project, or on one of their sessions' worktrees (admins:
//! anyone's). Paths from users are resolved by the runtime, which refuses any that lead
//! out of the working copy.

use std::path::PathBuf;

use aiops_types::{FileContent, FileEntry, GitStatus};

use super::Host;
use super::start::workspace_dir;
use crate::ports::Store;
use crate::{CoreError, CoreResult, Principal};

/// The session's worktree, or the caller's base clone of `project_id`.
fn working_copy(
    store: &impl Store,
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    session: Option<i64>,
) -> CoreResult<PathBuf> {
    let project = store
        .project(caller.viewer(), project_id)?
        .ok_or_else(|| CoreError::not_found(format!("project {project_id}")))?;
    if let Some(id) = session {
        let s = super::ops::get_own(store, caller, id)?;
        if s.project_id != project.id {
            return Err(CoreError::invalid(
                "session",
                format!("session {id} is not on project {project_id}"),
            ));
        }
        return Ok(PathBuf::from(s.worktree_path));
    }
    let me = store
        .user_by_id(caller.user_id)?
        .ok_or_else(|| CoreError::Unauthorized("your user no longer exists".into()))?
        .user;
    let base = workspace_dir(host, &me, &project).join("repo");
    if !base.join(".git").exists() {
        return Err(CoreError::NotFound(format!(
            "you have no clone of {}/{} yet: start a session on it first",
            project.tenant_slug, project.slug
        )));
    }
    Ok(base)
}

pub fn status(
    store: &impl Store,
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    session: Option<i64>,
) -> CoreResult<GitStatus> {
    let dir = working_copy(store, host, caller, project_id, session)?;
    host.runtime.git_status(&dir)
}

pub fn files(
    store: &impl Store,
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    session: Option<i64>,
    path: &str,
) -> CoreResult<Vec<FileEntry>> {
    let dir = working_copy(store, host, caller, project_id, session)?;
    host.runtime.list_files(&dir, path)
}

pub fn cat(
    store: &impl Store,
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    session: Option<i64>,
    path: &str,
) -> CoreResult<FileContent> {
    if path.trim().is_empty() {
        return Err(CoreError::invalid("path", "name a file to read"));
    }
    let dir = working_copy(store, host, caller, project_id, session)?;
    host.runtime.read_file(&dir, path)
}
