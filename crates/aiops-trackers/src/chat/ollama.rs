//! Answers from an Ollama server's chat API (`POST /api/chat`,
//! <https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion>):
//! body `{model, messages: [{role, content}], stream: true}`; the answer streams as
//! NDJSON lines `{"message": {"role": "assistant", "content": "<piece>"}, "done": false}`
//! ending with a line with `"done": true`; an error is `{"error": "…"}` (with a 4xx/5xx
//! status, or as a line mid-stream).

use std::io::{BufRead, BufReader};
use std::time::Duration;

use aiops_core::chat::channel::Answerer;
use aiops_core::{CoreError, CoreResult};
use serde_json::{Value, json};

/// What the model is told before the question.
const SYSTEM: &str = "You are the aiops assistant in a team chat. Answer briefly and \
plainly; use Markdown code blocks for code. Never repeat secrets such as tokens or passwords.";

pub struct Ollama {
    agent: ureq::Agent,
    url: String,
    model: String,
}

impl Ollama {
    /// `url` is the server's root (`http://127.0.0.1:11434`); `timeout` bounds one whole
    /// answer.
    pub fn new(url: &str, model: &str, timeout: Duration) -> Self {
        Self {
            agent: crate::http::agent(timeout, true, 0),
            url: url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
        }
    }

    fn fail(&self, what: impl std::fmt::Display) -> CoreError {
        CoreError::Upstream(format!("Ollama at {}: {what}", self.url))
    }
}

impl Answerer for Ollama {
    /// Ollama keeps no context: `chat_id` and `now` are not used.
    fn answer(
        &self,
        _chat_id: &str,
        question: &str,
        _now: aiops_types::Timestamp,
        on_text: &mut dyn FnMut(&str),
    ) -> CoreResult<String> {
        let body = json!({
            "model": self.model,
            "messages": [
                { "role": "system", "content": SYSTEM },
                { "role": "user", "content": question },
            ],
            "stream": true,
        });
        let mut resp = self
            .agent
            .post(format!("{}/api/chat", self.url))
            .send_json(&body)
            .map_err(|e| self.fail(format!("cannot reach the server: {e}")))?;
        let status = resp.status().as_u16();
        let reader = BufReader::new(resp.body_mut().as_reader());
        let mut answer = String::new();
        for line in reader.lines() {
            let line = line.map_err(|e| self.fail(format!("the stream broke: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(&line)
                .map_err(|e| self.fail(format!("unreadable line ({e})")))?;
            if let Some(err) = v.get("error").and_then(Value::as_str) {
                return Err(self.fail(err));
            }
            if status >= 400 {
                return Err(self.fail(format!("answered {status}")));
            }
            if let Some(piece) = v.pointer("/message/content").and_then(Value::as_str)
                && !piece.is_empty()
            {
                answer.push_str(piece);
                on_text(&answer);
            }
            if v.get("done").and_then(Value::as_bool) == Some(true) {
                return Ok(answer);
            }
        }
        if status >= 400 {
            return Err(self.fail(format!("answered {status}")));
        }
        Err(self.fail("the stream ended before `done`"))
    }
}
