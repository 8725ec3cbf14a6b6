//! `/users`: administration (admins) and the caller's own password.

use aiops_core::page::PageQuery;
use aiops_core::users;
use aiops_types::{
    ChangePassword, CreateUser, ErrorBody, Page, PageParams, Role, UpdateUser, User,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::revocations::Revocation;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(change_password))
}

#[utoipa::path(get, path = "/users", tag = "users", params(PageParams),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Page<User>), (status = 403, body = ErrorBody)))]
async fn list_users(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<User>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| users::list(db, &a.principal, page))
            .await?,
    ))
}

/// Creates a user with a password (at least 8 characters). 409 when the email is taken.
#[utoipa::path(post, path = "/users", tag = "users", request_body = CreateUser,
    security(("api_key" = ["admin"])),
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_user(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let user = st
        .run_hashing(move |db| users::create(db, &a.principal, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
async fn get_user(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        st.run(move |db| users::get(db, &a.principal, id)).await?,
    ))
}

/// Changes name, role or disabled. Disabling signs the user out and stops their keys;
/// disabling or demoting ends their open event streams and terminals.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UpdateUser,
    security(("api_key" = ["admin"])),
    responses((status = 200, body = User), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_user(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateUser>,
) -> ApiResult<Json<User>> {
    let ends_access = req.disabled == Some(true) || req.role == Some(Role::Member);
    let user = st
        .run(move |db| users::update(db, &a.principal, id, &req))
        .await?;
    if ends_access {
        // Streams and terminals were allowed under the old role or while enabled.
        st.revocations().publish(Revocation::User(id));
    }
    Ok(Json(user))
}

/// Changes the caller's own password; signs out every browser session of the caller.
#[utoipa::path(post, path = "/users/me/password", tag = "users", request_body = ChangePassword,
    security(("api_key" = ["write"])),
    responses((status = 204), (status = 400, body = ErrorBody)))]
async fn change_password(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    let user_id = a.principal.user_id;
    st.run_hashing(move |db| users::change_password(db, &a.principal, &req))
        .await?;
    st.revocations().publish(Revocation::WebSessionsOf(user_id));
    Ok(StatusCode::NO_CONTENT)
}
