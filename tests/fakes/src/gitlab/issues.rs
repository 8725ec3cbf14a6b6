//! Issue endpoints: <https://docs.gitlab.com/api/issues/>. Edits write the system notes
//! GitLab writes ("closed", "assigned to @x", "added ~"bug" label", …).

use std::collections::HashMap;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::api::Caller;
use super::params::{self as parse, refuse};
use super::render::{self, error, message, paged};
use super::{FakeIssue, Shared};

/// `GET /projects/:id/issues` — <https://docs.gitlab.com/api/issues/#list-project-issues>
pub(super) async fn list_issues(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut st = s.lock().expect("state");
    let Some(pi) = st.project_index(&id) else {
        return message(404, "404 Project Not Found");
    };
    st.run_races(pi, render::page_param(&q) as u32);
    let after = match parse::time(&q, "updated_after") {
        Ok(t) => t,
        Err(e) => return refuse(e),
    };
    let before = match parse::time(&q, "updated_before") {
        Ok(t) => t,
        Err(e) => return refuse(e),
    };
    let order = match parse::order(&q) {
        Ok(o) => o,
        Err(e) => return refuse(e),
    };
    let state = q.get("state").map(String::as_str).unwrap_or("all");
    let p = &st.projects[pi];
    let mut list: Vec<&FakeIssue> = p
        .issues
        .values()
        .filter(|i| state == "all" || i.state == state)
        .filter(|i| after.is_none_or(|t| i.updated_at >= t))
        .filter(|i| before.is_none_or(|t| i.updated_at <= t))
        .collect();
    list.sort_by_key(|i| {
        let t = if order.by_updated {
            i.updated_at
        } else {
            i.created_at
        };
        (t, i.id)
    });
    if !order.asc {
        list.reverse();
    }
    let items = list.iter().map(|i| render::issue(&st, p, i)).collect();
    paged(items, &q, &uri, &headers)
}

/// `GET /projects/:id/issues/:iid` — <https://docs.gitlab.com/api/issues/#single-project-issue>
pub(super) async fn get_issue(
    State(s): State<Shared>,
    Path((id, iid)): Path<(String, String)>,
) -> Response {
    let st = s.lock().expect("state");
    let Some(pi) = st.project_index(&id) else {
        return message(404, "404 Project Not Found");
    };
    let p = &st.projects[pi];
    match iid.parse::<u64>().ok().and_then(|n| p.issues.get(&n)) {
        Some(i) => crate::json(200, render::issue(&st, p, i)),
        None => message(404, "404 Not found"),
    }
}

/// `POST /projects/:id/issues` — <https://docs.gitlab.com/api/issues/#new-issue>
pub(super) async fn create_issue(
    State(s): State<Shared>,
    Extension(me): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let params = match parse::body(&body) {
        Ok(p) => p,
        Err(e) => return refuse(e),
    };
    let mut st = s.lock().expect("state");
    let Some(pi) = st.project_index(&id) else {
        return message(404, "404 Project Not Found");
    };
    let title = match params.get("title") {
        None | Some(Value::Null) => return error(400, "title is missing"),
        Some(Value::String(t)) => t.clone(),
        Some(_) => return error(400, "title is invalid"),
    };
    if title.trim().is_empty() {
        return crate::json(400, json!({ "message": { "title": ["can't be blank"] } }));
    }
    let description = params
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let labels = match parse::labels(&params) {
        Ok(l) => l.unwrap_or_default(),
        Err(e) => return refuse(e),
    };
    let assignees = match parse::assignees(&st, &params) {
        Ok(a) => a.unwrap_or_default(),
        Err(e) => return refuse(e),
    };
    let iid = st.create_issue(pi, title, description, &me.0);
    let issue = st.projects[pi].issues.get_mut(&iid).expect("just created");
    issue.labels = labels;
    issue.assignees = assignees;
    let p = &st.projects[pi];
    crate::json(201, render::issue(&st, p, &p.issues[&iid]))
}

