//! `/tenants`: members read the tenants they belong to; admins manage all of them.

use aiops_core::page::PageQuery;
use aiops_core::tenants;
use aiops_types::{
    CreateTenant, ErrorBody, Member, Page, PageParams, PutTenantMember, Tenant, UpdateTenant,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Read};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, json_object};
use crate::revocations::Revocation;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tenants, create_tenant))
        .routes(routes!(get_tenant, update_tenant, delete_tenant))
        .routes(routes!(list_members))
        .routes(routes!(add_member, remove_member))
}

#[utoipa::path(get, path = "/tenants", tag = "tenants", params(PageParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<Tenant>)))]
async fn list_tenants(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<Tenant>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| tenants::list(db, &a.principal, page))
            .await?,
    ))
}

/// Creates a tenant; the slug is derived from the name when absent. 409 on a taken slug.
#[utoipa::path(post, path = "/tenants", tag = "tenants", request_body = CreateTenant,
    security(("api_key" = ["admin"])),
    responses((status = 201, body = Tenant), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_tenant(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateTenant>,
) -> ApiResult<(StatusCode, Json<Tenant>)> {
    let t = st
        .run(move |db| tenants::create(db, &a.principal, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// A tenant by id or slug; 404 also when the caller is not a member.
#[utoipa::path(get, path = "/tenants/{tenant}", tag = "tenants", params(("tenant" = String, Path, description = "id or slug")),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Tenant), (status = 404, body = ErrorBody)))]
async fn get_tenant(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> ApiResult<Json<Tenant>> {
    Ok(Json(
        st.run(move |db| tenants::get(db, &a.principal, &tenant))
            .await?,
    ))
}

#[utoipa::path(patch, path = "/tenants/{tenant}", tag = "tenants", params(("tenant" = String, Path, description = "id or slug")),
    request_body = UpdateTenant,
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Tenant), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_tenant(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiJson(req): ApiJson<UpdateTenant>,
) -> ApiResult<Json<Tenant>> {
    Ok(Json(
        st.run(move |db| tenants::update(db, &a.principal, &tenant, &req))
            .await?,
    ))
}

/// Deletes an empty tenant; 409 while it still has projects.
#[utoipa::path(delete, path = "/tenants/{tenant}", tag = "tenants", params(("tenant" = String, Path, description = "id or slug")),
    security(("api_key" = ["admin"])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_tenant(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
) -> ApiResult<StatusCode> {
    st.run(move |db| tenants::delete(db, &a.principal, &tenant))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, operation_id = "list_tenant_members", path = "/tenants/{tenant}/members", tag = "tenants",
    params(("tenant" = String, Path, description = "id or slug"), PageParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<Member>), (status = 404, body = ErrorBody)))]
async fn list_members(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<Member>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| tenants::members(db, &a.principal, &tenant, page))
            .await?,
    ))
}

/// Adds a user to a tenant or sets their role (idempotent). The body is optional: without
/// it (or without `role`) a new member is a `member` and an existing one keeps their role.
#[utoipa::path(put, operation_id = "add_tenant_member", path = "/tenants/{tenant}/members/{user_id}", tag = "tenants",
    params(("tenant" = String, Path, description = "id or slug"), ("user_id" = i64, Path)),
    request_body(content = Option<PutTenantMember>, description = "optional"),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Member), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn add_member(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath((tenant, user_id)): ApiPath<(String, i64)>,
    body: Bytes,
) -> ApiResult<Json<Member>> {
    // Older clients (and `curl -X PUT`) send no body at all, so `Json` cannot be required.
    let req: PutTenantMember = if body.trim_ascii().is_empty() || body.trim_ascii() == b"null" {
        PutTenantMember::default()
    } else {
        json_object(&body)?
    };
    Ok(Json(
        st.run(move |db| tenants::add_member(db, &a.principal, &tenant, user_id, req.role))
            .await?,
    ))
}

/// Removes a user from a tenant; their open event streams and terminals on the tenant's
/// sessions end, and the tenant's sessions are out of their reach.
#[utoipa::path(delete, operation_id = "remove_tenant_member", path = "/tenants/{tenant}/members/{user_id}", tag = "tenants",
    params(("tenant" = String, Path, description = "id or slug"), ("user_id" = i64, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_member(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath((tenant, user_id)): ApiPath<(String, i64)>,
) -> ApiResult<StatusCode> {
    let tenant_id = st
        .run(move |db| tenants::remove_member(db, &a.principal, &tenant, user_id))
        .await?;
    // Their event streams and terminals in the tenant end now, not at their next request.
    st.revocations()
        .publish(Revocation::Membership { user_id, tenant_id });
    Ok(StatusCode::NO_CONTENT)
}
