//! `/chat/integrations`: chat bots (issue 18) of a tenant and their user mappings.
//! Members of the tenant see its integrations; tenant admins and server admins create,
//! change, delete, test them and map chat users. The bot token never leaves.

use aiops_core::chat;
use aiops_core::page::PageQuery;
use aiops_types::{
    ChatIntegration, ChatIntegrationListParams, ChatTestResult, ChatUser, CreateChatIntegration,
    ErrorBody, MapChatUser, Page, UpdateChatIntegration,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_chat_integrations, create_chat_integration))
        .routes(routes!(
            get_chat_integration,
            update_chat_integration,
            delete_chat_integration
        ))
        .routes(routes!(test_chat_integration))
        .routes(routes!(list_chat_users, map_chat_user))
        .routes(routes!(unmap_chat_user))
}

/// Chat integrations of the tenants the caller belongs to, oldest first.
#[utoipa::path(get, path = "/chat/integrations", tag = "chat", params(ChatIntegrationListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<ChatIntegration>), (status = 404, body = ErrorBody)))]
async fn list_chat_integrations(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<ChatIntegrationListParams>,
) -> ApiResult<Json<Page<ChatIntegration>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| chat::list(db, &a.principal, &q, page))
            .await?,
    ))
}

/// Creates a chat integration (server or tenant admins); its bot token is sealed at rest
/// and never returned; its poller starts at once. 409 on a name taken in the tenant.
#[utoipa::path(post, path = "/chat/integrations", tag = "chat", request_body = CreateChatIntegration,
    security(("api_key" = ["write"])),
    responses((status = 201, body = ChatIntegration), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_chat_integration(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateChatIntegration>,
) -> ApiResult<(StatusCode, Json<ChatIntegration>)> {
    let st2 = st.clone();
    let t = st
        .run(move |db| chat::create(db, st2.secret_key(), &a.principal, &req))
        .await?;
    st.chat_changed().notify_one();
    Ok((StatusCode::CREATED, Json(t)))
}

#[utoipa::path(get, path = "/chat/integrations/{id}", tag = "chat", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = ChatIntegration), (status = 404, body = ErrorBody)))]
async fn get_chat_integration(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ChatIntegration>> {
    Ok(Json(
        st.run(move |db| chat::get(db, &a.principal, id)).await?,
    ))
}

/// Changes an integration (its poller restarts with the new settings).
#[utoipa::path(patch, path = "/chat/integrations/{id}", tag = "chat", params(("id" = i64, Path)),
    request_body = UpdateChatIntegration, security(("api_key" = ["write"])),
    responses((status = 200, body = ChatIntegration), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_chat_integration(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateChatIntegration>,
) -> ApiResult<Json<ChatIntegration>> {
    let st2 = st.clone();
    let t = st
        .run(move |db| chat::update(db, st2.secret_key(), &a.principal, id, &req))
        .await?;
    st.chat_changed().notify_one();
    Ok(Json(t))
}

/// Deletes an integration, its user mappings and its poll state; its poller stops.
#[utoipa::path(delete, path = "/chat/integrations/{id}", tag = "chat", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_chat_integration(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| chat::delete(db, &a.principal, id)).await?;
    st.chat_changed().notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the token with the platform (Telegram `getMe`) and names the bot; 502 when the
/// platform refuses (the message says why).
#[utoipa::path(post, path = "/chat/integrations/{id}/test", tag = "chat", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 200, body = ChatTestResult), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn test_chat_integration(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ChatTestResult>> {
    let st2 = st.clone();
    Ok(Json(
        st.run(move |db| crate::chat::test(db, st2.secret_key(), &a.principal, id))
            .await?,
    ))
}

/// The chat users mapped to aiops users (tenant admins).
#[utoipa::path(get, path = "/chat/integrations/{id}/users", tag = "chat", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<ChatUser>), (status = 404, body = ErrorBody)))]
async fn list_chat_users(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<ChatUser>>> {
    Ok(Json(
        st.run(move |db| chat::users(db, &a.principal, id)).await?,
    ))
}

/// Maps a chat user to an aiops user (by email); mapping again replaces the user. The
/// chat user then acts in chat with that user's permissions.
#[utoipa::path(put, path = "/chat/integrations/{id}/users", tag = "chat", params(("id" = i64, Path)),
    request_body = MapChatUser, security(("api_key" = ["write"])),
    responses((status = 200, body = ChatUser), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn map_chat_user(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MapChatUser>,
) -> ApiResult<Json<ChatUser>> {
    Ok(Json(
        st.run(move |db| chat::map_user(db, &a.principal, id, &req))
            .await?,
    ))
}

/// Removes a chat user's mapping.
#[utoipa::path(delete, path = "/chat/integrations/{id}/users/{platform_user_id}", tag = "chat",
    params(("id" = i64, Path), ("platform_user_id" = String, Path)),
    security(("api_key" = ["write"])),
    responses((status = 204, description = "Unmapped"), (status = 404, body = ErrorBody)))]
async fn unmap_chat_user(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath((id, user)): ApiPath<(i64, String)>,
) -> ApiResult<StatusCode> {
    st.run(move |db| chat::unmap_user(db, &a.principal, id, &user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
