//! SSH for git: `/me/ssh-keys` (the caller's keys; the private part is write-only),
//! `/projects/{id}/deploy-key` (admins) and `/known-hosts` (host keys seen by aiops;
//! admins confirm a pending key after comparing its fingerprint).

use aiops_core::ssh;
use aiops_types::{AddSshKey, ConfirmKnownHost, ErrorBody, KnownHost, KnownHostQuery, SshKey};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys, add_key))
        .routes(routes!(delete_key))
        .routes(routes!(get_deploy_key, set_deploy_key, delete_deploy_key))
        .routes(routes!(known_hosts, forget_host))
        .routes(routes!(confirm_host))
}

/// The caller's SSH keys (public parts and fingerprints).
#[utoipa::path(get, operation_id = "list_ssh_keys", path = "/me/ssh-keys", tag = "git", security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<SshKey>)))]
async fn list_keys(a: Auth<Read>, State(st): State<AppState>) -> ApiResult<Json<Vec<SshKey>>> {
    Ok(Json(
        st.run(move |db| ssh::list_keys(db, &a.principal)).await?,
    ))
}

/// Adds a key: an OpenSSH private key without a passphrase (sealed at rest), a generated
/// Ed25519 key, or (admins) a key file on the server's disk. The answer's `public_key`
/// is what to register at GitHub/GitLab. git over ssh uses the caller's oldest key.
#[utoipa::path(post, path = "/me/ssh-keys", tag = "git", request_body = AddSshKey,
    security(("api_key" = ["write"])),
    responses((status = 201, body = SshKey), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add_key(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<AddSshKey>,
) -> ApiResult<(StatusCode, Json<SshKey>)> {
    let key = st
        .run_tracked(move |db, access| ssh::add_key(db, access.key, &a.principal, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(key)))
}

#[utoipa::path(delete, path = "/me/ssh-keys/{id}", tag = "git",
    params(("id" = i64, Path)), security(("api_key" = ["write"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_key(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| ssh::delete_key(db, &a.principal, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The project's deploy key (public part), used by users without a key of their own.
#[utoipa::path(get, path = "/projects/{id}/deploy-key", tag = "git",
    params(("id" = i64, Path)), security(("api_key" = ["admin"])),
    responses((status = 200, body = SshKey), (status = 404, body = ErrorBody)))]
async fn get_deploy_key(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<SshKey>> {
    Ok(Json(
        st.run(move |db| ssh::deploy_key(db, &a.principal, id))
            .await?,
    ))
}

/// Sets or replaces the project's deploy key (same body as adding a key).
#[utoipa::path(put, path = "/projects/{id}/deploy-key", tag = "git",
    params(("id" = i64, Path)), request_body = AddSshKey, security(("api_key" = ["admin"])),
    responses((status = 200, body = SshKey), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_deploy_key(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AddSshKey>,
) -> ApiResult<Json<SshKey>> {
    Ok(Json(
        st.run_tracked(move |db, access| {
            ssh::set_deploy_key(db, access.key, &a.principal, id, &req)
        })
        .await?,
    ))
}

#[utoipa::path(delete, path = "/projects/{id}/deploy-key", tag = "git",
    params(("id" = i64, Path)), security(("api_key" = ["admin"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_deploy_key(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| ssh::delete_deploy_key(db, &a.principal, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Host keys aiops has seen: `pending` ones wait for an admin to confirm them.
#[utoipa::path(get, path = "/known-hosts", tag = "git", security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<KnownHost>)))]
async fn known_hosts(a: Auth<Read>, State(st): State<AppState>) -> ApiResult<Json<Vec<KnownHost>>> {
    Ok(Json(
        st.run(move |db| ssh::known_hosts(db, &a.principal)).await?,
    ))
}

/// Trusts the pending key of `host` whose fingerprint is `fingerprint`.
#[utoipa::path(post, path = "/known-hosts/confirm", tag = "git", request_body = ConfirmKnownHost,
    security(("api_key" = ["admin"])),
    responses((status = 200, body = KnownHost), (status = 404, body = ErrorBody)))]
async fn confirm_host(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<ConfirmKnownHost>,
) -> ApiResult<Json<KnownHost>> {
    Ok(Json(
        st.run(move |db| ssh::confirm_host(db, &a.principal, &req))
            .await?,
    ))
}

/// Forgets every key of a host (after it changed its keys); the next contact records
/// the new ones as pending.
#[utoipa::path(delete, path = "/known-hosts", tag = "git", params(KnownHostQuery),
    security(("api_key" = ["admin"])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn forget_host(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<KnownHostQuery>,
) -> ApiResult<StatusCode> {
    st.run(move |db| ssh::forget_host(db, &a.principal, &q.host))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
