//! `/integrations`: a tenant's connections to GitHub, GitLab and Jira. Members of the
//! tenant read them (tokens never leave: `has_token` only); admins manage them.

use aiops_core::integrations;
use aiops_core::page::PageQuery;
use aiops_types::{
    ConnectionTest, CreateIntegration, ErrorBody, Integration, IntegrationListParams, Page,
    UpdateIntegration,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_integrations, create_integration))
        .routes(routes!(
            get_integration,
            update_integration,
            delete_integration
        ))
        .routes(routes!(test_integration))
}

/// Integrations of the tenants the caller belongs to, oldest first.
#[utoipa::path(get, path = "/integrations", tag = "integrations", params(IntegrationListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<Integration>), (status = 404, body = ErrorBody)))]
async fn list_integrations(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<IntegrationListParams>,
) -> ApiResult<Json<Page<Integration>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| integrations::list(db, &a.principal, &q, page))
            .await?,
    ))
}

/// Creates an integration; the token is sealed at rest and never returned. 409 on a name
/// taken in the tenant.
#[utoipa::path(post, path = "/integrations", tag = "integrations", request_body = CreateIntegration,
    security(("api_key" = ["admin"])),
    responses((status = 201, body = Integration), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_integration(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateIntegration>,
) -> ApiResult<(StatusCode, Json<Integration>)> {
    let i = st
        .run_tracked(move |db, access| integrations::create(db, access.key, &a.principal, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(i)))
}

#[utoipa::path(get, path = "/integrations/{id}", tag = "integrations", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Integration), (status = 404, body = ErrorBody)))]
async fn get_integration(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Integration>> {
    Ok(Json(
        st.run(move |db| integrations::get(db, &a.principal, id))
            .await?,
    ))
}

/// Changes an integration; an empty `token` removes it. Resets the health state.
#[utoipa::path(patch, path = "/integrations/{id}", tag = "integrations", params(("id" = i64, Path)),
    request_body = UpdateIntegration, security(("api_key" = ["admin"])),
    responses((status = 200, body = Integration), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_integration(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateIntegration>,
) -> ApiResult<Json<Integration>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            integrations::update(db, access.key, &a.principal, id, &req)
        })
        .await?,
    ))
}

/// Deletes an integration, its project links and the issues synced through them.
#[utoipa::path(delete, path = "/integrations/{id}", tag = "integrations", params(("id" = i64, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_integration(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| integrations::delete(db, &a.principal, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the credential against the tracker (the caller's personal token when they have
/// one, else the integration's). `ok: false` with the reason when it fails.
#[utoipa::path(post, path = "/integrations/{id}/test", tag = "integrations", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 200, body = ConnectionTest), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn test_integration(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ConnectionTest>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            integrations::test_connection(db, access.trackers, access.key, &a.principal, id)
        })
        .await?,
    ))
}
