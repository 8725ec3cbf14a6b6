//! Blocked is waiting (issue 15): a tool showing a dialog its kind is known for is
//! `waiting` with what the dialog asks, and `running` again once it is answered — noticed
//! on the pane's rendered screen by the session recorder, with no hook from the tool;
//! and a turn ended by an error is `waiting` with the error, its key redacted.

use std::path::Path;
use std::time::Duration;

use crate::common::{ServerProcess, assert_success, json, wait_until};
use crate::sessions::{demo_issue, project_on, seeded_repo, session};
use crate::trackers::id_of;

#[test]
fn a_known_dialog_is_waiting_with_what_it_asks_until_answered() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let agent = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/fixtures/dialog-agent.sh");
    let agent = agent.display().to_string();
    let out = server.cli(
        &[
            "tools",
            "set",
            "stand-in",
            "--command",
            &agent,
            "--kind",
            "codex",
        ],
        None,
    );
    assert_success(&out, "tools set stand-in");
    let issue = id_of(&demo_issue(&server, "Blocked"));
    let id = json(&server, &["issues", "work", &issue, "--tool", "stand-in"])["id"]
        .as_i64()
        .expect("the session's id");
    let id_text = id.to_string();

    let mut last = serde_json::Value::Null;
    let blocked = wait_until(Duration::from_secs(30), || {
        last = session(&server, id);
        last["state"] == "waiting" && last["detail"] == "Codex asks to trust this folder"
    });
    assert!(
        blocked,
        "the dialog makes the session waiting, saying what it asks: {last}"
    );

    assert_success(
        &server.cli(&["sessions", "send", &id_text, "1"], None),
        "sessions send 1",
    );
    let answered = wait_until(Duration::from_secs(30), || {
        last = session(&server, id);
        last["state"] == "running"
    });
    assert!(
        answered,
        "answered, the dialog went away and the tool goes on: {last}"
    );

    // A turn ended by an error: waiting, with the error's line, and no key in it.
    assert_success(
        &server.cli(&["sessions", "send", &id_text, "go"], None),
        "sessions send go",
    );
    let stopped = wait_until(Duration::from_secs(30), || {
        last = session(&server, id);
        last["state"] == "waiting"
            && last["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("Codex stopped: unexpected status 401"))
    });
    assert!(stopped, "the error line is the detail: {last}");
    let detail = last["detail"].as_str().unwrap_or_default();
    assert!(
        !detail.contains("AbCdEfGhIjKlMnOp") && detail.contains("[REDACTED]"),
        "the key it quotes is redacted: {detail}"
    );
}
