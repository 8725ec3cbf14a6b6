//! `/projects/{id}/git/…`: reading the caller's working copy of a project (their base
//! clone, or one of their sessions' worktrees with `session=`).

use aiops_core::sessions::files;
use aiops_types::{ErrorBody, FileContent, FileEntry, GitStatus, GitWhere};
use axum::Json;
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read};
use crate::error::{ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(list_files))
        .routes(routes!(cat))
}

/// Branch, upstream, ahead/behind, changed and untracked files.
#[utoipa::path(get, path = "/projects/{id}/git/status", tag = "git",
    params(("id" = i64, Path), GitWhere), security(("api_key" = ["read"])),
    responses((status = 200, body = GitStatus), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn status(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<GitWhere>,
) -> ApiResult<Json<GitStatus>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| files::status(db, host, &a.principal, id, q.session))
            .await?,
    ))
}

/// A directory of the working copy (`path`, default the root); `.git` is never listed.
/// A path leading out of the working copy (`..`, absolute, a symlink out) is a 400.
#[utoipa::path(get, path = "/projects/{id}/git/files", tag = "git",
    params(("id" = i64, Path), GitWhere), security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<FileEntry>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_files(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<GitWhere>,
) -> ApiResult<Json<Vec<FileEntry>>> {
    let path = q.path.clone().unwrap_or_default();
    Ok(Json(
        st.run_sessions(move |db, _, host| {
            files::files(db, host, &a.principal, id, q.session, &path)
        })
        .await?,
    ))
}

/// One file of the working copy (at most 1 MiB of it). Paths out of it are a 400.
#[utoipa::path(get, path = "/projects/{id}/git/cat", tag = "git",
    params(("id" = i64, Path), GitWhere), security(("api_key" = ["read"])),
    responses((status = 200, body = FileContent), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn cat(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<GitWhere>,
) -> ApiResult<Json<FileContent>> {
    let path = q.path.clone().unwrap_or_default();
    Ok(Json(
        st.run_sessions(move |db, _, host| {
            files::cat(db, host, &a.principal, id, q.session, &path)
        })
        .await?,
    ))
}
