//! The one HTTP path every provider uses: auth header, JSON bodies, request counting,
//! redirects (followed here, the credential kept on the base URL's origin only: see
//! [`redirect`]), rate-limit handling and error mapping.
//!
//! Rate limits (each provider documents the same idea with its own header names):
//! - GitHub: `x-ratelimit-limit`, `x-ratelimit-remaining`, `x-ratelimit-reset` (epoch s);
//!   `403`/`429` with `retry-after` or `remaining: 0` for primary and secondary limits
//!   (<https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api>).
//! - GitLab: `ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset` (epoch s); `429`
//!   with `retry-after` (<https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/>).
//! - Jira Cloud: `429` with `retry-after` (seconds); `x-ratelimit-*` on some responses
//!   (<https://developer.atlassian.com/cloud/jira/platform/rate-limiting/>).
//!
//! A `429` (or rate-limit `403`) whose wait is short is retried after the wait; a long one
//! ends the call with [`TrackerError::RateLimited`]. Before each request the client checks
//! the budget the last response announced: once less than half of the quota is left it
//! stops with `RateLimited` until the reset, so aiops never spends more than half of a
//! user's quota.

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aiops_core::tracker::{Token, TrackerError, TrackerResult};
use serde_json::Value;
use ureq::http::{HeaderMap, Method, Request};

mod redirect;

/// Longest `Retry-After` we wait out inside a call; longer ones are returned to the caller.
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(20);
/// Attempts per request when the tracker answers `429`.
const MAX_ATTEMPTS: u32 = 3;
/// Response bodies above this are refused (a page of 100 issues is well under 2 MB).
const MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;

/// How a provider wants its credential.
#[derive(Debug, Clone)]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>` (GitHub).
    Bearer(Token),
    /// `PRIVATE-TOKEN: <token>` (GitLab).
    PrivateToken(Token),
    /// `Authorization: Basic base64(email:token)` (Jira Cloud API tokens).
    Basic { email: String, token: Token },
    /// No header: the credential is part of the base URL (Telegram's `/bot<token>`).
    InUrl,
}

