//! Runs the fake model endpoint in the foreground and prints every request it gets (and
//! whether it mentions NEEDLE), to try an agent CLI by hand against it:
//!
//! ```sh
//! cargo run -p aiops-fakes --example fake-model -- sk-fake-key [NEEDLE]
//! ANTHROPIC_BASE_URL=http://127.0.0.1:PORT ANTHROPIC_API_KEY=sk-fake-key claude
//! ```
//!
//! `FAKE_MODEL_TOOL_CALL='{"name":"Read","input":{"file_path":"…"}}'` plans a tool call
//! (see `ModelState::tool_call`); `FAKE_MODEL_DUMP=DIR` writes each request body to
//! `DIR/<n>.json`.

use std::time::Duration;

use aiops_fakes::model::ToolCall;

fn main() {
    let mut args = std::env::args().skip(1);
    let key = args.next().unwrap_or_else(|| "sk-fake-key".to_owned());
    let needle = args.next();
    let dump = std::env::var_os("FAKE_MODEL_DUMP").map(std::path::PathBuf::from);
    let fake = aiops_fakes::model::start(&key);
    if let Ok(plan) = std::env::var("FAKE_MODEL_TOOL_CALL") {
        let v: serde_json::Value =
            serde_json::from_str(&plan).expect("FAKE_MODEL_TOOL_CALL is JSON");
        fake.state().tool_call = Some(ToolCall {
            name: v["name"].as_str().expect("a tool name").to_owned(),
            input: v["input"].clone(),
        });
    }
    println!("fake model: {} (key {key})", fake.url());
    let mut seen = 0;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let st = fake.state();
        for (i, call) in st.calls.iter().enumerate().skip(seen) {
            let body: String = call.body.chars().take(300).collect();
            let mentions = needle.as_deref().is_some_and(|n| call.mentions(n));
            println!(
                "#{i} {} {} -> {} {:?} ({} bytes, mentions needle: {mentions})\n  {body}",
                call.method,
                call.path,
                call.status,
                call.answer,
                call.body.len()
            );
            if let Some(dir) = &dump {
                let _ = std::fs::create_dir_all(dir);
                let _ = std::fs::write(dir.join(format!("{i}.json")), &call.body);
            }
        }
        seen = st.calls.len();
    }
}
