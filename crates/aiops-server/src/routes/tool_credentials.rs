//! `/me/tool-credentials`: the caller's keys for the agents (Anthropic, Claude Code
//! OAuth, OpenAI, Codex `auth.json`). Write-only: answers name the kind and when it was
//! set, never the value.

use aiops_core::sessions::tool_credentials;
use aiops_types::{ErrorBody, SetToolCredential, ToolCredential, ToolCredentialKind};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(set, delete))
}

fn kind(text: &str) -> Result<ToolCredentialKind, ApiError> {
    text.parse()
        .map_err(|e: String| ApiError::from(aiops_core::CoreError::invalid("kind", e)))
}

/// Which tool credentials the caller has stored.
#[utoipa::path(get, operation_id = "list_tool_credentials", path = "/me/tool-credentials", tag = "sessions",
    security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<ToolCredential>)))]
async fn list(a: Auth<Read>, State(st): State<AppState>) -> ApiResult<Json<Vec<ToolCredential>>> {
    Ok(Json(
        st.run(move |db| tool_credentials::list(db, &a.principal))
            .await?,
    ))
}

/// Stores or replaces one (sealed at rest; reaches only the caller's sessions).
#[utoipa::path(put, path = "/me/tool-credentials/{kind}", tag = "sessions",
    params(("kind" = ToolCredentialKind, Path)), request_body = SetToolCredential,
    security(("api_key" = ["write"])),
    responses((status = 200, body = ToolCredential), (status = 400, body = ErrorBody)))]
async fn set(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(k): ApiPath<String>,
    ApiJson(req): ApiJson<SetToolCredential>,
) -> ApiResult<Json<ToolCredential>> {
    let k = kind(&k)?;
    Ok(Json(
        st.run_tracked(move |db, access| {
            tool_credentials::set(db, access.key, &a.principal, k, req.value.expose())
        })
        .await?,
    ))
}

#[utoipa::path(delete, path = "/me/tool-credentials/{kind}", tag = "sessions",
    params(("kind" = ToolCredentialKind, Path)), security(("api_key" = ["write"])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(k): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let k = kind(&k)?;
    st.run(move |db| tool_credentials::delete(db, &a.principal, k))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
