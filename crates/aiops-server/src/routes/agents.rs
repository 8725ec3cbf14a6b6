//! `/agents/global`: the global agent instructions, versioned. Everyone reads them (they
//! open every session's context file); admins change them and roll them back.

use aiops_core::agents;
use aiops_core::page::PageQuery;
use aiops_types::{
    AgentDiffParams, AgentInstructions, AgentInstructionsDiff, ErrorBody, Page, PageParams,
    RollbackAgentInstructions, SetAgentInstructions,
};
use axum::Json;
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Read};
use crate::error::{ApiJson, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_global, set_global))
        .routes(routes!(history))
        .routes(routes!(diff))
        .routes(routes!(rollback))
}

/// The current instructions (version 0 and empty before the first change).
#[utoipa::path(get, path = "/agents/global", tag = "agents",
    security(("api_key" = ["read"])),
    responses((status = 200, body = AgentInstructions)))]
async fn get_global(
    _a: Auth<Read>,
    State(st): State<AppState>,
) -> ApiResult<Json<AgentInstructions>> {
    Ok(Json(st.run(agents::current).await?))
}

/// Appends a new version. With `base_version`, 409 when another change came first.
#[utoipa::path(put, path = "/agents/global", tag = "agents", request_body = SetAgentInstructions,
    security(("api_key" = ["admin"])),
    responses((status = 200, body = AgentInstructions), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn set_global(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<SetAgentInstructions>,
) -> ApiResult<Json<AgentInstructions>> {
    Ok(Json(
        st.run(move |db| agents::set(db, &a.principal, &req))
            .await?,
    ))
}

/// Every version, newest first.
#[utoipa::path(get, path = "/agents/global/history", tag = "agents", params(PageParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<AgentInstructions>), (status = 400, body = ErrorBody)))]
async fn history(
    _a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<AgentInstructions>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(st.run(move |db| agents::history(db, page)).await?))
}

/// Unified diff between two versions (`to` defaults to the current one).
#[utoipa::path(get, operation_id = "diff_instructions", path = "/agents/global/diff", tag = "agents", params(AgentDiffParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = AgentInstructionsDiff), (status = 404, body = ErrorBody)))]
async fn diff(
    _a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<AgentDiffParams>,
) -> ApiResult<Json<AgentInstructionsDiff>> {
    Ok(Json(
        st.run(move |db| agents::diff(db, q.from, q.to)).await?,
    ))
}

/// Makes an old version current again (appended as a new version).
#[utoipa::path(post, path = "/agents/global/rollback", tag = "agents", request_body = RollbackAgentInstructions,
    security(("api_key" = ["admin"])),
    responses((status = 200, body = AgentInstructions), (status = 404, body = ErrorBody)))]
async fn rollback(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<RollbackAgentInstructions>,
) -> ApiResult<Json<AgentInstructions>> {
    Ok(Json(
        st.run(move |db| agents::rollback(db, &a.principal, req.version))
            .await?,
    ))
}
