//! The HTTP plumbing every route method goes through: base URL, credentials, timeouts,
//! and the mapping of answers to `Result<T, ClientError>`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, RETRY_AFTER, SET_COOKIE};
use reqwest::{Method, RequestBuilder, Response, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::one_line;
use crate::{ClientError, Secret};

/// Time allowed to open the TCP (and TLS) connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for a whole request, answer included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Name of the browser-session cookie the server sets on login.
pub const SESSION_COOKIE: &str = "aiops_session";
/// Header carrying the CSRF token on every non-GET request made with a session cookie.
const CSRF_HEADER: &str = "x-csrf-token";

/// How requests authenticate.
#[derive(Debug, Clone, Default)]
pub enum Credential {
    /// Public routes only (health, login).
    #[default]
    None,
    /// `Authorization: Bearer aiops_…`
    ApiKey(Secret),
    /// The `aiops_session` cookie value and the CSRF token that login returned; the token
    /// is sent as `X-CSRF-Token` on every request that is not a GET or HEAD.
    Session { cookie: Secret, csrf: String },
}

/// The value of the `aiops_session` cookie a login answered with.
#[derive(Debug, Clone)]
pub struct SessionCookie(pub Secret);

impl SessionCookie {
    /// The session credential made of this cookie and the login's CSRF token.
    pub fn into_credential(self, csrf: impl Into<String>) -> Credential {
        Credential::Session {
            cookie: self.0,
            csrf: csrf.into(),
        }
    }
}

/// A client of one aiops server. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Normalised, without trailing slash: `http://127.0.0.1:8060`.
    base: String,
    base_url: Url,
    credential: Credential,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base)
            .field("credential", &self.inner.credential)
            .finish()
    }
}

/// Builds a [`Client`] with non-default timeouts.
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    credential: Credential,
    connect_timeout: Duration,
    timeout: Duration,
}

impl ClientBuilder {
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = credential;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn build(self) -> Result<Client, ClientError> {
        let base = normalize_url(&self.base_url)?;
        let base_url = Url::parse(&base).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(concat!("aiops-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Transport(format!("cannot set up HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                base_url,
                credential: self.credential,
            }),
        })
    }
}

/// Checks that `raw` is an absolute `http(s)://host[:port][/prefix]` URL and returns it
/// without a trailing slash. The result names a server: it is the keychain account and
/// the credentials-file key.
pub fn normalize_url(raw: &str) -> Result<String, ClientError> {
    let bad = |why: &str| {
        ClientError::InvalidUrl(format!(
            "invalid server url `{raw}`: {why} (expected e.g. http://127.0.0.1:8060)"
        ))
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a query or fragment is not allowed"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials in the url are not allowed"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Client {
    /// A client of the server at `base_url` with the default timeouts.
    pub fn new(base_url: &str, credential: Credential) -> Result<Self, ClientError> {
        Self::builder(base_url).credential(credential).build()
    }

    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            credential: Credential::None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The normalised server URL, without trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    pub fn credential(&self) -> &Credential {
        &self.inner.credential
    }

    /// The same server with another credential; shares the connection pool.
    pub fn with_credential(&self, credential: Credential) -> Self {
        Self {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                base: self.inner.base.clone(),
                base_url: self.inner.base_url.clone(),
                credential,
            }),
        }
    }

    /// `<base>/api/v1/<segments…>`, each segment percent-encoded (a slug cannot escape
    /// its path segment). URLs cannot carry an empty, `.` or `..` segment (parsers drop
    /// or resolve them), so those are refused here rather than sent as another route.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url, ClientError> {
        if let Some(bad) = segments.iter().find(|s| matches!(**s, "" | "." | "..")) {
            return Err(ClientError::InvalidInput(format!(
                "`{bad}` is not a valid id or slug"
            )));
        }
        let mut url = self.inner.base_url.clone();
        url.path_segments_mut()
            .expect("normalize_url admits only http(s) URLs, which have a path")
            .pop_if_empty()
            .extend(["api", "v1"])
            .extend(segments);
        Ok(url)
    }

    pub(crate) fn request(
        &self,
        method: Method,
        segments: &[&str],
    ) -> Result<RequestBuilder, ClientError> {
        let safe = method == Method::GET || method == Method::HEAD;
        let rb = self.inner.http.request(method, self.url(segments)?);
        Ok(match &self.inner.credential {
            Credential::None => rb,
            Credential::ApiKey(key) => rb.header(AUTHORIZATION, format!("Bearer {}", key.expose())),
            Credential::Session { cookie, csrf } => {
                let rb = rb.header(COOKIE, format!("{SESSION_COOKIE}={}", cookie.expose()));
                if safe {
                    rb
                } else {
                    rb.header(CSRF_HEADER, csrf)
                }
            }
        })
    }

    /// Sends the request; a non-2xx answer becomes [`ClientError::Api`].
    pub(crate) async fn send(&self, rb: RequestBuilder) -> Result<Response, ClientError> {
        let resp = rb.send().await.map_err(|e| self.transport(e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let body = resp.bytes().await.map_err(|e| self.transport(e))?;
        Err(ClientError::from_response(status, &body, retry_after))
    }

    pub(crate) async fn json<T: DeserializeOwned>(&self, resp: Response) -> Result<T, ClientError> {
        let path = resp.url().path().to_owned();
        let body = resp.bytes().await.map_err(|e| self.transport(e))?;
        serde_json::from_slice(&body).map_err(|e| {
            ClientError::Decode(format!(
                "unexpected answer from {}{path}: {e}",
                self.inner.base
            ))
        })
    }

    pub(crate) async fn get<T, Q>(&self, segments: &[&str], query: &Q) -> Result<T, ClientError>
    where
        T: DeserializeOwned,
        Q: Serialize + ?Sized,
    {
        let resp = self
            .send(self.request(Method::GET, segments)?.query(query))
            .await?;
        self.json(resp).await
    }

    /// Sends `body` as JSON with `method` and decodes the JSON answer.
    pub(crate) async fn with_body<T, B>(
        &self,
        method: Method,
        segments: &[&str],
        body: &B,
    ) -> Result<T, ClientError>
    where
        T: DeserializeOwned,
        B: Serialize + ?Sized,
    {
        let resp = self
            .send(self.request(method, segments)?.json(body))
            .await?;
        self.json(resp).await
    }

    /// Sends `method` without a body and decodes the JSON answer.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
    ) -> Result<T, ClientError> {
        let resp = self.send(self.request(method, segments)?).await?;
        self.json(resp).await
    }

    /// Sends `method` with an optional JSON body, for routes that answer 204.
    pub(crate) async fn no_content<B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&B>,
    ) -> Result<(), ClientError> {
        let mut rb = self.request(method, segments)?;
        if let Some(body) = body {
            rb = rb.json(body);
        }
        self.send(rb).await.map(drop)
    }

    /// Sends a request and returns the raw answer (for login, which reads a header).
    pub(crate) async fn send_json<B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        body: &B,
    ) -> Result<Response, ClientError> {
        self.send(self.request(method, segments)?.json(body)).await
    }

    pub(crate) fn transport(&self, e: reqwest::Error) -> ClientError {
        let reason = if e.is_timeout() {
            "timed out".to_owned()
        } else {
            root_cause(&e)
        };
        ClientError::Transport(format!("cannot reach {}: {reason}", self.inner.base))
    }
}

