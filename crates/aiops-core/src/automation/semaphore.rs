//! Semaphore runs: the port to a Semaphore server and the loop that follows one task to
//! its end. The API is Semaphore's REST API (`api-docs.yml` in
//! <https://github.com/semaphoreui/semaphore>): `POST /api/project/{id}/tasks` queues a
//! task of a template (`template_id`, `dry_run`, `diff`, `environment` as a JSON string
//! of extra vars, `limit`, `arguments` as a JSON string array of extra CLI arguments),
//! `GET …/tasks/{task}` tells its `status` (`waiting`, `starting`,
//! `waiting_confirmation`, `confirmed`, `running`, `stopping`, then `success`, `error` or
//! `stopped`), `GET …/tasks/{task}/output` returns every output line so far, `POST
//! …/tasks/{task}/stop` stops it.

use std::time::{Duration, Instant};

use aiops_types::AutomationTemplate;

use super::local::Overrides;
use crate::jobs::JobContext;
use crate::{CoreError, CoreResult};

/// A task to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    /// Template the task runs.
    pub template_id: i64,
    /// Extra vars, limit, tags, check and diff for the task.
    pub overrides: Overrides,
    /// Shown in Semaphore's task list (`message`).
    pub message: String,
}

impl NewTask {
    /// The body of `POST /api/project/{id}/tasks`. Tags travel as CLI arguments (the
    /// template must allow overriding them), extra vars as the `environment` string.
    pub fn body(&self) -> serde_json::Value {
        let o = &self.overrides;
        let mut body = serde_json::json!({
            "template_id": self.template_id,
            "debug": false,
            "dry_run": o.check,
            "diff": o.diff,
            "message": self.message,
        });
        if let Some(vars) = &o.extra_vars {
            body["environment"] = serde_json::Value::Object(vars.clone()).to_string().into();
        }
        if let Some(limit) = &o.limit {
            body["limit"] = limit.clone().into();
        }
        let mut args: Vec<&str> = Vec::new();
        if let Some(t) = &o.tags {
            args.extend(["--tags", t]);
        }
        if let Some(t) = &o.skip_tags {
            args.extend(["--skip-tags", t]);
        }
        if !args.is_empty() {
            body["arguments"] = serde_json::json!(args).to_string().into();
        }
        body
    }
}

/// A Semaphore server, as one target's token sees it. Errors are one line that names the
/// server's answer (401: the token; 403: not a member of the project; 404: no such
/// project, template or task).
pub trait Semaphore {
    /// The project's name (`GET /api/project/{id}`): the connection test.
    fn project_name(&self, project_id: i64) -> CoreResult<String>;
    /// The project's task templates (`GET /api/project/{id}/templates`).
    fn templates(&self, project_id: i64) -> CoreResult<Vec<AutomationTemplate>>;
    /// Queues a task; its id.
    fn start_task(&self, project_id: i64, task: &NewTask) -> CoreResult<i64>;
    /// The task's `status`.
    fn task_status(&self, project_id: i64, task_id: i64) -> CoreResult<String>;
    /// Every output line so far, oldest first.
    fn task_output(&self, project_id: i64, task_id: i64) -> CoreResult<Vec<String>>;
    /// Asks Semaphore to stop the task (`POST …/tasks/{task}/stop`).
    fn stop_task(&self, project_id: i64, task_id: i64) -> CoreResult<()>;
}

/// How a task is followed.
#[derive(Debug, Clone, Copy)]
pub struct Follow {
    /// Time between polls of the task's status and output.
    pub poll: Duration,
    /// How long the task may run before it is stopped and fails.
    pub timeout: Duration,
}

/// Follows `task_id` until it ends, appending its new output lines to `ctx` after each
/// poll. `Ok` when it succeeded; `Err(one line)` when it failed, was stopped at
/// Semaphore, timed out (then it is stopped there), or the job was cancelled (then it is
/// stopped there too).
pub fn follow(
    api: &dyn Semaphore,
    ctx: &dyn JobContext,
    project_id: i64,
    task_id: i64,
    how: Follow,
) -> Result<(), String> {
    let started = Instant::now();
    let mut seen = 0usize;
    let mut told_confirm = false;
    loop {
        let status = api
            .task_status(project_id, task_id)
            .map_err(|e| e.to_string())?;
        let lines = api
            .task_output(project_id, task_id)
            .map_err(|e| e.to_string())?;
        for l in lines.iter().skip(seen) {
            ctx.line(l);
        }
        seen = seen.max(lines.len());
        match status.as_str() {
            "success" => return Ok(()),
            "error" => return Err(format!("Semaphore task {task_id} failed")),
            "stopped" => return Err(format!("Semaphore task {task_id} was stopped")),
            "waiting_confirmation" if !told_confirm => {
                told_confirm = true;
                ctx.line("aiops: the task waits for a confirmation in Semaphore");
            }
            _ => {}
        }
        if ctx.cancelled() {
            stop(api, ctx, project_id, task_id);
            return Err("cancelled".into());
        }
        if started.elapsed() >= how.timeout {
            stop(api, ctx, project_id, task_id);
            return Err(format!(
                "timed out after {} s; the task was stopped at Semaphore",
                how.timeout.as_secs()
            ));
        }
        // The poll interval, cut short by a cancel.
        let until = Instant::now() + how.poll;
        while Instant::now() < until {
            if ctx.cancelled() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50).min(how.poll));
        }
    }
}

fn stop(api: &dyn Semaphore, ctx: &dyn JobContext, project_id: i64, task_id: i64) {
    match api.stop_task(project_id, task_id) {
        Ok(()) => ctx.line(&format!("aiops: asked Semaphore to stop task {task_id}")),
        Err(e) => ctx.line(&format!("aiops: could not stop task {task_id}: {e}")),
    }
}

/// `Invalid` unless the template exists in the project: a clear error before a task is
/// queued, instead of Semaphore's bare 400.
pub fn require_template(
    api: &dyn Semaphore,
    project_id: i64,
    template_id: i64,
) -> CoreResult<AutomationTemplate> {
    api.templates(project_id)?
        .into_iter()
        .find(|t| t.id == template_id)
        .ok_or_else(|| {
            CoreError::invalid(
                "template_id",
                format!("Semaphore project {project_id} has no template {template_id}"),
            )
        })
}

#[cfg(test)]
mod tests;
