//! The auth decision every API route declares, as an extractor.
//!
//! A handler takes `Auth<Read>`, `Auth<Write>` or `Auth<Admin>` as its FIRST argument (so
//! no body or path is parsed for an unauthenticated caller), or nothing for the few public
//! routes. The route's `#[utoipa::path(security(...))]` states the same decision in the
//! OpenAPI document, and the route × auth-state matrix test checks that they agree.
//!
//! Credentials: `Authorization: Bearer aiops_…` (API key), else the `aiops_session` cookie
//! (browser). Cookie-authenticated requests other than GET/HEAD must carry the session's
//! CSRF token in `X-CSRF-Token` (synchronizer-token pattern; SameSite=Strict is the
//! second layer).

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use aiops_core::Principal;
use aiops_types::{ErrorCode, Scope};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "aiops_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The scope a route needs, as a type.
pub trait RequiredScope: Send + Sync + 'static {
    const SCOPE: Scope;
}

pub struct Read;
pub struct Write;
pub struct Admin;

impl RequiredScope for Read {
    const SCOPE: Scope = Scope::Read;
}
impl RequiredScope for Write {
    const SCOPE: Scope = Scope::Write;
}
impl RequiredScope for Admin {
    const SCOPE: Scope = Scope::Admin;
}

/// An authenticated caller holding at least scope `S`.
pub struct Auth<S> {
    pub principal: Principal,
    /// The CSRF token of a cookie session (for `auth/me`), None for API keys.
    pub csrf_token: Option<String>,
    /// [`Revocations::current`](crate::revocations::Revocations::current) before the
    /// credential was read: a long-lived answer ends on any revocation after it.
    pub revocations_seen: u64,
    _scope: PhantomData<S>,
}

/// The client's address from the connection (no proxy headers are trusted).
pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip())
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn unauthorized(msg: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, msg)
}

impl<S: RequiredScope> FromRequestParts<AppState> for Auth<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let revocations_seen = state.revocations().current();
        let ip = client_ip(parts).map(|ip| ip.to_string());
        let now = time::OffsetDateTime::now_utc();
        let (principal, csrf_token) = if let Some(value) = parts.headers.get(header::AUTHORIZATION)
        {
            let secret = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|v| v.trim().to_owned())
                .ok_or_else(|| unauthorized("Authorization must be `Bearer aiops_…`"))?;
            // Most requests are reads: answer them from the auth cache while no write has
            // happened since the key was checked (see `auth_cache`).
            let digest = aiops_core::secrets::digest(&secret);
            let generation = state.db().generation();
            let p = match state.auth_cache().get(&digest, generation, now) {
                Some(mut p) => {
                    p.ip = ip;
                    p
                }
                None => {
                    let (p, expires_at) = state
                        .run(move |db| aiops_core::auth::authenticate_api_key(db, &secret, ip, now))
                        .await?;
                    // The lookup may have written (last_used_at): cache against the
                    // generation read before it, so that write makes the entry stale once.
                    state
                        .auth_cache()
                        .put(digest, p.clone(), generation, expires_at);
                    p
                }
            };
            (p, None)
        } else if let Some(token) = cookie(parts, SESSION_COOKIE) {
            let token = token.to_owned();
            let (p, csrf) = state
                .run(move |db| aiops_core::auth::authenticate_session(db, &token, ip, now))
                .await?;
            if !matches!(parts.method, Method::GET | Method::HEAD) {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !aiops_core::secrets::tokens_equal(sent, &csrf) {
                    return Err(ApiError::new(
                        ErrorCode::CsrfFailed,
                        "missing or wrong X-CSRF-Token header for a cookie-authenticated request",
                    ));
                }
            }
            (p, Some(csrf))
        } else {
            return Err(unauthorized(
                "sign in or send `Authorization: Bearer <API key>`",
            ));
        };
        principal.require(S::SCOPE).map_err(ApiError::from)?;
        if let Some(grant) = principal.session {
            let path = parts.uri.path();
            let path = path.strip_prefix("/api/v1").unwrap_or(path);
            if !grant.allows(parts.method.as_str(), path) {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "a session key reaches only its session, its issue, its project's issues and its own worktree",
                ));
            }
        }
        Ok(Auth {
            principal,
            csrf_token,
            revocations_seen,
            _scope: PhantomData,
        })
    }
}

/// The client's IP address, when the server was started with connect info.
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}