/// A response the provider accepted (2xx or 304).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> TrackerResult<Value> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&self.body)
            .map_err(|e| TrackerError::Upstream(format!("unreadable JSON from the tracker: {e}")))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A ureq agent as every aiops HTTP client needs it: the OS trust store (self-hosted
/// GitLab/Jira behind an internal CA work when the CA is installed), the same rustls
/// crypto provider (aws-lc-rs) as the rest of the binary (so only one provider is compiled
/// in and TLS servers find it), statuses as responses (not errors), `timeout` for the
/// whole exchange, at most `max_redirects` redirects followed by ureq itself.
pub fn agent(timeout: Duration, verify_tls: bool, max_redirects: u32) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .unversioned_rustls_crypto_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .disable_verification(!verify_tls)
        .build();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(max_redirects)
        .timeout_global(Some(timeout))
        .user_agent(concat!("aiops/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .build()
        .new_agent()
}

/// Quota as last announced by the tracker.
#[derive(Debug, Clone, Copy)]
struct Budget {
    limit: u64,
    remaining: u64,
    reset_epoch: u64,
}

pub struct Http {
    agent: ureq::Agent,
    base_url: String,
    auth: AuthScheme,
    extra: Vec<(&'static str, &'static str)>,
    requests: Cell<u32>,
    budget: Cell<Option<Budget>>,
}

// `Http` is used by one thread at a time (a `Tracker` is `Send`, not `Sync`).
impl Http {
    /// `base_url` without a trailing slash; `extra` headers go on every request (e.g.
    /// GitHub's `Accept` and API version).
    pub fn new(
        base_url: &str,
        auth: AuthScheme,
        extra: Vec<(&'static str, &'static str)>,
        timeout: Duration,
    ) -> TrackerResult<Self> {
        Self::with_tls(base_url, auth, extra, timeout, true)
    }

    /// [`Http::new`], with certificate verification turned off when `verify_tls` is
    /// false (a self-hosted server with a self-signed certificate, the admin's choice).
    pub fn with_tls(
        base_url: &str,
        auth: AuthScheme,
        extra: Vec<(&'static str, &'static str)>,
        timeout: Duration,
        verify_tls: bool,
    ) -> TrackerResult<Self> {
        let base = base_url.trim_end_matches('/');
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(TrackerError::Invalid(format!(
                "base URL `{base}` must start with https:// (or http:// for a local server)"
            )));
        }
        Ok(Self {
            // Redirects are followed in `exchange`, which decides each hop's headers.
            agent: agent(timeout, verify_tls, 0),
            base_url: base.to_owned(),
            auth,
            extra,
            requests: Cell::new(0),
            budget: Cell::new(None),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn requests(&self) -> u32 {
        self.requests.get()
    }

    /// `path` is appended to the base URL (it starts with `/`), or is a full URL taken
    /// from a `Link` header (it must then start with the base URL: tokens are never sent
    /// elsewhere). Query pairs are percent-encoded here.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        headers: &[(&str, String)],
    ) -> TrackerResult<Reply> {
        let url = self.url(path, query)?;
        self.check_budget()?;
        let payload = match body {
            Some(v) => serde_json::to_vec(v).map_err(|e| TrackerError::Upstream(e.to_string()))?,
            None => Vec::new(),
        };
        let what = format!("{method} {}", path.split('?').next().unwrap_or(path));
        for attempt in 1..=MAX_ATTEMPTS {
            let (status, headers, text) = self.exchange(&method, &url, &payload, headers, &what)?;
            self.note_budget(&headers);
            if let Some(wait) = rate_limit_wait(status, &headers, &text) {
                if wait <= MAX_INLINE_WAIT && attempt < MAX_ATTEMPTS {
                    std::thread::sleep(wait);
                    continue;
                }
                return Err(TrackerError::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                });
            }
            return match status {
                200..=299 | 304 => Ok(Reply {
                    status,
                    headers,
                    body: text,
                }),
                401 => Err(TrackerError::Unauthorized(format!(
                    "{what}: the tracker refused the credential (401{})",
                    detail(&text)
                ))),
                403 => Err(TrackerError::Unauthorized(format!(
                    "{what}: the credential lacks a permission (403{})",
                    detail(&text)
                ))),
                404 | 410 => Err(TrackerError::NotFound(format!(
                    "{what}: {status}{}",
                    detail(&text)
                ))),
                // 405/406: the tracker refuses the verb in this state (a merge of a closed
                // pull request: GitHub 405, GitLab 405/406).
                400 | 405 | 406 | 409 | 422 => Err(TrackerError::Invalid(format!(
                    "{what}: {status}{}",
                    detail(&text)
                ))),
                _ => Err(TrackerError::Upstream(format!(
                    "{what}: the server answered {status}{}",
                    detail(&text)
                ))),
            };
        }
        unreachable!("the last attempt always returns")
    }

    /// One request and the redirects it leads to (see [`redirect`]): the final status,
    /// headers and body.
    fn exchange(
        &self,
        method: &Method,
        url: &str,
        payload: &[u8],
        headers: &[(&str, String)],
        what: &str,
    ) -> TrackerResult<(u16, HeaderMap, String)> {
        let home = redirect::origin(&self.base_url);
        let (mut method, mut url, mut with_body) = (method.clone(), url.to_owned(), true);
        let mut credentials = true;
        for _ in 0..=redirect::MAX_REDIRECTS {
            credentials &= home.is_some() && redirect::origin(&url) == home;
            let body = if with_body { payload } else { &[] };
            let req = self.request(&method, &url, body, headers, credentials, what)?;
            self.requests.set(self.requests.get() + 1);
            let mut resp = self.agent.run(req).map_err(|e| transport(what, e))?;
            let status = resp.status().as_u16();
            let location = resp.headers().get("location").and_then(|v| v.to_str().ok());
            if let (true, Some(location)) = (redirect::is_redirect(status), location) {
                url = redirect::resolve(&url, location, what)?;
                let (next, keep_body) = redirect::next_method(status, &method);
                method = next;
                with_body &= keep_body;
                continue;
            }
            let headers = resp.headers().clone();
            let text = resp
                .body_mut()
                .with_config()
                .limit(MAX_BODY_BYTES)
                .read_to_string()
                .map_err(|e| transport(what, e))?;
            return Ok((status, headers, text));
        }
        Err(TrackerError::Upstream(format!(
            "{what}: the tracker redirected more than {} times",
            redirect::MAX_REDIRECTS
        )))
    }

    /// One hop's request. Without `credentials` (the hop left the base URL's origin) it
    /// carries no auth header and none of the headers [`redirect::is_credential_header`]
    /// names, whoever added them.
    fn request(
        &self,
        method: &Method,
        url: &str,
        body: &[u8],
        headers: &[(&str, String)],
        credentials: bool,
        what: &str,
    ) -> TrackerResult<Request<Vec<u8>>> {
        let mut req = Request::builder().method(method.clone()).uri(url);
        // A provider's own `Accept` (GitHub's media type) replaces the default.
        if !self
            .extra
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
        {
            req = req.header("Accept", "application/json");
        }
        if credentials {
            req = match &self.auth {
                AuthScheme::Bearer(t) => {
                    req.header("Authorization", format!("Bearer {}", t.expose()))
                }
                AuthScheme::PrivateToken(t) => req.header("PRIVATE-TOKEN", t.expose()),
                AuthScheme::Basic { email, token } => req.header(
                    "Authorization",
                    format!("Basic {}", basic(email, token.expose())),
                ),
                AuthScheme::InUrl => req,
            };
        }
        let extra = self.extra.iter().map(|(k, v)| (*k, *v));
        let asked = headers.iter().map(|(k, v)| (*k, v.as_str()));
        for (k, v) in extra.chain(asked) {
            if credentials || !redirect::is_credential_header(k) {
                req = req.header(k, v);
            }
        }
        if !body.is_empty() {
            req = req.header("Content-Type", "application/json");
        }
        req.body(body.to_vec())
            .map_err(|e| TrackerError::Invalid(format!("bad request to {what}: {e}")))
    }

    /// `send` + JSON body of the reply.
    pub fn json(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> TrackerResult<Value> {
        self.send(method, path, query, body, &[])?.json()
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> TrackerResult<String> {
        let mut url = if path.starts_with('/') {
            format!("{}{path}", self.base_url)
        } else if path.starts_with(&format!("{}/", self.base_url)) {
            path.to_owned()
        } else {
            return Err(TrackerError::Upstream(format!(
                "the tracker pointed to {path}, outside {}",
                self.base_url
            )));
        };
        for (i, (k, v)) in query.iter().enumerate() {
            let sep = if i == 0 && !url.contains('?') {
                '?'
            } else {
                '&'
            };
            url.push(sep);
            url.push_str(&encode(k));
            url.push('=');
            url.push_str(&encode(v));
        }
        Ok(url)
    }

    fn note_budget(&self, headers: &HeaderMap) {
        let num = |names: &[&str]| {
            names.iter().find_map(|n| {
                headers
                    .get(*n)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
            })
        };
        let limit = num(&["x-ratelimit-limit", "ratelimit-limit"]);
        let remaining = num(&["x-ratelimit-remaining", "ratelimit-remaining"]);
        // Epoch seconds (GitHub, GitLab) or an ISO 8601 time (Jira Cloud).
        let reset = num(&["x-ratelimit-reset", "ratelimit-reset"]).or_else(|| {
            let v = headers.get("x-ratelimit-reset")?.to_str().ok()?;
            let t = time::OffsetDateTime::parse(
                v.trim(),
                &time::format_description::well_known::Rfc3339,
            )
            .ok()?;
            u64::try_from(t.unix_timestamp()).ok()
        });
        if let (Some(limit), Some(remaining)) = (limit, remaining) {
            self.budget.set(Some(Budget {
                limit,
                remaining,
                reset_epoch: reset.unwrap_or_else(|| now_epoch() + 60),
            }));
        }
    }

    /// Stops before the request when under half of the quota is left and the window has
    /// not reset yet.
    fn check_budget(&self) -> TrackerResult<()> {
        if let Some(b) = self.budget.get() {
            let now = now_epoch();
            if b.limit > 0 && b.remaining * 2 < b.limit && b.reset_epoch > now {
                return Err(TrackerError::RateLimited {
                    retry_after_secs: b.reset_epoch - now,
                });
            }
        }
        Ok(())
    }
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// How long to wait when the response is a rate-limit refusal; None otherwise. The wait
/// is `Retry-After`, else (Telegram Bot API) the body's `parameters.retry_after` seconds
/// (<https://core.telegram.org/bots/api#responseparameters>).
fn rate_limit_wait(status: u16, headers: &HeaderMap, body: &str) -> Option<Duration> {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let retry_after = get("retry-after").and_then(parse_retry_after).or_else(|| {
        let v: Value = serde_json::from_str(body).ok()?;
        v.pointer("/parameters/retry_after")
            .and_then(Value::as_u64)
            .map(Duration::from_secs)
    });
    match status {
        429 => Some(retry_after.unwrap_or(Duration::from_secs(60))),
        403 => {
            if retry_after.is_some() {
                return retry_after;
            }
            let exhausted = get("x-ratelimit-remaining").map(str::trim) == Some("0");
            exhausted.then(|| {
                let reset = get("x-ratelimit-reset")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(0);
                Duration::from_secs(reset.saturating_sub(now_epoch()).max(1))
            })
        }
        _ => None,
    }
}

/// `Retry-After` is either seconds or an HTTP date (RFC 9110 §10.2.3).
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The provider's own error text: GitHub/GitLab `message`/`error`, Jira `errorMessages`
/// and `errors`; bounded so a huge HTML page does not end up in an error.
fn detail(body: &str) -> String {
    let text = match serde_json::from_str::<Value>(body) {
        Ok(v) => {
            let mut parts: Vec<String> = Vec::new();
            // `description`: the Telegram Bot API's error text.
            for key in [
                "message",
                "error",
                "error_description",
                "merge_error",
                "description",
            ] {
                if let Some(s) = v.get(key).and_then(Value::as_str) {
                    parts.push(s.to_owned());
                }
            }
            // GitLab: `{"message": ["Another open merge request already exists…"]}`.
            if let Some(list) = v.get("message").and_then(Value::as_array) {
                parts.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            if let Some(m) = v.get("message").filter(|m| m.is_object()) {
                parts.push(m.to_string());
            }
            if let Some(list) = v.get("errorMessages").and_then(Value::as_array) {
                parts.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            if let Some(map) = v.get("errors").and_then(Value::as_object) {
                parts.extend(
                    map.iter()
                        .map(|(k, m)| format!("{k}: {}", m.as_str().unwrap_or(""))),
                );
            }
            if let Some(list) = v.get("errors").and_then(Value::as_array) {
                parts.extend(list.iter().map(|e| {
                    e.get("message")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| e.to_string())
                }));
            }
            parts.join("; ")
        }
        Err(_) => String::new(),
    };
    if text.is_empty() {
        return String::new();
    }
    let short: String = text.chars().take(300).collect();
    format!(": {short}")
}

fn transport(what: &str, e: ureq::Error) -> TrackerError {
    TrackerError::Upstream(format!("{what}: cannot reach the server: {e}"))
}

/// Percent-encodes a query component (RFC 3986 unreserved characters kept).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn basic(user: &str, pass: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
}

/// The `rel="next"` target of an RFC 8288 `Link` header (GitHub and GitLab paging).
pub fn next_link(reply: &Reply) -> Option<String> {
    let link = reply.header("link")?;
    link.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let url = pieces.next()?.trim();
        let is_next = pieces.any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        (is_next && url.starts_with('<') && url.ends_with('>'))
            .then(|| url[1..url.len() - 1].to_owned())
    })
}

#[cfg(test)]
mod tests;
