//! A session's changes, reviewable: `GET /sessions/{id}/changes` (every changed file
//! against the branch's merge-base with the default branch, with its diff), and staging
//! in a working copy (`POST /projects/{id}/git/stage|unstage`).

use aiops_core::git::changes;
use aiops_types::{ErrorBody, SessionChanges, StagePaths};
use axum::Json;
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session_changes))
        .routes(routes!(stage))
        .routes(routes!(unstage))
}

/// The session's changed files against the merge-base of its branch with the project's
/// default branch (`origin/<default>`): committed, staged, unstaged and untracked work
/// together, each with status, +/- counts, index state and its unified diff (binaries
/// and diffs over 256 KiB without text). At most 1,000 files.
#[utoipa::path(get, path = "/sessions/{id}/changes", tag = "sessions", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = SessionChanges), (status = 404, body = ErrorBody)))]
async fn session_changes(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<SessionChanges>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| changes::get(db, host, &a.principal, id))
            .await?,
    ))
}

/// Stages `paths` (every change when empty) in the caller's base clone or the
/// `session`'s worktree; answers with the changes as they are now.
#[utoipa::path(post, path = "/projects/{id}/git/stage", tag = "git",
    params(("id" = i64, Path)), request_body = StagePaths, security(("api_key" = ["write"])),
    responses((status = 200, body = SessionChanges), (status = 404, body = ErrorBody)))]
async fn stage(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<StagePaths>,
) -> ApiResult<Json<SessionChanges>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| changes::stage(db, host, &a.principal, id, &req, false))
            .await?,
    ))
}

/// Takes `paths` (every staged change when empty) out of the index, keeping the files.
#[utoipa::path(post, path = "/projects/{id}/git/unstage", tag = "git",
    params(("id" = i64, Path)), request_body = StagePaths, security(("api_key" = ["write"])),
    responses((status = 200, body = SessionChanges), (status = 404, body = ErrorBody)))]
async fn unstage(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<StagePaths>,
) -> ApiResult<Json<SessionChanges>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| changes::stage(db, host, &a.principal, id, &req, true))
            .await?,
    ))
}
