//! `POST /system/restart`: a graceful restart in place. The server stops accepting,
//! ends event streams and terminals (clients reconnect, streams resume with
//! `Last-Event-ID`), lets requests finish, then `run`'s caller re-executes the binary
//! with the listening socket inherited (see `aiops_exec::reexec`). Sessions live in
//! tmux and keep running; the new process re-discovers them.

use aiops_core::ports::{AuditStore, NewAudit};
use aiops_types::{ErrorBody, Restarting};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(restart))
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
