//! What can go wrong talking to the server, and the CLI exit code of each.

use aiops_types::{ErrorBody, ErrorCode};

/// A failed API call. `Display` is one line, fit to show to a user after `error: `.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error status. `code` comes from the error envelope, or
    /// from the status when the body is not one (a proxy's page, say).
    #[error("{code}: {message}")]
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The server could not be reached or did not answer in time; names the server URL.
    #[error("{0}")]
    Transport(String),
    /// The server answered 2xx with a body this client does not understand.
    #[error("{0}")]
    Decode(String),
    /// The base URL is not an absolute `http://` or `https://` URL.
    #[error("{0}")]
    InvalidUrl(String),
    /// Refused before sending: an id or slug that cannot be a URL path segment.
    #[error("{0}")]
    InvalidInput(String),
    /// A local file could not be written (a download's destination); names the file.
    #[error("{0}")]
    Local(String),
}

impl ClientError {
    /// Exit code for the CLI: 3 for authentication and permission failures, 4 for
    /// not found, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Api { status, code, .. } => match code {
                ErrorCode::Unauthorized | ErrorCode::Forbidden | ErrorCode::CsrfFailed => 3,
                ErrorCode::NotFound => 4,
                _ if *status == 401 || *status == 403 => 3,
                _ if *status == 404 => 4,
                _ => 1,
            },
            _ => 1,
        }
    }

    /// The stable error code when the server sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Builds the error for a non-2xx answer from its status and body. `retry_after` is
    /// the `Retry-After` header in seconds, when present.
    pub(crate) fn from_response(status: u16, body: &[u8], retry_after: Option<u64>) -> Self {
        let (code, message) = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(envelope) => (envelope.error.code, one_line(&envelope.error.message)),
            // A code this client does not know yet (a newer server): keep the message.
            Err(_) => match envelope_message(body) {
                Some(message) => (code_for_status(status), message),
                None => (code_for_status(status), fallback_message(status, body)),
            },
        };
        let message = match retry_after {
            Some(secs) if code == ErrorCode::RateLimited => {
                format!("{message} (retry after {secs} s)")
            }
            _ => message,
        };
        Self::Api {
            status,
            code,
            message,
        }
    }
}

/// The error code a status is served with, for bodies that are not the envelope.
fn code_for_status(status: u16) -> ErrorCode {
    match status {
        400 | 422 => ErrorCode::InvalidInput,
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        409 => ErrorCode::Conflict,
        413 => ErrorCode::PayloadTooLarge,
        429 => ErrorCode::RateLimited,
        502..=504 => ErrorCode::Unavailable,
        _ => ErrorCode::Internal,
    }
}

/// `error.message` of an envelope whose code this client does not know.
fn envelope_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let message = value.get("error")?.get("message")?.as_str()?;
    Some(one_line(message))
}

fn fallback_message(status: u16, body: &[u8]) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("error");
    let text = one_line(&String::from_utf8_lossy(body));
    // A short plain-text body says more than the reason phrase; an HTML page does not.
    if !text.is_empty() && text.len() <= 200 && !text.starts_with('<') {
        format!("HTTP {status} {reason}: {text}")
    } else {
        format!("HTTP {status} {reason}")
    }
}

/// Collapses whitespace runs (newlines included) so a message prints as one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_envelope() {
        let body = br#"{"error":{"code":"not_found","message":"project 7 not found"}}"#;
        let err = ClientError::from_response(404, body, None);
        assert_eq!(err.to_string(), "not_found: project 7 not found");
        assert_eq!(err.exit_code(), 4);
        assert_eq!(err.code(), Some(ErrorCode::NotFound));
    }

    #[test]
    fn codes_by_status_when_the_body_is_not_the_envelope() {
        let err = ClientError::from_response(502, b"<html>Bad gateway</html>", None);
        assert_eq!(err.to_string(), "unavailable: HTTP 502 Bad Gateway");
        let err = ClientError::from_response(401, b"", None);
        assert_eq!(err.exit_code(), 3);
        let err = ClientError::from_response(404, b"no such\nthing", None);
        assert_eq!(
            err.to_string(),
            "not_found: HTTP 404 Not Found: no such thing"
        );
    }

    #[test]
    fn keeps_the_message_of_an_unknown_code() {
        let body = br#"{"error":{"code":"brand_new","message":"try later"}}"#;
        let err = ClientError::from_response(403, body, None);
        assert_eq!(err.to_string(), "forbidden: try later");
        assert_eq!(err.exit_code(), 3);
    }

    #[test]
    fn exit_codes() {
        let api = |status, code| ClientError::Api {
            status,
            code,
            message: String::new(),
        };
        assert_eq!(api(401, ErrorCode::Unauthorized).exit_code(), 3);
        assert_eq!(api(403, ErrorCode::Forbidden).exit_code(), 3);
        assert_eq!(api(403, ErrorCode::CsrfFailed).exit_code(), 3);
        assert_eq!(api(404, ErrorCode::NotFound).exit_code(), 4);
        assert_eq!(api(409, ErrorCode::Conflict).exit_code(), 1);
        assert_eq!(api(500, ErrorCode::Internal).exit_code(), 1);
        assert_eq!(ClientError::Transport("x".into()).exit_code(), 1);
        assert_eq!(ClientError::Decode("x".into()).exit_code(), 1);
    }

    #[test]
    fn rate_limited_names_the_wait() {
        let body = br#"{"error":{"code":"rate_limited","message":"too many login attempts"}}"#;
        let err = ClientError::from_response(429, body, Some(30));
        assert_eq!(
            err.to_string(),
            "rate_limited: too many login attempts (retry after 30 s)"
        );
    }
}
