//! Runs: who may start one, what it runs (validated before anything is queued), and
//! what is said on its issue when it ends.
//!
//! Members of the target's tenant start runs with a `write` credential; a session's key
//! never does (an agent must not deploy). A run names an issue, project and session of
//! the same tenant, which the caller must be able to see.

use std::path::{Path, PathBuf};

use aiops_types::{
    AutomationKind, AutomationRun, AutomationRunListParams, JobState, Page, Scope,
    StartAutomationRun,
};
use serde_json::json;

use super::local::{self, Overrides};
use super::{AutomationStore, NewRun, RunFilter, TargetRecord, no_session_key};
use crate::page::PageQuery;
use crate::ports::{IssueStore, NewAudit, ProjectStore, SessionStore, TenantStore};
use crate::sessions::start::workspace_path;
use crate::{CoreError, CoreResult, Principal, issues, projects, sessions};

/// Where a local run's playbook is read from.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalSource {
    /// Playbook path, relative to the repository.
    pub playbook: String,
    /// Inventory: the run's, else the target's default; `None`: ansible's own default.
    pub inventory: Option<String>,
    /// The working copy it runs in: a session's worktree or the caller's base clone.
    pub work_dir: PathBuf,
    /// The base clone (the worktree's `.git` lives there).
    pub repo: PathBuf,
    /// The playbook may write in the working copy (read-only otherwise).
    pub writable: bool,
}

/// What a run executes.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A task of a Semaphore template.
    Semaphore {
        /// Semaphore project the task runs in.
        project_id: i64,
        /// Template the task runs.
        template_id: i64,
    },
    /// A playbook from the repository, run with `ansible-playbook`.
    Local(LocalSource),
}

/// A run validated and ready to queue.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// The target, with its sealed secrets.
    pub target: TargetRecord,
    /// The row to insert.
    pub run: NewRun,
    /// Validated overrides (extra vars, limit, tags, check, diff).
    pub overrides: Overrides,
    /// What the run executes.
    pub source: Source,
}

fn overrides(req: &StartAutomationRun) -> CoreResult<Overrides> {
    if let Some(vars) = &req.extra_vars
        && serde_json::Value::Object(vars.clone()).to_string().len() > 64 * 1024
    {
        return Err(CoreError::invalid(
            "extra_vars",
            "extra_vars must be at most 64 KiB of JSON",
        ));
    }
    Ok(Overrides {
        extra_vars: req.extra_vars.clone().filter(|m| !m.is_empty()),
        limit: local::word("limit", req.limit.as_deref())?,
        tags: local::word("tags", req.tags.as_deref())?,
        skip_tags: local::word("skip_tags", req.skip_tags.as_deref())?,
        check: req.check,
        diff: req.diff,
    })
}

/// Checks `req` as `caller` and decides what the run executes. `workspace_root` is where
/// users' base clones live (`<root>/<user>/<tenant>/<project>/repo`).
pub fn prepare(
    store: &(impl TenantStore + ProjectStore + IssueStore + SessionStore + AutomationStore),
    caller: &Principal,
    req: &StartAutomationRun,
    workspace_root: &Path,
) -> CoreResult<RunPlan> {
    no_session_key(caller)?;
    caller.require(Scope::Write)?;
    let target = super::record(store, caller, req.target)?;
    let t = &target.target;
    let o = overrides(req)?;
    let session = req
        .session_id
        .map(|id| sessions::ops::get(store, caller, id))
        .transpose()?;
    let project = match (&session, req.project.as_deref()) {
        (Some(s), _) => Some(projects::get(store, caller, s.project_id)?),
        (None, Some(p)) => Some(projects::find(store, caller, p)?),
        (None, None) => None,
    };
    if let Some(p) = &project
        && p.tenant_id != t.tenant_id
    {
        return Err(CoreError::invalid(
            "project",
            format!(
                "project {} is not in tenant `{}` of target `{}`",
                p.slug, t.tenant_slug, t.name
            ),
        ));
    }
    let issue = match req.issue_id {
        Some(id) => {
            let i = issues::get(store, caller, id)?;
            if i.tenant_slug != t.tenant_slug {
                return Err(CoreError::invalid(
                    "issue_id",
                    format!("issue {id} is not in tenant `{}`", t.tenant_slug),
                ));
            }
            Some(i)
        }
        None => None,
    };
    let source = match t.kind {
        AutomationKind::Semaphore => {
            if req.playbook.is_some() || req.inventory.is_some() || req.writable {
                return Err(CoreError::invalid(
                    "playbook",
                    "a semaphore run starts a template: pass template_id, not playbook or inventory",
                ));
            }
            let template_id = req.template_id.ok_or_else(|| {
                CoreError::invalid("template_id", "a semaphore run needs template_id")
            })?;
            let project_id = req
                .semaphore_project_id
                .or(t.semaphore_project_id)
                .ok_or_else(|| {
                    CoreError::invalid("semaphore_project_id", "no Semaphore project given")
                })?;
            Source::Semaphore {
                project_id,
                template_id,
            }
        }
        AutomationKind::Local => {
            if req.template_id.is_some() || req.semaphore_project_id.is_some() {
                return Err(CoreError::invalid(
                    "template_id",
                    "a local run runs a playbook from the repository: pass playbook, not template_id",
                ));
            }
            let playbook = local::playbook(req.playbook.as_deref().ok_or_else(|| {
                CoreError::invalid(
                    "playbook",
                    "a local run needs playbook (a path in the repository)",
                )
            })?)?;
            let Some(p) = &project else {
                return Err(CoreError::invalid(
                    "project",
                    "a local run needs the project (or session) whose repository holds the playbook",
                ));
            };
            let owner = caller_user(session.as_ref(), caller);
            let repo = workspace_path(workspace_root, owner, p).join("repo");
            let work_dir = match &session {
                Some(s) => {
                    if req.writable && s.user_id != caller.user_id && !caller.is_admin() {
                        return Err(CoreError::Forbidden(
                            "only the session's owner may let a playbook write in its worktree"
                                .into(),
                        ));
                    }
                    PathBuf::from(&s.worktree_path)
                }
                None => repo.clone(),
            };
            if !work_dir.is_dir() {
                return Err(CoreError::invalid(
                    "project",
                    format!(
                        "you have no working copy of {}/{} yet: start a session on one of its issues first",
                        p.tenant_slug, p.slug
                    ),
                ));
            }
            Source::Local(LocalSource {
                playbook,
                inventory: local::inventory(req.inventory.as_deref())?.or(t.inventory.clone()),
                work_dir,
                repo,
                writable: req.writable,
            })
        }
    };
    let (template_id, semaphore_project_id, playbook, inventory) = match &source {
        Source::Semaphore {
            project_id,
            template_id,
        } => (Some(*template_id), Some(*project_id), None, None),
        Source::Local(l) => (None, None, Some(l.playbook.clone()), l.inventory.clone()),
    };
    let run = NewRun {
        target_id: t.id,
        tenant_id: t.tenant_id,
        project_id: project.as_ref().map(|p| p.id),
        session_id: session.as_ref().map(|s| s.id),
        issue_id: issue.as_ref().map(|i| i.id),
        requested_by: caller.user_id,
        template_id,
        semaphore_project_id,
        playbook,
        inventory,
        options: o.to_json(req.writable),
    };
    Ok(RunPlan {
        target,
        run,
        overrides: o,
        source,
    })
}

