//! Issue endpoints of the fake Jira: read, create, edit, assign, transitions.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};

use super::api::{Answer, Refusal, Shared, body_json, caller, no_content, ok};
use super::{FakeIssue, apply_status, render};

/// The text Jira answers when a rich-text field is not an ADF document.
pub(super) const NOT_ADF: &str =
    "Operation value must be an Atlassian Document (see the Atlassian Document Format)";

#[derive(serde::Deserialize)]
pub(super) struct FieldsQuery {
    fields: Option<String>,
}

pub(super) async fn read(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(q): Query<FieldsQuery>,
) -> Answer {
    let c = caller(&state, &headers)?;
    let i = c.issue(&key)?;
    let fields: Vec<String> = q
        .fields
        .map(|f| f.split(',').map(|f| f.trim().to_owned()).collect())
        .unwrap_or_default();
    ok(200, render::issue(&c.base, &c.state.issues[i], &fields))
}

/// Field values checked as Jira does.
#[derive(Default)]
struct Edit {
    summary: Option<String>,
    description: Option<Option<Value>>,
    labels: Option<Vec<String>>,
    assignee: Option<Option<String>>,
    errors: Vec<(&'static str, String)>,
}

impl Edit {
    fn read(fields: &Map<String, Value>, creating: bool) -> Self {
        let mut edit = Edit::default();
        for (name, value) in fields {
            match name.as_str() {
                "summary" => match value.as_str().map(str::trim) {
                    Some(s) if !s.is_empty() => edit.summary = Some(s.to_owned()),
                    _ => edit.no_summary(),
                },
                "description" => match value {
                    Value::Null => edit.description = Some(None),
                    v if render::is_doc(v) => edit.description = Some(Some(v.clone())),
                    _ => edit.errors.push(("description", NOT_ADF.into())),
                },
                "labels" => edit.labels(value),
                "assignee" => {
                    let id = value.get("accountId").and_then(Value::as_str);
                    edit.assignee = Some(id.map(str::to_owned));
                }
                "project" | "issuetype" if creating => {}
                other => edit.errors.push((
                    "field",
                    format!(
                        "Field '{other}' cannot be set. It is not on the appropriate screen, or unknown."
                    ),
                )),
            }
        }
        if creating && !fields.contains_key("summary") {
            edit.no_summary();
        }
        edit
    }

    fn no_summary(&mut self) {
        let message = "You must specify a summary of the issue.";
        self.errors.push(("summary", message.into()));
    }

    fn labels(&mut self, value: &Value) {
        let labels: Vec<String> = value
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        match labels.iter().find(|l| l.contains(char::is_whitespace)) {
            Some(bad) => self.errors.push((
                "labels",
                format!("The label '{bad}' contains spaces which is invalid."),
            )),
            None => self.labels = Some(labels),
        }
    }

    fn apply(self, issue: &mut FakeIssue) {
        if let Some(summary) = self.summary {
            issue.title = summary;
        }
        if let Some(description) = self.description {
            issue.body = description;
        }
        if let Some(labels) = self.labels {
            issue.labels = labels;
        }
        if let Some(assignee) = self.assignee {
            issue.assignee = assignee;
        }
    }
}

pub(super) async fn create(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Answer {
    let mut c = caller(&state, &headers)?;
    let body = body_json(&body)?;
    let empty = Map::new();
    let fields = body
        .get("fields")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut edit = Edit::read(fields, true);
    let project = fields
        .get("project")
        .and_then(|p| p.get("key"))
        .and_then(Value::as_str)
        .filter(|k| c.state.projects.contains_key(*k))
        .map(str::to_owned);
    if project.is_none() {
        edit.errors
            .push(("project", "valid project is required".into()));
    }
    let type_name = fields
        .get("issuetype")
        .and_then(|t| t.get("name"))
        .and_then(Value::as_str);
    if !matches!(type_name, Some("Task" | "Bug" | "Story" | "Epic")) {
        edit.errors
            .push(("issuetype", "Specify a valid issue type".into()));
    }
    let Some(project) = project.filter(|_| edit.errors.is_empty()) else {
        return Err(Refusal::fields(&edit.errors));
    };
    let login = c.login.clone();
    let at = c.state.create(&project, String::new(), None, &login);
    edit.apply(&mut c.state.issues[at]);
    let issue = &c.state.issues[at];
    ok(
        201,
        json!({
            "id": issue.id.to_string(),
            "key": issue.key,
            "self": format!("{}/rest/api/3/issue/{}", c.base, issue.id),
        }),
    )
}

pub(super) async fn edit(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> Answer {
    let mut c = caller(&state, &headers)?;
    let i = c.issue(&key)?;
    let body = body_json(&body)?;
    let empty = Map::new();
    let fields = body
        .get("fields")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let edit = Edit::read(fields, false);
    if !edit.errors.is_empty() {
        return Err(Refusal::fields(&edit.errors));
    }
    let now = c.state.tick();
    let issue = &mut c.state.issues[i];
    edit.apply(issue);
    issue.updated_at = now;
    no_content()
}

pub(super) async fn assign(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> Answer {
    let mut c = caller(&state, &headers)?;
    let i = c.issue(&key)?;
    let body = body_json(&body)?;
    let now = c.state.tick();
    let issue = &mut c.state.issues[i];
    issue.assignee = body
        .get("accountId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    issue.updated_at = now;
    no_content()
}

pub(super) async fn transitions(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Answer {
    let c = caller(&state, &headers)?;
    let issue = &c.state.issues[c.issue(&key)?];
    let list: Vec<Value> = c
        .state
        .workflow
        .iter()
        .filter(|t| t.offered_for(issue))
        .map(|t| {
            json!({
                "id": t.id,
                "name": t.name,
                "to": render::status(&c.base, &t.to),
                "hasScreen": false,
                "isGlobal": t.from.is_empty(),
                "isInitial": false,
                "isAvailable": true,
                "isConditional": false,
                "isLooped": false,
            })
        })
        .collect();
    ok(200, json!({ "expand": "transitions", "transitions": list }))
}

pub(super) async fn transition(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> Answer {
    let mut c = caller(&state, &headers)?;
    let i = c.issue(&key)?;
    let body = body_json(&body)?;
    let id = match body.pointer("/transition/id") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(Refusal::new(400, &["Missing transition id."])),
    };
    let chosen = c
        .state
        .workflow
        .iter()
        .find(|t| t.id == id && t.offered_for(&c.state.issues[i]))
        .map(|t| (t.to.clone(), t.name.clone()));
    let Some((target, name)) = chosen else {
        let message = format!("Transition id '{id}' is not valid for this issue.");
        return Err(Refusal::new(400, &[&message]));
    };
    let now = c.state.tick();
    let issue = &mut c.state.issues[i];
    apply_status(issue, &target, now);
    issue.transitions.push(name);
    no_content()
}
