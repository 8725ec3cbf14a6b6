//! Issue note endpoints: <https://docs.gitlab.com/api/notes/>.

use std::collections::HashMap;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::Shared;
use super::api::Caller;
use super::params::{self as parse, refuse};
use super::render::{self, error, message, paged};

/// `GET /projects/:id/issues/:iid/notes` — <https://docs.gitlab.com/api/notes/#list-project-issue-notes>
pub(super) async fn list_notes(
    State(s): State<Shared>,
    Path((id, iid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let st = s.lock().expect("state");
    let Some(pi) = st.project_index(&id) else {
        return message(404, "404 Project Not Found");
    };
    let p = &st.projects[pi];
    let Some(issue) = iid.parse::<u64>().ok().and_then(|n| p.issues.get(&n)) else {
        return message(404, "404 Not found");
    };
    let order = match parse::order(&q) {
        Ok(o) => o,
        Err(e) => return refuse(e),
    };
    let mut notes: Vec<_> = issue.notes.iter().collect();
    notes.sort_by_key(|n| {
        (
            if order.by_updated {
                n.updated_at
            } else {
                n.created_at
            },
            n.id,
        )
    });
    if !order.asc {
        notes.reverse();
    }
    let items = notes
        .iter()
        .map(|n| render::note(&st, p, issue, n))
        .collect();
    paged(items, &q, &uri, &headers)
}

/// `POST /projects/:id/issues/:iid/notes` — <https://docs.gitlab.com/api/notes/#create-new-issue-note>
pub(super) async fn create_note(
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
    let Some(text) = params.get("body").and_then(Value::as_str) else {
        return error(400, "body is missing");
    };
    if text.trim().is_empty() {
        return crate::json(400, json!({ "message": { "note": ["can't be blank"] } }));
    }
    let nid = st
        .add_note(pi, iid, &me.0, text, false)
        .expect("issue checked");
    let p = &st.projects[pi];
    let issue = &p.issues[&iid];
    let n = issue
        .notes
        .iter()
        .find(|n| n.id == nid)
        .expect("just added");
    crate::json(201, render::note(&st, p, issue, n))
}

/// `GET /projects/:id/issues/:iid/notes/:note_id` — <https://docs.gitlab.com/api/notes/#get-single-issue-note>
pub(super) async fn get_note(
    State(s): State<Shared>,
    Path((id, iid, nid)): Path<(String, String, String)>,
) -> Response {
    let st = s.lock().expect("state");
    let Some(pi) = st.project_index(&id) else {
        return message(404, "404 Project Not Found");
    };
    let p = &st.projects[pi];
    let Some(issue) = iid.parse::<u64>().ok().and_then(|n| p.issues.get(&n)) else {
        return message(404, "404 Not found");
    };
    match issue.notes.iter().find(|n| Some(n.id) == nid.parse().ok()) {
        Some(n) => crate::json(200, render::note(&st, p, issue, n)),
        None => message(404, "404 Not found"),
    }
}

/// `PUT /projects/:id/issues/:iid/notes/:note_id` — <https://docs.gitlab.com/api/notes/#modify-existing-issue-note>
/// Only the note's author may edit it; system notes cannot be edited.
pub(super) async fn update_note(
    State(s): State<Shared>,
    Extension(me): Extension<Caller>,
    Path((id, iid, nid)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let params = match parse::body(&body) {
        Ok(p) => p,
        Err(e) => return refuse(e),
    };
    let Some(text) = params
        .get("body")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return error(400, "body is missing");
    };
    let mut st = s.lock().expect("state");
    let Some(pi) = st.project_index(&id) else {
        return message(404, "404 Project Not Found");
    };
    // Stamped with the current clock, which moves on once the issue is no longer borrowed.
    let now = st.now;
    let Some(issue) = iid
        .parse::<u64>()
        .ok()
        .and_then(|n| st.projects[pi].issues.get_mut(&n))
    else {
        return message(404, "404 Not found");
    };
    let Some(note) = issue
        .notes
        .iter_mut()
        .find(|n| Some(n.id) == nid.parse().ok())
    else {
        return message(404, "404 Not found");
    };
    if note.system || !note.author.eq_ignore_ascii_case(&me.0) {
        return message(403, "403 Forbidden");
    }
    note.body = text;
    note.updated_at = now;
    issue.updated_at = now;
    let (iid, nid) = (issue.iid, note.id);
    st.tick();
    let p = &st.projects[pi];
    let issue = &p.issues[&iid];
    let n = issue.notes.iter().find(|n| n.id == nid).expect("exists");
    crate::json(200, render::note(&st, p, issue, n))
}