/// `PUT /projects/:id/issues/:iid` — <https://docs.gitlab.com/api/issues/#edit-an-issue>
pub(super) async fn update_issue(
    State(s): State<Shared>,
    Extension(me): Extension<Caller>,
    Path((id, iid)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let params = match parse::body(&body) {
        Ok(p) => p,
        Err(e) => return refuse(e),
    };
    let mut st = s.lock().expect("state");
    let Some(pi) = st.project_index(&id) else {
        return message(404, "404 Project Not Found");
    };
    let Some(iid) = iid
        .parse::<u64>()
        .ok()
        .filter(|n| st.projects[pi].issues.contains_key(n))
    else {
        return message(404, "404 Not found");
    };
    const KNOWN: &[&str] = &[
        "title",
        "description",
        "labels",
        "assignee_ids",
        "assignee_id",
        "state_event",
    ];
    if !KNOWN.iter().any(|k| params.contains_key(*k)) {
        return error(
            400,
            "assignee_id, assignee_ids, description, labels, state_event, title are missing, \
             at least one parameter must be provided",
        );
    }
    let title = params
        .get("title")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return crate::json(400, json!({ "message": { "title": ["can't be blank"] } }));
    }
    let close = match params.get("state_event").and_then(Value::as_str) {
        None => None,
        Some("close") => Some(true),
        Some("reopen") => Some(false),
        Some(_) => return error(400, "state_event does not have a valid value"),
    };
    let labels = match parse::labels(&params) {
        Ok(l) => l,
        Err(e) => return refuse(e),
    };
    let assignees = match parse::assignees(&st, &params) {
        Ok(a) => a,
        Err(e) => return refuse(e),
    };
    let now = st.tick();
    let issue = st.projects[pi].issues.get_mut(&iid).expect("checked");
    let notes = apply_edit(
        issue,
        title,
        params.get("description").and_then(Value::as_str),
        labels,
        assignees,
        close,
        now,
    );
    for n in notes {
        st.push_note(pi, iid, &me.0, &n, true, now);
    }
    let p = &st.projects[pi];
    crate::json(200, render::issue(&st, p, &p.issues[&iid]))
}

/// Applies an edit; returns the system notes GitLab would write for it.
fn apply_edit(
    issue: &mut FakeIssue,
    title: Option<String>,
    description: Option<&str>,
    labels: Option<Vec<String>>,
    assignees: Option<Vec<String>>,
    close: Option<bool>,
    now: OffsetDateTime,
) -> Vec<String> {
    let mut notes = Vec::new();
    let mut changed = false;
    if let Some(t) = title.filter(|t| *t != issue.title) {
        notes.push(format!("changed title from **{}** to **{t}**", issue.title));
        issue.title = t;
    }
    if let Some(d) = description.filter(|d| *d != issue.body) {
        notes.push("changed the description".into());
        issue.body = d.to_owned();
    }
    if let Some(new) = labels {
        let added: Vec<String> = new
            .iter()
            .filter(|l| !issue.labels.contains(l))
            .cloned()
            .collect();
        let removed: Vec<String> = issue
            .labels
            .iter()
            .filter(|l| !new.contains(l))
            .cloned()
            .collect();
        let refs = |ls: &[String]| {
            ls.iter()
                .map(|l| format!("~\"{l}\""))
                .collect::<Vec<_>>()
                .join(" ")
        };
        if !added.is_empty() {
            notes.push(format!(
                "added {} label{}",
                refs(&added),
                plural(added.len())
            ));
        }
        if !removed.is_empty() {
            notes.push(format!(
                "removed {} label{}",
                refs(&removed),
                plural(removed.len())
            ));
        }
        changed |= new != issue.labels;
        issue.labels = new;
    }
    if let Some(new) = assignees {
        let added: Vec<String> = new
            .iter()
            .filter(|a| !issue.assignees.contains(a))
            .map(|a| format!("@{a}"))
            .collect();
        let removed: Vec<String> = issue
            .assignees
            .iter()
            .filter(|a| !new.contains(a))
            .map(|a| format!("@{a}"))
            .collect();
        if !added.is_empty() {
            notes.push(format!("assigned to {}", added.join(" ")));
        }
        if !removed.is_empty() {
            notes.push(format!("unassigned {}", removed.join(" ")));
        }
        changed |= new != issue.assignees;
        issue.assignees = new;
    }
    match close {
        Some(true) if issue.state != "closed" => {
            issue.state = "closed".into();
            issue.closed_at = Some(now);
            notes.push("closed".into());
        }
        Some(false) if issue.state == "closed" => {
            issue.state = "opened".into();
            issue.closed_at = None;
            notes.push("reopened".into());
        }
        _ => {}
    }
    if changed || !notes.is_empty() {
        issue.updated_at = now;
    }
    notes
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
