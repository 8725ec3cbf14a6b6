//! The MCP tool table: aiops's Model Context Protocol tools and resources as requests of
//! API v1, shared by both transports — `aiops mcp` (stdio, over `aiops-client`) and
//! `/api/mcp` (streamable HTTP, in `aiops-server`), which send the [`ApiCall`] a tool
//! call becomes with the caller's own key. A tool is therefore exactly the route the CLI
//! verb of the same name calls: same core function, same scope checks, same errors.
//!
//! Protocol: <https://modelcontextprotocol.io/specification/2025-11-25> (tools:
//! `server/tools`, resources: `server/resources`). Tool arguments are JSON objects
//! checked against the tool's `inputSchema` ([`tools`]); an argument the schema does not
//! name is refused.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::{
    CreateIssue, CreatePullRequest, GitCommit, GitPush, SessionReport, UpdateIssue,
    WorkflowRequest, WorkflowVerb,
};

/// The MCP server's name in clients' configs (`mcp__aiops__issue_comment` in Claude Code).
pub const SERVER_NAME: &str = "aiops";

/// One request of API v1: `method` on `/api/v1{path}` with `query` and a JSON `body`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCall {
    /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// Under `/api/v1`, segments percent-free (ids and fixed words only).
    pub path: String,
    /// Query parameters as name/value pairs, in order.
    pub query: Vec<(String, String)>,
    /// The JSON request body; None for a request without one.
    pub body: Option<Value>,
}

impl ApiCall {
    fn get(path: String) -> Self {
        Self {
            method: "GET",
            path,
            query: Vec::new(),
            body: None,
        }
    }

    fn post(path: String, body: Value) -> Self {
        Self {
            method: "POST",
            path,
            query: Vec::new(),
            body: Some(body),
        }
    }
}

/// What the caller's environment fills in when a tool's argument is left out: inside a
/// session, its project, its id and its issue (`AIOPS_PROJECT_ID`, `AIOPS_SESSION_ID`,
/// `AIOPS_ISSUE_ID`). Empty over HTTP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Defaults {
    /// The session's project id (`AIOPS_PROJECT_ID`).
    pub project: Option<i64>,
    /// The session's id (`AIOPS_SESSION_ID`).
    pub session: Option<i64>,
    /// The session's issue id (`AIOPS_ISSUE_ID`).
    pub issue: Option<i64>,
}

#[cfg(test)]
mod tests;
mod tools;

pub use tools::{ToolSpec, tools};

/// Arguments of one call, with the caller's [`Defaults`].
struct Args<'a> {
    map: Map<String, Value>,
    defaults: &'a Defaults,
}

impl Args<'_> {
    fn take<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, String> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| format!("argument `{key}`: {e}")),
        }
    }

    fn need<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, String> {
        self.take(key)?
            .ok_or_else(|| format!("argument `{key}` is required"))
    }

    fn or(&mut self, key: &str, default: Option<i64>, what: &str) -> Result<i64, String> {
        self.take(key)?
            .or(default)
            .ok_or_else(|| format!("argument `{key}` is required outside a session ({what})"))
    }

    fn issue(&mut self) -> Result<i64, String> {
        let d = self.defaults.issue;
        self.or("id", d, "the issue id")
    }

    fn project(&mut self) -> Result<i64, String> {
        let d = self.defaults.project;
        self.or("project", d, "the project id")
    }

    fn session(&mut self) -> Result<Option<i64>, String> {
        Ok(self.take("session")?.or(self.defaults.session))
    }

    /// Refuses what the schema does not name.
    fn done(self) -> Result<(), String> {
        match self.map.keys().next() {
            Some(k) => Err(format!("unknown argument `{k}`")),
            None => Ok(()),
        }
    }
}

