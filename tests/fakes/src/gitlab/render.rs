//! GitLab's JSON shapes and offset-paging headers.
//!
//! Shapes: <https://docs.gitlab.com/api/issues/#single-project-issue>,
//! <https://docs.gitlab.com/api/notes/#list-project-issue-notes>,
//! <https://docs.gitlab.com/api/merge_requests/#get-single-mr>. Paging:
//! <https://docs.gitlab.com/api/rest/#offset-based-pagination>.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use super::{FakeIssue, FakeMergeRequest, FakeNote, FakeProject, GitLabState};

/// GitLab prints UTC with milliseconds: `2026-01-01T00:00:00.000Z`.
pub fn stamp(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .expect("format")
}

/// `{"message": …}`, GitLab's usual error body.
pub fn message(status: u16, text: &str) -> Response {
    crate::json(status, json!({ "message": text }))
}

/// `{"error": …}`, what GitLab's parameter validation answers.
pub fn error(status: u16, text: &str) -> Response {
    crate::json(status, json!({ "error": text }))
}

pub fn user(st: &GitLabState, login: &str) -> Value {
    let (id, name) = st
        .user(login)
        .map(|u| (u.id, u.name.clone()))
        .unwrap_or((0, login.to_owned()));
    json!({
        "id": id,
        "username": login,
        "name": name,
        "state": "active",
        "locked": false,
        "avatar_url": null,
        "web_url": format!("{}/{login}", st.web_url),
    })
}

pub fn issue(st: &GitLabState, p: &FakeProject, i: &FakeIssue) -> Value {
    let assignees: Vec<Value> = i.assignees.iter().map(|a| user(st, a)).collect();
    json!({
        "id": i.id,
        "iid": i.iid,
        "project_id": p.id,
        "title": i.title,
        "description": i.body,
        "state": i.state,
        "created_at": stamp(i.created_at),
        "updated_at": stamp(i.updated_at),
        "closed_at": i.closed_at.map(stamp),
        "closed_by": i.closed_at.map(|_| user(st, &i.author)),
        "labels": i.labels,
        "milestone": null,
        "assignees": assignees,
        "assignee": assignees.first().cloned(),
        "author": user(st, &i.author),
        "type": "ISSUE",
        "user_notes_count": i.notes.iter().filter(|n| !n.system).count(),
        "merge_requests_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "due_date": null,
        "confidential": false,
        "discussion_locked": null,
        "issue_type": "issue",
        "web_url": format!("{}/{}/-/issues/{}", st.web_url, p.path, i.iid),
        "references": {
            "short": format!("#{}", i.iid),
            "relative": format!("#{}", i.iid),
            "full": format!("{}#{}", p.path, i.iid),
        },
    })
}

/// A merge request. `single` adds what only the single-MR answers (get, create, edit,
/// merge) carry (`merge_error`, `changes_count`, `user`, `head_pipeline`); `rebase` is the
/// `rebase_in_progress` shown when the caller asked `include_rebase_in_progress`.
pub fn merge_request(
    st: &GitLabState,
    p: &FakeProject,
    mr: &FakeMergeRequest,
    single: bool,
    rebase: Option<bool>,
) -> Value {
    let assignees: Vec<Value> = mr.assignees.iter().map(|a| user(st, a)).collect();
    let merged_by = mr.merged_by.as_deref().map(|u| user(st, u));
    let (status, detailed) = if mr.state != "opened" {
        ("cannot_be_merged", "not_open")
    } else if mr.draft() {
        ("can_be_merged", "draft_status")
    } else if mr.has_conflicts {
        ("cannot_be_merged", "conflict")
    } else if !p.branches.contains(&mr.source_branch) {
        ("cannot_be_merged", "broken_status")
    } else {
        ("can_be_merged", "mergeable")
    };
    let mut v = json!({
        "id": mr.id,
        "iid": mr.iid,
        "project_id": p.id,
        "title": mr.title,
        "description": mr.description,
        "state": mr.state,
        "created_at": stamp(mr.created_at),
        "updated_at": stamp(mr.updated_at),
        "merged_by": merged_by,
        "merge_user": merged_by,
        "merged_at": mr.merged_at.map(stamp),
        "closed_by": mr.closed_at.map(|_| user(st, &mr.author)),
        "closed_at": mr.closed_at.map(stamp),
        "target_branch": mr.target_branch,
        "source_branch": mr.source_branch,
        "user_notes_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "author": user(st, &mr.author),
        "assignees": assignees,
        "assignee": assignees.first().cloned(),
        "reviewers": [],
        "source_project_id": p.id,
        "target_project_id": p.id,
    });
    // Two objects: one `json!` with every field passes the macro recursion limit.
    let rest = json!({
        "labels": [],
        "draft": mr.draft(),
        "work_in_progress": mr.draft(),
        "milestone": null,
        "merge_when_pipeline_succeeds": false,
        "merge_status": status,
        "detailed_merge_status": detailed,
        "sha": mr.sha,
        "merge_commit_sha": mr.merge_commit_sha,
        "squash_commit_sha": mr.squash_commit_sha,
        "discussion_locked": null,
        "should_remove_source_branch": mr.should_remove_source_branch,
        "force_remove_source_branch": mr.force_remove_source_branch,
        "reference": format!("!{}", mr.iid),
        "references": {
            "short": format!("!{}", mr.iid),
            "relative": format!("!{}", mr.iid),
            "full": format!("{}!{}", p.path, mr.iid),
        },
        "web_url": format!("{}/{}/-/merge_requests/{}", st.web_url, p.path, mr.iid),
        "squash": mr.squash,
        "squash_on_merge": mr.squash,
        "has_conflicts": mr.has_conflicts,
        "blocking_discussions_resolved": true,
    });
    if let (Some(v), Value::Object(rest)) = (v.as_object_mut(), rest) {
        v.extend(rest);
    }
    if single {
        v["merge_error"] = json!(mr.merge_error);
        v["changes_count"] = json!("1");
        v["first_contribution"] = json!(false);
        v["user"] = json!({ "can_merge": true });
        v["head_pipeline"] = json!(mr.pipeline.as_ref().map(|status| json!({
            "id": mr.id + 10_000,
            "iid": mr.iid,
            "project_id": p.id,
            "sha": mr.sha,
            "ref": mr.source_branch,
            "status": status,
            "source": "merge_request_event",
            "web_url": format!("{}/{}/-/pipelines/{}", st.web_url, p.path, mr.id + 10_000),
        })));
    }
    if let Some(r) = rebase {
        v["rebase_in_progress"] = json!(r);
    }
    v
}

