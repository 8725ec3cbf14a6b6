//! Git on working copies (issue 5): the verbs of `aiops git …` on the caller's base clone
//! of a project or on one of their sessions' worktrees (admins: anyone's), and pull /
//! merge requests on the project's GitHub or GitLab repository ([`pulls`]).
//!
//! Which directory, as whom and with what is decided here; running git is the
//! [`WorkingCopies`](crate::ports::WorkingCopies) port's job. Paths and refs from users
//! are validated again by the port, which passes them after `--end-of-options`/`--`.

pub mod changes;
pub mod pulls;
mod verbs;

use aiops_types::{FileContent, FileEntry, GitStatus, Project, Session};

pub use verbs::*;

use crate::ports::{GitContext, ProjectStore, SessionStore, SshStore, UserStore};
use crate::sessions::Host;
use crate::sessions::plan::git_env;
use crate::sessions::start::workspace_dir;
use crate::{CoreError, CoreResult, Principal};

/// A working copy the caller may use, with the context to run git in it.
pub(crate) struct WorkingCopy {
    pub ctx: GitContext,
    pub project: Project,
    pub session: Option<Session>,
    /// The session host the session's worktree is on (None: this machine).
    pub site: Option<std::sync::Arc<crate::sessions::sites::Site>>,
}

/// The session's worktree, or the caller's base clone of `project_id`. A session key
/// reaches only its own session's worktree (`session` defaults to it).
pub(crate) fn working_copy(
    store: &(impl UserStore + ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    session: Option<i64>,
) -> CoreResult<WorkingCopy> {
    let session = match (caller.session, session) {
        (Some(grant), Some(s)) if s != grant.session_id => {
            return Err(CoreError::Forbidden(
                "a session key reaches only its own session's worktree".into(),
            ));
        }
        (Some(grant), _) => Some(grant.session_id),
        (None, s) => s,
    };
    let project = store
        .project(caller.viewer(), project_id)?
        .ok_or_else(|| CoreError::not_found(format!("project {project_id}")))?;
    let me = store
        .user_by_id(caller.user_id)?
        .ok_or_else(|| CoreError::Unauthorized("your user no longer exists".into()))?
        .user;
    let mut ctx = GitContext {
        dir: Default::default(),
        allow_file: crate::validate::local_repo(&project.repo_url),
        env: git_env(&me),
        // Set by the verbs that reach the remote (see `remote`).
        ssh: None,
    };
    if let Some(id) = session {
        let s = crate::sessions::ops::get_own(store, caller, id)?;
        if s.project_id != project.id {
            return Err(CoreError::invalid(
                "session",
                format!("session {id} is not on project {project_id}"),
            ));
        }
        ctx.dir = s.worktree_path.clone().into();
        return Ok(WorkingCopy {
            ctx,
            project,
            site: crate::sessions::sites::of_session(host, &s)?,
            session: Some(s),
        });
    }
    ctx.dir = workspace_dir(host, &me, &project).join("repo");
    if !ctx.dir.join(".git").exists() {
        return Err(CoreError::NotFound(format!(
            "you have no clone of {}/{} yet: start a session on it first",
            project.tenant_slug, project.slug
        )));
    }
    Ok(WorkingCopy {
        ctx,
        project,
        session: None,
        site: None,
    })
}

impl WorkingCopy {
    /// Git where this working copy is: the session host's, or `host`'s own.
    pub(crate) fn git<'h>(&'h self, host: &Host<'h>) -> &'h dyn crate::ports::WorkingCopies {
        self.site.as_ref().map_or(host.git, |s| s.git.as_ref())
    }

    /// Adds what reaching `origin` over ssh needs (the caller's key or the project's
    /// deploy key, and the host's confirmed keys); nothing for https or local remotes.
    pub(crate) fn remote(
        mut self,
        store: &impl SshStore,
        host: &Host<'_>,
        caller: &Principal,
    ) -> CoreResult<Self> {
        self.ctx.ssh = crate::ssh::material(
            store,
            host.secret_key,
            host.git,
            caller.user_id,
            &self.project,
        )?;
        Ok(self)
    }
}

/// Branch, upstream, ahead/behind, changed and untracked files.
pub fn status(
    store: &(impl UserStore + ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    session: Option<i64>,
) -> CoreResult<GitStatus> {
    let wc = working_copy(store, host, caller, project_id, session)?;
    wc.git(host).status(&wc.ctx)
}

/// Directory `path` of the working copy.
pub fn files(
    store: &(impl UserStore + ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    session: Option<i64>,
    path: &str,
) -> CoreResult<Vec<FileEntry>> {
    crate::validate::no_nul("path", path)?;
    let wc = working_copy(store, host, caller, project_id, session)?;
    wc.git(host).list_files(&wc.ctx, path)
}

/// File `path` of the working copy (at most 1 MiB).
pub fn cat(
    store: &(impl UserStore + ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    session: Option<i64>,
    path: &str,
) -> CoreResult<FileContent> {
    if path.trim().is_empty() {
        return Err(CoreError::invalid("path", "name a file to read"));
    }
    crate::validate::no_nul("path", path)?;
    let wc = working_copy(store, host, caller, project_id, session)?;
    wc.git(host).read_file(&wc.ctx, path)
}
