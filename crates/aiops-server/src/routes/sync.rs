//! `/issues/sync` (queue sync jobs) and `/sync-runs` (their progress and outcome).

use aiops_core::page::PageQuery;
use aiops_core::sync;
use aiops_types::{ErrorBody, Page, SyncQueued, SyncRequest, SyncRun, SyncRunListParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_sync))
        .routes(routes!(list_runs))
        .routes(routes!(get_run))
}

/// Queues a sync job per integration (never runs it inside the request) and answers 202
/// with the runs; poll `GET /sync-runs/{id}`. An integration already queued or running
/// returns that run.
#[utoipa::path(post, path = "/issues/sync", tag = "issues", request_body = SyncRequest,
    security(("api_key" = ["write"])),
    responses((status = 202, body = SyncQueued), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn request_sync(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<SyncRequest>,
) -> ApiResult<(StatusCode, Json<SyncQueued>)> {
    let queued = st
        .run(move |db| sync::request(db, &a.principal, &req))
        .await?;
    st.jobs().notify_one();
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

/// Sync runs of the integrations the caller sees, newest first.
#[utoipa::path(get, path = "/sync-runs", tag = "issues", params(SyncRunListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<SyncRun>), (status = 404, body = ErrorBody)))]
async fn list_runs(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<SyncRunListParams>,
) -> ApiResult<Json<Page<SyncRun>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| sync::list_runs(db, &a.principal, &q, page))
            .await?,
    ))
}

#[utoipa::path(get, path = "/sync-runs/{id}", tag = "issues", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = SyncRun), (status = 404, body = ErrorBody)))]
async fn get_run(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<SyncRun>> {
    Ok(Json(
        st.run(move |db| sync::get_run(db, &a.principal, id))
            .await?,
    ))
}
