//! The one error envelope every API route returns on failure.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Stable, machine-readable error codes. Clients and the UI branch on these, never on the
/// message text. Adding a code is fine; renaming or removing one is a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request body, query or path is malformed or fails validation.
    InvalidInput,
    /// 401: no credential, or an unknown, expired, revoked or malformed one.
    Unauthorized,
    /// 403: authenticated, but the role or the key's scopes do not allow this.
    Forbidden,
    /// 403: a cookie-authenticated write without a valid `X-CSRF-Token` header.
    CsrfFailed,
    /// 404: no such route or object, or one the caller may not see (same answer on purpose).
    NotFound,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 409: the write conflicts with existing state (duplicate slug or email, non-empty tenant).
    Conflict,
    /// 413: the request body is larger than the server accepts.
    PayloadTooLarge,
    /// 429: too many attempts; see `Retry-After`.
    RateLimited,
    /// 500: a bug or an unexpected failure on the server; details are in the server log.
    Internal,
    /// 503: the server is starting up or shutting down.
    Unavailable,
    /// 502: an issue tracker (GitHub, GitLab, Jira) refused the call or failed; the message
    /// names the integration and what the tracker said.
    UpstreamError,
}

impl ErrorCode {
    /// The HTTP status this code is served with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::InvalidInput => 400,
            Self::Unauthorized => 401,
            Self::Forbidden | Self::CsrfFailed => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
            Self::UpstreamError => 502,
        }
    }

    /// The snake_case wire name, e.g. `not_found`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "invalid_input",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::CsrfFailed => "csrf_failed",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::UpstreamError => "upstream_error",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `{"error": {"code": "not_found", "message": "project 7 not found"}}`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The `error` object of an [`ErrorBody`].
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// The stable error code to branch on; it fixes the HTTP status.
    pub code: ErrorCode,
    /// One human-readable sentence; safe to show to users; never contains secrets.
    pub message: String,
    /// For `invalid_input`: the offending field, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
