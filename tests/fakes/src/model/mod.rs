//! A fake model endpoint: just enough of the Anthropic Messages API and of the OpenAI
//! Responses and Chat Completions APIs for a real agent CLI (Claude Code, Codex, Aider
//! through litellm) to start, send its first turn and show an answer — with no network
//! beyond loopback.
//!
//! Served:
//! - Anthropic (<https://docs.anthropic.com/en/api/messages>,
//!   <https://docs.anthropic.com/en/docs/build-with-claude/streaming>):
//!   `POST /v1/messages` (JSON, or Server-Sent Events with `stream: true`),
//!   `POST /v1/messages/count_tokens`, `GET /v1/models`. See [`anthropic`].
//! - OpenAI (<https://platform.openai.com/docs/api-reference/responses>,
//!   <https://platform.openai.com/docs/api-reference/responses-streaming>,
//!   <https://platform.openai.com/docs/api-reference/chat>):
//!   `POST /v1/responses`, `POST /v1/chat/completions` (both JSON or SSE), `GET /v1/models`.
//!   See [`openai`].
//!
//! Every request — served or not — is kept with its body in [`ModelState::calls`], so a
//! test can assert what the tool sent (e.g. that the context file reached the model). A
//! path the fake does not serve is answered `404` with the API's error body, so a tool's
//! start-up probes show up in the log instead of hanging.
//!
//! Answers are the text `FAKE-MODEL-ANSWER-<n>` (then [`ModelState::say_also`]), `n`
//! counting the model answers given (1-based), unless [`ModelState::tool_call`] asks for
//! a tool call first. A streamed
//! answer carries its text in one delta (the APIs allow any split): a full-screen TUI
//! that redraws on every delta (Codex) then draws it in one run, so a terminal
//! transcript holds it whole, and tests can look for it there.

pub mod anthropic;
pub mod openai;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::Fake;

/// The prefix of every text answer.
pub const ANSWER_PREFIX: &str = "FAKE-MODEL-ANSWER-";

/// Starts a fake model endpoint that accepts the API key `key` (as Anthropic's
/// `x-api-key`, or `Authorization: Bearer` for either API).
pub fn start(key: &str) -> Fake<ModelState> {
    Fake::spawn(
        ModelState {
            key: key.to_owned(),
            ..ModelState::default()
        },
        router,
    )
}

/// Which API a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Messages,
    Responses,
    ChatCompletions,
    /// `count_tokens`, the model lists, and paths the fake does not serve.
    Other,
}

/// One request as the fake model saw it.
#[derive(Debug, Clone)]
pub struct ModelCall {
    pub api: Api,
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    /// The body as text (JSON for the model APIs).
    pub body: String,
    pub status: u16,
    /// The text answered, or the tool called (`tool:<name>`); `None` for no model answer.
    pub answer: Option<String>,
}

impl ModelCall {
    /// Whether the request body holds `needle`, also when the tool escaped it as JSON
    /// (a file's text inside a JSON string has its newlines and quotes escaped).
    pub fn mentions(&self, needle: &str) -> bool {
        if self.body.contains(needle) {
            return true;
        }
        let escaped = serde_json::to_string(needle).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        self.body.contains(escaped)
    }
}

/// A tool call the fake answers with before it answers with text: to a request that
/// offers a tool named `name` and whose conversation holds no tool result yet. For the
/// Responses API a string `input` makes a `custom_tool_call` (free-form input), any other
/// JSON a `function_call`.
#[derive(Debug, Clone)]
pub struct ToolCall {
    pub name: String,
    pub input: Value,
}

#[derive(Debug, Default)]
pub struct ModelState {
    key: String,
    /// Every request, oldest first.
    pub calls: Vec<ModelCall>,
    /// See [`ToolCall`]; Anthropic Messages and OpenAI Responses.
    pub tool_call: Option<ToolCall>,
    /// Appended to every text answer (e.g. a secret a test wants redacted downstream).
    pub say_also: Option<String>,
    /// Model answers given so far (text and tool calls).
    answers: usize,
}

impl ModelState {
    /// The model requests (of any API) whose body mentions `needle`.
    pub fn calls_mentioning(&self, needle: &str) -> Vec<&ModelCall> {
        self.calls
            .iter()
            .filter(|c| c.api != Api::Other && c.mentions(needle))
            .collect()
    }

    /// The next answer: the planned tool call when `offers_tool(name)` and no tool result
    /// is in the conversation yet, else the next numbered text.
    fn next_answer(&mut self, offers_tool: impl Fn(&str) -> bool, has_result: bool) -> Answer {
        self.answers += 1;
        match &self.tool_call {
            Some(t) if !has_result && offers_tool(&t.name) => Answer::Tool {
                id: format!("toolu_fake_{}", self.answers),
                call: t.clone(),
            },
            _ => Answer::Text(format!(
                "{ANSWER_PREFIX}{}{}",
                self.answers,
                self.say_also.as_deref().unwrap_or("")
            )),
        }
    }
}

/// What the model says in one turn.
#[derive(Debug, Clone)]
enum Answer {
    Text(String),
    Tool { id: String, call: ToolCall },
}

impl Answer {
    fn label(&self) -> String {
        match self {
            Answer::Text(t) => t.clone(),
            Answer::Tool { call, .. } => format!("tool:{}", call.name),
        }
    }
}

/// A request's parts, read before the state is locked.
struct Incoming {
    method: String,
    path: String,
    headers: HeaderMap,
    body: String,
}

