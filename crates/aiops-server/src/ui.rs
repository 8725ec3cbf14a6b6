//! The web UI (`ui/`, built by Vite into `ui/dist`) at every path outside `/api`: files
//! by path, and `index.html` for any other page path, since the UI routes in the browser
//! (history API). Release builds embed `ui/dist`; debug builds read it from disk at
//! request time, so a rebuilt UI shows without rebuilding the server.
//!
//! Caching: `/assets/*` names carry a content hash (Vite), so they are immutable for a
//! year; everything else (`index.html`) is revalidated on every load. The CSP and frame
//! headers come from `web::security_headers` like every answer.
//!
//! A server built before the UI (`npm --prefix ui run build`) serves the small built-in
//! pages of `assets/` instead: a note on `/` and the first-admin setup page on `/setup`.

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

#[derive(rust_embed::RustEmbed)]
// Relative to this crate (rust-embed resolves it against CARGO_MANIFEST_DIR).
#[folder = "../../ui/dist"]
#[allow_missing = true]
struct Dist;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

fn file(path: &str, cache: &'static str) -> Option<Response> {
    let f = Dist::get(path)?;
    let mut resp = Response::new(Body::from(f.data.into_owned()));
    let mime = f.metadata.mimetype();
    if let Ok(v) = HeaderValue::from_str(mime) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Some(resp)
}

fn no_such_file() -> Response {
    ApiError::new(aiops_types::ErrorCode::NotFound, "no such file").into_response()
}

/// Whether the UI was built (and, in release builds, embedded).
pub fn built() -> bool {
    Dist::get("index.html").is_some()
}

/// The fallback of every route the API and the built-in pages do not take.
pub async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return crate::web::not_found().await.into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return crate::web::method_not_allowed().await.into_response();
    }
    let rel = path.trim_start_matches('/');
    // Debug builds read `ui/dist` from disk: never let a path step out of it (rust-embed
    // checks too; this does not depend on it).
    if rel.split('/').any(|seg| seg == ".." || seg.contains('\\')) {
        return no_such_file();
    }
    if !rel.is_empty() {
        let cache = if rel.starts_with("assets/") {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        if let Some(resp) = file(rel, cache) {
            return resp;
        }
        // A missing asset is a 404, not the page: a stale tab asking for an old bundle
        // must not get HTML for its JavaScript.
        if rel.starts_with("assets/") || rel.contains('.') {
            return no_such_file();
        }
    }
    match file("index.html", REVALIDATE) {
        Some(resp) => resp,
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            include_str!("../assets/index.html"),
        )
            .into_response(),
    }
}
