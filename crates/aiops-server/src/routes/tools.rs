//! `/tools`: the tool table sessions start (`claude`, `codex`, `aider`, `shell`, custom).
//! Everyone reads it; admins change it, see what is installed and install or upgrade the
//! agent CLIs (as jobs; see `aiops_core::sessions::install`).

use aiops_core::sessions::{install, tools};
use aiops_types::{ErrorBody, InstallTool, Job, PutTool, Tool, ToolStatus};
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
        .routes(routes!(tools_status))
        .routes(routes!(install_tool))
        .routes(routes!(upgrade_tool))
        .routes(routes!(get_tool, put_tool, delete_tool))
}

/// Built-in tools first, then custom ones by name, each with whether its program is
/// found on the server (`installed`).
#[utoipa::path(get, path = "/tools", tag = "sessions", security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<Tool>)))]
async fn list_tools(_a: Auth<Read>, State(st): State<AppState>) -> ApiResult<Json<Vec<Tool>>> {
    Ok(Json(
        st.run_sessions(|db, _, host| tools::list_installed(db, host))
            .await?,
    ))
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
#[utoipa::path(put, path = "/tools/{name}", tag = "sessions",
    params(("name" = String, Path, pattern = r"^\s*[a-z][a-z0-9_-]{0,31}\s*$",
        description = "1..=32 of a-z, 0-9, `-` and `_`, starting with a letter; not `status`")),
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

/// Whether each tool with an install recipe (kinds claude, codex, aider) is installed,
/// where (`managed`: aiops's prefix; `path`: the server's PATH), its `--version`, the
/// newest version its registry offers (cached briefly; unknown when the registry does
/// not answer within seconds). Admin: it runs programs and asks registries.
#[utoipa::path(get, path = "/tools/status", tag = "sessions", security(("api_key" = ["admin"])),
    responses((status = 200, body = Vec<ToolStatus>), (status = 403, body = ErrorBody)))]
async fn tools_status(
    _a: Auth<Admin>,
    State(st): State<AppState>,
) -> ApiResult<Json<Vec<ToolStatus>>> {
    let list = st.run(tools::list).await?;
    let installer = st.installer();
    let out = tokio::task::spawn_blocking(move || install::status(&*installer, &list))
        .await
        .map_err(|e| crate::error::ApiError::internal("tool status failed", e))?;
    Ok(Json(out))
}

/// Installs a tool's package (npm or pip) into aiops's prefix `<data>/tools` as a job
/// (202); follow it at `GET /system/jobs/{id}`. Its result is the tool's status.
#[utoipa::path(post, path = "/tools/{name}/install", tag = "sessions",
    params(("name" = String, Path)), request_body = InstallTool,
    security(("api_key" = ["admin"])),
    responses((status = 202, body = Job), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn install_tool(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(name): ApiPath<String>,
    ApiJson(req): ApiJson<InstallTool>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    start(a, st, name, req, false).await
}

/// Upgrades a tool aiops installed (to the newest, or `version`) as a job (202); 409
/// when aiops has not installed it.
#[utoipa::path(post, path = "/tools/{name}/upgrade", tag = "sessions",
    params(("name" = String, Path)), request_body = InstallTool,
    security(("api_key" = ["admin"])),
    responses((status = 202, body = Job), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn upgrade_tool(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(name): ApiPath<String>,
    ApiJson(req): ApiJson<InstallTool>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    start(a, st, name, req, true).await
}

async fn start(
    a: Auth<Admin>,
    st: AppState,
    name: String,
    req: InstallTool,
    upgrade: bool,
) -> ApiResult<(StatusCode, Json<Job>)> {
    let installer = st.installer();
    let user = a.principal.user_id;
    let (tool, plan) = st
        .run(move |db| {
            let layout = installer.layout().clone();
            let plan =
                install::request(db, &*installer, &layout, &a.principal, &name, &req, upgrade)?;
            Ok((tools::get(db, &name)?, plan))
        })
        .await?;
    let kind = if upgrade {
        "tool_upgrade"
    } else {
        "tool_install"
    };
    let installer = st.installer();
    let subject = tool.name.clone();
    let job = crate::runner::submit(
        &st,
        kind,
        subject,
        Some(user),
        Box::new(move |ctx| install::run(&*installer, &tool, &plan, ctx)),
        None,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}
