//! Fake Semaphore UI REST API, enough of it for aiops's automation runs.
//!
//! Served (as described in `api-docs.yml` of <https://github.com/semaphoreui/semaphore>):
//! - `GET /api/project/{id}` — the project
//! - `GET /api/project/{id}/templates?sort=&order=` — its task templates (`sort` and
//!   `order` are required there: a request without them gets `400`)
//! - `POST /api/project/{id}/tasks` — queues a task (`201` with the task); body fields
//!   `template_id`, `debug`, `dry_run`, `diff`, `playbook`, `environment` (a JSON string),
//!   `limit`, `arguments` (a JSON string array), `message`, `git_branch`
//! - `GET /api/project/{id}/tasks/{task}` — the task with its `status`
//! - `GET /api/project/{id}/tasks/{task}/output` — every output line so far,
//!   `[{task_id, task, time, output}]`
//! - `POST /api/project/{id}/tasks/{task}/stop` — body `{"force": bool}`, `204`
//!
//! Behaviour taken from the source and its docs:
//! - Auth: `Authorization: Bearer <token>` (matched case-insensitively, as Semaphore
//!   lowercases the header); an unknown token → `401` with an empty body.
//! - A project the token's user is not a member of → `403`; an unknown project, template
//!   or task → `404`; errors carry `{"error": "…"}`.
//! - Task statuses: `waiting` → `running` → `success` | `error`; `stop` makes a live task
//!   `stopping`, then `stopped`. Time is poll-driven so tests are deterministic: each
//!   `GET` of a task advances it one step ([`TemplateScript`]): the first read still says
//!   `waiting`, each following one adds one output line while `running`, and the read
//!   after the last line gives the outcome. A `hang` script stays `running` until
//!   stopped.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::{Fake, json as reply};

/// How a template's tasks go.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateScript {
    pub id: i64,
    pub name: String,
    pub playbook: String,
    pub allow_override_args: bool,
    /// Output lines, one per poll while running.
    pub lines: Vec<String>,
    /// `success` or `error`; `hang`: keeps running until stopped.
    pub outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeTask {
    pub id: i64,
    pub project_id: i64,
    pub template_id: i64,
    pub status: String,
    /// The request body it was created with.
    pub body: Value,
    pub output: Vec<String>,
    /// Reads of its status so far.
    pub polls: usize,
    pub stop_force: Option<bool>,
}

#[derive(Debug, Default)]
pub struct SemaphoreState {
    /// token → user name.
    pub tokens: BTreeMap<String, String>,
    /// project id → (name, member user names).
    pub projects: BTreeMap<i64, (String, Vec<String>)>,
    /// project id → templates.
    pub templates: BTreeMap<i64, Vec<TemplateScript>>,
    pub tasks: Vec<FakeTask>,
}

impl SemaphoreState {
    /// A user with an API token, member of a new project `project_id` named `name`.
    pub fn add_project(&mut self, token: &str, user: &str, project_id: i64, name: &str) {
        self.tokens.insert(token.into(), user.into());
        self.projects
            .entry(project_id)
            .or_insert_with(|| (name.into(), Vec::new()))
            .1
            .push(user.into());
    }

    pub fn add_template(&mut self, project_id: i64, t: TemplateScript) {
        self.templates.entry(project_id).or_default().push(t);
    }
}

/// Starts a fake Semaphore with no users or projects.
pub fn start() -> Fake<SemaphoreState> {
    Fake::spawn(SemaphoreState::default(), router)
}

type Shared = Arc<Mutex<SemaphoreState>>;

fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/project/{p}", get(project))
        .route("/api/project/{p}/templates", get(templates))
        .route("/api/project/{p}/tasks", post(create_task))
        .route("/api/project/{p}/tasks/{t}", get(task))
        .route("/api/project/{p}/tasks/{t}/output", get(output))
        .route("/api/project/{p}/tasks/{t}/stop", post(stop))
        .with_state(state)
}

fn error(status: u16, message: &str) -> Response {
    reply(status, json!({ "error": message }))
}

/// The refusal of project `p` to the token in `headers`; None when it may see it.
fn refused(s: &SemaphoreState, headers: &HeaderMap, p: i64) -> Option<Response> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_lowercase();
    let user = auth
        .strip_prefix("bearer ")
        .and_then(|t| s.tokens.iter().find(|(k, _)| k.to_lowercase() == t))
        .map(|(_, u)| u.clone());
    let Some(user) = user else {
        let mut r = Response::new(axum::body::Body::empty());
        *r.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Some(r);
    };
    match s.projects.get(&p) {
        None => Some(error(404, "Project not found")),
        Some((_, members)) if !members.contains(&user) => {
            Some(error(403, "You are not a member of this project"))
        }
        Some(_) => None,
    }
}

