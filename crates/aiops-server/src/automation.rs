//! Automation runs as jobs: a request validates and records the run, then queues its
//! work on the job runner and returns at once (no run ever blocks a request). The work
//! follows a Semaphore task or runs `ansible-playbook` in the sandbox, writes the output
//! to the job (the run's log), and when it names an issue, comments there with the
//! result and a link.

use std::time::Duration;

use aiops_core::automation::runs::{self, RunPlan, Source};
use aiops_core::automation::semaphore::{self as sem, Follow, NewTask, Semaphore};
use aiops_core::automation::{self, AutomationStore};
use aiops_core::issues::TrackerAccess;
use aiops_core::jobs::JobContext;
use aiops_core::ports::{Store, UserStore};
use aiops_core::sessions::sandbox::{self, SandboxPlan};
use aiops_core::ssh::KeySource;
use aiops_core::{CoreError, CoreResult, Principal};
use aiops_trackers::semaphore::HttpSemaphore;
use aiops_types::{AutomationRun, AutomationTest, CommentBody, JobState, StartAutomationRun};

use crate::error::ApiResult;
use crate::runner::Work;
use crate::state::AppState;

/// Everything a local run needs beyond its plan, resolved in the request.
struct LocalExtras {
    plan: SandboxPlan,
    mechanism: Option<&'static str>,
    key: Option<KeySource>,
}

/// Validates `req` as `caller`, records the run and queues its job. The run as it is
/// now (queued, its job attached).
pub async fn start(
    st: &AppState,
    caller: Principal,
    req: StartAutomationRun,
) -> ApiResult<AutomationRun> {
    let st2 = st.clone();
    let p = caller.clone();
    let (plan, local, run) = st
        .run(move |db| {
            let host = st2.host();
            let plan = runs::prepare(db, &p, &req, host.workspace_root)?;
            let local = match &plan.source {
                Source::Local(src) => {
                    let mechanism = sandbox::decide(
                        host.sandbox.mode,
                        aiops_exec::sandbox::mechanism(),
                        false,
                    )?;
                    let user = db
                        .user_by_id(p.user_id)?
                        .ok_or_else(|| CoreError::not_found("user"))?
                        .user;
                    Some(LocalExtras {
                        plan: runs::sandbox_plan(&host.sandbox, &user, src),
                        mechanism: (mechanism != sandbox::NO_SANDBOX).then_some(mechanism),
                        key: aiops_core::ssh::user_key(db, st2.secret_key(), p.user_id)?,
                    })
                }
                Source::Semaphore { .. } => None,
            };
            let run = runs::record(db, &p, &plan)?;
            Ok((plan, local, run))
        })
        .await?;
    let subject = format!("{} #{}", plan.target.target.name, run.id);
    let work = work(st.clone(), caller.clone(), plan, local, run.clone());
    let job = crate::runner::submit(
        st,
        automation::JOB_KIND,
        subject,
        Some(caller.user_id),
        work,
        None,
    )
    .await?;
    let id = run.id;
    let run = st
        .run(move |db| {
            db.set_automation_run_job(id, job.id)?;
            runs::get(db, &caller, id)
        })
        .await?;
    announce(st, &run).await;
    tokio::spawn(announce_end(st.clone(), run.clone(), job.id));
    Ok(run)
}

/// Appends an `automation.run` event carrying `run`, visible to its tenant's members (the
/// UI's run lists update from it instead of polling).
async fn announce(st: &AppState, run: &AutomationRun) {
    let event = aiops_core::ports::NewEvent {
        kind: "automation.run".into(),
        tenant_id: Some(run.tenant_id),
        project_id: None,
        user_id: None,
        payload: serde_json::to_value(run).unwrap_or_default(),
    };
    let db = st.clone();
    let _ = tokio::task::spawn_blocking(move || {
        use aiops_core::ports::SessionStore;
        db.db().insert_event(&event)
    })
    .await;
    st.notify_events();
}

