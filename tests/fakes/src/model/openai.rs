//! The OpenAI Responses and Chat Completions APIs as the fake serves them.
//!
//! - `POST /v1/responses` (<https://platform.openai.com/docs/api-reference/responses/create>):
//!   needs `model` and `input`; answers a `response` object whose `output` is one
//!   assistant `message` with one `output_text` part. With `stream: true`, the semantic
//!   events of <https://platform.openai.com/docs/api-reference/responses-streaming>, each
//!   with `type` and a rising `sequence_number`, as `event:`/`data:` pairs:
//!   `response.created`, `response.in_progress`, `response.output_item.added`,
//!   `response.content_part.added`, `response.output_text.delta`,
//!   `response.output_text.done`, `response.content_part.done`,
//!   `response.output_item.done`, `response.completed` (with `usage`). No `[DONE]`.
//! - `POST /v1/chat/completions` (<https://platform.openai.com/docs/api-reference/chat/create>):
//!   needs `model` and `messages`; answers a `chat.completion`, or with `stream: true`
//!   `chat.completion.chunk`s (the role first, then the content, then `finish_reason`),
//!   a usage chunk with empty `choices` when `stream_options.include_usage`, then
//!   `data: [DONE]` (<https://platform.openai.com/docs/api-reference/chat-streaming>).
//! - `GET /v1/models` (<https://platform.openai.com/docs/api-reference/models/list>).
//! - Errors (<https://platform.openai.com/docs/guides/error-codes>):
//!   `{"error":{"message","type","param","code"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Answer, ModelState, ToolCall, now_secs, sse_event, sse_response, tokens};

/// An error answer in the API's shape.
pub fn error(status: u16, kind: &str, code: Option<&str>, message: &str) -> Response {
    let body = json!({
        "error": { "message": message, "type": kind, "param": null, "code": code },
    });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response()
}

fn invalid(param: &str) -> (Response, Option<String>) {
    let mut resp = error(
        400,
        "invalid_request_error",
        None,
        &format!("Missing required parameter: '{param}'."),
    );
    resp.headers_mut()
        .insert("x-request-id", "req_fake_invalid".parse().expect("header"));
    (resp, None)
}

