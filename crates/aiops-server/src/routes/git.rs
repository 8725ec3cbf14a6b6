//! `/projects/{id}/git/…`: git on the caller's working copy of a project (their base
//! clone, or one of their sessions' worktrees with `session`). Reads need `read`, the
//! verbs that change the working copy or a remote need `write`.

use aiops_core::git;
use aiops_types::{
    ErrorBody, FileContent, FileEntry, GitBranch, GitBranchInfo, GitCommit, GitCommitInfo, GitDiff,
    GitPull, GitPush, GitRangeQuery, GitResult, GitStatus, GitWhere,
};
use axum::Json;
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(list_files))
        .routes(routes!(cat))
        .routes(routes!(branches))
        .routes(routes!(log))
        .routes(routes!(diff))
        .routes(routes!(pull))
        .routes(routes!(push))
        .routes(routes!(commit))
        .routes(routes!(branch))
        .routes(routes!(checkout))
}

/// Branch, upstream, ahead/behind, changed and untracked files.
#[utoipa::path(get, operation_id = "git_status", path = "/projects/{id}/git/status", tag = "git",
    params(("id" = i64, Path), GitWhere), security(("api_key" = ["read"])),
    responses((status = 200, body = GitStatus), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn status(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<GitWhere>,
) -> ApiResult<Json<GitStatus>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| git::status(db, host, &a.principal, id, q.session))
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
            git::files(db, host, &a.principal, id, q.session, &path)
        })
        .await?,
    ))
}

/// One file of the working copy (at most 1 MiB of it). Paths out of it are a 400.
#[utoipa::path(get, path = "/projects/{id}/git/cat", tag = "git",
    params(("id" = i64, Path),
        ("session" = Option<i64>, Query,
            description = "The session whose worktree to read; default the caller's base clone."),
        // `GitWhere`'s fields, `path` required here: `git::cat` refuses a blank one.
        ("path" = String, Query, pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$",
            description = "The file, relative to the working copy's root: not blank, no NUL.")),
    security(("api_key" = ["read"])),
    responses((status = 200, body = FileContent), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn cat(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<GitWhere>,
) -> ApiResult<Json<FileContent>> {
    let path = q.path.clone().unwrap_or_default();
    Ok(Json(
        st.run_sessions(move |db, _, host| git::cat(db, host, &a.principal, id, q.session, &path))
            .await?,
    ))
}

/// Local branches and `origin`'s remote-tracking branches.
#[utoipa::path(get, path = "/projects/{id}/git/branches", tag = "git",
    params(("id" = i64, Path), GitWhere), security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<GitBranchInfo>), (status = 404, body = ErrorBody)))]
async fn branches(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<GitWhere>,
) -> ApiResult<Json<Vec<GitBranchInfo>>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| git::branches(db, host, &a.principal, id, q.session))
            .await?,
    ))
}

/// The newest commits from `rev` (default `HEAD`).
#[utoipa::path(get, path = "/projects/{id}/git/log", tag = "git",
    params(("id" = i64, Path), GitRangeQuery), security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<GitCommitInfo>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn log(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<GitRangeQuery>,
) -> ApiResult<Json<Vec<GitCommitInfo>>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| git::log(db, host, &a.principal, id, &q))
            .await?,
    ))
}

/// Uncommitted changes (against `rev` when given; the index with `staged`), at most 1 MiB.
#[utoipa::path(get, operation_id = "git_diff", path = "/projects/{id}/git/diff", tag = "git",
    params(("id" = i64, Path), GitRangeQuery), security(("api_key" = ["read"])),
    responses((status = 200, body = GitDiff), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn diff(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<GitRangeQuery>,
) -> ApiResult<Json<GitDiff>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| git::diff(db, host, &a.principal, id, &q))
            .await?,
    ))
}

/// Fetch and fast-forward. `409` listing the local changes unless `clean` (which
/// discards them), and when the branch diverged from its upstream.
#[utoipa::path(post, path = "/projects/{id}/git/pull", tag = "git",
    params(("id" = i64, Path)), request_body = GitPull, security(("api_key" = ["write"])),
    responses((status = 200, body = GitResult), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn pull(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<GitPull>,
) -> ApiResult<Json<GitResult>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| git::pull(db, host, &a.principal, id, &req))
            .await?,
    ))
}

/// Push a branch (default: the checked-out one) to `origin` and track it.
#[utoipa::path(post, path = "/projects/{id}/git/push", tag = "git",
    params(("id" = i64, Path)), request_body = GitPush, security(("api_key" = ["write"])),
    responses((status = 200, body = GitResult), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn push(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<GitPush>,
) -> ApiResult<Json<GitResult>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| git::push(db, host, &a.principal, id, &req))
            .await?,
    ))
}

/// Commit `files` only (every change when empty) as the caller.
#[utoipa::path(post, path = "/projects/{id}/git/commit", tag = "git",
    params(("id" = i64, Path)), request_body = GitCommit, security(("api_key" = ["write"])),
    responses((status = 200, body = GitResult), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn commit(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<GitCommit>,
) -> ApiResult<Json<GitResult>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| git::commit(db, host, &a.principal, id, &req))
            .await?,
    ))
}

/// Create a branch at `from` (default `HEAD`) without checking it out.
#[utoipa::path(post, path = "/projects/{id}/git/branch", tag = "git",
    params(("id" = i64, Path)), request_body = GitBranch, security(("api_key" = ["write"])),
    responses((status = 200, body = GitResult), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn branch(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<GitBranch>,
) -> ApiResult<Json<GitResult>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| git::create_branch(db, host, &a.principal, id, &req))
            .await?,
    ))
}

/// Check out a branch (a branch only on `origin` becomes a local tracking branch).
#[utoipa::path(post, path = "/projects/{id}/git/checkout", tag = "git",
    params(("id" = i64, Path)), request_body = GitBranch, security(("api_key" = ["write"])),
    responses((status = 200, body = GitResult), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn checkout(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<GitBranch>,
) -> ApiResult<Json<GitResult>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| git::checkout(db, host, &a.principal, id, &req))
            .await?,
    ))
}