/// Whose base clone a run uses: the session's owner's (its worktree hangs off it), else
/// the caller's.
fn caller_user(session: Option<&aiops_types::Session>, caller: &Principal) -> i64 {
    session.map_or(caller.user_id, |s| s.user_id)
}

/// Records a prepared run (the job is attached by the caller once queued).
pub fn record(
    store: &impl AutomationStore,
    caller: &Principal,
    plan: &RunPlan,
) -> CoreResult<AutomationRun> {
    let audit = NewAudit::by(caller, "automation_run.start").detail(json!({
        "target_id": plan.run.target_id, "template_id": plan.run.template_id,
        "playbook": plan.run.playbook, "issue_id": plan.run.issue_id,
        "session_id": plan.run.session_id,
    }));
    store.insert_automation_run(&plan.run, audit)
}

/// The run; `NotFound` when the caller cannot see it, `Forbidden` for a session key.
pub fn get(store: &impl AutomationStore, caller: &Principal, id: i64) -> CoreResult<AutomationRun> {
    no_session_key(caller)?;
    store
        .automation_run(caller.viewer(), id)?
        .ok_or_else(|| CoreError::not_found(format!("automation run {id}")))
}

/// Runs the caller can see, newest first, filtered by target, project, session and
/// issue. `Forbidden` for a session key.
pub fn list(
    store: &impl AutomationStore,
    caller: &Principal,
    params: &AutomationRunListParams,
    page: PageQuery,
) -> CoreResult<Page<AutomationRun>> {
    no_session_key(caller)?;
    let filter = RunFilter {
        target_id: params.target,
        project_id: params.project_id,
        session_id: params.session_id,
        issue_id: params.issue_id,
    };
    let rows = store.list_automation_runs(caller.viewer(), &filter, page)?;
    Ok(page.finish(rows, |r| r.id))
}

/// `Conflict` unless the run can still be stopped; its job's id.
pub fn stoppable(run: &AutomationRun) -> CoreResult<i64> {
    match run.job_id {
        Some(job) if !run.state.is_done() => Ok(job),
        _ => Err(CoreError::Conflict(format!(
            "automation run {} has already ended ({})",
            run.id,
            run.state.as_str()
        ))),
    }
}

/// The comment a finished run leaves on its issue: result, what ran, a link.
pub fn comment_text(
    run: &AutomationRun,
    state: JobState,
    error: Option<&str>,
    link: &str,
) -> String {
    let what = match (&run.playbook, run.template_id) {
        (Some(p), _) => format!("playbook `{p}`"),
        (None, Some(t)) => format!("Semaphore template {t}"),
        (None, None) => "a run".to_owned(),
    };
    let result = match state {
        JobState::Succeeded => "succeeded".to_owned(),
        JobState::Cancelled => "was stopped".to_owned(),
        _ => format!(
            "failed{}",
            error.map(|e| format!(": {e}")).unwrap_or_default()
        ),
    };
    let check = if run.options["check"] == json!(true) {
        " (check mode)"
    } else {
        ""
    };
    format!(
        "Automation run #{} on `{}`: {what}{check} {result}.\n\nLog: {link}",
        run.id, run.target_name
    )
}

/// What a local run's sandbox shows: the working copy (read-only unless the run asked),
/// the base clone's git data, `user`'s tool home as `$HOME`, the admin's read-only
/// extras and the managed tools.
pub fn sandbox_plan(
    policy: &crate::sessions::sandbox::SandboxPolicy<'_>,
    user: &aiops_types::User,
    src: &LocalSource,
) -> crate::sessions::sandbox::SandboxPlan {
    let mut read_only = policy.read_only.to_vec();
    read_only.push(policy.tools.to_path_buf());
    crate::sessions::sandbox::SandboxPlan {
        work_dir: src.work_dir.clone(),
        repo: src.repo.clone(),
        home: crate::sessions::sandbox::tool_home(policy, user),
        read_only,
    }
}
