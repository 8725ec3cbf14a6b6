//! `/system/backups`: make (a job), list, download (streamed), delete and restore (a
//! job, then a restart) backups of the data dir. Admins only; every access to an
//! archive is audited.

use aiops_core::backups::check_create;
use aiops_core::ports::{AuditStore, NewAudit};
use aiops_types::{Backup, CreateBackup, ErrorBody, Job, RestoreBackup};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncReadExt;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth};
use crate::backups;
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::runner;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_backups, create_backup))
        .routes(routes!(get_backup, delete_backup))
        .routes(routes!(download_backup))
        .routes(routes!(restore_backup))
}

const ADMINS: &str = "only admins manage backups";

/// Backups in `<data dir>/backups`, newest first.
#[utoipa::path(get, path = "/system/backups", tag = "system",
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Vec<Backup>), (status = 403, body = ErrorBody)))]
async fn list_backups(a: Auth<Admin>, State(st): State<AppState>) -> ApiResult<Json<Vec<Backup>>> {
    a.principal.require_admin(ADMINS)?;
    let settings = st.settings().clone();
    Ok(Json(st.run(move |_| backups::list(&settings)).await?))
}

/// Makes a backup as a job (202 with the job; follow it with `GET /system/jobs/{id}`;
/// its `result` is the [`Backup`]). With a `passphrase` the archive is encrypted and
/// holds `secret.key`; without one it holds no key material.
#[utoipa::path(post, path = "/system/backups", tag = "system", request_body = CreateBackup,
    security(("api_key" = ["admin"])),
    responses((status = 202, body = Job), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn create_backup(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateBackup>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    a.principal.require_admin(ADMINS)?;
    let (description, passphrase) = check_create(&req)?;
    let audit = NewAudit::by(&a.principal, "backup.create").detail(serde_json::json!({
        "description": description,
        "encrypted": passphrase.is_some(),
    }));
    st.run(move |db| db.append_audit(audit)).await?;
    let job = backups::start(
        &st,
        description,
        passphrase,
        "manual",
        Some(a.principal.user_id),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

#[utoipa::path(get, path = "/system/backups/{id}", tag = "system", params(("id" = String, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Backup), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_backup(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Backup>> {
    a.principal.require_admin(ADMINS)?;
    let settings = st.settings().clone();
    Ok(Json(
        st.run(move |_| backups::find(&settings, &id).map(|(_, b)| b))
            .await?,
    ))
}

/// Deletes a backup (archive and entry).
#[utoipa::path(delete, path = "/system/backups/{id}", tag = "system", params(("id" = String, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_backup(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    a.principal.require_admin(ADMINS)?;
    let settings = st.settings().clone();
    st.run(move |db| {
        backups::delete(&settings, &id)?;
        db.append_audit(NewAudit::by(&a.principal, "backup.delete").target("backup", &id))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The archive's bytes, streamed (`application/octet-stream`, with its name in
/// `Content-Disposition`). Audited.
#[utoipa::path(get, path = "/system/backups/{id}/download", tag = "system",
    params(("id" = String, Path)), security(("api_key" = ["admin"])),
    responses((status = 200, description = "the archive", content_type = "application/octet-stream"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn download_backup(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    a.principal.require_admin(ADMINS)?;
    let settings = st.settings().clone();
    let (path, entry) = st
        .run(move |db| {
            let found = backups::find(&settings, &id)?;
            db.append_audit(NewAudit::by(&a.principal, "backup.download").target("backup", &id))?;
            Ok(found)
        })
        .await?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| crate::error::ApiError::internal("cannot open a backup", e))?;
    // 64 KiB at a time: the archive is never held in memory as a whole.
    let stream = futures_util::stream::unfold(file, |mut f| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, entry.size_bytes.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", entry.id),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Restores a backup as a job: checks the archive (sums, schema, integrity, the
/// passphrase of an encrypted one) without touching anything, stages it, and — when
/// the job succeeded — restarts the server onto it (sessions keep running; clients
/// reconnect). The previous database is kept in `backups/pre-restore-<time>/`.
#[utoipa::path(post, path = "/system/backups/{id}/restore", tag = "system",
    params(("id" = String, Path)), request_body = RestoreBackup,
    security(("api_key" = ["admin"])),
    responses((status = 202, body = Job), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn restore_backup(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<RestoreBackup>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    a.principal.require_admin(ADMINS)?;
    crate::restart::check_possible(&st)?;
    let passphrase = req.passphrase.filter(|p| !p.is_empty());
    let settings = st.settings().clone();
    let lookup = id.clone();
    let (path, _) = st.run(move |_| backups::find(&settings, &lookup)).await?;
    let audit = NewAudit::by(&a.principal, "backup.restore").target("backup", &id);
    st.run(move |db| db.append_audit(audit)).await?;
    let st2 = st.clone();
    let work: runner::Work = Box::new(move |ctx| {
        let staged = backups::restore::stage(
            &st2.settings().data_dir,
            &path,
            passphrase.as_deref(),
            Some(st2.secret_key()),
            &|l| ctx.line(l),
        )
        .map_err(|e| e.to_string())?;
        for w in &staged.warnings {
            ctx.line(&format!("warning: {w}"));
        }
        ctx.line("staged; the server restarts onto the restored database now");
        Ok(serde_json::json!({ "warnings": staged.warnings }))
    });
    let then: runner::Then = Box::new(|st: &AppState| st.request_restart());
    let job = runner::submit(
        &st,
        "restore",
        id,
        Some(a.principal.user_id),
        work,
        Some(then),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}