/// A key as OpenAI's 401 message shows it: the start and the last four characters.
pub(super) fn masked(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

fn text_of(answer: &Answer) -> String {
    match answer {
        Answer::Text(t) => t.clone(),
        // Chat Completions gets no planned tool calls (Aider needs none).
        Answer::Tool { call, .. } => format!("(tool {})", call.name),
    }
}

pub(super) fn responses(st: &mut ModelState, body: &str) -> (Response, Option<String>) {
    let Ok(req) = serde_json::from_str::<Value>(body) else {
        return invalid("input");
    };
    let Some(model) = req["model"].as_str() else {
        return invalid("model");
    };
    if req["input"].is_null() {
        return invalid("input");
    }
    let items = req["input"].as_array().cloned().unwrap_or_default();
    // Tools come in `tools`, or (Codex) in input items that carry their own `tools`,
    // nested in namespaces.
    let offered =
        |name: &str| offers(&req["tools"], name) || items.iter().any(|i| offers(&i["tools"], name));
    let has_result = items.iter().any(|i| {
        i["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("_call_output"))
    });
    let answer = st.next_answer(offered, has_result);
    let n = st.answers;
    let resp_id = format!("resp_fake_{n:04}");
    let response = |status: &str, output: Value, usage: Value| {
        json!({
            "id": resp_id, "object": "response", "created_at": now_secs(), "status": status,
            "error": null, "incomplete_details": null, "model": model, "output": output,
            "parallel_tool_calls": true, "tool_choice": "auto", "tools": [],
            "store": req["store"].as_bool().unwrap_or(true), "usage": usage,
        })
    };
    let (item, middle) = match &answer {
        Answer::Text(text) => text_item(n, text),
        Answer::Tool { call, .. } => call_item(n, call),
    };
    let input_tokens = tokens(body);
    let output_tokens = tokens(&item.to_string());
    let usage = json!({
        "input_tokens": input_tokens,
        "input_tokens_details": { "cached_tokens": 0 },
        "output_tokens": output_tokens,
        "output_tokens_details": { "reasoning_tokens": 0 },
        "total_tokens": input_tokens + output_tokens,
    });
    let label = Some(answer.label());
    if req["stream"] != true {
        let done = response("completed", json!([item]), usage);
        return (axum::Json(done).into_response(), label);
    }
    let mut events: Vec<Value> = vec![
        json!({ "type": "response.created",
                "response": response("in_progress", json!([]), Value::Null) }),
        json!({ "type": "response.in_progress",
                "response": response("in_progress", json!([]), Value::Null) }),
    ];
    events.extend(middle);
    events.extend([
        json!({ "type": "response.output_item.done", "output_index": 0, "item": item }),
        json!({ "type": "response.completed",
                "response": response("completed", json!([item]), usage) }),
    ]);
    let mut out = String::new();
    for (seq, mut ev) in events.into_iter().enumerate() {
        ev["sequence_number"] = json!(seq);
        let name = ev["type"].as_str().map(str::to_owned);
        sse_event(&mut out, name.as_deref(), &ev);
    }
    (
        sse_response(out, &[("x-request-id", format!("req_{resp_id}"))]),
        label,
    )
}

/// Whether `tools` (a list) holds a tool named `name`, also inside a namespace's `tools`.
fn offers(tools: &Value, name: &str) -> bool {
    tools.as_array().is_some_and(|ts| {
        ts.iter()
            .any(|t| t["name"] == name || offers(&t["tools"], name))
    })
}

/// An assistant message with one `output_text` part, and its events up to (not
/// including) `response.output_item.done`.
fn text_item(n: usize, text: &str) -> (Value, Vec<Value>) {
    let id = format!("msg_fake_{n:04}");
    let part = json!({ "type": "output_text", "text": text, "annotations": [] });
    let item = json!({
        "id": id, "type": "message", "status": "completed", "role": "assistant",
        "content": [part],
    });
    let events = vec![
        json!({ "type": "response.output_item.added", "output_index": 0,
                "item": { "id": id, "type": "message", "status": "in_progress",
                          "role": "assistant", "content": [] } }),
        json!({ "type": "response.content_part.added", "item_id": id, "output_index": 0,
                "content_index": 0,
                "part": { "type": "output_text", "text": "", "annotations": [] } }),
        json!({ "type": "response.output_text.delta", "item_id": id, "output_index": 0,
                "content_index": 0, "delta": text }),
        json!({ "type": "response.output_text.done", "item_id": id, "output_index": 0,
                "content_index": 0, "text": text }),
        json!({ "type": "response.content_part.done", "item_id": id, "output_index": 0,
                "content_index": 0, "part": part }),
    ];
    (item, events)
}

/// A tool call: a `custom_tool_call` (free-form `input`) when the planned input is a
/// string, else a `function_call` with JSON `arguments`
/// (<https://platform.openai.com/docs/guides/function-calling>).
fn call_item(n: usize, call: &ToolCall) -> (Value, Vec<Value>) {
    let call_id = format!("call_fake_{n:04}");
    let (item, pending) = match call.input.as_str() {
        Some(input) => {
            let id = format!("ctc_fake_{n:04}");
            let item = json!({ "id": id, "type": "custom_tool_call", "status": "completed",
                               "call_id": call_id, "name": call.name, "input": input });
            let pending = json!({ "id": id, "type": "custom_tool_call",
                                  "status": "in_progress", "call_id": call_id,
                                  "name": call.name, "input": "" });
            (item, pending)
        }
        None => {
            let id = format!("fc_fake_{n:04}");
            let args = call.input.to_string();
            let item = json!({ "id": id, "type": "function_call", "status": "completed",
                               "call_id": call_id, "name": call.name, "arguments": args });
            let pending = json!({ "id": id, "type": "function_call", "status": "in_progress",
                                  "call_id": call_id, "name": call.name, "arguments": "" });
            (item, pending)
        }
    };
    let added = json!({ "type": "response.output_item.added", "output_index": 0,
                        "item": pending });
    (item, vec![added])
}

pub(super) fn chat(st: &mut ModelState, body: &str) -> (Response, Option<String>) {
    let Ok(req) = serde_json::from_str::<Value>(body) else {
        return invalid("messages");
    };
    let Some(model) = req["model"].as_str() else {
        return invalid("model");
    };
    if !req["messages"].is_array() {
        return invalid("messages");
    }
    let answer = st.next_answer(|_| false, false);
    let text = text_of(&answer);
    let id = format!("chatcmpl-fake{:04}", st.answers);
    let created = now_secs();
    let (prompt_tokens, completion_tokens) = (tokens(body), tokens(&text));
    let usage = json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    });
    let label = Some(answer.label());
    if req["stream"] != true {
        let done = json!({
            "id": id, "object": "chat.completion", "created": created, "model": model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": text, "refusal": null },
                "logprobs": null,
                "finish_reason": "stop",
            }],
            "usage": usage,
        });
        return (axum::Json(done).into_response(), label);
    }
    let chunk = |choices: Value| {
        json!({ "id": id, "object": "chat.completion.chunk", "created": created,
                "model": model, "choices": choices })
    };
    let mut out = String::new();
    let deltas = [
        json!({ "role": "assistant", "content": "" }),
        json!({ "content": text }),
    ];
    for delta in deltas {
        let c = chunk(json!([{ "index": 0, "delta": delta, "logprobs": null,
                               "finish_reason": null }]));
        sse_event(&mut out, None, &c);
    }
    let last = chunk(json!([{ "index": 0, "delta": {}, "logprobs": null,
                              "finish_reason": "stop" }]));
    sse_event(&mut out, None, &last);
    if req["stream_options"]["include_usage"] == true {
        let mut u = chunk(json!([]));
        u["usage"] = usage;
        sse_event(&mut out, None, &u);
    }
    out.push_str("data: [DONE]\n\n");
    (sse_response(out, &[]), label)
}

pub(super) fn models() -> Response {
    axum::Json(json!({
        "object": "list",
        "data": [{ "id": "gpt-fake-1", "object": "model", "created": 1_767_225_600,
                   "owned_by": "aiops-fakes" }],
    }))
    .into_response()
}
