//! Everything around the API routes: security headers, JSON fallbacks (never an HTML
//! error page), the OpenAPI document and docs page, and the first-run setup page.

use aiops_types::ErrorCode;
use axum::Router;
use axum::extract::Request;
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
