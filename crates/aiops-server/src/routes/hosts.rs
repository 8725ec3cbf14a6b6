//! `/hosts…`: session hosts, machines that run sessions over SSH (issue 23). Admins only.

use aiops_core::hosts;
use aiops_types::{ErrorBody, Host, NewHost, UpdateHost};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth};
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(get, update, remove))
        .routes(routes!(test))
}

/// Every session host, by name, with its last check.
#[utoipa::path(get, operation_id = "list_hosts", path = "/hosts", tag = "hosts",
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Vec<Host>), (status = 403, body = ErrorBody)))]
async fn list(a: Auth<Admin>, State(st): State<AppState>) -> ApiResult<Json<Vec<Host>>> {
    Ok(Json(st.run(move |db| hosts::list(db, &a.principal)).await?))
}

/// Adds a host (nothing is sent to it yet). `key_id` defaults to the caller's oldest
/// SSH key; its public key belongs in the host's `authorized_keys`.
#[utoipa::path(post, operation_id = "add_host", path = "/hosts", tag = "hosts",
    request_body = NewHost, security(("api_key" = ["admin"])),
    responses((status = 201, body = Host), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<NewHost>,
) -> ApiResult<(StatusCode, Json<Host>)> {
    let host = st.run(move |db| hosts::add(db, &a.principal, &req)).await?;
    Ok((StatusCode::CREATED, Json(host)))
}

#[utoipa::path(get, operation_id = "get_host", path = "/hosts/{id}", tag = "hosts",
    params(("id" = i64, Path)), security(("api_key" = ["admin"])),
    responses((status = 200, body = Host), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Host>> {
    Ok(Json(
        st.run(move |db| hosts::get(db, &a.principal, id)).await?,
    ))
}

/// Changes the fields given; `{"draining": true}` stops new sessions from landing there.
#[utoipa::path(patch, operation_id = "update_host", path = "/hosts/{id}", tag = "hosts",
    params(("id" = i64, Path)), request_body = UpdateHost, security(("api_key" = ["admin"])),
    responses((status = 200, body = Host), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateHost>,
) -> ApiResult<Json<Host>> {
    Ok(Json(
        st.run(move |db| hosts::update(db, &a.principal, id, &req))
            .await?,
    ))
}

#[utoipa::path(delete, operation_id = "remove_host", path = "/hosts/{id}", tag = "hosts",
    params(("id" = i64, Path)), security(("api_key" = ["admin"])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
/// Removes a host; a 409 while sessions live there.
async fn remove(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| hosts::remove(db, &a.principal, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Logs in over SSH and records what the host has (`ssh`, `tmux`, `git`, `bubblewrap`,
/// whether a sandbox starts, the agent CLIs). On first contact the host's keys are
/// recorded as pending: a 409 names their fingerprints until an admin confirms one
/// (`POST /known-hosts/confirm`). A host that refuses the login answers 200 with the
/// `ssh` item failed and ssh's message.
#[utoipa::path(post, operation_id = "test_host", path = "/hosts/{id}/test", tag = "hosts",
    params(("id" = i64, Path)), security(("api_key" = ["admin"])),
    responses((status = 200, body = Host), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn test(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Host>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            let git = aiops_exec::working_copy::LocalGit;
            let shell = aiops_exec::remote::OpenSsh;
            hosts::test(db, access.key, &git, &shell, &a.principal, id)
        })
        .await?,
    ))
}
