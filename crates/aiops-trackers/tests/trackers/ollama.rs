//! The Ollama answerer against the fake: the request, the streamed pieces, errors.

use std::time::Duration;

use aiops_core::chat::channel::Answerer;
use aiops_fakes::ollama;
use aiops_trackers::chat::ollama::Ollama;

#[test]
fn answers_stream_piece_by_piece() {
    let fake = ollama::start("llama3.2");
    fake.state()
        .script
        .push_back(vec!["Hel".into(), "lo ".into(), "world".into()]);
    let model = Ollama::new(fake.url(), "llama3.2", Duration::from_secs(10));
    let mut seen = Vec::new();
    let answer = model
        .answer(
            "-1",
            "hi?",
            time::OffsetDateTime::now_utc(),
            &mut |so_far| seen.push(so_far.to_owned()),
        )
        .expect("an answer");
    assert_eq!(answer, "Hello world");
    assert_eq!(seen, vec!["Hel", "Hello ", "Hello world"]);
    let s = fake.state();
    let req = &s.requests[0];
    assert_eq!(req["model"], "llama3.2");
    assert_eq!(req["stream"], true);
    assert_eq!(req["messages"][0]["role"], "system");
    assert_eq!(
        req["messages"][1],
        serde_json::json!({"role": "user", "content": "hi?"})
    );
}

#[test]
fn an_unknown_model_is_a_clear_error() {
    let fake = ollama::start("llama3.2");
    let model = Ollama::new(fake.url(), "nope", Duration::from_secs(10));
    let err = model
        .answer("-1", "hi?", time::OffsetDateTime::now_utc(), &mut |_| {})
        .expect_err("no such model");
    let text = err.to_string();
    assert!(text.contains("model \"nope\" not found"), "{text}");
    assert!(
        text.starts_with(&format!("Ollama at {}", fake.url())),
        "{text}"
    );
}