fn body(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The API request that tool `name` with `args` (a JSON object, or null) is. `Err` says
/// in one sentence what is wrong with the call (unknown tool, missing or unknown
/// argument, wrong type); the transports answer it as a tool error.
pub fn call(
    name: &str,
    args: Option<Map<String, Value>>,
    defaults: &Defaults,
) -> Result<ApiCall, String> {
    let mut a = Args {
        map: args.unwrap_or_default(),
        defaults,
    };
    let call = match name {
        "issues_list" => {
            let mut q = Vec::new();
            if let Some(p) = a.take::<i64>("project")?.or(defaults.project) {
                q.push(("project".into(), p.to_string()));
            }
            for k in ["status", "q", "label", "assignee", "cursor"] {
                if let Some(v) = a.take::<String>(k)? {
                    q.push((k.into(), v));
                }
            }
            if let Some(n) = a.take::<u32>("limit")? {
                q.push(("limit".into(), n.to_string()));
            }
            ApiCall {
                query: q,
                ..ApiCall::get("/issues".into())
            }
        }
        "issue_get" => ApiCall::get(format!("/issues/{}/view", a.issue()?)),
        "issue_comment" => {
            let id = a.issue()?;
            let text: String = a.need("body")?;
            ApiCall::post(format!("/issues/{id}/comments"), json!({ "body": text }))
        }
        "issue_update" => {
            let id = a.issue()?;
            let req = UpdateIssue {
                title: a.take("title")?,
                description: a.take("description")?,
                labels: a.take("labels")?,
            };
            ApiCall {
                method: "PATCH",
                ..ApiCall::post(format!("/issues/{id}"), body(req))
            }
        }
        "issue_close" => ApiCall {
            body: None,
            ..ApiCall::post(format!("/issues/{}/close", a.issue()?), Value::Null)
        },
        "issue_create" => {
            let req = CreateIssue {
                project: a.project()?,
                provider: None,
                title: a.need("title")?,
                description: a.take("description")?,
                labels: a.take("labels")?.unwrap_or_default(),
                assignee: None,
                integration: None,
            };
            ApiCall::post("/issues".into(), body(req))
        }
        "workflow_claim" | "workflow_progress" | "workflow_submit" | "workflow_complete" => {
            let id = a.issue()?;
            let (verb, req) = match name {
                "workflow_claim" => (WorkflowVerb::Claim, WorkflowRequest::default()),
                "workflow_progress" => (
                    WorkflowVerb::Progress,
                    WorkflowRequest {
                        message: Some(a.need("message")?),
                        ..Default::default()
                    },
                ),
                "workflow_submit" => (
                    WorkflowVerb::Submit,
                    WorkflowRequest {
                        message: Some(a.need("message")?),
                        comment: a.take("comment")?,
                        project: None,
                        files: a.take("files")?.unwrap_or_default(),
                        session: a.session()?,
                    },
                ),
                _ => (
                    WorkflowVerb::Complete,
                    WorkflowRequest {
                        message: a.take("summary")?,
                        ..Default::default()
                    },
                ),
            };
            ApiCall::post(
                format!("/issues/{id}/workflow/{}", verb.as_str()),
                body(req),
            )
        }
        "git_status" | "git_diff" => {
            let project = a.project()?;
            let mut q = Vec::new();
            if let Some(s) = a.session()? {
                q.push(("session".into(), s.to_string()));
            }
            let verb = name.trim_start_matches("git_");
            if verb == "diff" {
                if let Some(rev) = a.take::<String>("rev")? {
                    q.push(("rev".into(), rev));
                }
                if a.take::<bool>("staged")?.unwrap_or(false) {
                    q.push(("staged".into(), "true".into()));
                }
            }
            ApiCall {
                query: q,
                ..ApiCall::get(format!("/projects/{project}/git/{verb}"))
            }
        }
        "git_commit" => {
            let project = a.project()?;
            let req = GitCommit {
                session: a.session()?,
                message: a.need("message")?,
                files: a.take("files")?.unwrap_or_default(),
                staged: false,
            };
            ApiCall::post(format!("/projects/{project}/git/commit"), body(req))
        }
        "git_push" => {
            let project = a.project()?;
            let req = GitPush {
                session: a.session()?,
                branch: a.take("branch")?,
            };
            ApiCall::post(format!("/projects/{project}/git/push"), body(req))
        }
        "pr_create" => {
            let project = a.project()?;
            let req = CreatePullRequest {
                title: a.need("title")?,
                source: a.need("source")?,
                target: a.take("target")?,
                description: a.take("description")?,
                draft: a.take("draft")?.unwrap_or(false),
                assignee: None,
                issue_id: a.take("issue")?.or(defaults.issue),
                provider: None,
            };
            ApiCall::post(format!("/projects/{project}/pulls"), body(req))
        }
        "session_report" => {
            let id = a.or("session", defaults.session, "the session id")?;
            let state: String = a.need("state")?;
            if state != "waiting" && state != "running" {
                return Err("argument `state`: `waiting` or `running`".into());
            }
            let req = SessionReport {
                state,
                exit_code: None,
                detail: a.take("message")?,
            };
            ApiCall::post(format!("/sessions/{id}/events"), body(req))
        }
        other => return Err(format!("no tool `{other}`")),
    };
    a.done()?;
    Ok(call)
}

/// One resource a client can read: its URI, name and description.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSpec {
    /// The resource's URI (`aiops://issue/{id}`, `aiops://project/{id}/issues`).
    pub uri: String,
    /// A short human-readable name (`issue 12`).
    pub name: String,
    /// What reading it returns.
    pub description: &'static str,
}

