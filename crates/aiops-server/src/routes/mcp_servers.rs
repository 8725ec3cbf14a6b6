//! `/mcp/servers`: the MCP servers every session of a tenant or a project gets (issue
//! 21), and `/projects/{id}/mcp`: whether its sessions get aiops's own MCP server.
//! Everyone reads what they may see (secrets are never returned); admins write and test.

use std::time::Duration;

use aiops_core::CoreError;
use aiops_core::mcp;
use aiops_types::{
    CreateMcpServer, ErrorBody, McpServer, McpServerListParams, McpServerTest, ProjectMcp,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Read};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// Longest `test` waits for a server to start and list its tools.
const TEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_servers, create_server))
        .routes(routes!(delete_server))
        .routes(routes!(test_server))
        .routes(routes!(get_project_mcp, put_project_mcp))
}

/// The MCP servers of a tenant or a project (with its tenant's); without a filter,
/// of every tenant you see. Secret values are never returned, only their names.
#[utoipa::path(get, path = "/mcp/servers", tag = "mcp", params(McpServerListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<McpServer>), (status = 404, body = ErrorBody)))]
async fn list_servers(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<McpServerListParams>,
) -> ApiResult<Json<Vec<McpServer>>> {
    Ok(Json(
        st.run(move |db| mcp::list(db, &a.principal, &q)).await?,
    ))
}

/// Defines an MCP server for a tenant or a project (admin): a stdio `command` with secret
/// `env`, or a remote `url` with a secret header. Secrets are sealed at rest. 409 when
/// the name is taken there.
#[utoipa::path(post, path = "/mcp/servers", tag = "mcp", request_body = CreateMcpServer,
    security(("api_key" = ["admin"])),
    responses((status = 201, body = McpServer), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_server(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateMcpServer>,
) -> ApiResult<(StatusCode, Json<McpServer>)> {
    let s = st
        .run_tracked(move |db, access| mcp::create(db, access.key, &a.principal, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Removes an MCP server (admin); sessions started later no longer get it.
#[utoipa::path(delete, path = "/mcp/servers/{id}", tag = "mcp", params(("id" = i64, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_server(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| mcp::remove(db, &a.principal, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a stdio MCP server with its secrets, lists its tools and stops it (admin;
/// within 30 s). 502 `upstream` when it does not start or answer.
#[utoipa::path(post, path = "/mcp/servers/{id}/test", tag = "mcp", params(("id" = i64, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = McpServerTest), (status = 404, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
async fn test_server(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<McpServerTest>> {
    let (launch, env) = st
        .run_tracked(move |db, access| mcp::test_plan(db, access.key, &a.principal, id))
        .await?;
    let out =
        tokio::task::spawn_blocking(move || aiops_exec::mcp::probe(&launch, &env, TEST_TIMEOUT))
            .await
            .map_err(|e| crate::error::ApiError::internal("MCP server test failed", e))?;
    Ok(Json(out.map_err(CoreError::Upstream)?))
}

/// Whether the project's sessions get aiops's own MCP server (default: yes).
#[utoipa::path(get, path = "/projects/{id}/mcp", tag = "mcp", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = ProjectMcp), (status = 404, body = ErrorBody)))]
async fn get_project_mcp(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ProjectMcp>> {
    Ok(Json(
        st.run(move |db| mcp::project_setting(db, &a.principal, id))
            .await?,
    ))
}

/// Turns aiops's own MCP server on or off for the project's sessions (admin); sessions
/// started later follow it.
#[utoipa::path(put, path = "/projects/{id}/mcp", tag = "mcp", params(("id" = i64, Path)),
    request_body = ProjectMcp, security(("api_key" = ["admin"])),
    responses((status = 200, body = ProjectMcp), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn put_project_mcp(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ProjectMcp>,
) -> ApiResult<Json<ProjectMcp>> {
    Ok(Json(
        st.run(move |db| mcp::set_project_setting(db, &a.principal, id, req))
            .await?,
    ))
}
