//! `/issues`: the inbox over every provider, and each issue's verbs and comments.

use aiops_core::issues;
use aiops_core::page::PageQuery;
use aiops_types::{
    AssignIssue, Comment, CommentBody, CreateIssue, ErrorBody, Issue, IssueListParams, IssueStatus,
    IssueView, Page, PageParams, UpdateIssue,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::json::SizedJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_issues, create_issue))
        .routes(routes!(get_issue, update_issue, delete_issue))
        .routes(routes!(view_issue))
        .routes(routes!(close_issue))
        .routes(routes!(reopen_issue))
        .routes(routes!(assign_issue))
        .routes(routes!(list_comments, add_comment))
        .routes(routes!(edit_comment))
}

/// Issues the caller may see, newest first, filtered; `status` defaults to `open`.
#[utoipa::path(get, path = "/issues", tag = "issues", params(IssueListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<Issue>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_issues(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<IssueListParams>,
) -> ApiResult<SizedJson<Page<Issue>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    let value = st
        .run(move |db| issues::list(db, &a.principal, &q, page))
        .await?;
    // ~550 bytes per issue in practice; a little over avoids any regrowth.
    let capacity = 256 + value.items.len() * 768;
    Ok(SizedJson { value, capacity })
}

/// Creates an issue: at the project's tracker when it is linked to one (see `provider`),
/// else a native issue (`#N`, numbered per project). The assignee is an aiops user's
/// email (native, or mapped through their recorded tracker identity) or a tracker login.
#[utoipa::path(post, path = "/issues", tag = "issues", request_body = CreateIssue,
    security(("api_key" = ["write"])),
    responses((status = 201, body = Issue), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn create_issue(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateIssue>,
) -> ApiResult<(StatusCode, Json<Issue>)> {
    let issue = st
        .run_tracked(move |db, access| issues::create(db, access, &a.principal, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(issue)))
}

#[utoipa::path(get, path = "/issues/{id}", tag = "issues", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Issue), (status = 404, body = ErrorBody)))]
async fn get_issue(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Issue>> {
    Ok(Json(
        st.run(move |db| issues::get(db, &a.principal, id)).await?,
    ))
}

/// The issue with its description and comments (oldest first, at most 1,000) rendered
/// from Markdown to sanitized HTML, for pages: no script, no event handlers, links only
/// to http(s) and mailto.
#[utoipa::path(get, path = "/issues/{id}/view", tag = "issues", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = IssueView), (status = 404, body = ErrorBody)))]
async fn view_issue(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<IssueView>> {
    Ok(Json(
        st.run(move |db| issues::view(db, &a.principal, id)).await?,
    ))
}

/// Changes title, description or labels (`labels` replaces the set).
#[utoipa::path(patch, path = "/issues/{id}", tag = "issues", params(("id" = i64, Path)), request_body = UpdateIssue,
    security(("api_key" = ["write"])),
    responses((status = 200, body = Issue), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_issue(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateIssue>,
) -> ApiResult<Json<Issue>> {
    Ok(Json(
        st.run_tracked(move |db, access| issues::update(db, access, &a.principal, id, &req))
            .await?,
    ))
}

/// Deletes a native issue (or a tracker issue already gone from its tracker) with its
/// comments; its sessions and automation runs stay, unlinked. Admins of the issue's
/// tenant only; refused while a session works on it. Appends `issue.deleted`.
#[utoipa::path(delete, path = "/issues/{id}", tag = "issues", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 204, description = "Deleted"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn delete_issue(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| issues::delete(db, &a.principal, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Closes the issue; closing a closed issue changes nothing.
#[utoipa::path(post, path = "/issues/{id}/close", tag = "issues", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 200, body = Issue), (status = 404, body = ErrorBody)))]
async fn close_issue(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Issue>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            issues::set_status(db, access, &a.principal, id, IssueStatus::Closed)
        })
        .await?,
    ))
}

/// Reopens the issue; reopening an open issue changes nothing.
#[utoipa::path(post, path = "/issues/{id}/reopen", tag = "issues", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 200, body = Issue), (status = 404, body = ErrorBody)))]
async fn reopen_issue(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Issue>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            issues::set_status(db, access, &a.principal, id, IssueStatus::Open)
        })
        .await?,
    ))
}

/// Sets or (with `null`) clears the assignee.
#[utoipa::path(put, path = "/issues/{id}/assignee", tag = "issues", params(("id" = i64, Path)), request_body = AssignIssue,
    security(("api_key" = ["write"])),
    responses((status = 200, body = Issue), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn assign_issue(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AssignIssue>,
) -> ApiResult<Json<Issue>> {
    Ok(Json(
        st.run_tracked(move |db, access| issues::assign(db, access, &a.principal, id, &req))
            .await?,
    ))
}

/// Comments of an issue, oldest first.
#[utoipa::path(get, path = "/issues/{id}/comments", tag = "issues", params(("id" = i64, Path), PageParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<Comment>), (status = 404, body = ErrorBody)))]
async fn list_comments(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<Comment>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| issues::comments(db, &a.principal, id, page))
            .await?,
    ))
}

#[utoipa::path(post, path = "/issues/{id}/comments", tag = "issues", params(("id" = i64, Path)), request_body = CommentBody,
    security(("api_key" = ["write"])),
    responses((status = 201, body = Comment), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn add_comment(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CommentBody>,
) -> ApiResult<(StatusCode, Json<Comment>)> {
    let c = st
        .run_tracked(move |db, access| issues::comment(db, access, &a.principal, id, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Edits a comment; only the aiops user who wrote it may (403 otherwise).
#[utoipa::path(patch, path = "/issues/{id}/comments/{comment_id}", tag = "issues",
    params(("id" = i64, Path), ("comment_id" = i64, Path)), request_body = CommentBody,
    security(("api_key" = ["write"])),
    responses((status = 200, body = Comment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn edit_comment(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath((id, comment_id)): ApiPath<(i64, i64)>,
    ApiJson(req): ApiJson<CommentBody>,
) -> ApiResult<Json<Comment>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            issues::edit_comment(db, access, &a.principal, id, comment_id, &req)
        })
        .await?,
    ))
}