async fn project(State(st): State<Shared>, headers: HeaderMap, Path(p): Path<i64>) -> Response {
    let s = st.lock().expect("state");
    if let Some(r) = refused(&s, &headers, p) {
        return r;
    }
    reply(200, json!({ "id": p, "name": s.projects[&p].0 }))
}

async fn templates(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(p): Path<i64>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let s = st.lock().expect("state");
    if let Some(r) = refused(&s, &headers, p) {
        return r;
    }
    if !q.contains_key("sort") || !q.contains_key("order") {
        return error(400, "sort and order are required");
    }
    let list: Vec<Value> = s
        .templates
        .get(&p)
        .into_iter()
        .flatten()
        .map(|t| {
            json!({
                "id": t.id, "project_id": p, "name": t.name, "playbook": t.playbook,
                "description": "", "arguments": "[]", "app": "ansible",
                "allow_override_args_in_task": t.allow_override_args,
                "inventory_id": 1, "repository_id": 1, "environment_id": 1,
            })
        })
        .collect();
    reply(200, Value::Array(list))
}

fn task_json(t: &FakeTask) -> Value {
    json!({
        "id": t.id, "template_id": t.template_id, "project_id": t.project_id,
        "status": t.status, "debug": t.body["debug"], "dry_run": t.body["dry_run"],
        "diff": t.body["diff"], "playbook": "", "environment": t.body["environment"],
        "limit": t.body["limit"], "message": t.body["message"],
    })
}

async fn create_task(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(p): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    let mut s = st.lock().expect("state");
    if let Some(r) = refused(&s, &headers, p) {
        return r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(400, "invalid JSON");
    };
    let Some(template_id) = body["template_id"].as_i64() else {
        return error(400, "template_id required");
    };
    if !s
        .templates
        .get(&p)
        .into_iter()
        .flatten()
        .any(|t| t.id == template_id)
    {
        return error(404, "Template not found");
    }
    let id = s.tasks.len() as i64 + 1;
    let task = FakeTask {
        id,
        project_id: p,
        template_id,
        status: "waiting".into(),
        body,
        output: Vec::new(),
        polls: 0,
        stop_force: None,
    };
    let out = task_json(&task);
    s.tasks.push(task);
    reply(201, out)
}

/// One step of `task` (see the module docs).
fn advance(task: &mut FakeTask, script: &TemplateScript) {
    task.polls += 1;
    match task.status.as_str() {
        "stopping" => task.status = "stopped".into(),
        "waiting" if task.polls >= 2 => task.status = "running".into(),
        _ => {}
    }
    if task.status == "running" {
        if task.output.len() < script.lines.len() {
            task.output.push(script.lines[task.output.len()].clone());
        } else if script.outcome != "hang" {
            task.status = script.outcome.into();
        }
    }
}

fn find(s: &mut SemaphoreState, p: i64, t: i64) -> Option<(&mut FakeTask, TemplateScript)> {
    let task = s
        .tasks
        .iter_mut()
        .find(|x| x.id == t && x.project_id == p)?;
    let script = s
        .templates
        .get(&p)?
        .iter()
        .find(|x| x.id == task.template_id)?
        .clone();
    Some((task, script))
}

async fn task(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path((p, t)): Path<(i64, i64)>,
) -> Response {
    let mut s = st.lock().expect("state");
    if let Some(r) = refused(&s, &headers, p) {
        return r;
    }
    match find(&mut s, p, t) {
        Some((task, script)) => {
            advance(task, &script);
            reply(200, task_json(task))
        }
        None => error(404, "Task not found"),
    }
}

async fn output(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path((p, t)): Path<(i64, i64)>,
) -> Response {
    let mut s = st.lock().expect("state");
    if let Some(r) = refused(&s, &headers, p) {
        return r;
    }
    match find(&mut s, p, t) {
        Some((task, _)) => {
            let lines: Vec<Value> = task
                .output
                .iter()
                .map(|o| json!({ "task_id": t, "task": "", "time": "2026-12-07T00:00:00Z", "output": o }))
                .collect();
            reply(200, Value::Array(lines))
        }
        None => error(404, "Task not found"),
    }
}

async fn stop(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path((p, t)): Path<(i64, i64)>,
    body: axum::body::Bytes,
) -> Response {
    let mut s = st.lock().expect("state");
    if let Some(r) = refused(&s, &headers, p) {
        return r;
    }
    let force = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["force"].as_bool());
    match find(&mut s, p, t) {
        Some((task, _)) => {
            task.stop_force = Some(force.unwrap_or(false));
            if !matches!(task.status.as_str(), "success" | "error" | "stopped") {
                task.status = "stopping".into();
            }
            let mut r = Response::new(axum::body::Body::empty());
            *r.status_mut() = axum::http::StatusCode::NO_CONTENT;
            r
        }
        None => error(404, "Task not found"),
    }
}
