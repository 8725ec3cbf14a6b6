//! The Anthropic Messages API as the fake serves it.
//!
//! - `POST /v1/messages` (<https://docs.anthropic.com/en/api/messages>): needs the
//!   `anthropic-version` header and `model`, `max_tokens`, `messages`; answers a `Message`
//!   (`id`, `type: "message"`, `role`, `model`, `content`, `stop_reason`,
//!   `stop_sequence`, `usage`). With `stream: true` the answer is the documented event
//!   flow (<https://docs.anthropic.com/en/docs/build-with-claude/streaming>):
//!   `message_start` (the message with empty `content`), per content block
//!   `content_block_start`, `content_block_delta` (`text_delta`, or `input_json_delta`
//!   for a `tool_use` block's input), `content_block_stop`, then `message_delta`
//!   (`stop_reason`, cumulative `usage`) and `message_stop`, with a `ping` after the start.
//! - `POST /v1/messages/count_tokens` (<https://docs.anthropic.com/en/api/messages-count-tokens>):
//!   `{"input_tokens": n}`.
//! - `GET /v1/models` (<https://docs.anthropic.com/en/api/models-list>): one model page.
//! - Errors (<https://docs.anthropic.com/en/api/errors>): `{"type":"error","error":{"type",
//!   "message"},"request_id"}` with the `request-id` header.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Answer, ModelState, header, sse_event, sse_response, tokens};

/// The model the fake lists (any requested name is echoed back in answers).
const MODEL: &str = "claude-fake-1";

fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    format!("req_fake_{:08}", N.fetch_add(1, Ordering::Relaxed))
}

/// An error answer in the API's shape.
pub fn error(status: u16, kind: &str, message: &str) -> Response {
    let id = request_id();
    let body = json!({
        "type": "error",
        "error": { "type": kind, "message": message },
        "request_id": id,
    });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [("request-id", id)],
        axum::Json(body),
    )
        .into_response()
}

fn invalid(message: &str) -> (Response, Option<String>) {
    (error(400, "invalid_request_error", message), None)
}

pub(super) fn messages(
    st: &mut ModelState,
    headers: &HeaderMap,
    body: &str,
) -> (Response, Option<String>) {
    if header(headers, "anthropic-version").is_none() {
        return invalid("anthropic-version: header is required");
    }
    let Ok(req) = serde_json::from_str::<Value>(body) else {
        return invalid("The request body is not valid JSON.");
    };
    let Some(model) = req["model"].as_str() else {
        return invalid("model: Field required");
    };
    if !req["max_tokens"].is_u64() {
        return invalid("max_tokens: Field required");
    }
    let Some(msgs) = req["messages"].as_array() else {
        return invalid("messages: Field required");
    };
    let has_result = msgs.iter().any(|m| {
        m["content"]
            .as_array()
            .is_some_and(|c| c.iter().any(|b| b["type"] == "tool_result"))
    });
    let tools = req["tools"].as_array().cloned().unwrap_or_default();
    let answer = st.next_answer(|name| tools.iter().any(|t| t["name"] == name), has_result);
    let id = format!("msg_fake_{:04}", st.answers);
    let (block, stop_reason) = match &answer {
        Answer::Text(t) => (json!({ "type": "text", "text": t }), "end_turn"),
        Answer::Tool { id, call } => (
            json!({ "type": "tool_use", "id": id, "name": call.name, "input": call.input }),
            "tool_use",
        ),
    };
    let input_tokens = tokens(body);
    let output_tokens = tokens(&block.to_string());
    let usage = json!({
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    });
    let label = Some(answer.label());
    if req["stream"] != true {
        let message = json!({
            "id": id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [block],
            "stop_reason": stop_reason,
            "stop_sequence": null,
            "usage": usage,
        });
        return (
            ([("request-id", request_id())], axum::Json(message)).into_response(),
            label,
        );
    }
    let mut out = String::new();
    let start = json!({
        "type": "message_start",
        "message": {
            "id": id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": null,
            "stop_sequence": null,
            "usage": { "input_tokens": input_tokens, "output_tokens": 1,
                       "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0 },
        },
    });
    sse_event(&mut out, Some("message_start"), &start);
    sse_event(&mut out, Some("ping"), &json!({ "type": "ping" }));
    let (empty_block, deltas) = match &answer {
        Answer::Text(t) => (
            json!({ "type": "text", "text": "" }),
            vec![json!({ "type": "text_delta", "text": t })],
        ),
        Answer::Tool { id, call } => (
            json!({ "type": "tool_use", "id": id, "name": call.name, "input": {} }),
            vec![json!({ "type": "input_json_delta", "partial_json": call.input.to_string() })],
        ),
    };
    sse_event(
        &mut out,
        Some("content_block_start"),
        &json!({ "type": "content_block_start", "index": 0, "content_block": empty_block }),
    );
    for delta in deltas {
        sse_event(
            &mut out,
            Some("content_block_delta"),
            &json!({ "type": "content_block_delta", "index": 0, "delta": delta }),
        );
    }
    sse_event(
        &mut out,
        Some("content_block_stop"),
        &json!({ "type": "content_block_stop", "index": 0 }),
    );
    sse_event(
        &mut out,
        Some("message_delta"),
        &json!({
            "type": "message_delta",
            "delta": { "stop_reason": stop_reason, "stop_sequence": null },
            "usage": { "output_tokens": output_tokens },
        }),
    );
    sse_event(
        &mut out,
        Some("message_stop"),
        &json!({ "type": "message_stop" }),
    );
    (sse_response(out, &[("request-id", request_id())]), label)
}

pub(super) fn count_tokens(body: &str) -> Response {
    match serde_json::from_str::<Value>(body) {
        Ok(req) if req["messages"].is_array() => {
            axum::Json(json!({ "input_tokens": tokens(body) })).into_response()
        }
        _ => error(400, "invalid_request_error", "messages: Field required"),
    }
}

pub(super) fn models() -> Response {
    axum::Json(json!({
        "data": [{
            "type": "model",
            "id": MODEL,
            "display_name": "Claude Fake",
            "created_at": "2026-01-01T00:00:00Z",
        }],
        "has_more": false,
        "first_id": MODEL,
        "last_id": MODEL,
    }))
    .into_response()
}
