//! Fake Ollama chat API (`POST /api/chat`,
//! <https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion>):
//! with `stream: true` (the default) NDJSON lines `{"model", "created_at", "message":
//! {"role": "assistant", "content": piece}, "done": false}` and a last line with
//! `"done": true, "done_reason": "stop"`; with `stream: false` one object. An unknown
//! model → `404 {"error": "model \"x\" not found, try pulling it first"}`. The answer is
//! the next scripted one ([`OllamaState::script`]), else `You asked: <question>`, streamed
//! word by word, [`OllamaState::piece_delay`] apart. Every request body is kept in
//! [`OllamaState::requests`].

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::{Fake, json as reply};

#[derive(Debug, Default)]
pub struct OllamaState {
    pub models: Vec<String>,
    /// Answers to give next, as their streamed pieces.
    pub script: VecDeque<Vec<String>>,
    pub requests: Vec<Value>,
    /// Time between two streamed pieces (a model that thinks); zero: all at once.
    pub piece_delay: std::time::Duration,
}

/// Starts a fake Ollama serving `model`.
pub fn start(model: &str) -> Fake<OllamaState> {
    let state = OllamaState {
        models: vec![model.to_owned()],
        ..Default::default()
    };
    Fake::spawn(state, router)
}

fn router(state: Arc<Mutex<OllamaState>>) -> Router {
    Router::new()
        .route("/api/chat", post(chat))
        .with_state(state)
}

async fn chat(State(st): State<Arc<Mutex<OllamaState>>>, body: axum::body::Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return reply(400, json!({"error": "invalid JSON body"}));
    };
    let mut s = st.lock().expect("state");
    s.requests.push(body.clone());
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    if !s.models.iter().any(|m| m == model) {
        return reply(
            404,
            json!({"error": format!("model \"{model}\" not found, try pulling it first")}),
        );
    }
    let question = body
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|m| m.last())
        .and_then(|m| m.get("content"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let pieces = s.script.pop_front().unwrap_or_else(|| {
        format!("You asked: {question}")
            .split_inclusive(' ')
            .map(str::to_owned)
            .collect()
    });
    let line = |content: &str, done: bool| {
        let mut v = json!({
            "model": model, "created_at": "2026-12-07T12:00:00Z",
            "message": {"role": "assistant", "content": content}, "done": done,
        });
        if done {
            v["done_reason"] = json!("stop");
            v["total_duration"] = json!(1000);
        }
        v.to_string() + "\n"
    };
    if body.get("stream").and_then(Value::as_bool) == Some(false) {
        let mut v: Value = serde_json::from_str(&line(&pieces.concat(), true)).expect("json");
        v["done"] = json!(true);
        return reply(200, v);
    }
    let mut lines: Vec<String> = pieces.iter().map(|p| line(p, false)).collect();
    lines.push(line("", true));
    let delay = s.piece_delay;
    let stream =
        futures_util::stream::iter(lines.into_iter().enumerate()).then(move |(i, l)| async move {
            if i > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Ok::<_, std::convert::Infallible>(l)
        });
    Response::builder()
        .status(200)
        .header("content-type", "application/x-ndjson")
        .body(Body::from_stream(stream))
        .expect("response")
}
