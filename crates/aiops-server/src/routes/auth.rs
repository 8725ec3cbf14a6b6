//! `/auth`: login, logout, first-admin setup, who am I.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use aiops_core::{CoreError, auth};
use aiops_types::{
    ErrorBody, ErrorCode, LoginRequest, Me, Preferences, SessionInfo, SetupRequest, User,
};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, ClientIp, Read, SESSION_COOKIE, Write};
use crate::error::{ApiJson, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(setup))
        .routes(routes!(me))
        .routes(routes!(preferences, set_preferences))
}

fn session_cookie(st: &AppState, value: &str, max_age_secs: u64) -> HeaderValue {
    let secure = if st.settings().https() {
        "; Secure"
    } else {
        ""
    };
    let c = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    );
    HeaderValue::from_str(&c)
        .unwrap_or_else(|_| HeaderValue::from_static("aiops_session=; Max-Age=0"))
}

/// Starts a browser session for `user` and answers with its cookie and CSRF token.
async fn session_response(
    st: &AppState,
    user: User,
    ip: Option<String>,
    status: StatusCode,
) -> ApiResult<Response> {
    let hours = st.settings().session_hours;
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(i64::from(hours));
    let session = st
        .run(move |db| auth::start_web_session(db, user, ip, expires))
        .await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::SET_COOKIE,
        session_cookie(st, &session.token, u64::from(hours) * 3600),
    );
    Ok((status, headers, Json(session.info)).into_response())
}

/// Signs in with email and password; sets the `aiops_session` cookie (HttpOnly,
/// SameSite=Strict). After `login_failures_per_minute` failures from one IP, or at one
/// account (from any IP), within a minute, answers 429 with `Retry-After`; the attempt is
/// counted before the password is checked (see `ratelimit`).
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, body = SessionInfo, description = "signed in; Set-Cookie: aiops_session"),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    ClientIp(ip): ClientIp,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let key = ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let reservation = match st.limiter().reserve(key, &req.email, Instant::now()) {
        Ok(r) => r,
        Err(retry_after_secs) => {
            tracing::warn!(ip = %key, retry_after_secs, "login rate limited");
            return Err(CoreError::RateLimited { retry_after_secs }.into());
        }
    };
    let ip_text = ip.map(|i| i.to_string());
    let audit_ip = ip_text.clone();
    let verified = st
        .run_hashing(move |db| auth::verify_login(db, &req.email, req.password.expose(), audit_ip))
        .await;
    let rec = match verified {
        Err(e) if e.code == ErrorCode::Unauthorized => {
            tracing::info!(ip = %key, "login failed");
            // The reservation stays: it is the failure.
            return Err(e);
        }
        other => other?,
    };
    st.limiter().succeeded(reservation);
    session_response(&st, rec.user, ip_text, StatusCode::OK).await
}

/// Ends the browser session and clears its cookie. With an API key it does nothing
/// (revoke the key instead).
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    security(("api_key" = ["read"])),
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorBody)))]
async fn logout(a: Auth<Read>, State(st): State<AppState>) -> ApiResult<Response> {
    let p = a.principal;
    let ended = (p.method == aiops_types::AuthMethod::Session).then_some(p.credential_id);
    st.run(move |db| auth::end_web_session(db, &p)).await?;
    if let Some(id) = ended {
        st.revocations()
            .publish(crate::revocations::Revocation::WebSession(id));
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie(&st, "", 0));
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

/// Creates the first admin with the one-time token `aiops serve` printed (in the setup
/// URL's fragment) and signs them in. Fails with 401 once any user exists.
#[utoipa::path(post, path = "/auth/setup", tag = "auth", request_body = SetupRequest,
    security(()),
    responses((status = 201, body = SessionInfo), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn setup(
    ClientIp(ip): ClientIp,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<SetupRequest>,
) -> ApiResult<Response> {
    let ip = ip.map(|i| i.to_string());
    let audit_ip = ip.clone();
    let user = st
        .run_hashing(move |db| auth::complete_setup(db, &req, audit_ip))
        .await?;
    tracing::info!(email = %user.email, "first admin created through the setup URL");
    session_response(&st, user, ip, StatusCode::CREATED).await
}

/// The caller: user, how they authenticated, effective scopes, and (cookie sessions) the
/// CSRF token to send on writes.
#[utoipa::path(get, path = "/auth/me", tag = "auth",
    security(("api_key" = ["read"])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(a: Auth<Read>, State(st): State<AppState>) -> ApiResult<Json<Me>> {
    let id = a.principal.user_id;
    let rec = st
        .run(move |db| {
            use aiops_core::ports::UserStore;
            db.user_by_id(id)?
                .ok_or_else(|| CoreError::Unauthorized("user no longer exists".into()))
        })
        .await?;
    let method = a.principal.method;
    Ok(Json(Me {
        user: rec.user,
        method,
        scopes: a.principal.scopes,
        csrf_token: a.csrf_token.map(Into::into),
        api_key_id: (method == aiops_types::AuthMethod::ApiKey)
            .then_some(a.principal.credential_id),
    }))
}

/// The caller's preferences (`default_tool`).
#[utoipa::path(get, path = "/auth/me/preferences", tag = "auth",
    security(("api_key" = ["read"])),
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody)))]
async fn preferences(a: Auth<Read>, State(st): State<AppState>) -> ApiResult<Json<Preferences>> {
    Ok(Json(
        st.run(move |db| aiops_core::users::preferences(db, &a.principal))
            .await?,
    ))
}

/// Replaces the caller's preferences; a `default_tool` naming no tool is a 400, `null`
/// or blank clears it. Session keys are refused.
#[utoipa::path(put, path = "/auth/me/preferences", tag = "auth", request_body = Preferences,
    security(("api_key" = ["write"])),
    responses((status = 200, body = Preferences), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn set_preferences(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiJson(req): ApiJson<Preferences>,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(
        st.run(move |db| aiops_core::users::set_preferences(db, &a.principal, &req))
            .await?,
    ))
}
