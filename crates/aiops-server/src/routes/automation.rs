//! `/automation`: targets (a Semaphore server, or `ansible-playbook` here) of a tenant,
//! and runs on them. Members of the tenant see targets and start, follow and stop runs;
//! tenant admins and server admins manage targets. Secrets never leave.

use std::convert::Infallible;
use std::time::Duration;

use aiops_core::automation::{self, runs};
use aiops_core::jobs::JobStore;
use aiops_core::page::PageQuery;
use aiops_types::{
    AutomationLogChunk, AutomationLogEvent, AutomationLogParams, AutomationRun,
    AutomationRunListParams, AutomationTarget, AutomationTargetListParams, AutomationTemplate,
    AutomationTest, CreateAutomationTarget, ErrorBody, JobState, Page, StartAutomationRun,
    UpdateAutomationTarget,
};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_automation_targets, create_automation_target))
        .routes(routes!(
            get_automation_target,
            update_automation_target,
            delete_automation_target
        ))
        .routes(routes!(test_automation_target))
        .routes(routes!(list_automation_templates))
        .routes(routes!(list_automation_runs, start_automation_run))
        .routes(routes!(get_automation_run))
        .routes(routes!(automation_run_log))
        .routes(routes!(stop_automation_run))
}

/// Targets of the tenants the caller belongs to, oldest first.
#[utoipa::path(get, path = "/automation/targets", tag = "automation", params(AutomationTargetListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<AutomationTarget>), (status = 404, body = ErrorBody)))]
async fn list_automation_targets(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<AutomationTargetListParams>,
) -> ApiResult<Json<Page<AutomationTarget>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| automation::list(db, &a.principal, &q, page))
            .await?,
    ))
}

/// Creates a target (server or tenant admins); its token and vault password are sealed
/// at rest and never returned. 409 on a name taken in the tenant.
#[utoipa::path(post, path = "/automation/targets", tag = "automation", request_body = CreateAutomationTarget,
    security(("api_key" = ["write"])),
    responses((status = 201, body = AutomationTarget), (status = 409, body = ErrorBody)))]
async fn create_automation_target(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<CreateAutomationTarget>,
) -> ApiResult<(StatusCode, Json<AutomationTarget>)> {
    let st2 = st.clone();
    let t = st
        .run(move |db| automation::create(db, st2.secret_key(), &a.principal, &req))
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
}