/// URI templates (RFC 6570) of the resources.
pub const RESOURCE_TEMPLATES: [(&str, &str, &str); 2] = [
    (
        "aiops://issue/{id}",
        "issue",
        "An issue with its description and comments (JSON).",
    ),
    (
        "aiops://project/{id}/issues",
        "open issues",
        "A project's open issues, first page (JSON).",
    ),
];

/// The concrete resources of the caller's environment: its issue and its project's open
/// issues (nothing outside a session).
pub fn resources(defaults: &Defaults) -> Vec<ResourceSpec> {
    let mut out = Vec::new();
    if let Some(id) = defaults.issue {
        out.push(ResourceSpec {
            uri: format!("aiops://issue/{id}"),
            name: format!("issue {id}"),
            description: RESOURCE_TEMPLATES[0].2,
        });
    }
    if let Some(p) = defaults.project {
        out.push(ResourceSpec {
            uri: format!("aiops://project/{p}/issues"),
            name: format!("open issues of project {p}"),
            description: RESOURCE_TEMPLATES[1].2,
        });
    }
    out
}

/// The API request reading resource `uri`; `Err` for a URI that is not one of
/// [`RESOURCE_TEMPLATES`].
pub fn read(uri: &str) -> Result<ApiCall, String> {
    let id = |s: &str| s.parse::<i64>().ok().filter(|n| *n > 0);
    let rest = uri.strip_prefix("aiops://").unwrap_or("");
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["issue", n] if id(n).is_some() => Ok(ApiCall::get(format!("/issues/{n}/view"))),
        ["project", n, "issues"] if id(n).is_some() => Ok(ApiCall {
            query: vec![
                ("project".into(), n.to_string()),
                ("status".into(), "open".into()),
            ],
            ..ApiCall::get("/issues".into())
        }),
        _ => Err(format!("no resource `{uri}`")),
    }
}

/// An API answer as a tool result: `(is_error, text)`. A success is its JSON body; an
/// error is `{code}: {message}` from the error envelope, the sentence the CLI prints
/// (`forbidden: …` for a session key outside its scope).
pub fn answer(status: u16, body: Option<&Value>) -> (bool, String) {
    #[derive(Deserialize)]
    struct Envelope {
        error: crate::ErrorDetail,
    }
    if status < 400 {
        let text = body.map_or_else(|| "done".to_owned(), std::string::ToString::to_string);
        return (false, text);
    }
    let text = body
        .and_then(|b| serde_json::from_value::<Envelope>(b.clone()).ok())
        .map(|e| {
            let code = serde_json::to_value(e.error.code)
                .ok()
                .and_then(|c| c.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("{code}: {}", e.error.message)
        })
        .unwrap_or_else(|| format!("the API answered {status}"));
    (true, text)
}
