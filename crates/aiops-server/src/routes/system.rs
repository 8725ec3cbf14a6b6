//! `/system`: health (public), features (any user) and status (admins).

use aiops_core::jobs::JobStore;
use aiops_core::ports::SystemStore;
use aiops_types::{ErrorBody, Features, Health, JobState, SessionState, Status};
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
    let users = st.run(aiops_core::ports::UserStore::count_users).await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        needs_setup: users == 0,
    }))
}

/// Everything an admin checks first: versions, uptime, database, sessions by state,
/// tmux/git/sandbox, backups, jobs and free disk space.
#[utoipa::path(get, operation_id = "system_status", path = "/system/status", tag = "system",
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Status), (status = 403, body = ErrorBody)))]
async fn status(a: Auth<Admin>, State(st): State<AppState>) -> ApiResult<Json<Status>> {
    a.principal
        .require_admin("only admins read the server's status")?;
    let settings = st.settings().clone();
    let (counts, schema_version, sessions, queued, running, backups) = st
        .run(move |db| {
            let sessions = SessionState::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), 0))
                .chain(db.sessions_by_state()?)
                .collect::<std::collections::BTreeMap<_, _>>();
            Ok((
                db.counts()?,
                db.schema_version()?,
                sessions,
                db.count_jobs(JobState::Queued)?,
                db.count_jobs(JobState::Running)?,
                crate::backups::list(&settings)?,
            ))
        })
        .await?;
    let s = st.settings().clone();
    // Programs and the filesystem: off the async workers.
    let (tmux_version, git_version, disk_free_bytes) = tokio::task::spawn_blocking(move || {
        (
            aiops_exec::host_info::version("tmux", "-V"),
            aiops_exec::host_info::version("git", "--version"),
            aiops_exec::host_info::disk_free(&s.data_dir),
        )
    })
    .await
    .map_err(|e| crate::error::ApiError::internal("blocking task failed", e))?;
    let s = st.settings();
    Ok(Json(Status {
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: st.started().elapsed().as_secs(),
        started_at: st.started_at(),
        data_dir: s.data_dir.display().to_string(),
        schema_version,
        db_bytes: crate::metrics::database_bytes(&s.db_path()),
        users: counts.users,
        tenants: counts.tenants,
        projects: counts.projects,
        api_keys_active: counts.api_keys_active,
        sessions,
        tmux_version,
        git_version,
        sandbox: aiops_exec::sandbox::mechanism()
            .unwrap_or("none")
            .to_owned(),
        sandbox_mode: s.session_sandbox.clone(),
        backups: backups.len() as u32,
        last_backup: backups.into_iter().next(),
        jobs_queued: queued,
        jobs_running: running,
        disk_free_bytes,
    }))
}