fn router(state: Arc<Mutex<ModelState>>) -> Router {
    Router::new().fallback(move |req: Request| {
        let state = state.clone();
        async move {
            let method = req.method().to_string();
            let path = req.uri().path().to_owned();
            let headers = req.headers().clone();
            let bytes = axum::body::to_bytes(req.into_body(), 64 << 20)
                .await
                .unwrap_or_default();
            let inc = Incoming {
                method,
                path,
                headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            };
            let mut st = state.lock().expect("fake model state");
            st.answer(inc)
        }
    })
}

impl ModelState {
    fn answer(&mut self, inc: Incoming) -> Response {
        // Anthropic's clients send `anthropic-version` (and usually `x-api-key`); OpenAI's
        // never do. Only `/v1/models` exists in both APIs.
        let anthropic_client =
            inc.headers.contains_key("anthropic-version") || inc.headers.contains_key("x-api-key");
        let path = inc.path.trim_end_matches('/');
        let route = match (inc.method.as_str(), path) {
            ("POST", "/v1/messages") => Some(Api::Messages),
            ("POST", "/v1/responses") => Some(Api::Responses),
            ("POST", "/v1/chat/completions") => Some(Api::ChatCompletions),
            _ => None,
        };
        let (resp, answer) = match route {
            Some(Api::Messages) => self.authorized_anthropic(&inc.headers, |st| {
                anthropic::messages(st, &inc.headers, &inc.body)
            }),
            Some(Api::Responses) => {
                self.authorized_openai(&inc.headers, |st| openai::responses(st, &inc.body))
            }
            Some(Api::ChatCompletions) => {
                self.authorized_openai(&inc.headers, |st| openai::chat(st, &inc.body))
            }
            _ => {
                let resp = match (inc.method.as_str(), path, anthropic_client) {
                    ("POST", "/v1/messages/count_tokens", _) => {
                        self.authorized_anthropic(&inc.headers, |_| {
                            (anthropic::count_tokens(&inc.body), None)
                        })
                        .0
                    }
                    ("GET", "/v1/models", true) => {
                        self.authorized_anthropic(&inc.headers, |_| (anthropic::models(), None))
                            .0
                    }
                    ("GET", "/v1/models", false) => {
                        self.authorized_openai(&inc.headers, |_| (openai::models(), None))
                            .0
                    }
                    (_, _, true) => anthropic::error(404, "not_found_error", "Not found"),
                    (_, p, false) => openai::error(
                        404,
                        "invalid_request_error",
                        None,
                        &format!("Invalid URL ({} {p})", inc.method),
                    ),
                };
                (resp, None)
            }
        };
        self.calls.push(ModelCall {
            api: route.unwrap_or(Api::Other),
            method: inc.method,
            path: inc.path,
            headers: inc.headers,
            body: inc.body,
            status: resp.status().as_u16(),
            answer,
        });
        resp
    }

    /// Runs `f` when the request carries the key as `x-api-key` or a bearer token; else
    /// Anthropic's `401 authentication_error`.
    fn authorized_anthropic(
        &mut self,
        headers: &HeaderMap,
        f: impl FnOnce(&mut Self) -> (Response, Option<String>),
    ) -> (Response, Option<String>) {
        let key = header(headers, "x-api-key").or_else(|| bearer(headers));
        match key {
            Some(k) if k == self.key => f(self),
            Some(_) => (
                anthropic::error(401, "authentication_error", "invalid x-api-key"),
                None,
            ),
            None => (
                anthropic::error(401, "authentication_error", "x-api-key header is required"),
                None,
            ),
        }
    }

    /// Runs `f` when the request carries `Authorization: Bearer <key>`; else OpenAI's
    /// `401 invalid_api_key`.
    fn authorized_openai(
        &mut self,
        headers: &HeaderMap,
        f: impl FnOnce(&mut Self) -> (Response, Option<String>),
    ) -> (Response, Option<String>) {
        match bearer(headers) {
            Some(k) if k == self.key => f(self),
            Some(k) => (
                openai::error(
                    401,
                    "invalid_request_error",
                    Some("invalid_api_key"),
                    &format!("Incorrect API key provided: {}.", openai::masked(k)),
                ),
                None,
            ),
            None => (
                openai::error(
                    401,
                    "invalid_request_error",
                    None,
                    "You didn't provide an API key. You need to provide your API key in an \
                     Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                ),
                None,
            ),
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    header(headers, "authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// A rough token count (four characters a token), for the `usage` fields.
fn tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4).max(1)
}

/// One Server-Sent Event: `event: <name>` and one `data:` line of JSON.
fn sse_event(out: &mut String, name: Option<&str>, data: &Value) {
    if let Some(name) = name {
        out.push_str("event: ");
        out.push_str(name);
        out.push('\n');
    }
    out.push_str("data: ");
    out.push_str(&data.to_string());
    out.push_str("\n\n");
}

/// A complete event stream as one body: the fake has all of its answer at once, and a
/// client parses the stream the same whether it arrives in one chunk or many.
fn sse_response(body: String, extra: &[(&'static str, String)]) -> Response {
    let mut resp = (
        StatusCode::OK,
        [
            (
                "content-type",
                "text/event-stream; charset=utf-8".to_owned(),
            ),
            ("cache-control", "no-cache".to_owned()),
        ],
        body,
    )
        .into_response();
    for (k, v) in extra {
        if let Ok(v) = v.parse() {
            resp.headers_mut().insert(*k, v);
        }
    }
    resp
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
