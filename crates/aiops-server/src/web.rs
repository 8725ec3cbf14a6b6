//! Everything around the API routes: security headers, JSON fallbacks (never an HTML
//! error page), the OpenAPI document and docs page, and the first-run setup page.

use aiops_types::ErrorCode;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::ApiError;
use crate::state::AppState;

/// The CSP of every page: no inline script anywhere, no framing. The docs page's
/// stylesheet sets inline styles, hence `style-src 'unsafe-inline'`.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/v1/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    if is_api {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    resp
}

/// DNS-rebinding guard: a server listening on loopback only answers requests whose `Host`
/// names loopback (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`) or `public_url`'s
/// host. A web page that points its own domain at 127.0.0.1 reaches the port, but its
/// requests carry that domain in `Host` and stop here, before any route or credential.
/// A server bound to another address (behind TLS or a proxy) is reached under names it
/// cannot know, and is not checked. Refusals are 403 `forbidden`.
pub async fn loopback_host(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let settings = st.settings();
    if !settings.bind.ip().is_loopback() {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .map(|v| v.to_str().unwrap_or("\u{0}"))
        .or_else(|| req.uri().host());
    match host {
        // HTTP/1.0 without Host: no browser sends that, so no rebinding either.
        None => next.run(req).await,
        Some(host) if host_allowed(host, &settings.public_url) => next.run(req).await,
        Some(_) => ApiError::new(
            ErrorCode::Forbidden,
            "this server answers on localhost only: the Host header names another site",
        )
        .into_response(),
    }
}

/// `host[:port]` names loopback or `public_url`'s host (case-insensitive).
fn host_allowed(host: &str, public_url: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host
            .rsplit_once(':')
            .map_or(host.as_str(), |(name, _port)| name),
    };
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    if let Ok(ip) = name.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    public_host(public_url).is_some_and(|public| public == name)
}

/// The host name of `public_url` (`https://aiops.example.com:8443/x` → `aiops.example.com`).
fn public_host(public_url: &str) -> Option<String> {
    let rest = public_url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let name = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this route does not take that method",
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The built-in pages served outside `/api/v1` when the web UI is not built (see
/// `ui.rs`), all public: they hold no data.
pub fn pages() -> Router<AppState> {
    if crate::ui::built() {
        return Router::new();
    }
    Router::new()
        .route(
            "/",
            get(|| async {
                asset(
                    "text/html; charset=utf-8",
                    include_str!("../assets/index.html"),
                )
            }),
        )
        .route(
            "/setup",
            get(|| async {
                asset(
                    "text/html; charset=utf-8",
                    include_str!("../assets/setup.html"),
                )
            }),
        )
        .route(
            "/assets/setup.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../assets/setup.js"),
                )
            }),
        )
        .route(
            "/assets/setup.css",
            get(|| async {
                asset(
                    "text/css; charset=utf-8",
                    include_str!("../assets/setup.css"),
                )
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn loopback_names_and_the_public_host_pass_the_host_check() {
        for host in [
            "127.0.0.1:8060",
            "127.0.0.1",
            "127.1.2.3:9",
            "localhost:8060",
            "LOCALHOST",
            "app.localhost:1",
            "[::1]:8060",
            "[::1]",
        ] {
            assert!(host_allowed(host, ""), "{host}");
        }
        assert!(host_allowed(
            "aiops.example.com:8443",
            "https://aiops.example.com:8443/"
        ));
        assert!(host_allowed(
            "AIOPS.example.com",
            "https://aiops.example.com"
        ));
    }

    #[test]
    fn other_names_fail_the_host_check() {
        for host in [
            "evil.example",
            "evil.example:8060",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "10.0.0.1:8060",
            "[::2]:8060",
            "",
            "\u{0}",
        ] {
            assert!(!host_allowed(host, ""), "{host}");
        }
        assert!(!host_allowed(
            "other.example.com",
            "https://aiops.example.com"
        ));
    }
}
