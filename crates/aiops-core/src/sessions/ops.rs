//! Watching and ending sessions: list, get, state reports, kill, respawn, send, logs,
//! attach, and reconciling the table with tmux after a restart.

use aiops_types::{
    AttachInfo, Page, Session, SessionListParams, SessionReport, SessionState, Transcript,
};
use serde_json::json;

use super::Host;
use super::plan::{launch_plan, session_key};
use crate::mcp::McpStore;
use crate::page::PageQuery;
use crate::ports::{
    AuditStore, NewAudit, ProjectStore, SessionFilter, SessionStore, StateChange, ToolStore,
    UserStore,
};
use crate::{CoreError, CoreResult, Principal};

const LIVE: &[SessionState] = &[
    SessionState::Starting,
    SessionState::Running,
    SessionState::Waiting,
];
const MAX_DETAIL_CHARS: usize = 1000;
/// Longest text `send` types, in bytes.
const MAX_SEND_BYTES: usize = 64 * 1024;

/// Owners see their sessions while they may see its project, admins every session;
/// others get `NotFound`.
pub fn get(
    store: &(impl SessionStore + ProjectStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<Session> {
    match store.session(caller.viewer(), id)? {
        Some(s) if owner_may_reach(store, caller, &s)? => Ok(s),
        _ => Err(CoreError::not_found(format!("session {id}"))),
    }
}

/// Whether `caller` may still reach session `s` that the store let them see: an admin
/// always (by role, not key scope: admins reach their own sessions with write keys and
/// the session's key too); a member only while the session's project is visible to them
/// (tenant or project membership), so a member removed from a tenant loses its sessions
/// although they still own them.
fn owner_may_reach(store: &impl ProjectStore, caller: &Principal, s: &Session) -> CoreResult<bool> {
    if caller.role == aiops_types::Role::Admin {
        return Ok(true);
    }
    let viewer = crate::ports::Viewer::Member(caller.user_id);
    Ok(store.project(viewer, s.project_id)?.is_some())
}

/// Like [`get`], for changes: admins may act on any session, others on their own.
pub(crate) fn get_own(
    store: &(impl SessionStore + ProjectStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<Session> {
    let s = get(store, caller, id)?;
    if s.user_id != caller.user_id && !caller.is_admin() {
        return Err(CoreError::not_found(format!("session {id}")));
    }
    Ok(s)
}

/// The caller's sessions, newest first (every user's with `all_users`, admins only:
/// `Forbidden` otherwise), filtered by live state, issue and project. Sessions in
/// projects the caller no longer sees are left out; a session key sees its own only.
pub fn list(
    store: &(impl ProjectStore + SessionStore),
    caller: &Principal,
    params: &SessionListParams,
    page: PageQuery,
) -> CoreResult<Page<Session>> {
    if params.all_users {
        caller.require_admin("only admins list every user's sessions")?;
    }
    let filter = SessionFilter {
        user_id: (!params.all_users).then_some(caller.user_id),
        live: params.live,
        issue_id: params.issue_id,
        project_id: params.project,
    };
    let rows = store.list_sessions(&filter, page)?;
    // The same rule as `get`: a member's sessions in projects they no longer see are not
    // listed (the page's cursor still moves past them).
    let mut hidden = std::collections::HashSet::new();
    for s in &rows {
        // A session key lists its own session only.
        let other = caller.session.is_some_and(|g| g.session_id != s.id);
        if other || !owner_may_reach(store, caller, s)? {
            hidden.insert(s.id);
        }
    }
    Ok(page.finish_where(rows, |s| s.id, |s| !hidden.contains(&s.id)))
}

/// A state report (agent hooks, the launcher). Only the session's owner (usually through
/// the session key) reports. Repeating the current live state changes nothing; a report
/// after the session ended is a `Conflict`.
pub fn report(
    store: &(impl ProjectStore + SessionStore),
    caller: &Principal,
    id: i64,
    req: &SessionReport,
) -> CoreResult<Session> {
    let s = get(store, caller, id)?;
    if s.user_id != caller.user_id {
        return Err(CoreError::Forbidden(
            "only the session's owner reports its state".into(),
        ));
    }
    let to: SessionState = req
        .state
        .trim()
        .parse()
        .map_err(|e: String| CoreError::invalid("state", e))?;
    // A detail comes from the agent's side (a hook's error text, a line of its screen):
    // redacted like the transcript, since it is shown and notified (an API's 401 text
    // may quote the key).
    let detail = req.detail.as_deref().map(|d| {
        crate::redact::redact(d)
            .chars()
            .take(MAX_DETAIL_CHARS)
            .collect::<String>()
    });
    let exit_code = match to {
        SessionState::Running | SessionState::Waiting | SessionState::Failed => None,
        SessionState::Exited => Some(req.exit_code.ok_or_else(|| {
            CoreError::invalid("exit_code", "an `exited` report needs exit_code")
        })?),
        other => {
            return Err(CoreError::invalid(
                "state",
                format!(
                    "`{}` cannot be reported (report running, waiting, exited or failed)",
                    other.as_str()
                ),
            ));
        }
    };
    if s.state == to && to.is_live() {
        return Ok(s);
    }
    store.set_session_state(
        id,
        &StateChange {
            to,
            from: LIVE,
            exit_code,
            detail,
        },
        None,
    )
}

/// Ends the session's tmux session. A live session becomes `killed`; an ended one keeps
/// its state (its leftover pane is cleaned up).
pub fn kill(
    store: &(impl ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    id: i64,
) -> CoreResult<Session> {
    let s = get_own(store, caller, id)?;
    on_site(host, &s, |h| h.runtime.kill(s.id, tmux_name(&s)))?;
    if !s.state.is_live() {
        return Ok(s);
    }
    let audit = NewAudit::by(caller, "session.kill").target("session", id);
    let killed = store.set_session_state(
        id,
        &StateChange {
            to: SessionState::Killed,
            from: LIVE,
            exit_code: None,
            detail: Some(format!("killed by {}", caller.email)),
        },
        Some(audit),
    );
    match killed {
        // It ended by itself just before (its launcher reported first): that stands.
        Err(CoreError::Conflict(_)) => get(store, caller, id),
        other => other,
    }
}

/// Starts the session's command again in its tmux session (a new one if it is gone),
/// with a fresh session key.
pub fn respawn(
    store: &(impl UserStore + ProjectStore + SessionStore + ToolStore + McpStore),
    host: &Host<'_>,
    caller: &Principal,
    id: i64,
) -> CoreResult<Session> {
    let s = get_own(store, caller, id)?;
    let tool = store.tool(&s.tool)?.ok_or_else(|| {
        CoreError::Conflict(format!(
            "tool `{}` was removed; start a new session",
            s.tool
        ))
    })?;
    let site = super::sites::of_session(host, &s)?;
    let host = &host.at(site.as_deref());
    host.runtime.check_program(&tool.command)?;
    let owner = store
        .user_by_id(s.user_id)?
        .ok_or_else(|| CoreError::not_found(format!("user {}", s.user_id)))?
        .user;
    let (secret, key) = session_key(&owner);
    let audit = NewAudit::by(caller, "session.respawn").target("session", id);
    let s = store.restart_session(id, &key, audit)?;
    let launched = launch_plan(store, host, &tool, &owner, &s, &secret, true)
        .and_then(|plan| host.runtime.launch(&plan));
    if let Err(e) = launched {
        store.set_session_state(
            id,
            &StateChange {
                to: SessionState::Failed,
                from: LIVE,
                exit_code: None,
                detail: Some(format!("could not respawn: {e}")),
            },
            None,
        )?;
        return Err(e);
    }
    Ok(s)
}

/// Types `text` literally into the live session's pane, then Enter when asked.
pub fn send(
    store: &(impl ProjectStore + SessionStore + ToolStore + AuditStore),
    host: &Host<'_>,
    caller: &Principal,
    id: i64,
    text: &str,
    enter: bool,
) -> CoreResult<()> {
    crate::validate::no_nul("text", text)?;
    let s = get_own(store, caller, id)?;
    if !s.state.is_live() {
        return Err(CoreError::Conflict(format!(
            "session {id} has ended ({}); respawn it first",
            s.state.as_str()
        )));
    }
    if text.len() > MAX_SEND_BYTES {
        return Err(CoreError::invalid(
            "text",
            format!("at most {MAX_SEND_BYTES} bytes at once"),
        ));
    }
    let audit = NewAudit::by(caller, "session.send")
        .target("session", id)
        .detail(json!({ "bytes": text.len(), "enter": enter }));
    on_site(host, &s, |h| h.runtime.send(tmux_name(&s), text, enter))?;
    store.append_audit(audit)?;
    if enter && s.state == SessionState::Waiting && submits_unreported(store, &s)? {
        let change = StateChange {
            to: SessionState::Running,
            from: &[SessionState::Waiting],
            exit_code: None,
            detail: None,
        };
        match store.set_session_state(id, &change, None) {
            // It changed meanwhile (a report, an exit): that stands.
            Ok(_) | Err(CoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether the session's tool starts a turn without reporting it: Aider says when it
/// waits (its notification command) but has no hook for "working", so the Enter aiops
/// sends is that start. Claude and Codex report it themselves (`UserPromptSubmit`).
fn submits_unreported(store: &impl ToolStore, s: &Session) -> CoreResult<bool> {
    Ok(store
        .tool(&s.tool)?
        .is_some_and(|t| super::plan::tool_kind(&t) == crate::ports::ToolKind::Aider))
}

/// The session's recorded output (see [`crate::ports::Runtime::transcript`]): the last
/// `tail` lines, rendered or `raw`. `NotFound` when the caller may not see the session.
pub fn logs(
    store: &(impl ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    id: i64,
    tail: Option<u32>,
    raw: bool,
) -> CoreResult<Transcript> {
    let s = get(store, caller, id)?;
    on_site(host, &s, |h| h.runtime.transcript(s.id, tail, raw))
}

/// Runs `f` with `host` as seen from the machine session `s` runs on.
pub(super) fn on_site<T>(
    host: &Host<'_>,
    s: &Session,
    f: impl FnOnce(&Host<'_>) -> CoreResult<T>,
) -> CoreResult<T> {
    let site = super::sites::of_session(host, s)?;
    f(&host.at(site.as_deref()))
}

/// What the terminal WebSocket attaches to: the session's tmux name and whether the
/// caller may type into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalTarget {
    /// Row id of the session.
    pub session_id: i64,
    /// The tenant of the session's project: removing the caller from it ends the
    /// terminal. None when the project is gone.
    pub tenant_id: Option<i64>,
    /// Name of its tmux session.
    pub tmux_name: String,
    /// The terminal may only watch, not type.
    pub read_only: bool,
    /// The session host it runs on; None: the control plane's machine.
    pub host: Option<String>,
}

/// Which access a terminal asks for: the default, or explicitly read-only / read-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalMode {
    /// Owners read-write, admins read-only on another user's session.
    Default,
    /// Read-only.
    Read,
    /// Read-write (an admin on another user's session is audited).
    Write,
}

/// Owners attach read-write unless they ask for read-only. Admins attach to another
/// user's session read-only by default and read-write only when they ask (audited).
/// Other members get `NotFound`; an ended session is a `Conflict`.
pub fn terminal_target(
    store: &(impl ProjectStore + SessionStore + AuditStore),
    caller: &Principal,
    id: i64,
    mode: TerminalMode,
) -> CoreResult<TerminalTarget> {
    let s = get(store, caller, id)?;
    if !s.state.is_live() {
        return Err(CoreError::Conflict(format!(
            "session {id} has ended ({})",
            s.state.as_str()
        )));
    }
    let own = s.user_id == caller.user_id;
    let read_only = match mode {
        TerminalMode::Read => true,
        TerminalMode::Default => !own,
        // `get` let the caller see it: the owner, or an admin.
        TerminalMode::Write => false,
    };
    if !own && !read_only {
        store.append_audit(
            NewAudit::by(caller, "session.attach_write")
                .target("session", id)
                .detail(json!({ "owner": s.user })),
        )?;
    }
    let tenant_id = store
        .project(crate::ports::Viewer::All, s.project_id)?
        .map(|p| p.tenant_id);
    Ok(TerminalTarget {
        session_id: s.id,
        tenant_id,
        tmux_name: tmux_name(&s).to_owned(),
        read_only,
        host: s.host.clone(),
    })
}

/// How a native client attaches: over SSH to `host` as `ssh_user`, then `command`.
pub fn attach(
    store: &(impl ProjectStore + SessionStore + AuditStore),
    host: &Host<'_>,
    caller: &Principal,
    id: i64,
    server_host: &str,
    ssh_user: &str,
) -> CoreResult<AttachInfo> {
    let t = terminal_target(store, caller, id, TerminalMode::Default)?;
    let site = super::sites::of(host, id, t.host.as_deref())?;
    let on = host.at(site.as_deref());
    let command = on.runtime.attach_command(&t.tmux_name, t.read_only);
    // A session on a session host is attached there, as the host's SSH user.
    let (server_host, ssh_port, ssh_user) = match on.site {
        Some(s) => (s.login.1.as_str(), s.login.2, s.login.0.as_str()),
        None => (server_host, 22, ssh_user),
    };
    Ok(AttachInfo {
        session_id: id,
        host: server_host.to_owned(),
        ssh_port,
        ssh_user: ssh_user.to_owned(),
        session_host: on.site.map(|s| s.host_name.clone()),
        // The argument after `-S`.
        socket: command
            .iter()
            .skip_while(|a| *a != "-S")
            .nth(1)
            .cloned()
            .unwrap_or_default(),
        target: format!("={}", t.tmux_name),
        command,
        read_only: t.read_only,
    })
}

/// Brings live rows in line with tmux: a session whose launcher recorded an exit status
/// is `exited`; one whose pane is gone or dead without a status is `failed`. Returns how many
/// sessions changed. Run at start (sessions outlive the server) and by the scheduler.
pub fn reconcile(store: &impl SessionStore, host: &Host<'_>) -> CoreResult<usize> {
    let live = live_sessions(store)?;
    if live.is_empty() {
        // Nothing to check: do not even ask tmux (which may not be installed).
        return Ok(0);
    }
    // Sessions on session hosts are not in this machine's tmux: `sites::watch` checks
    // them on their hosts.
    let live: Vec<Session> = live.into_iter().filter(|s| s.host.is_none()).collect();
    reconcile_on(store, host.runtime, live)
}

/// Every live session, wherever it runs.
pub(crate) fn live_sessions(store: &impl crate::ports::SessionStore) -> CoreResult<Vec<Session>> {
    store.list_sessions(
        &SessionFilter {
            live: true,
            ..Default::default()
        },
        PageQuery {
            after: None,
            limit: 10_000,
        },
    )
}

/// [`reconcile`] of `live`, the sessions of the machine whose tmux `runtime` is.
pub(super) fn reconcile_on(
    store: &impl crate::ports::SessionStore,
    runtime: &dyn crate::ports::Runtime,
    live: Vec<Session>,
) -> CoreResult<usize> {
    if live.is_empty() {
        return Ok(0);
    }
    let panes = runtime.panes()?;
    let now = time::OffsetDateTime::now_utc();
    let mut changed = 0;
    for s in live {
        let pane = panes.iter().find(|p| p.tmux_name == tmux_name(&s));
        if pane.is_none() && mid_start(&s, now) {
            continue;
        }
        let recorded = runtime.recorded_exit(s.id);
        // A recorded status means the command ended, even if its launcher (which reports
        // it next) has not left the pane yet.
        if pane.is_some_and(|p| !p.dead) && recorded.is_none() {
            continue;
        }
        let change = match recorded {
            Some(code) => StateChange {
                to: SessionState::Exited,
                from: LIVE,
                exit_code: Some(code),
                detail: None,
            },
            None => StateChange {
                to: SessionState::Failed,
                from: LIVE,
                exit_code: None,
                detail: Some(
                    if pane.is_some() {
                        "the agent's pane died without an exit status"
                    } else {
                        "the tmux session is gone"
                    }
                    .to_owned(),
                ),
            },
        };
        match store.set_session_state(s.id, &change, None) {
            Ok(_) => changed += 1,
            // A report raced us and ended it first: fine.
            Err(CoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(changed)
}

/// How long a session may stay `starting` without a pane before a check calls it gone:
/// its row is written before its pane is launched, which on a session host takes a few
/// SSH calls, and its launcher reports `running` once it is up.
const START_GRACE: time::Duration = time::Duration::minutes(2);

/// Whether `s` is still being started at `now` (so a missing pane is not yet missing).
fn mid_start(s: &Session, now: time::OffsetDateTime) -> bool {
    s.state == SessionState::Starting && now - s.created_at < START_GRACE
}

pub(crate) fn tmux_name(s: &Session) -> &str {
    s.tmux_target.trim_start_matches('=')
}

#[cfg(test)]
#[path = "ops_tests.rs"]
mod tests;