pub fn note(st: &GitLabState, p: &FakeProject, i: &FakeIssue, n: &FakeNote) -> Value {
    json!({
        "id": n.id,
        "type": null,
        "body": n.body,
        "attachment": null,
        "author": user(st, &n.author),
        "created_at": stamp(n.created_at),
        "updated_at": stamp(n.updated_at),
        "system": n.system,
        "noteable_id": i.id,
        "noteable_type": "Issue",
        "project_id": p.id,
        "noteable_iid": i.iid,
        "resolvable": false,
        "confidential": false,
        "internal": false,
    })
}

/// One page of `items` with GitLab's offset-paging headers; `per_page` defaults to 20
/// and is capped at 100, `page` starts at 1.
pub fn paged(
    items: Vec<Value>,
    q: &HashMap<String, String>,
    uri: &Uri,
    headers: &HeaderMap,
) -> Response {
    let per_page = q
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(20)
        .min(100);
    let page = page_param(q);
    let total = items.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let body: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut resp = crate::json(200, Value::Array(body));
    let h = resp.headers_mut();
    let next = (page < total_pages).then_some(page + 1);
    let prev = (page > 1).then(|| (page - 1).min(total_pages));
    let show = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
    let pairs = [
        ("x-page", page.to_string()),
        ("x-per-page", per_page.to_string()),
        ("x-next-page", show(next)),
        ("x-prev-page", show(prev)),
        ("x-total", total.to_string()),
        ("x-total-pages", total_pages.to_string()),
    ];
    for (k, v) in pairs {
        h.insert(k, HeaderValue::from_str(&v).expect("header"));
    }
    let link = link_header(uri, headers, per_page, prev, next, total_pages);
    h.insert("link", HeaderValue::from_str(&link).expect("link"));
    resp
}

pub fn page_param(q: &HashMap<String, String>) -> usize {
    q.get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

/// `<url>; rel="prev"`, `next`, `first`, `last`: the request's URL with its other query
/// parameters kept as sent and `page`/`per_page` replaced.
fn link_header(
    uri: &Uri,
    headers: &HeaderMap,
    per_page: usize,
    prev: Option<usize>,
    next: Option<usize>,
    last: usize,
) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|kv| {
            let k = kv.split('=').next().unwrap_or("");
            !kv.is_empty() && k != "page" && k != "per_page"
        })
        .collect();
    let url = |page: usize| {
        let mut q = kept.join("&");
        if !q.is_empty() {
            q.push('&');
        }
        format!(
            "<http://{host}{}?{q}page={page}&per_page={per_page}>",
            uri.path()
        )
    };
    let mut rels = Vec::new();
    if let Some(p) = prev {
        rels.push(format!("{}; rel=\"prev\"", url(p)));
    }
    if let Some(n) = next {
        rels.push(format!("{}; rel=\"next\"", url(n)));
    }
    rels.push(format!("{}; rel=\"first\"", url(1)));
    rels.push(format!("{}; rel=\"last\"", url(last)));
    rels.join(", ")
}
