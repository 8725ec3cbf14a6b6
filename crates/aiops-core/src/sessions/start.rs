//! Starting a session: `aiops issues work` (claim the issue, prepare its worktree, write
//! the context, start or reuse the agent) and `aiops sessions start` (a project without an
//! issue, in the base clone).

use std::path::PathBuf;

use aiops_types::{
    AssignIssue, Isolation, Issue, IssueStatus, Project, Scope, SessionState, StartSession,
    StartedSession, Tool, User, WorkIssue,
};
use serde_json::json;

use super::plan::{git_env, launch_plan, session_key};
use super::{Host, LaunchPorts, context, names};
use crate::issues::{IssueWritePorts, TrackerAccess};
use crate::mcp::McpStore;
use crate::page::PageQuery;
use crate::ports::{
    AgentStore, IssueFilter, IssueStore, NewAudit, NewSessionRow, ProjectStore, SessionStore,
    StateChange, TenantStore, ToolStore, UserStore, Viewer, WorkspacePlan, WorktreePlan,
};
use crate::{CoreError, CoreResult, Principal, issues, projects};

/// The initial prompt of a session on an issue when the caller gives none (issue 4,
/// "Tools"). A session without an issue starts its tool with no prompt: there is no
/// issue to resolve and no context file naming one.
pub const DEFAULT_PROMPT: &str = "Read AGENTS.override.md and resolve the issue.";
/// Longest initial prompt, in bytes.
const MAX_PROMPT_BYTES: usize = 16 * 1024;

/// Who a session runs as, with which tool and options.
struct Request<'a> {
    owner: User,
    tool: Tool,
    /// How the tool was chosen when the caller named none (said in the notes).
    chosen: Option<String>,
    prompt: String,
    yolo: bool,
    /// The sandbox mechanism the session will run in, or `none`.
    sandbox: &'static str,
    /// An admin asked for no sandbox (audited with the start).
    no_sandbox: bool,
    caller: &'a Principal,
}

/// What the caller asked for, before it is checked.
struct Ask<'a> {
    tool: &'a str,
    prompt: Option<&'a str>,
    yolo: bool,
    user: Option<&'a str>,
    no_sandbox: bool,
}

/// Claims issue `issue_id` for the caller (or, for admins, `req.user`), prepares its
/// worktree, writes `AGENTS.override.md` and starts the agent — or returns the live
/// session of the same issue, user and tool. A refused claim is reported in `notes` and
/// does not stop the session.
pub fn work(
    store: &(impl LaunchPorts + IssueWritePorts + TenantStore),
    access: TrackerAccess<'_>,
    host: &Host<'_>,
    caller: &Principal,
    issue_id: i64,
    req: &WorkIssue,
) -> CoreResult<StartedSession> {
    let issue = issues::get(store, caller, issue_id)?;
    let pinned = store
        .project(Viewer::All, issue.project_id)?
        .ok_or_else(|| CoreError::not_found(format!("project {}", issue.project_id)))?;
    let (site, placed) = place_for(store, host, caller, &pinned, req.host.as_deref())?;
    let host = &host.at(site.as_deref());
    let ask = Ask {
        tool: &req.tool,
        prompt: Some(
            req.prompt
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .unwrap_or(DEFAULT_PROMPT),
        ),
        yolo: req.yolo,
        user: req.user.as_deref(),
        no_sandbox: req.no_sandbox,
    };
    let r = request(store, host, caller, &ask)?;
    let project = visible_project(store, &r.owner, issue.project_id)?;
    if let Some(live) = store.live_session_for(r.owner.id, issue.id, &r.tool.name)? {
        return Ok(StartedSession {
            session: live,
            reused: true,
            notes: r.chosen.into_iter().collect(),
        });
    }
    check_limit(store, host, &r.owner)?;
    // Claim only once the session runs: a start that fails changes nothing upstream.
    let mut started = launch(store, host, &r, &project, Some(&issue))?;
    let claim = claim(store, access, caller, &r.owner, &issue);
    started
        .notes
        .splice(0..0, r.chosen.into_iter().chain(claim).chain(placed));
    Ok(started)
}

