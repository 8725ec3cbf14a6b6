//! `POST /system/restart` and `POST /system/update`. A restart is graceful and in place. The server stops accepting,
//! ends event streams and terminals (clients reconnect, streams resume with
//! `Last-Event-ID`), lets requests finish, then `run`'s caller re-executes the binary
//! with the listening socket inherited (see `aiops_exec::reexec`). Sessions live in
//! tmux and keep running; the new process re-discovers them.

use aiops_core::ports::{AuditStore, NewAudit};
use aiops_types::{ErrorBody, Restarting, UpdateRequest};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(restart))
        .routes(routes!(update))
}

/// 409 unless this control plane can restart itself (`aiops serve`; the desktop app's
/// embedded one restarts with the app).
pub fn check_possible(st: &AppState) -> ApiResult<()> {
    if st.can_restart() {
        Ok(())
    } else {
        Err(ApiError::from(aiops_core::CoreError::Conflict(
            "this control plane runs inside the desktop app: restart the app instead".into(),
        )))
    }
}

/// Restarts the server gracefully (202 at once; the restart follows). Sessions keep
/// running; clients reconnect.
#[utoipa::path(post, path = "/system/restart", tag = "system",
    security(("api_key" = ["admin"])),
    responses((status = 202, body = Restarting), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn restart(
    a: Auth<Admin>,
    State(st): State<AppState>,
) -> ApiResult<(StatusCode, Json<Restarting>)> {
    a.principal
        .require_admin("only admins restart the server")?;
    check_possible(&st)?;
    let audit = NewAudit::by(&a.principal, "system.restart");
    st.run(move |db| db.append_audit(audit)).await?;
    tracing::warn!(by = %a.principal.email, "restart requested");
    // After this answer is on its way: the graceful shutdown waits for it anyway.
    let later = st.clone();
    tokio::spawn(async move { later.request_restart() });
    Ok((
        StatusCode::ACCEPTED,
        Json(Restarting {
            version: env!("CARGO_PKG_VERSION").into(),
        }),
    ))
}

/// Updates the server's binary from `update_url` as a job (202 with the job; its
/// `result` is `{from, to, replaced, binary}`); with `restart`, restarts onto the new
/// binary when one was put in place. 409 when a package manager owns the binary (the
/// error names its command) or no `update_url` is configured.
#[utoipa::path(post, path = "/system/update", tag = "system", request_body = UpdateRequest,
    security(("api_key" = ["admin"])),
    responses((status = 202, body = aiops_types::Job), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update(
    a: Auth<Admin>,
    State(st): State<AppState>,
    crate::error::ApiJson(req): crate::error::ApiJson<UpdateRequest>,
) -> ApiResult<(StatusCode, Json<aiops_types::Job>)> {
    a.principal.require_admin("only admins update the server")?;
    if req.restart {
        check_possible(&st)?;
    }
    let s = st.settings().clone();
    let exe = aiops_exec::reexec::current_exe()
        .map_err(|e| ApiError::internal("cannot locate the running binary", e))?;
    // Refused at once, not as a failed job: nothing to follow.
    crate::update::preflight(&s.update_url, &exe)?;
    let audit = NewAudit::by(&a.principal, "system.update")
        .detail(serde_json::json!({ "url": s.update_url, "restart": req.restart }));
    st.run(move |db| db.append_audit(audit)).await?;
    let replaced = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = replaced.clone();
    let work: crate::runner::Work = Box::new(move |ctx| {
        let releases = aiops_trackers::releases::HttpReleases::new(crate::update::DOWNLOAD_TIMEOUT);
        let u = crate::update::update(&releases, &s.update_url, &s.update_public_key, &exe, &|l| {
            ctx.line(l);
        })
        .map_err(|e| e.to_string())?;
        flag.store(u.replaced, std::sync::atomic::Ordering::Release);
        serde_json::to_value(u).map_err(|e| e.to_string())
    });
    let then: Option<crate::runner::Then> = req.restart.then(|| {
        Box::new(move |st: &AppState| {
            if replaced.load(std::sync::atomic::Ordering::Acquire) {
                st.request_restart();
            }
        }) as crate::runner::Then
    });
    let subject = format!("from {}", env!("CARGO_PKG_VERSION"));
    let job = crate::runner::submit(
        &st,
        "update",
        subject,
        Some(a.principal.user_id),
        work,
        then,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}
