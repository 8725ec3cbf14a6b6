//! `/auth/keys`: the caller's API keys (admins: everyone's with `all=true`).

use aiops_core::keys;
use aiops_core::page::PageQuery;
use aiops_types::{ApiKey, CreateApiKey, CreatedApiKey, ErrorBody, KeyListParams, Page};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::revocations::Revocation;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
}

/// Lists API keys, newest first. Secrets are never shown, only their prefix.
#[utoipa::path(get, operation_id = "list_api_keys", path = "/auth/keys", tag = "auth", params(KeyListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<ApiKey>), (status = 403, body = ErrorBody)))]
async fn list_keys(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<KeyListParams>,
) -> ApiResult<Json<Page<ApiKey>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    let all = q.all.unwrap_or(false);
    Ok(Json(
        st.run(move |db| keys::list(db, &a.principal, all, page))
            .await?,
    ))
}

/// Mints an API key for the caller. Scopes are capped by the caller's role (a member
/// asking for `admin` gets 403) and by the credential used to ask. The secret is in this
/// answer only.
#[utoipa::path(post, path = "/auth/keys", tag = "auth", request_body = CreateApiKey,
    security(("api_key" = ["write"])),
    responses((status = 201, body = CreatedApiKey), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_key(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateApiKey>,
) -> ApiResult<(StatusCode, Json<CreatedApiKey>)> {
    let now = time::OffsetDateTime::now_utc();
    let created = st
        .run(move |db| keys::create(db, &a.principal, &req, now))
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a key at once; later requests with it get 401, and event streams and terminals
/// opened with it end. Idempotent.
#[utoipa::path(delete, path = "/auth/keys/{id}", tag = "auth", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_key(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let now = time::OffsetDateTime::now_utc();
    st.run(move |db| keys::revoke(db, &a.principal, id, now))
        .await?;
    // Streams and terminals opened with the key end too.
    st.revocations().publish(Revocation::ApiKey(id));
    Ok(StatusCode::NO_CONTENT)
}