/// Waits for the run's job to end, then announces the run as it ended.
async fn announce_end(st: AppState, run: AutomationRun, job: i64) {
    use aiops_core::jobs::JobStore;
    let mut changes = st.runner().changes();
    loop {
        changes.borrow_and_update();
        let db = st.clone();
        let done = tokio::task::spawn_blocking(move || db.db().job(job))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
            .is_none_or(|j| j.state.is_done());
        if done {
            break;
        }
        let closed = st.closed();
        tokio::select! {
            r = changes.changed() => if r.is_err() { return },
            () = closed => return,
        }
    }
    let (db, id) = (st.clone(), run.id);
    let ended = tokio::task::spawn_blocking(move || {
        db.db().automation_run(aiops_core::ports::Viewer::All, id)
    })
    .await;
    if let Ok(Ok(Some(r))) = ended {
        announce(&st, &r).await;
    }
}

fn work(
    st: AppState,
    caller: Principal,
    plan: RunPlan,
    local: Option<LocalExtras>,
    run: AutomationRun,
) -> Work {
    Box::new(move |ctx: &dyn JobContext| {
        let outcome = execute(&st, &plan, local.as_ref(), run.id, ctx);
        if run.issue_id.is_some() {
            comment(&st, &caller, &run, &outcome, ctx);
        }
        outcome.map(|(remote_task_id, exit_code)| {
            serde_json::json!({ "remote_task_id": remote_task_id, "exit_code": exit_code })
        })
    })
}

/// Runs the plan: `(Semaphore task id, exit code)` on success, one line otherwise.
fn execute(
    st: &AppState,
    plan: &RunPlan,
    local: Option<&LocalExtras>,
    run_id: i64,
    ctx: &dyn JobContext,
) -> Result<(Option<i64>, Option<i32>), String> {
    let secrets =
        automation::open_secrets(st.secret_key(), &plan.target).map_err(|e| e.to_string())?;
    let t = &plan.target.target;
    let timeout = Duration::from_secs(u64::from(t.task_timeout_secs));
    match (&plan.source, local) {
        (
            Source::Semaphore {
                project_id,
                template_id,
            },
            _,
        ) => {
            let api = semaphore(t, secrets.token.as_deref()).map_err(|e| e.to_string())?;
            let template = sem::require_template(&api, *project_id, *template_id)
                .map_err(|e| e.to_string())?;
            if (plan.overrides.tags.is_some() || plan.overrides.skip_tags.is_some())
                && !template.allow_override_args
            {
                return Err(format!(
                    "template `{}` does not allow overriding arguments, which tags need (Semaphore: template → \"Allow CLI args in Task\")",
                    template.name
                ));
            }
            let task = NewTask {
                template_id: *template_id,
                overrides: plan.overrides.clone(),
                message: format!("aiops run #{run_id}"),
            };
            let task_id = api
                .start_task(*project_id, &task)
                .map_err(|e| e.to_string())?;
            let _ = st.db().note_automation_run(run_id, Some(task_id), None);
            ctx.line(&format!(
                "aiops: Semaphore task {task_id} queued (template `{}`, project {project_id})",
                template.name
            ));
            let how = Follow {
                poll: Duration::from_secs(u64::from(t.poll_interval_secs)),
                timeout,
            };
            sem::follow(&api, ctx, *project_id, task_id, how)?;
            Ok((Some(task_id), None))
        }
        (Source::Local(src), Some(x)) => {
            let r = aiops_exec::ansible::LocalRun {
                playbook: &src.playbook,
                inventory: src.inventory.as_deref(),
                overrides: &plan.overrides,
                plan: &x.plan,
                mechanism: x.mechanism,
                writable: src.writable,
                vault_password: secrets.vault_password.as_deref().map(String::as_str),
                private_key: x.key.as_ref(),
                timeout,
                read_only: &[],
            };
            let code = aiops_exec::ansible::run(&r, ctx)?;
            let _ = st.db().note_automation_run(run_id, None, Some(code));
            if code == 0 {
                Ok((None, Some(0)))
            } else {
                Err(format!("ansible-playbook exited with status {code}"))
            }
        }
        (Source::Local(_), None) => Err("a local run lost its sandbox plan".into()),
    }
}

