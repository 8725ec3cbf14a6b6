//! Comment endpoints of the fake Jira: offset-paged list, add, edit.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::COMMENT_MAX_RESULTS;
use super::api::{Answer, Refusal, Shared, body_json, caller, ok};
use super::issues::NOT_ADF;
use super::render;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CommentsQuery {
    start_at: Option<usize>,
    max_results: Option<usize>,
    order_by: Option<String>,
}

pub(super) async fn list(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(q): Query<CommentsQuery>,
) -> Answer {
    let c = caller(&state, &headers)?;
    let issue = &c.state.issues[c.issue(&key)?];
    let start = q.start_at.unwrap_or(0);
    let size = q
        .max_results
        .unwrap_or(COMMENT_MAX_RESULTS)
        .clamp(1, COMMENT_MAX_RESULTS);
    let mut all: Vec<_> = issue.comments.iter().collect();
    if q.order_by.as_deref() == Some("-created") {
        all.reverse();
    }
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(size)
        .map(|comment| render::comment(&c.base, issue, comment))
        .collect();
    ok(
        200,
        json!({ "startAt": start, "maxResults": size, "total": all.len(), "comments": page }),
    )
}

/// The body of a comment request must carry a non-empty ADF document.
fn comment_doc(body: &Bytes) -> Result<Value, Refusal> {
    let body = body_json(body)?;
    match body.get("body") {
        Some(doc) if render::is_doc(doc) && !render::adf_text(doc).trim().is_empty() => {
            Ok(doc.clone())
        }
        Some(doc) if render::is_doc(doc) => Err(Refusal::fields(&[(
            "comment",
            "Comment body can not be empty!".into(),
        )])),
        _ => Err(Refusal::fields(&[("comment", NOT_ADF.into())])),
    }
}

pub(super) async fn add(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(key): Path<String>,
    body: Bytes,
) -> Answer {
    let mut c = caller(&state, &headers)?;
    let i = c.issue(&key)?;
    let doc = comment_doc(&body)?;
    let key = c.state.issues[i].key.clone();
    let login = c.login.clone();
    let at = c
        .state
        .comment(&key, &login, doc)
        .ok_or_else(Refusal::no_issue)?;
    let issue = &c.state.issues[i];
    ok(201, render::comment(&c.base, issue, &issue.comments[at]))
}

pub(super) async fn edit(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((key, id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let mut c = caller(&state, &headers)?;
    let i = c.issue(&key)?;
    let doc = comment_doc(&body)?;
    let Some(at) = c.state.issues[i]
        .comments
        .iter()
        .position(|comment| comment.id.to_string() == id)
    else {
        let message = format!("Can not find a comment for the id: {id}.");
        return Err(Refusal::new(404, &[&message]));
    };
    let now = c.state.tick();
    let issue = &mut c.state.issues[i];
    issue.comments[at].body = doc;
    issue.comments[at].updated_at = now;
    issue.updated_at = now;
    let issue = &c.state.issues[i];
    ok(200, render::comment(&c.base, issue, &issue.comments[at]))
}
