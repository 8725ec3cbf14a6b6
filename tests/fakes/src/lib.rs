//! Local fakes of the GitHub, GitLab, Jira, Semaphore, Telegram Bot and Slack Web APIs (and Slack Socket Mode) and of the model APIs (Anthropic, OpenAI, Ollama) for tests.
//! Each follows its API's documented behaviour closely enough that a client written against the documentation
//! works against it unchanged: auth header scheme, JSON shapes, paging, ETag/304,
//! rate-limit headers, `429` + `Retry-After`, error bodies.
//!
//! A fake runs on its own thread and runtime on `127.0.0.1:0`, so blocking callers (and
//! other processes, via [`Fake::url`]) can use it. Every request is logged with its
//! method, path, query, headers and the status answered, so tests can assert the exact
//! number and shape of requests. [`Fake::fail_next`] injects faults (e.g. a `429`).
//!
//! [`model`] is a fake model endpoint (Anthropic Messages, OpenAI Responses and Chat
//! Completions) for starting the real agent CLIs without network.
//!
//! Beside the fakes, [`sshd`] runs the real OpenSSH server on a free loopback port for
//! tests of SSH clients (git over ssh, the desktop's SSH terminal).

pub mod github;
pub mod gitlab;
pub mod jira;
pub mod model;
pub mod ollama;
pub mod semaphore;
pub mod slack;
pub mod sshd;
pub mod telegram;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Raw query string, without `?`.
    pub query: String,
    pub headers: HeaderMap,
    pub status: u16,
}

impl Recorded {
    /// Decoded value of a query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k) == name).then(|| decode(v))
        })
    }
}

/// A canned answer returned instead of the real handler's.
#[derive(Debug, Clone)]
pub struct Fault {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Fault {
    pub fn new(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

#[derive(Default)]
struct Shared {
    log: Mutex<Vec<Recorded>>,
    faults: Mutex<VecDeque<Fault>>,
}

/// A running fake with provider state `S`.
pub struct Fake<S> {
    url: String,
    state: Arc<Mutex<S>>,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<S: Send + 'static> Fake<S> {
    /// Serves `router(state)` on a free loopback port until the `Fake` is dropped.
    pub fn spawn(state: S, router: impl FnOnce(Arc<Mutex<S>>) -> Router) -> Self {
        let state = Arc::new(Mutex::new(state));
        let shared = Arc::new(Shared::default());
        let app =
            router(state.clone()).layer(middleware::from_fn_with_state(shared.clone(), record));
        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr: SocketAddr = std_listener.local_addr().expect("local addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("fake server");
            });
        });
        Self {
            url: format!("http://{addr}"),
            state,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The provider's data, to seed or inspect.
    pub fn state(&self) -> MutexGuard<'_, S> {
        self.state.lock().expect("fake state")
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().expect("log").clone()
    }

    /// Requests whose method matches and whose path starts with `path_prefix`.
    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path.starts_with(path_prefix))
            .count()
    }

    pub fn clear_requests(&self) {
        self.shared.log.lock().expect("log").clear();
    }

    /// The next request (whatever it is) gets `fault` instead of its real answer.
    pub fn fail_next(&self, fault: Fault) {
        self.shared.faults.lock().expect("faults").push_back(fault);
    }
}

impl<S> Drop for Fake<S> {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn record(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let headers = req.headers().clone();
    let fault = shared.faults.lock().expect("faults").pop_front();
    let resp = match fault {
        Some(f) => {
            let mut r = Response::new(Body::from(f.body));
            *r.status_mut() = StatusCode::from_u16(f.status).expect("status");
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
            for (k, v) in f.headers {
                r.headers_mut().insert(
                    HeaderName::try_from(k).expect("header name"),
                    HeaderValue::try_from(v).expect("header value"),
                );
            }
            r
        }
        None => next.run(req).await,
    };
    shared.log.lock().expect("log").push(Recorded {
        method,
        path,
        query,
        headers,
        status: resp.status().as_u16(),
    });
    resp
}

/// A JSON response with a status.
pub fn json(status: u16, value: serde_json::Value) -> Response {
    (
        StatusCode::from_u16(status).expect("status"),
        axum::Json(value),
    )
        .into_response()
}

/// Percent-decoding of a query component (`+` is a space, as forms encode it).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// RFC 3339 with seconds, as GitHub and GitLab print timestamps.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}
