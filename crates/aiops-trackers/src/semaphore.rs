//! A Semaphore UI server over its REST API (`api-docs.yml` in
//! <https://github.com/semaphoreui/semaphore>): `Authorization: Bearer <API token>`,
//! JSON bodies, errors as `{"error": "…"}` (or an empty body with the status alone).
//! Lists (`/project/{id}/templates`, `…/tasks/{task}/output`) are whole arrays, not
//! pages. Redirects keep the token on the server's origin only (see [`crate::http`]).

use std::time::Duration;

use aiops_core::automation::semaphore::{NewTask, Semaphore};
use aiops_core::tracker::{Token, TrackerError};
use aiops_core::{CoreError, CoreResult};
use aiops_types::AutomationTemplate;
use serde::Deserialize;
use serde_json::Value;
use ureq::http::Method;

use crate::http::{AuthScheme, Http};

pub struct HttpSemaphore {
    http: Http,
    /// The server's root as configured (for messages).
    server: String,
}

impl HttpSemaphore {
    /// `base_url` is the server's root (`https://semaphore.example.com`); `/api` is
    /// appended. `timeout` bounds each request.
    pub fn new(
        base_url: &str,
        token: &str,
        timeout: Duration,
        verify_tls: bool,
    ) -> CoreResult<Self> {
        let root = base_url.trim_end_matches('/');
        let http = Http::with_tls(
            &format!("{root}/api"),
            AuthScheme::Bearer(Token::new(token.to_owned())),
            vec![("accept", "application/json")],
            timeout,
            verify_tls,
        )
        .map_err(|e| CoreError::invalid("base_url", e.to_string()))?;
        Ok(Self {
            http,
            server: root.to_owned(),
        })
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> CoreResult<Value> {
        let reply = self
            .http
            .send(method, path, query, body, &[])
            .map_err(|e| self.error(e))?;
        reply.json().map_err(|e| self.error(e))
    }

    /// One line naming the server and what its answer means for the user.
    fn error(&self, e: TrackerError) -> CoreError {
        let s = &self.server;
        CoreError::Upstream(match e {
            TrackerError::Unauthorized(m) if m.contains("(401") => {
                format!("Semaphore at {s} refused the API token (401): update the target's token")
            }
            TrackerError::Unauthorized(m) => format!(
                "Semaphore at {s} refused access (403): the token's user must be a member of the project ({m})"
            ),
            TrackerError::NotFound(m) => format!("Semaphore at {s}: not found ({m})"),
            TrackerError::RateLimited { retry_after_secs } => {
                format!("Semaphore at {s} is rate limiting; retry in {retry_after_secs} s")
            }
            TrackerError::Invalid(m) => format!("Semaphore at {s} refused the request: {m}"),
            TrackerError::Upstream(m) => format!("Semaphore at {s}: {m}"),
        })
    }
}

#[derive(Deserialize)]
struct WireTemplate {
    id: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    playbook: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    allow_override_args_in_task: bool,
}

#[derive(Deserialize)]
struct WireOutput {
    #[serde(default)]
    output: String,
}

fn parse<T: for<'de> Deserialize<'de>>(v: Value, what: &str) -> CoreResult<T> {
    serde_json::from_value(v)
        .map_err(|e| CoreError::Upstream(format!("unreadable {what} from Semaphore: {e}")))
}

impl Semaphore for HttpSemaphore {
    fn project_name(&self, project_id: i64) -> CoreResult<String> {
        let v = self.call(Method::GET, &format!("/project/{project_id}"), &[], None)?;
        Ok(v.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }

    fn templates(&self, project_id: i64) -> CoreResult<Vec<AutomationTemplate>> {
        // `sort` and `order` are required by the API description.
        let query = [("sort", "name".to_owned()), ("order", "asc".to_owned())];
        let v = self.call(
            Method::GET,
            &format!("/project/{project_id}/templates"),
            &query,
            None,
        )?;
        let wire: Vec<WireTemplate> = parse(v, "templates")?;
        Ok(wire
            .into_iter()
            .map(|t| AutomationTemplate {
                id: t.id,
                name: t.name,
                playbook: t.playbook,
                description: t.description.filter(|d| !d.is_empty()),
                allow_override_args: t.allow_override_args_in_task,
            })
            .collect())
    }

    fn start_task(&self, project_id: i64, task: &NewTask) -> CoreResult<i64> {
        let v = self.call(
            Method::POST,
            &format!("/project/{project_id}/tasks"),
            &[],
            Some(&task.body()),
        )?;
        v.get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| CoreError::Upstream("Semaphore queued a task without an id".into()))
    }

    fn task_status(&self, project_id: i64, task_id: i64) -> CoreResult<String> {
        let v = self.call(
            Method::GET,
            &format!("/project/{project_id}/tasks/{task_id}"),
            &[],
            None,
        )?;
        Ok(v.get("status")
            .and_then(Value::as_str)
            .unwrap_or("waiting")
            .to_owned())
    }

    fn task_output(&self, project_id: i64, task_id: i64) -> CoreResult<Vec<String>> {
        let v = self.call(
            Method::GET,
            &format!("/project/{project_id}/tasks/{task_id}/output"),
            &[],
            None,
        )?;
        let wire: Vec<WireOutput> = parse(v, "task output")?;
        Ok(wire.into_iter().map(|o| o.output).collect())
    }

    fn stop_task(&self, project_id: i64, task_id: i64) -> CoreResult<()> {
        self.call(
            Method::POST,
            &format!("/project/{project_id}/tasks/{task_id}/stop"),
            &[],
            Some(&serde_json::json!({ "force": false })),
        )
        .map(|_| ())
    }
}