/// Starts a session on a project without an issue: it works in the user's base clone.
pub fn start(
    store: &(impl LaunchPorts + UserStore + TenantStore),
    host: &Host<'_>,
    caller: &Principal,
    req: &StartSession,
) -> CoreResult<StartedSession> {
    let ask = Ask {
        tool: &req.tool,
        prompt: req.prompt.as_deref(),
        yolo: req.yolo,
        user: req.user.as_deref(),
        no_sandbox: req.no_sandbox,
    };
    let found = projects::find(store, caller, &req.project)?;
    let (site, placed) = place_for(store, host, caller, &found, req.host.as_deref())?;
    let host = &host.at(site.as_deref());
    let r = request(store, host, caller, &ask)?;
    let project = visible_project(store, &r.owner, found.id)?;
    check_limit(store, host, &r.owner)?;
    let mut started = launch(store, host, &r, &project, None)?;
    started
        .notes
        .splice(0..0, r.chosen.clone().into_iter().chain(placed));
    Ok(started)
}

/// Where a new session of `project` runs ([`super::sites::place`]), and a
/// note when the project's fallback put it on the control plane's machine. Choosing the
/// machine (`--host`, `local` included) overrides the project's pin, which its tenant's
/// admins set: only they (and server admins) may.
fn place_for(
    store: &(impl TenantStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    project: &Project,
    asked: Option<&str>,
) -> CoreResult<(Option<std::sync::Arc<super::sites::Site>>, Option<String>)> {
    if asked.is_some_and(|a| !a.trim().is_empty()) {
        crate::tenants::require_admin_of(
            store,
            caller,
            project.tenant_id,
            &project.tenant_slug,
            "choose the machine a session runs on (--host)",
        )?;
    }
    super::sites::place(store, host.sites, project, asked)
}

/// Who the session is for, its tool and its checked prompt (`None` or blank: none).
fn request<'a>(
    store: &(impl UserStore + ToolStore),
    host: &Host<'_>,
    caller: &'a Principal,
    ask: &Ask<'_>,
) -> CoreResult<Request<'a>> {
    let Ask {
        tool,
        prompt,
        yolo,
        user,
        no_sandbox,
    } = *ask;
    caller.require(Scope::Write)?;
    if no_sandbox {
        caller.require_admin("only admins may start a session without the sandbox")?;
    }
    let sandbox = super::sandbox::decide(
        host.sandbox.mode,
        host.runtime.sandbox_mechanism(),
        no_sandbox,
    )?;
    // `user` is an id or an email; anyone may name themselves.
    let me = |u: &str| u.eq_ignore_ascii_case(&caller.email) || u == caller.user_id.to_string();
    let owner = match user.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) if !me(u) => {
            caller.require_admin("only admins may start a session as another user")?;
            crate::users::find_active(store, u)?
        }
        _ => {
            store
                .user_by_id(caller.user_id)?
                .ok_or_else(|| CoreError::Unauthorized("your user no longer exists".into()))?
                .user
        }
    };
    let (tool, chosen) = match tool.trim() {
        "" => {
            let (tool, why) = super::tools::choose(store, host, owner.id)?;
            (tool, Some(why))
        }
        name => (
            store.tool(name)?.ok_or_else(|| {
                CoreError::invalid("tool", format!("no tool `{name}` (see `aiops tools list`)"))
            })?,
            None,
        ),
    };
    if yolo {
        if !host.allow_yolo {
            return Err(CoreError::Forbidden(
                "--yolo is not allowed on this server (the admin sets `allow_yolo = true`)".into(),
            ));
        }
        if tool.yolo_args.is_empty() {
            return Err(CoreError::invalid(
                "yolo",
                format!("tool `{}` has no skip-permissions mode", tool.name),
            ));
        }
        if host.runs_as_root && sandbox == super::sandbox::NO_SANDBOX {
            // An agent that skips its permission prompts, as root, with the whole machine
            // in view: never. (Claude Code refuses it too, with a less helpful message.)
            return Err(CoreError::Conflict(
                "--yolo as root needs the session sandbox: this server runs as root and this \
                 session would run unsandboxed (turn session_sandbox on, install bubblewrap, \
                 or run aiops as a normal user)"
                    .into(),
            ));
        }
    }
    let prompt = prompt.map(str::trim).unwrap_or_default();
    if prompt.len() > MAX_PROMPT_BYTES || prompt.contains('\0') {
        return Err(CoreError::invalid(
            "prompt",
            format!("the prompt must be under {MAX_PROMPT_BYTES} bytes without NUL"),
        ));
    }
    // What every session needs on the server, then the tool itself.
    for program in ["git", "tmux", tool.command.as_str()] {
        host.runtime.check_program(program)?;
    }
    Ok(Request {
        owner,
        tool,
        chosen,
        prompt: prompt.to_owned(),
        yolo,
        sandbox,
        no_sandbox,
        caller,
    })
}

