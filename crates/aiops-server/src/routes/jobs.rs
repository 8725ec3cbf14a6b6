//! `/system/jobs`: background jobs (backups, restores, tool installs) — list, follow
//! (a long poll of the output), cancel. Admins only.

use std::time::Duration;

use aiops_core::jobs;
use aiops_core::page::PageQuery;
use aiops_types::{ErrorBody, Job, JobListParams, JobLog, JobLogParams, Page};
use axum::Json;
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth};
use crate::error::{ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs))
        .routes(routes!(job_log))
        .routes(routes!(cancel_job))
}

/// Jobs, newest first.
#[utoipa::path(get, path = "/system/jobs", tag = "system", params(JobListParams),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Page<Job>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn list_jobs(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<JobListParams>,
) -> ApiResult<Json<Page<Job>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| jobs::list(db, &a.principal, &q, page))
            .await?,
    ))
}

/// A job and its output from `offset` on. With `wait`, answers as soon as there is new
/// output or the job ended, or after `wait` seconds with nothing new: follow a job by
/// asking again with `next_offset` until its state is an end state.
#[utoipa::path(get, path = "/system/jobs/{id}", tag = "system",
    params(("id" = i64, Path), JobLogParams),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = JobLog), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn job_log(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<JobLogParams>,
) -> ApiResult<Json<JobLog>> {
    let wait = jobs::wait_secs(q.wait)?;
    let offset = q.offset.unwrap_or(0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait));
    let mut changes = st.runner().changes();
    let mut last_read = false;
    loop {
        // Seen before reading, so a change between the read and the wait still wakes us.
        changes.borrow_and_update();
        let p = a.principal.clone();
        let log = st.run(move |db| jobs::log(db, &p, id, offset)).await?;
        if !log.output.is_empty() || log.job.state.is_done() || wait == 0 || last_read {
            return Ok(Json(log));
        }
        let closed = st.closed();
        tokio::select! {
            r = tokio::time::timeout_at(deadline, changes.changed()) => {
                if r.is_err() {
                    return Ok(Json(log));
                }
            }
            // The server is stopping: answer with the newest state, not the one read
            // before the wait (a job may have ended in between).
            () = closed => last_read = true,
        }
    }
}

/// Cancels a job: a queued one at once, a running one as soon as its work next checks
/// (a tool install's package manager is stopped). 409 when it has already ended.
#[utoipa::path(post, path = "/system/jobs/{id}/cancel", tag = "system",
    params(("id" = i64, Path)),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Job), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel_job(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Job>> {
    let job = st.run(move |db| jobs::cancel(db, &a.principal, id)).await?;
    st.runner().cancel(id);
    st.runner().wake();
    st.notify_events();
    Ok(Json(job))
}
