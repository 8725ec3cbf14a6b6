//! `/worktrees`: issue worktrees in users' workspaces, listed and removed on request.

use aiops_core::sessions::worktrees;
use aiops_types::{ErrorBody, RemoveWorktree, Worktree, WorktreeListParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(remove))
}

/// The caller's worktrees (admins: `all_users=true`), with uncommitted changes and the
/// live session using each; `stale=true` keeps those without one.
#[utoipa::path(get, operation_id = "list_worktrees", path = "/worktrees", tag = "sessions", params(WorktreeListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<Worktree>), (status = 403, body = ErrorBody)))]
async fn list(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<WorktreeListParams>,
) -> ApiResult<Json<Vec<Worktree>>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| worktrees::list(db, host, &a.principal, &q))
            .await?,
    ))
}

/// Removes a worktree (its branch stays). 409 while a live session works in it, or when
/// it has uncommitted work and `force` is not set.
#[utoipa::path(post, path = "/worktrees/remove", tag = "sessions", request_body = RemoveWorktree,
    security(("api_key" = ["write"])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<RemoveWorktree>,
) -> ApiResult<StatusCode> {
    st.run_sessions(move |db, _, host| worktrees::remove(db, host, &a.principal, &req))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
