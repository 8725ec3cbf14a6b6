//! Issue worktrees left in users' workspaces: listed (with their uncommitted changes and
//! the live session using them, if any) and removed on request — never silently, never
//! one a live session works in, and with uncommitted work only when forced. Worktrees on
//! session hosts (issue 23) are listed from the hosts a user's sessions of a project ran
//! on; a host that does not answer is left out of the list (`hosts list` says why).

use aiops_types::{Project, RemoveWorktree, Session, User, Worktree, WorktreeListParams};
use serde_json::json;

use super::Host;
use super::start::workspace_dir;
use crate::page::PageQuery;
use crate::ports::{
    AuditStore, NewAudit, ProjectFilter, ProjectStore, SessionFilter, SessionStore, UserStore,
};
use crate::{CoreError, CoreResult, Principal};

const ALL: PageQuery = PageQuery {
    after: None,
    limit: 10_000,
};

fn users(store: &impl UserStore, caller: &Principal, all: bool) -> CoreResult<Vec<User>> {
    if all {
        caller.require_admin("only admins list every user's worktrees")?;
        return store.list_users(ALL);
    }
    Ok(store
        .user_by_id(caller.user_id)?
        .map(|r| vec![r.user])
        .unwrap_or_default())
}

fn live_sessions(store: &impl SessionStore, user_id: i64) -> CoreResult<Vec<Session>> {
    store.list_sessions(
        &SessionFilter {
            user_id: Some(user_id),
            live: true,
            issue_id: None,
            project_id: None,
        },
        ALL,
    )
}

fn worktrees_of(
    host: &Host<'_>,
    user: &User,
    project: &Project,
    live: &[Session],
) -> CoreResult<Vec<Worktree>> {
    let ws = workspace_dir(host, user, project);
    let listed = host.runtime.worktrees(&ws.join("repo"))?;
    let on = host.site.map(|s| s.host_name.clone());
    Ok(listed
        .into_iter()
        .map(|w| {
            let path = w.path.display().to_string();
            Worktree {
                project_id: project.id,
                project: format!("{}/{}", project.tenant_slug, project.slug),
                user_id: user.id,
                name: w
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                session_id: live.iter().find(|s| s.worktree_path == path).map(|s| s.id),
                path,
                host: on.clone(),
                branch: w.branch,
                dirty: w.dirty,
            }
        })
        .collect())
}

/// The caller's worktrees (every user's with `all_users`, admins only: `Forbidden`
/// otherwise) in the projects they see, on the control plane and the session hosts their
/// sessions ran on, each with the live session working in it; with `stale`, only those
/// without one. A host that does not answer is left out.
pub fn list(
    store: &(impl UserStore + ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    params: &WorktreeListParams,
) -> CoreResult<Vec<Worktree>> {
    let projects = store.list_projects(caller.viewer(), &ProjectFilter::default(), ALL)?;
    let mut out = Vec::new();
    for user in users(store, caller, params.all_users)? {
        // One read of the user's sessions: the live ones, and the hosts any ran on.
        let all = all_sessions(store, user.id)?;
        let live: Vec<Session> = all.iter().filter(|s| s.state.is_live()).cloned().collect();
        let remote = hosts_used(&all);
        for p in &projects {
            let mut here = worktrees_of(host, &user, p, &live)?;
            for (_, name) in remote.iter().filter(|(pid, _)| *pid == p.id) {
                let listed = host
                    .sites
                    .open(name)
                    .and_then(|site| worktrees_of(&host.at(Some(&site)), &user, p, &live));
                // A host that does not answer is left out rather than failing the whole
                // list; `aiops hosts list` shows it unreachable.
                here.extend(listed.unwrap_or_default());
            }
            out.extend(
                here.into_iter()
                    .filter(|w| !params.stale || w.session_id.is_none()),
            );
        }
    }
    Ok(out)
}

/// Every session of user `user_id`, ended ones included.
fn all_sessions(store: &impl crate::ports::SessionStore, user_id: i64) -> CoreResult<Vec<Session>> {
    store.list_sessions(
        &SessionFilter {
            user_id: Some(user_id),
            live: false,
            issue_id: None,
            project_id: None,
        },
        ALL,
    )
}

/// (project id, host name) of every session host `sessions` ran on.
fn hosts_used(sessions: &[Session]) -> Vec<(i64, String)> {
    let mut out: Vec<(i64, String)> = sessions
        .iter()
        .filter_map(|s| Some((s.project_id, s.host.clone()?)))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Removes one of the caller's worktrees (another user's: admins only) of `req.project_id`,
/// on `req.host` when given; the branch is kept. `NotFound` for an unknown project or
/// worktree, `Conflict` while a live session works in it or, without `force`, when it has
/// changes.
pub fn remove(
    store: &(impl UserStore + ProjectStore + SessionStore + AuditStore),
    host: &Host<'_>,
    caller: &Principal,
    req: &RemoveWorktree,
) -> CoreResult<()> {
    let user = match req.user_id {
        Some(id) if id != caller.user_id => {
            caller.require_admin("only admins remove another user's worktrees")?;
            store
                .user_by_id(id)?
                .ok_or_else(|| CoreError::not_found(format!("user {id}")))?
                .user
        }
        _ => users(store, caller, false)?
            .pop()
            .ok_or_else(|| CoreError::Unauthorized("your user no longer exists".into()))?,
    };
    let project = store
        .project(caller.viewer(), req.project_id)?
        .ok_or_else(|| CoreError::not_found(format!("project {}", req.project_id)))?;
    let site = match req.host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        Some(name) => Some(host.sites.open(name)?),
        None => None,
    };
    let host = &host.at(site.as_deref());
    let live = live_sessions(store, user.id)?;
    let found = worktrees_of(host, &user, &project, &live)?
        .into_iter()
        .find(|w| w.name == req.name)
        .ok_or_else(|| CoreError::not_found(format!("worktree `{}`", req.name)))?;
    if let Some(id) = found.session_id {
        return Err(CoreError::Conflict(format!(
            "session {id} works in {}; end it first (`aiops sessions kill {id}`)",
            found.path
        )));
    }
    let base = workspace_dir(host, &user, &project).join("repo");
    host.runtime
        .remove_worktree(&base, std::path::Path::new(&found.path), req.force)?;
    store.append_audit(
        NewAudit::by(caller, "worktree.remove")
            .target("project", project.id)
            .detail(json!({
                "user_id": user.id, "name": found.name, "branch": found.branch, "host": found.host,
                "force": req.force, "dirty": found.dirty.len(),
            })),
    )
}
