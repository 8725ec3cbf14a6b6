//! One request as the desktop's webview asks for it: a method, a path under `/api/v1`, a
//! query and a JSON body, answered with the status and the JSON body whatever the status.
//! The desktop's Tauri transport sends every UI call through here, so the webview gets
//! the same answers as the browser's `fetch` while the credential stays in Rust.

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use crate::{Client, ClientError};

/// An answer: the HTTP status and its JSON body (`None` for an empty body). Error
/// statuses come back as answers too, with the server's error envelope as the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawAnswer {
    pub status: u16,
    pub body: Option<Value>,
}

impl Client {
    /// `method` (GET, POST, PUT, PATCH or DELETE) on `/api/v1<path>`.
    ///
    /// `path` is what the UI builds, e.g. `/issues/12/comments` or
    /// `/tenants/acme%20corp/members`: `/`-separated, non-empty segments of unreserved
    /// characters and percent escapes. Anything that could leave `/api/v1` is refused
    /// with [`ClientError::InvalidInput`] before sending: dot segments, also as `%2e`
    /// (WHATWG URL treats those as dot segments), encoded slashes or backslashes, a
    /// query or fragment in the path. [`ClientError::Transport`] when the server cannot
    /// be reached; every answer, 4xx and 5xx included, is `Ok`.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<RawAnswer, ClientError> {
        let method = match method {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            other => {
                return Err(ClientError::InvalidInput(format!(
                    "`{other}` is not a method of the API"
                )));
            }
        };
        let segments = api_path(path)?;
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let mut rb = self.request(method, &segments)?.query(query);
        if let Some(body) = body {
            rb = rb.json(body);
        }
        let resp = rb.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| self.transport(e))?;
        let body = if bytes.is_empty() {
            None
        } else {
            Some(serde_json::from_slice(&bytes).map_err(|e| {
                ClientError::Decode(format!(
                    "unexpected answer from {}{path}: {e}",
                    self.base_url()
                ))
            })?)
        };
        Ok(RawAnswer { status, body })
    }
}

/// The segments of an `/api/v1` path, percent-decoded (the client encodes them again).
fn api_path(path: &str) -> Result<Vec<String>, ClientError> {
    let bad = |why: &str| ClientError::InvalidInput(format!("`{path}` is not an API path: {why}"));
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| bad("it must start with /"))?;
    rest.split('/')
        .map(|segment| {
            if segment.is_empty() {
                return Err(bad("an empty segment"));
            }
            let ok = segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%@:!$&'()*+,;=".contains(&b));
            if !ok {
                return Err(bad("a character that must be percent-encoded"));
            }
            let decoded = percent_decode(segment).ok_or_else(|| bad("a broken % escape"))?;
            if decoded.chars().all(|c| c == '.') || decoded.contains(['/', '\\']) {
                return Err(bad("a dot segment or an encoded slash"));
            }
            Ok(decoded)
        })
        .collect()
}

impl Client {
    /// Where the terminal WebSocket of session `session` is (`ws://` or `wss://…/api/v1/
    /// sessions/{id}/terminal?cols=&rows=`) and the `Authorization` header value to open
    /// it with. For the desktop, which opens the socket in Rust; the value carries the
    /// key, so it must never leave the process. [`ClientError::InvalidInput`] without an
    /// API key.
    pub fn terminal_endpoint(
        &self,
        session: i64,
        cols: u16,
        rows: u16,
    ) -> Result<(String, String), ClientError> {
        let crate::Credential::ApiKey(key) = self.credential() else {
            return Err(ClientError::InvalidInput(
                "a terminal needs an API key".into(),
            ));
        };
        let mut url = self.url(&["sessions", &session.to_string(), "terminal"])?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .map_err(|()| ClientError::InvalidUrl(format!("{url} cannot be a WebSocket URL")))?;
        url.query_pairs_mut()
            .append_pair("cols", &cols.to_string())
            .append_pair("rows", &rows.to_string());
        Ok((url.to_string(), format!("Bearer {}", key.expose())))
    }
}

/// `%XX` escapes decoded as UTF-8; `None` for a malformed escape or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_split_into_decoded_segments() {
        assert_eq!(
            api_path("/issues/12/comments").unwrap(),
            ["issues", "12", "comments"]
        );
        assert_eq!(
            api_path("/tenants/acme%20corp").unwrap(),
            ["tenants", "acme corp"]
        );
        assert_eq!(api_path("/tenants/caf%C3%A9").unwrap(), ["tenants", "café"]);
    }

    #[test]
    fn paths_that_could_leave_the_api_are_refused() {
        for path in [
            "issues",
            "/",
            "//evil.example/x",
            "/issues/../auth/keys",
            "/issues/./1",
            "/issues/%2e%2e/x",
            "/issues/.%2E/x",
            "/issues/a%2fb",
            "/issues/a%5Cb",
            "/issues?all=true",
            "/issues#x",
            "/issues/a b",
            "/issues/%zz",
            "/issues/%c3",
            "/issues/",
        ] {
            assert!(api_path(path).is_err(), "{path:?} must be refused");
        }
    }
}
