//! `/sessions` and `/issues/{id}/work`: agent sessions in tmux. Owners see and act on
//! their sessions, admins on everyone's; a session's own key may only report its state
//! (see `SessionGrant`).

use aiops_core::page::PageQuery;
use aiops_core::sessions::{ops, start};
use aiops_core::{CoreResult, Principal, repo_host};
use aiops_types::{
    AttachInfo, ErrorBody, Page, SendText, Session, SessionListParams, SessionReport, StartSession,
    StartedSession, Transcript, TranscriptParams, WorkIssue,
};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read, Write};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(work_issue))
        .routes(routes!(list_sessions, start_session))
        .routes(routes!(get_session))
        .routes(routes!(report))
        .routes(routes!(kill))
        .routes(routes!(respawn))
        .routes(routes!(send))
        .routes(routes!(logs))
        .routes(routes!(attach))
}

/// Claims the issue (assign to the session's user where the tracker allows), prepares
/// its worktree, writes `AGENTS.override.md` and starts the tool in tmux — or returns the
/// live session of the same issue, user and tool (`reused`).
#[utoipa::path(post, path = "/issues/{id}/work", tag = "sessions", params(("id" = i64, Path)),
    request_body = WorkIssue, security(("api_key" = ["write"])),
    responses((status = 201, body = StartedSession), (status = 200, body = StartedSession),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
async fn work_issue(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<WorkIssue>,
) -> ApiResult<(StatusCode, Json<StartedSession>)> {
    let started = st
        .run_sessions(move |db, access, host| {
            let started = start::work(db, access, host, &a.principal, id, &req);
            shown_to(&a.principal, started)
        })
        .await?;
    Ok((created_or_ok(&started), Json(started)))
}

/// A session start as `caller` may see it: for a non-admin, a clone or fetch that could
/// not reach the repository's host (refused, timed out, no such name) is one message,
/// so members cannot map internal ports through it; the details go to the server log.
fn shown_to(caller: &Principal, r: CoreResult<StartedSession>) -> CoreResult<StartedSession> {
    match r {
        Ok(mut started) => {
            for detail in repo_host::shown_notes(caller, &mut started.notes) {
                tracing::warn!(user = %caller.email, "session start: {detail}");
            }
            Ok(started)
        }
        Err(e) => {
            let (shown, detail) = repo_host::shown_error(caller, e);
            if let Some(detail) = detail {
                tracing::warn!(user = %caller.email, "session start: {detail}");
            }
            Err(shown)
        }
    }
}

fn created_or_ok(s: &StartedSession) -> StatusCode {
    if s.reused {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

/// The caller's sessions (admins: `all_users=true` for everyone's), newest first.
#[utoipa::path(get, path = "/sessions", tag = "sessions", params(SessionListParams),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Page<Session>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_sessions(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<SessionListParams>,
) -> ApiResult<Json<Page<Session>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| ops::list(db, &a.principal, &q, page))
            .await?,
    ))
}

/// A session on a project without an issue, in the user's base clone.
#[utoipa::path(post, path = "/sessions", tag = "sessions", request_body = StartSession,
    security(("api_key" = ["write"])),
    responses((status = 201, body = StartedSession), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn start_session(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<StartSession>,
) -> ApiResult<(StatusCode, Json<StartedSession>)> {
    let started = st
        .run_sessions(move |db, _, host| {
            shown_to(&a.principal, start::start(db, host, &a.principal, &req))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(started)))
}

#[utoipa::path(get, path = "/sessions/{id}", tag = "sessions", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = Session), (status = 404, body = ErrorBody)))]
async fn get_session(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Session>> {
    Ok(Json(
        st.run(move |db| ops::get(db, &a.principal, id)).await?,
    ))
}

/// A state report: `running`, `waiting`, or `exited` with `exit_code` (agent hooks and the
/// session launcher, through `aiops sessions event`).
#[utoipa::path(post, path = "/sessions/{id}/events", tag = "sessions", params(("id" = i64, Path)),
    request_body = SessionReport, security(("api_key" = ["write"])),
    responses((status = 200, body = Session), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn report(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<SessionReport>,
) -> ApiResult<Json<Session>> {
    let s = st
        .run_sessions(move |db, _, host| {
            aiops_core::sessions::review::report(db, host, &a.principal, id, &req)
        })
        .await?;
    Ok(Json(s))
}

/// Ends the session's tmux session; a live session becomes `killed`.
#[utoipa::path(post, path = "/sessions/{id}/kill", tag = "sessions", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 200, body = Session), (status = 404, body = ErrorBody)))]
async fn kill(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Session>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| ops::kill(db, host, &a.principal, id))
            .await?,
    ))
}

/// Starts the session's command again (in its tmux session, or a new one if it is gone).
#[utoipa::path(post, path = "/sessions/{id}/respawn", tag = "sessions", params(("id" = i64, Path)),
    security(("api_key" = ["write"])),
    responses((status = 200, body = Session), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn respawn(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Session>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| ops::respawn(db, host, &a.principal, id))
            .await?,
    ))
}

/// Types `text` literally into the pane (never interpreted as key names), then Enter
/// unless `enter` is false.
#[utoipa::path(post, path = "/sessions/{id}/send", tag = "sessions", params(("id" = i64, Path)),
    request_body = SendText, security(("api_key" = ["write"])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn send(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<SendText>,
) -> ApiResult<StatusCode> {
    st.run_sessions(move |db, _, host| ops::send(db, host, &a.principal, id, &req.text, req.enter))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The session's recorded output, redacted: the rendered log (one line per screen line,
/// then what the pane shows now), or the raw stream with `raw=true` (`tail`: the last N
/// lines of either). A session started before aiops kept a rendered log gets the raw
/// stream with `rendered: false`.
#[utoipa::path(get, path = "/sessions/{id}/logs", tag = "sessions",
    params(("id" = i64, Path), TranscriptParams), security(("api_key" = ["read"])),
    responses((status = 200, body = Transcript), (status = 404, body = ErrorBody)))]
async fn logs(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<TranscriptParams>,
) -> ApiResult<Json<Transcript>> {
    Ok(Json(
        st.run_sessions(move |db, _, host| ops::logs(db, host, &a.principal, id, q.tail, q.raw))
            .await?,
    ))
}

/// What a native client needs to attach over SSH: host, user, socket and the command.
#[utoipa::path(get, path = "/sessions/{id}/attach", tag = "sessions", params(("id" = i64, Path)),
    security(("api_key" = ["read"])),
    responses((status = 200, body = AttachInfo), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn attach(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> ApiResult<Json<AttachInfo>> {
    let host = server_host(&st, &headers);
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    Ok(Json(
        st.run_sessions(move |db, _, h| ops::attach(db, h, &a.principal, id, &host, &user))
            .await?,
    ))
}

/// The host users reach this server by: `public_url`'s, else the request's `Host`
/// without its port.
fn server_host(st: &AppState, headers: &HeaderMap) -> String {
    let from_url = st
        .settings()
        .public_url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', ':']).next().unwrap_or("").to_owned())
        .filter(|h| !h.is_empty());
    from_url.unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h.to_owned(),
            _ => host.to_owned(),
        }
    })
}