#[utoipa::path(get, path = "/automation/targets/{id}", tag = "automation", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = AutomationTarget), (status = 404, body = ErrorBody)))]
async fn get_automation_target(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AutomationTarget>> {
    Ok(Json(
        st.run(move |db| automation::get(db, &a.principal, id))
            .await?,
    ))
}

/// Changes a target; an empty `token` or `vault_password` removes the stored one.
#[utoipa::path(patch, path = "/automation/targets/{id}", tag = "automation", params(("id" = i64, Path)),
    request_body = UpdateAutomationTarget, security(("api_key" = ["write"])),
    responses((status = 200, body = AutomationTarget), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_automation_target(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateAutomationTarget>,
) -> ApiResult<Json<AutomationTarget>> {
    let st2 = st.clone();
    Ok(Json(
        st.run(move |db| automation::update(db, st2.secret_key(), &a.principal, id, &req))
            .await?,
    ))
}

/// Deletes a target and its runs' rows (their jobs stay in the job list).
#[utoipa::path(delete, path = "/automation/targets/{id}", tag = "automation", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_automation_target(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.run(move |db| automation::delete(db, &a.principal, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a target: Semaphore answers for its default project with this token;
/// `ansible-playbook` runs on this server. `ok: false` says why not.
#[utoipa::path(post, path = "/automation/targets/{id}/test", tag = "automation", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = AutomationTest), (status = 404, body = ErrorBody)))]
async fn test_automation_target(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AutomationTest>> {
    let st2 = st.clone();
    Ok(Json(
        st.run(move |db| crate::automation::test(db, st2.secret_key(), &a.principal, id))
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TemplateParams {
    /// Another Semaphore project than the target's default.
    #[param(minimum = 1)]
    project_id: Option<i64>,
}

/// A Semaphore target's task templates (of its default project unless `project_id`);
/// 400 for a local target, 502 when Semaphore refuses (the message says why).
#[utoipa::path(get, path = "/automation/targets/{id}/templates", tag = "automation",
    params(("id" = i64, Path), TemplateParams), security(("api_key" = ["read"])),
    responses((status = 200, body = Vec<AutomationTemplate>), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn list_automation_templates(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<TemplateParams>,
) -> ApiResult<Json<Vec<AutomationTemplate>>> {
    let st2 = st.clone();
    Ok(Json(
        st.run(move |db| {
            crate::automation::templates(db, st2.secret_key(), &a.principal, id, q.project_id)
        })
        .await?,
    ))
}

/// Runs the caller may see, newest first.
#[utoipa::path(get, path = "/automation/runs", tag = "automation", params(AutomationRunListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<AutomationRun>)))]
async fn list_automation_runs(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<AutomationRunListParams>,
) -> ApiResult<Json<Page<AutomationRun>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| runs::list(db, &a.principal, &q, page))
            .await?,
    ))
}

/// Queues a run and answers at once (202) with the run, `queued`; follow it with
/// `GET /automation/runs/{id}/log`. Every input is checked before anything is queued.
#[utoipa::path(post, path = "/automation/runs", tag = "automation", request_body = StartAutomationRun,
    security(("api_key" = ["write"])),
    responses((status = 202, body = AutomationRun), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn start_automation_run(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<StartAutomationRun>,
) -> ApiResult<(StatusCode, Json<AutomationRun>)> {
    let run = crate::automation::start(&st, a.principal, req).await?;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

#[utoipa::path(get, path = "/automation/runs/{id}", tag = "automation", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = AutomationRun), (status = 404, body = ErrorBody)))]
async fn get_automation_run(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AutomationRun>> {
    Ok(Json(
        st.run(move |db| runs::get(db, &a.principal, id)).await?,
    ))
}

/// Stops a run: a queued one at once; a running one is stopped (Semaphore: `POST
/// …/tasks/{task}/stop`; local: `SIGTERM`, then `SIGKILL` after 5 s) and ends
/// `cancelled`. 409 when it has already ended.
#[utoipa::path(post, path = "/automation/runs/{id}/stop", tag = "automation", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 200, body = AutomationRun), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn stop_automation_run(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AutomationRun>> {
    let p = a.principal.clone();
    let job = st
        .run(move |db| {
            let run = runs::get(db, &p, id)?;
            let job = runs::stoppable(&run)?;
            if run.state == JobState::Queued {
                db.finish_job(job, JobState::Cancelled, Some("cancelled"), None)?;
            }
            Ok(job)
        })
        .await?;
    st.runner().cancel(job);
    st.runner().wake();
    st.notify_events();
    Ok(Json(
        st.run(move |db| runs::get(db, &a.principal, id)).await?,
    ))
}

/// The run's log as `text/event-stream`: `output` events ([`AutomationLogChunk`] JSON,
/// `id:` the byte offset after it) as lines arrive, then one `end` event with the
/// [`AutomationRun`] once it has ended. Resume with `Last-Event-ID` or `offset`. With
/// `follow=false` the stream ends after the output so far (`end` carries the run as it
/// is). The log keeps the last 1 MiB of output, secrets redacted.
#[utoipa::path(get, path = "/automation/runs/{id}/log", tag = "automation",
    params(("id" = i64, Path), AutomationLogParams, FollowParam), security(("api_key" = ["read"])),
    responses((status = 200, description = "A `text/event-stream` of `output` events (`AutomationLogChunk`) and one `end` event (`AutomationRun`)",
        body = AutomationLogEvent, content_type = "text/event-stream"),
        (status = 404, body = ErrorBody)))]
async fn automation_run_log(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AutomationLogParams>,
    ApiQuery(f): ApiQuery<FollowParam>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>> {
    let p = a.principal.clone();
    // The run must be visible before the stream starts: a 404 is a 404, not an empty stream.
    st.run(move |db| runs::get(db, &p, id)).await?;
    let offset = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(q.offset)
        .unwrap_or(0);
    let tail = Tail {
        st: st.clone(),
        principal: a.principal,
        id,
        offset,
        follow: f.follow.unwrap_or(true),
        ended: false,
    };
    let stream = futures_util::stream::unfold(tail, |mut t| async move {
        let e = t.next().await?;
        Some((Ok(e), t))
    });
    let stream = futures_util::StreamExt::take_until(stream, st.closed());
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FollowParam {
    /// Keep the stream open until the run ends (default true).
    follow: Option<bool>,
}

/// Where a log stream is.
struct Tail {
    st: AppState,
    principal: aiops_core::Principal,
    id: i64,
    offset: u64,
    follow: bool,
    ended: bool,
}

impl Tail {
    /// The next event: new output, or the end; waits for the runner's next change.
    async fn next(&mut self) -> Option<sse::Event> {
        if self.ended {
            return None;
        }
        let mut changes = self.st.runner().changes();
        loop {
            changes.borrow_and_update();
            let (p, id, offset) = (self.principal.clone(), self.id, self.offset);
            let read = self
                .st
                .run(move |db| {
                    let run = runs::get(db, &p, id)?;
                    let log = match run.job_id {
                        Some(job) => db.job_log(job, offset)?,
                        None => None,
                    };
                    Ok((run, log))
                })
                .await;
            // A run deleted (or access lost) mid-stream ends it.
            let Ok((run, log)) = read else { return None };
            if let Some(log) = log
                && !log.output.is_empty()
            {
                self.offset = log.next_offset;
                let chunk = AutomationLogChunk {
                    offset,
                    text: log.output,
                };
                return Some(
                    sse::Event::default()
                        .event("output")
                        .id(self.offset.to_string())
                        .json_data(chunk)
                        .unwrap_or_default(),
                );
            }
            if run.state.is_done() || !self.follow {
                self.ended = true;
                return Some(
                    sse::Event::default()
                        .event("end")
                        .json_data(run)
                        .unwrap_or_default(),
                );
            }
            // Woken by the runner (output flushed, state changed); re-read now and then
            // anyway, in case a change was missed.
            let _ = tokio::time::timeout(Duration::from_secs(5), changes.changed()).await;
        }
    }
}
