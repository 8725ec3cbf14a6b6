//! A JSON response serialised into a buffer sized up front. `axum::Json` starts from a
//! small buffer and doubles it; a 50-issue page (~27 KB) then costs several reallocations
//! and copies of everything written so far, which showed up in profiles of the inbox.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// `value` as JSON, written into a buffer of `capacity` bytes to start with.
pub struct SizedJson<T> {
    pub value: T,
    pub capacity: usize,
}

impl<T: Serialize> IntoResponse for SizedJson<T> {
    fn into_response(self) -> Response {
        let mut buf = Vec::with_capacity(self.capacity);
        match serde_json::to_writer(&mut buf, &self.value) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                buf,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise a response");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}
