//! A session's changes, reviewable: `GET /sessions/{id}/changes` (every changed file
//! against the branch's merge-base with the default branch, with its diff), and staging
//! in a working copy (`POST /projects/{id}/git/stage|unstage`); review comments on
//! them, sent back to the agent (`/sessions/{id}/review-comments…`).

use aiops_core::git::changes;
use aiops_core::sessions::review;
use aiops_types::{
    ErrorBody, NewReviewComment, ReviewComment, ReviewCommentParams, ReviewSent, SessionChanges,
    StagePaths, UpdateReviewComment,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session_changes))
        .routes(routes!(stage))
        .routes(routes!(unstage))
        .routes(routes!(list_review_comments, create_review_comment))
        .routes(routes!(update_review_comment, delete_review_comment))
        .routes(routes!(send_review))
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

/// The session's review comments, oldest first (resolved ones with `resolved=true`).
/// Its owner and admins only.
#[utoipa::path(get, path = "/sessions/{id}/review-comments", tag = "sessions",
    params(("id" = i64, Path), ReviewCommentParams), security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<ReviewComment>), (status = 404, body = ErrorBody)))]
async fn list_review_comments(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ReviewCommentParams>,
) -> ApiResult<Json<Vec<ReviewComment>>> {
    Ok(Json(
        st.run(move |db| review::list(db, &a.principal, id, q.resolved.unwrap_or(false)))
            .await?,
    ))
}

/// A draft comment on lines of the session's changes.
#[utoipa::path(post, path = "/sessions/{id}/review-comments", tag = "sessions",
    params(("id" = i64, Path)), request_body = NewReviewComment, security(("api_key" = ["write"])),
    responses((status = 201, body = ReviewComment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_review_comment(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<NewReviewComment>,
) -> ApiResult<(StatusCode, Json<ReviewComment>)> {
    let c = st
        .run(move |db| review::create(db, &a.principal, id, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// A draft's new text, or a comment resolved (`resolved: true`) or reopened. 409 for the
/// text of a comment already sent.
#[utoipa::path(patch, path = "/sessions/{id}/review-comments/{comment_id}", tag = "sessions",
    params(("id" = i64, Path), ("comment_id" = i64, Path)), request_body = UpdateReviewComment,
    security(("api_key" = ["write"])),
    responses((status = 200, body = ReviewComment), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_review_comment(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath((id, comment_id)): ApiPath<(i64, i64)>,
    ApiJson(req): ApiJson<UpdateReviewComment>,
) -> ApiResult<Json<ReviewComment>> {
    Ok(Json(
        st.run(move |db| review::update(db, &a.principal, id, comment_id, &req))
            .await?,
    ))
}

/// Deletes a draft (409 for one already sent: resolve it instead).
#[utoipa::path(delete, path = "/sessions/{id}/review-comments/{comment_id}", tag = "sessions",
    params(("id" = i64, Path), ("comment_id" = i64, Path)), security(("api_key" = ["write"])),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_review_comment(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath((id, comment_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    st.run(move |db| review::delete(db, &a.principal, id, comment_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends every draft to the agent as one review: typed into its pane now when it waits
/// for input, else queued and typed when it next does. 409 when there is no draft or
/// the session has ended.
#[utoipa::path(post, path = "/sessions/{id}/review-comments/send", tag = "sessions",
    params(("id" = i64, Path)), security(("api_key" = ["write"])),
    responses((status = 200, body = ReviewSent), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn send_review(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ReviewSent>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| review::send(db, host, &a.principal, id))
            .await?,
    ))
}