fn semaphore(
    t: &aiops_types::AutomationTarget,
    token: Option<&String>,
) -> CoreResult<HttpSemaphore> {
    let (Some(base), Some(token)) = (t.base_url.as_deref(), token) else {
        return Err(CoreError::invalid(
            "token",
            format!("target `{}` has no Semaphore URL or token", t.name),
        ));
    };
    HttpSemaphore::new(
        base,
        token,
        Duration::from_secs(u64::from(t.http_timeout_secs)),
        t.verify_tls,
    )
}

/// Comments on the run's issue as the caller; a failure to comment is a line of the
/// log, not a failure of the run.
fn comment(
    st: &AppState,
    caller: &Principal,
    run: &AutomationRun,
    outcome: &Result<(Option<i64>, Option<i32>), String>,
    ctx: &dyn JobContext,
) {
    let Some(issue) = run.issue_id else { return };
    let (state, error) = match outcome {
        Ok(_) => (JobState::Succeeded, None),
        Err(_) if ctx.cancelled() => (JobState::Cancelled, None),
        Err(e) => (JobState::Failed, Some(e.as_str())),
    };
    let base = st.host().server_url.trim_end_matches('/').to_owned();
    let link = format!("{base}/automation/runs/{}", run.id);
    let body = CommentBody {
        body: runs::comment_text(run, state, error, &link),
    };
    let access = TrackerAccess {
        trackers: st.trackers(),
        key: st.secret_key(),
    };
    match aiops_core::issues::comment(st.db(), access, caller, issue, &body) {
        Ok(_) => ctx.line(&format!("aiops: commented on issue {issue}")),
        Err(e) => ctx.line(&format!("aiops: could not comment on issue {issue}: {e}")),
    }
    st.notify_events();
}

/// Lists a Semaphore target's templates (of its default project, or `project_id`).
pub fn templates(
    db: &(impl Store + AutomationStore),
    key: &aiops_core::sealed::SecretKey,
    caller: &Principal,
    id: i64,
    project_id: Option<i64>,
) -> CoreResult<Vec<aiops_types::AutomationTemplate>> {
    let rec = automation::record(db, caller, id)?;
    let t = &rec.target;
    let Some(project) = project_id.or(t.semaphore_project_id) else {
        return Err(CoreError::invalid(
            "target",
            format!(
                "target `{}` runs playbooks from a repository: it has no templates",
                t.name
            ),
        ));
    };
    let secrets = automation::open_secrets(key, &rec)?;
    semaphore(t, secrets.token.as_deref())?.templates(project)
}

/// Checks that a target works: Semaphore answers with its project; `ansible-playbook`
/// runs here.
pub fn test(
    db: &(impl Store + AutomationStore),
    key: &aiops_core::sealed::SecretKey,
    caller: &Principal,
    id: i64,
) -> CoreResult<AutomationTest> {
    let rec = automation::record(db, caller, id)?;
    let t = &rec.target;
    let outcome = match t.kind {
        aiops_types::AutomationKind::Semaphore => {
            let secrets = automation::open_secrets(key, &rec)?;
            let project = t.semaphore_project_id.unwrap_or_default();
            semaphore(t, secrets.token.as_deref())
                .and_then(|api| api.project_name(project))
                .map(|name| format!("Semaphore project {project}: {name}"))
        }
        aiops_types::AutomationKind::Local => {
            aiops_exec::ansible::version().map_err(CoreError::Upstream)
        }
    };
    Ok(match outcome {
        Ok(detail) => AutomationTest { ok: true, detail },
        Err(e) => AutomationTest {
            ok: false,
            detail: e.to_string(),
        },
    })
}