/// The project as the session's owner sees it: an admin may start a session for a user
/// only on a project that user can reach.
fn visible_project(store: &impl ProjectStore, owner: &User, id: i64) -> CoreResult<Project> {
    let viewer = if owner.role == aiops_types::Role::Admin {
        Viewer::All
    } else {
        Viewer::Member(owner.id)
    };
    store.project(viewer, id)?.ok_or_else(|| {
        CoreError::Forbidden(format!("{} is not a member of project {id}", owner.email))
    })
}

fn check_limit(store: &impl SessionStore, host: &Host<'_>, owner: &User) -> CoreResult<()> {
    let live = store.count_live_sessions(owner.id)?;
    if live >= u64::from(host.max_sessions_per_user) {
        return Err(CoreError::Conflict(format!(
            "{} already has {live} live sessions (the limit is {}); end one with `aiops sessions kill <id>`",
            owner.email, host.max_sessions_per_user
        )));
    }
    Ok(())
}

/// Assigns the issue to the owner (at the tracker as the caller) and moves it to "in
/// progress" where the tracker has that (Jira). Returns what happened.
fn claim(
    store: &impl IssueWritePorts,
    access: TrackerAccess<'_>,
    caller: &Principal,
    owner: &User,
    issue: &Issue,
) -> Vec<String> {
    if issue.status == IssueStatus::Closed {
        return vec!["the issue is closed; not claimed".to_owned()];
    }
    let req = AssignIssue {
        assignee: Some(owner.email.clone()),
        user: None,
    };
    let mut said = vec![
        match issues::assign(store, access, caller, issue.id, &req) {
            Ok(i) => format!(
                "assigned to {}",
                i.assignee.unwrap_or_else(|| owner.email.clone())
            ),
            Err(e) => format!("not assigned: {e}"),
        },
    ];
    match issues::start_progress(store, access, caller, issue.id) {
        Ok(Some(i)) => said.push(format!("moved to {}", i.provider_status)),
        Ok(None) => {}
        Err(e) => said.push(format!("not moved to in progress: {e}")),
    }
    said
}

/// `<root>/<user id>/<tenant>/<project>`: one user's workspace of one project.
pub fn workspace_dir(host: &Host<'_>, owner: &User, project: &Project) -> PathBuf {
    workspace_path(host.workspace_root, owner.id, project)
}

/// [`workspace_dir`] under `root` for user `user_id`.
pub fn workspace_path(root: &std::path::Path, user_id: i64, project: &Project) -> PathBuf {
    root.join(user_id.to_string())
        .join(&project.tenant_slug)
        .join(&project.slug)
}

/// Where user `owner_id`'s last session of issue `issue_id` worked, when that was a
/// worktree of workspace `ws` (its branch included), so a new session continues the
/// work there rather than starting a new branch.
fn earlier_worktree(
    store: &impl crate::ports::SessionStore,
    owner_id: i64,
    issue_id: i64,
    ws: &std::path::Path,
) -> Option<WorktreePlan> {
    let filter = crate::ports::SessionFilter {
        user_id: Some(owner_id),
        live: false,
        issue_id: Some(issue_id),
        project_id: None,
    };
    let last = store
        .list_sessions(
            &filter,
            PageQuery {
                after: None,
                limit: 1,
            },
        )
        .ok()?
        .into_iter()
        .next()?;
    let path = PathBuf::from(&last.worktree_path);
    if !path.starts_with(ws.join("worktrees")) || last.branch.is_empty() {
        return None;
    }
    Some(WorktreePlan {
        path,
        branch: last.branch,
    })
}

