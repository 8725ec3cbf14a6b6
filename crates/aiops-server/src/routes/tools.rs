//! `/tools`: the tool table sessions start (`claude`, `codex`, `aider`, `shell`, custom).
//! Everyone reads it; admins change it.

use aiops_core::sessions::tools;
use aiops_types::{ErrorBody, PutTool, Tool};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Read};
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tools))
        .routes(routes!(get_tool, put_tool, delete_tool))
}

/// Built-in tools first, then custom ones by name.
#[utoipa::path(get, path = "/tools", tag = "sessions", security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<Tool>)))]
async fn list_tools(_a: Auth<Read>, State(st): State<AppState>) -> ApiResult<Json<Vec<Tool>>> {
    Ok(Json(st.run(tools::list).await?))
}

#[utoipa::path(get, path = "/tools/{name}", tag = "sessions", params(("name" = String, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Tool), (status = 404, body = ErrorBody)))]
async fn get_tool(
    _a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Tool>> {
    Ok(Json(st.run(move |db| tools::get(db, &name)).await?))
}

/// Creates or replaces a tool (admin).
#[utoipa::path(put, path = "/tools/{name}", tag = "sessions", params(("name" = String, Path)),
    request_body = PutTool, security(("api_key" = ["admin"])),
    responses((status = 200, body = Tool), (status = 400, body = ErrorBody)))]
async fn put_tool(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(name): ApiPath<String>,
    ApiJson(req): ApiJson<PutTool>,
) -> ApiResult<Json<Tool>> {
    Ok(Json(
        st.run(move |db| tools::put(db, &a.principal, &name, &req))
            .await?,
    ))
}

/// Deletes a custom tool (admin); built-ins cannot be deleted (409).
#[utoipa::path(delete, path = "/tools/{name}", tag = "sessions", params(("name" = String, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_tool(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<StatusCode> {
    st.run(move |db| tools::delete(db, &a.principal, &name))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
