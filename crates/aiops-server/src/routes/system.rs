//! `/system`: health (public), features (any user) and status (admins).

use aiops_core::ports::{SystemStore, UserStore};
use aiops_types::{ErrorBody, Features, Health, Status};
use axum::Json;
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth, Read};
use crate::error::ApiResult;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(status))
        .routes(routes!(features))
}

/// What this server lets its users do (from its configuration).
#[utoipa::path(get, path = "/system/features", tag = "system",
    security(("api_key" = ["read"])),
    responses((status = 200, body = Features)))]
async fn features(_a: Auth<Read>, State(st): State<AppState>) -> Json<Features> {
    let s = st.settings();
    Json(Features {
        allow_yolo: s.allow_yolo,
        max_sessions_per_user: s.max_sessions_per_user,
    })
}

/// Liveness: answers while the server runs; says whether first-admin setup is pending.
#[utoipa::path(get, path = "/system/health", tag = "system", security(()),
    responses((status = 200, body = Health)))]
async fn health(State(st): State<AppState>) -> ApiResult<Json<Health>> {
    let users = st.run(|db| db.count_users()).await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        needs_setup: users == 0,
    }))
}

#[utoipa::path(get, operation_id = "system_status", path = "/system/status", tag = "system",
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Status), (status = 403, body = ErrorBody)))]
async fn status(_a: Auth<Admin>, State(st): State<AppState>) -> ApiResult<Json<Status>> {
    let (counts, schema_version) = st
        .run(|db| Ok((db.counts()?, db.schema_version()?)))
        .await?;
    let db_bytes = crate::metrics::database_bytes(&st.settings().db_path());
    Ok(Json(Status {
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: st.started().elapsed().as_secs(),
        data_dir: st.settings().data_dir.display().to_string(),
        schema_version,
        db_bytes,
        users: counts.users,
        tenants: counts.tenants,
        projects: counts.projects,
        api_keys_active: counts.api_keys_active,
    }))
}