/// The innermost cause of a transport error, in words a user recognises.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = e;
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".into(),
                std::io::ErrorKind::ConnectionReset => return "connection reset".into(),
                std::io::ErrorKind::TimedOut => return "timed out".into(),
                _ => {}
            }
        }
        last = err;
        current = err.source();
    }
    one_line(&last.to_string())
}

/// The value of the `aiops_session` cookie among the `Set-Cookie` headers.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<SessionCookie> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
        .find(|value| !value.is_empty())
        .map(|value| SessionCookie(Secret::new(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn normalizes_urls() {
        assert_eq!(
            normalize_url("http://127.0.0.1:8060/").unwrap(),
            "http://127.0.0.1:8060"
        );
        assert_eq!(
            normalize_url(" https://Example.COM/aiops/ ").unwrap(),
            "https://example.com/aiops"
        );
        assert_eq!(normalize_url("http://h:80").unwrap(), "http://h");
        for bad in ["notaurl", "ftp://h", "http://h/?q=1", "http://u:p@h", ""] {
            let err = normalize_url(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid server url"), "{bad}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn builds_api_urls_with_encoded_segments() {
        let c = Client::new("http://h:1/prefix/", Credential::None).unwrap();
        let url = |segments: &[&str]| c.url(segments).unwrap().to_string();
        assert_eq!(url(&["tenants"]), "http://h:1/prefix/api/v1/tenants");
        assert_eq!(
            url(&["tenants", "a/b?c#d %", "members"]),
            "http://h:1/prefix/api/v1/tenants/a%2Fb%3Fc%23d%20%25/members"
        );
        let c = Client::new("http://h:1", Credential::None).unwrap();
        assert_eq!(
            c.url(&["auth", "me"]).unwrap().as_str(),
            "http://h:1/api/v1/auth/me"
        );
        for bad in ["..", ".", ""] {
            let err = c.url(&["tenants", bad]).unwrap_err();
            assert!(matches!(err, ClientError::InvalidInput(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn finds_the_session_cookie() {
        let mut h = HeaderMap::new();
        h.append(SET_COOKIE, HeaderValue::from_static("other=1; Path=/"));
        h.append(
            SET_COOKIE,
            HeaderValue::from_static("aiops_session=abc.def; HttpOnly; SameSite=Strict"),
        );
        assert_eq!(session_cookie(&h).unwrap().0.expose(), "abc.def");
        let mut h = HeaderMap::new();
        h.append(SET_COOKIE, HeaderValue::from_static("aiops_sessionx=1"));
        assert!(session_cookie(&h).is_none());
    }

    #[test]
    fn debug_hides_the_credential() {
        let c = Client::new(
            "http://h",
            Credential::ApiKey(Secret::new("aiops_secretvalue")),
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("secretvalue"), "{shown}");
    }
}
