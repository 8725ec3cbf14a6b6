//! Routes of the fake Jira, authentication, and the endpoints that are not about one
//! issue (`/myself`, the search). Shapes and rules are in the module docs.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use super::{
    FakeIssue, FakeSearch, JiraState, SEARCH_MAX_RESULTS, SEARCH_MAX_RESULTS_HEAVY, comments,
    error_body, issues, jql, render,
};

pub(super) type Shared = Arc<Mutex<JiraState>>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/rest/api/3/myself", get(myself))
        .route("/rest/api/3/search/jql", post(search))
        .route("/rest/api/3/issue", post(issues::create))
        .route(
            "/rest/api/3/issue/{key}",
            get(issues::read).put(issues::edit),
        )
        .route("/rest/api/3/issue/{key}/assignee", put(issues::assign))
        .route(
            "/rest/api/3/issue/{key}/transitions",
            get(issues::transitions).post(issues::transition),
        )
        .route(
            "/rest/api/3/issue/{key}/comment",
            get(comments::list).post(comments::add),
        )
        .route("/rest/api/3/issue/{key}/comment/{id}", put(comments::edit))
        .fallback(|| async { Refusal::new(404, &["Not found."]) })
        .with_state(state)
}

/// An error answer: a status and Jira's error body.
pub(super) struct Refusal(u16, Value);

impl Refusal {
    pub fn new(status: u16, messages: &[&str]) -> Self {
        Self(status, error_body(messages, &[]))
    }

    /// `400` with per-field `errors`.
    pub fn fields(errors: &[(&str, String)]) -> Self {
        Self(400, error_body(&[], errors))
    }

    pub fn no_issue() -> Self {
        Self::new(
            404,
            &["Issue does not exist or you do not have permission to see it."],
        )
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        crate::json(self.0, self.1)
    }
}

pub(super) type Answer = Result<Response, Refusal>;

/// The caller as Basic auth names them.
pub(super) struct Caller<'a> {
    pub state: MutexGuard<'a, JiraState>,
    /// accountId.
    pub login: String,
    /// `http://host:port`, for `self` links.
    pub base: String,
}

impl Caller<'_> {
    /// Index of the issue with this key (or numeric id), else Jira's `404`.
    pub fn issue(&self, key: &str) -> Result<usize, Refusal> {
        self.state.find(key).ok_or_else(Refusal::no_issue)
    }
}

/// Checks `Authorization: Basic base64(<login>@example.com:<token>)`.
pub(super) fn caller<'a>(state: &'a Shared, headers: &HeaderMap) -> Result<Caller<'a>, Refusal> {
    let guard = state.lock().expect("fake state");
    let unauthorized = || {
        Refusal::new(
            401,
            &["You are not authenticated. Authentication required to perform this operation."],
        )
    };
    let credentials = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(render::base64_decode)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(unauthorized)?;
    let (email, token) = credentials.split_once(':').ok_or_else(unauthorized)?;
    let login = guard
        .login(token)
        .filter(|login| email == format!("{login}@example.com"))
        .ok_or_else(unauthorized)?
        .to_owned();
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    Ok(Caller {
        state: guard,
        login,
        base: format!("http://{host}"),
    })
}

pub(super) fn body_json(body: &Bytes) -> Result<Value, Refusal> {
    serde_json::from_slice(body).map_err(|_| {
        Refusal::new(
            400,
            &["Invalid request payload. Refer to the REST API documentation and try again."],
        )
    })
}

pub(super) fn ok(status: u16, value: Value) -> Answer {
    Ok(crate::json(status, value))
}

pub(super) fn no_content() -> Answer {
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

async fn myself(State(state): State<Shared>, headers: HeaderMap) -> Answer {
    let c = caller(&state, &headers)?;
    let mut me = render::user(&c.base, &c.login);
    me["emailAddress"] = json!(format!("{}@example.com", c.login));
    ok(200, me)
}

async fn search(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Answer {
    let mut c = caller(&state, &headers)?;
    let body = body_json(&body)?;
    let text = body
        .get("jql")
        .and_then(Value::as_str)
        .ok_or_else(|| Refusal::new(400, &["The JQL query is required."]))?;
    let query = jql::parse(text).map_err(|m| Refusal::new(400, &[&m]))?;
    let fields: Vec<String> = body
        .get("fields")
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_else(|| vec!["id".to_owned()]);
    let heavy = fields.iter().any(|f| f == "comment" || f == "*all");
    let cap = if heavy {
        SEARCH_MAX_RESULTS_HEAVY
    } else {
        SEARCH_MAX_RESULTS
    };
    let asked = body.get("maxResults").and_then(Value::as_u64);
    let size = (asked.unwrap_or(50) as usize).clamp(1, cap);
    let token = body.get("nextPageToken").and_then(Value::as_str);
    let start = match token {
        None => 0,
        Some(token) => decode_token(token)
            .ok_or_else(|| Refusal::new(400, &["The nextPageToken is invalid."]))?,
    };
    let mut hits: Vec<&FakeIssue> = c.state.issues.iter().filter(|i| query.matches(i)).collect();
    match query.order_by_updated {
        Some(true) => hits.sort_by_key(|i| (i.updated_at, i.id)),
        Some(false) => hits.sort_by_key(|i| std::cmp::Reverse((i.updated_at, i.id))),
        None => hits.sort_by_key(|i| std::cmp::Reverse(i.id)),
    }
    let page: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(size)
        .map(|i| render::issue(&c.base, i, &fields))
        .collect();
    let is_last = start + size >= hits.len();
    c.state.searches.push(FakeSearch {
        jql: text.to_owned(),
        max_results: asked,
        next_page_token: token.map(str::to_owned),
        returned: page.len(),
    });
    let mut answer = json!({ "issues": page, "isLast": is_last });
    if !is_last {
        answer["nextPageToken"] = json!(page_token(start + size));
    }
    ok(200, answer)
}

/// The `nextPageToken` of the page starting at `offset` (opaque to clients; public for
/// canned answers in tests).
pub fn page_token(offset: usize) -> String {
    format!("CAEa{:08x}", offset ^ 0x5a5a_5a5a)
}

fn decode_token(token: &str) -> Option<usize> {
    let hex = token.strip_prefix("CAEa")?;
    usize::from_str_radix(hex, 16).ok().map(|v| v ^ 0x5a5a_5a5a)
}
