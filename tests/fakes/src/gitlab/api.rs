//! The fake's HTTP routes: authentication and rate-limit headers around every request,
//! then the handlers of [`super::issues`], [`super::notes`] and
//! [`super::merge_requests`].

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Query, Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, put};
use axum::{Extension, Router};
use serde_json::{Value, json};

use super::Shared;
use super::issues::{create_issue, get_issue, list_issues, update_issue};
use super::merge_requests::{create_mr, get_mr, list_mrs, update_mr};
use super::mr_merge::{merge_mr, rebase_mr};
use super::notes::{create_note, get_note, list_notes, update_note};
use super::render::{self, error, message};

type Params = Query<HashMap<String, String>>;

/// The login the request's token belongs to.
#[derive(Debug, Clone)]
pub(super) struct Caller(pub(super) String);

pub fn router(s: Shared) -> Router {
    Router::new()
        .route("/api/v4/user", get(me))
        .route("/api/v4/users", get(users))
        .route(
            "/api/v4/projects/{id}/issues",
            get(list_issues).post(create_issue),
        )
        .route(
            "/api/v4/projects/{id}/issues/{iid}",
            get(get_issue).put(update_issue),
        )
        .route(
            "/api/v4/projects/{id}/issues/{iid}/notes",
            get(list_notes).post(create_note),
        )
        .route(
            "/api/v4/projects/{id}/issues/{iid}/notes/{note_id}",
            get(get_note).put(update_note),
        )
        .route(
            "/api/v4/projects/{id}/merge_requests",
            get(list_mrs).post(create_mr),
        )
        .route(
            "/api/v4/projects/{id}/merge_requests/{iid}",
            get(get_mr).put(update_mr),
        )
        .route(
            "/api/v4/projects/{id}/merge_requests/{iid}/merge",
            put(merge_mr),
        )
        .route(
            "/api/v4/projects/{id}/merge_requests/{iid}/rebase",
            put(rebase_mr),
        )
        .fallback(|| async { error(404, "404 Not Found") })
        .layer(middleware::from_fn_with_state(s.clone(), guard))
        .with_state(s)
}

/// Rate limit, then authentication (`PRIVATE-TOKEN`, or an OAuth-style
/// `Authorization: Bearer`); every answer carries the `RateLimit-*` headers
/// (<https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/>).
async fn guard(State(s): State<Shared>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get("private-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            let auth = req.headers().get("authorization")?.to_str().ok()?;
            auth.strip_prefix("Bearer ").map(str::to_owned)
        });
    let (login, limit, remaining) = {
        let mut st = s.lock().expect("state");
        let had = st.rate_remaining;
        st.rate_remaining = had.saturating_sub(1);
        let login = token.and_then(|t| st.login_for(&t));
        ((had > 0).then_some(login), st.rate_limit, st.rate_remaining)
    };
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        + 60;
    let mut resp = match login {
        None => {
            let mut r = message(429, "Retry later");
            r.headers_mut()
                .insert("retry-after", HeaderValue::from_static("60"));
            r
        }
        Some(None) => message(401, "401 Unauthorized"),
        Some(Some(login)) => {
            req.extensions_mut().insert(Caller(login));
            next.run(req).await
        }
    };
    let h = resp.headers_mut();
    for (k, v) in [
        ("ratelimit-limit", limit),
        ("ratelimit-observed", limit.saturating_sub(remaining)),
        ("ratelimit-remaining", remaining),
        ("ratelimit-reset", reset),
    ] {
        h.insert(k, HeaderValue::from(v));
    }
    resp
}

/// `GET /user` — <https://docs.gitlab.com/api/users/#get-the-current-user>
async fn me(State(s): State<Shared>, Extension(me): Extension<Caller>) -> Response {
    let st = s.lock().expect("state");
    let mut u = render::user(&st, &me.0);
    u["email"] = json!(format!("{}@example.com", me.0));
    u["is_admin"] = json!(me.0 == "root");
    crate::json(200, u)
}

/// `GET /users?username=` — <https://docs.gitlab.com/api/users/#list-users>
async fn users(State(s): State<Shared>, Query(q): Params) -> Response {
    let st = s.lock().expect("state");
    let list: Vec<Value> = st
        .users
        .iter()
        .filter(|u| {
            q.get("username")
                .is_none_or(|n| u.username.eq_ignore_ascii_case(n))
        })
        .map(|u| render::user(&st, &u.username))
        .collect();
    crate::json(200, Value::Array(list))
}