fn launch(
    store: &impl LaunchPorts,
    host: &Host<'_>,
    r: &Request<'_>,
    project: &Project,
    issue: Option<&Issue>,
) -> CoreResult<StartedSession> {
    let ws = workspace_dir(host, &r.owner, project);
    let worktree = match (issue, project.workspace.isolation) {
        (Some(i), Isolation::Worktree) => Some(
            // The issue's earlier worktree, even if its title changed since.
            earlier_worktree(store, r.owner.id, i.id, &ws).unwrap_or_else(|| WorktreePlan {
                path: ws
                    .join("worktrees")
                    .join(names::worktree_dir(&i.external_id, &i.title)),
                branch: names::branch_name(&i.external_id, &i.title),
            }),
        ),
        _ => None,
    };
    let plan = WorkspacePlan {
        repo_url: project.repo_url.clone(),
        allow_file: crate::validate::local_repo(&project.repo_url),
        default_branch: project.default_branch.clone(),
        base: ws.join("repo"),
        worktree,
        setup_files: project.workspace.setup_files.clone(),
        setup_command: project.workspace.setup_command.clone(),
        git_env: git_env(&r.owner),
        ssh: crate::ssh::material(store, host.secret_key, host.git, r.owner.id, project)?,
    };
    let prepared = host.runtime.prepare(&plan)?;
    if let Some(issue) = issue {
        write_context(
            store,
            host,
            &r.owner,
            project,
            issue,
            &prepared.dir,
            &prepared.branch,
        )?;
    }
    let (secret, key) = session_key(&r.owner);
    let row = NewSessionRow {
        user_id: r.owner.id,
        project_id: project.id,
        issue_id: issue.map(|i| i.id),
        tool: r.tool.name.clone(),
        yolo: r.yolo,
        prompt: r.prompt.clone(),
        branch: prepared.branch.clone(),
        worktree_path: prepared.dir.display().to_string(),
        name_hint: issue.map_or_else(|| project.slug.clone(), |i| i.title.clone()),
        sandbox: r.sandbox.to_owned(),
        host_id: host.site.map(|s| s.host_id),
        host_name: host.site.map(|s| s.host_name.clone()),
    };
    let audit = NewAudit::by(r.caller, "session.start").detail(json!({
        "user": r.owner.email,
        "project_id": project.id,
        "issue_id": row.issue_id,
        "tool": r.tool.name,
        "yolo": r.yolo,
        "sandbox": r.sandbox,
        "no_sandbox": r.no_sandbox,
        "host": host.site.map(|s| s.host_name.as_str()),
    }));
    let session = store.insert_session(&row, &key, audit)?;
    let launched = launch_plan(store, host, &r.tool, &r.owner, &session, &secret, false)
        .and_then(|plan| host.runtime.launch(&plan));
    if let Err(e) = launched {
        let change = StateChange {
            to: SessionState::Failed,
            from: &[SessionState::Starting],
            exit_code: None,
            detail: Some(format!("could not start: {e}")),
        };
        store.set_session_state(session.id, &change, None)?;
        return Err(e);
    }
    let notes = prepared.warnings;
    Ok(StartedSession {
        session,
        reused: false,
        notes,
    })
}

/// Writes `AGENTS.override.md`: the global instructions, the repository's `AGENTS.md`,
/// and the issue block (replacing an older block and keeping the rest).
fn write_context(
    store: &(impl IssueStore + AgentStore + McpStore),
    host: &Host<'_>,
    owner: &User,
    project: &Project,
    issue: &Issue,
    dir: &std::path::Path,
    branch: &str,
) -> CoreResult<()> {
    let global = store
        .agent_instructions(None)?
        .map(|a| a.body)
        .unwrap_or_default();
    let comments = store.list_comments(
        issue.id,
        PageQuery {
            after: None,
            limit: 200,
        },
    )?;
    let filter = IssueFilter {
        project_id: Some(project.id),
        status: Some(IssueStatus::Open),
        ..Default::default()
    };
    let others = store.list_issues(
        Viewer::All,
        &filter,
        PageQuery {
            after: None,
            limit: 31,
        },
    )?;
    let worktree = dir.display().to_string();
    let identity = format!("{} <{}>", owner.name, owner.email);
    let block = context::issue_block(&context::IssueContext {
        issue,
        comments: &comments,
        repo: &project.repo_url,
        branch,
        worktree: &worktree,
        others: &others,
        git_identity: &identity,
        last_synced: None,
    });
    let mcp: Vec<String> = {
        let mut names = Vec::new();
        if store.project_mcp(project.id)?.unwrap_or(true) {
            names.push(aiops_types::mcp::SERVER_NAME.to_owned());
        }
        names.extend(
            store
                .mcp_servers(project.tenant_id, Some(project.id))?
                .into_iter()
                .map(|r| r.server.name),
        );
        names
    };
    let block = super::mcp_config::context_note(block, &mcp);
    let existing = host.runtime.read_text(dir, context::FILE_NAME);
    let repo_agents = host.runtime.read_text(dir, "AGENTS.md");
    let text = context::render(existing.as_deref(), &global, repo_agents.as_deref(), &block);
    host.runtime.write_context(dir, &text)
}

#[cfg(test)]
#[path = "start_tests.rs"]
mod tests;
