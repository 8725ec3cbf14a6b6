//! `/me/credentials`: the caller's personal tracker tokens (write-only) and identities.

use aiops_core::links;
use aiops_types::{ErrorBody, PersonalCredential, SetPersonalCredential};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_credentials))
        .routes(routes!(set_credential, delete_credential))
}

/// The caller's personal credentials: which integrations have a token (never the token)
/// and the recorded identity.
#[utoipa::path(get, path = "/me/credentials", tag = "credentials",
    security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<PersonalCredential>)))]
async fn list_credentials(
    a: Auth<Read>,
    State(st): State<AppState>,
) -> ApiResult<Json<Vec<PersonalCredential>>> {
    Ok(Json(
        st.run(move |db| links::list_personal(db, &a.principal))
            .await?,
    ))
}

/// Stores the caller's token and/or identity for an integration; work they do through
/// aiops on that tracker then uses their token, so it is attributed to them.
#[utoipa::path(put, path = "/me/credentials/{integration_id}", tag = "credentials",
    params(("integration_id" = i64, Path)), request_body = SetPersonalCredential,
    security(("api_key" = ["write"])),
    responses((status = 200, body = PersonalCredential), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_credential(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(integration_id): ApiPath<i64>,
    ApiJson(req): ApiJson<SetPersonalCredential>,
) -> ApiResult<Json<PersonalCredential>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            links::set_personal(db, access.key, &a.principal, integration_id, &req)
        })
        .await?,
    ))
}

#[utoipa::path(delete, path = "/me/credentials/{integration_id}", tag = "credentials",
    params(("integration_id" = i64, Path)), security(("api_key" = ["write"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_credential(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(integration_id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| links::delete_personal(db, &a.principal, integration_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
