//! `/projects/{id}/links`: which tracker project a project's issues come from.

use aiops_core::links;
use aiops_types::{CreateProjectLink, ErrorBody, ProjectLink};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Read};
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_links, create_link))
        .routes(routes!(delete_link))
}

#[utoipa::path(get, path = "/projects/{id}/links", tag = "projects", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<ProjectLink>), (status = 404, body = ErrorBody)))]
async fn list_links(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<ProjectLink>>> {
    Ok(Json(
        st.run(move |db| links::list(db, &a.principal, id)).await?,
    ))
}

/// Links the project to a tracker project of an integration of the same tenant (one link
/// per provider). `token` overrides the integration's token for this project.
#[utoipa::path(post, path = "/projects/{id}/links", tag = "projects", params(("id" = i64, Path)),
    request_body = CreateProjectLink, security(("api_key" = ["admin"])),
    responses((status = 201, body = ProjectLink), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_link(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CreateProjectLink>,
) -> ApiResult<(StatusCode, Json<ProjectLink>)> {
    let l = st
        .run_tracked(move |db, access| links::create(db, access.key, &a.principal, id, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(l)))
}

/// Unlinks; the issues synced through the link are removed from aiops (not from the
/// tracker).
#[utoipa::path(delete, path = "/projects/{id}/links/{link_id}", tag = "projects",
    params(("id" = i64, Path), ("link_id" = i64, Path)), security(("api_key" = ["admin"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_link(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath((id, link_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    st.run(move |db| links::delete(db, &a.principal, id, link_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
