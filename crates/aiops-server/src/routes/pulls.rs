//! `/projects/{id}/pulls…`: pull requests (GitHub) and merge requests (GitLab) of the
//! project's repository, as the caller (their personal token when they stored one).

use aiops_core::git::pulls;
use aiops_types::{CreatePullRequest, ErrorBody, MergePullRequest, PullRequest, PullRequestQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(merge))
        .routes(routes!(close))
}

/// Pull requests in `state` (default `open`; `closed`, `merged`, `all`), newest first,
/// at most 100. `provider` picks the code host when the project links both.
#[utoipa::path(get, operation_id = "list_pulls", path = "/projects/{id}/pulls", tag = "git",
    params(("id" = i64, Path), PullRequestQuery), security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<PullRequest>), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn list(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PullRequestQuery>,
) -> ApiResult<Json<Vec<PullRequest>>> {
    Ok(Json(
        st.run_tracked(move |db, access| pulls::list(db, access, &a.principal, id, &q))
            .await?,
    ))
}

/// Opens a pull request; with `issue_id` its description links the issue ("Closes #N"
/// in the same repository, the Jira key, else the URL).
#[utoipa::path(post, path = "/projects/{id}/pulls", tag = "git",
    params(("id" = i64, Path)), request_body = CreatePullRequest,
    security(("api_key" = ["write"])),
    responses((status = 201, body = PullRequest), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn create(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CreatePullRequest>,
) -> ApiResult<(StatusCode, Json<PullRequest>)> {
    let pr = st
        .run_tracked(move |db, access| pulls::create(db, access, &a.principal, id, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(pr)))
}

/// One pull request (GitLab: the merge request `iid`). An open one also carries
/// `mergeable`, `merge_status` and the head commit's `checks` when the provider reports
/// them (one or two more requests to it; lists leave them out).
#[utoipa::path(get, operation_id = "get_pull", path = "/projects/{id}/pulls/{number}",
    tag = "git", params(("id" = i64, Path), ("number" = u64, Path), PullRequestQuery),
    security(("api_key" = ["read"])),
    responses((status = 200, body = PullRequest), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn get(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath((id, number)): ApiPath<(i64, u64)>,
    ApiQuery(q): ApiQuery<PullRequestQuery>,
) -> ApiResult<Json<PullRequest>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            pulls::get(db, access, &a.principal, id, number, q.provider)
        })
        .await?,
    ))
}

/// Merges (`merge`, `squash` or `rebase`), optionally deleting the source branch. A pull
/// request the host will not merge (closed, conflicts, checks) is a 400 with its reason.
#[utoipa::path(post, path = "/projects/{id}/pulls/{number}/merge", tag = "git",
    params(("id" = i64, Path), ("number" = u64, Path)), request_body = MergePullRequest,
    security(("api_key" = ["write"])),
    responses((status = 200, body = PullRequest), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn merge(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath((id, number)): ApiPath<(i64, u64)>,
    ApiJson(req): ApiJson<MergePullRequest>,
) -> ApiResult<Json<PullRequest>> {
    Ok(Json(
        st.run_tracked(move |db, access| pulls::merge(db, access, &a.principal, id, number, &req))
            .await?,
    ))
}

/// Closes without merging.
#[utoipa::path(post, path = "/projects/{id}/pulls/{number}/close", tag = "git",
    params(("id" = i64, Path), ("number" = u64, Path), PullRequestQuery),
    security(("api_key" = ["write"])),
    responses((status = 200, body = PullRequest), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn close(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath((id, number)): ApiPath<(i64, u64)>,
    ApiQuery(q): ApiQuery<PullRequestQuery>,
) -> ApiResult<Json<PullRequest>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            pulls::close(db, access, &a.principal, id, number, q.provider)
        })
        .await?,
    ))
}
