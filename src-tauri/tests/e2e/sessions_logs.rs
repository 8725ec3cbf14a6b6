//! `aiops sessions logs` end to end: a `shell` session in real tmux prints a line it
//! redraws in place with `\r` (coloured); the rendered log shows what the screen showed,
//! once, and only `--raw` has the escape-laden stream. Across a respawn and the end of
//! the pane, and for a session recorded before the rendered log existed.

use std::time::Duration;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, wait_until};
use crate::sessions::{project_on, seeded_repo, wait_state};
use crate::terminal::shell_session;

/// Longest wait for output to reach the logs.
const WAIT: Duration = Duration::from_secs(30);

/// Redraws `REDRAWN-1..3` in green on one line, then overwrites it with `FINAL-LINE-4`.
/// The command line bash echoes holds `REDRAWN-%s` and `FINAL-LINE-%s`, never these.
const REDRAW: &str =
    r"printf '\033[1;32mREDRAWN-%s\033[0m\r' 1 2 3; printf 'FINAL-LINE-%s\n' $((2 * 2))";

fn logs(server: &ServerProcess, id: i64, extra: &[&str]) -> Value {
    let id = id.to_string();
    let mut args = vec!["sessions", "logs", id.as_str()];
    args.extend_from_slice(extra);
    json(server, &args)
}

fn send(server: &ServerProcess, id: i64, line: &str) {
    let out = server.cli(&["sessions", "send", &id.to_string(), line], None);
    assert_success(&out, "sessions send");
}

/// Waits until the rendered log holds `needle`; returns its text.
fn wait_logs(server: &ServerProcess, id: i64, needle: &str) -> String {
    let mut last = Value::Null;
    let shown = wait_until(WAIT, || {
        last = logs(server, id, &[]);
        last["text"].as_str().unwrap_or_default().contains(needle)
    });
    assert!(
        shown,
        "`sessions logs {id}` should show {needle:?} within {WAIT:?}; last: {last}"
    );
    assert_eq!(last["rendered"], true, "the rendered log: {last}");
    last["text"].as_str().unwrap().to_owned()
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn sessions_logs_shows_the_screen_once_and_raw_keeps_the_redraws() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let id = shell_session(&server, "Readable logs", None);

    send(&server, id, REDRAW);
    // While the pane is open, its screen comes after what scrolled off.
    let text = wait_logs(&server, id, "FINAL-LINE-4");
    assert_eq!(count(&text, "FINAL-LINE-4"), 1, "the line once: {text:?}");
    assert!(
        !text.contains("REDRAWN-1") && !text.contains('\x1b'),
        "no redraws, no escapes in the rendered log: {text:?}"
    );
    let raw = logs(&server, id, &["--raw"]);
    let raw_text = raw["text"].as_str().unwrap();
    assert_eq!(raw["rendered"], false, "--raw is the raw stream: {raw}");
    assert!(
        raw_text.contains("\x1b[1;32mREDRAWN-1\x1b[0m\rREDRAWN") || {
            // The shell's terminal may split the colour codes differently; the redraws
            // are there either way.
            raw_text.contains("REDRAWN-1") && raw_text.contains("REDRAWN-3\x1b[0m\r")
        },
        "the raw stream keeps every redraw and its escapes: {raw_text:?}"
    );
    let tail = logs(&server, id, &["--tail", "2"]);
    let tail_text = tail["text"].as_str().unwrap();
    assert!(
        tail_text.lines().count() <= 2 && text.trim_end().ends_with(tail_text.trim_end()),
        "--tail 2 is the last two lines: {tail_text:?} of {text:?}"
    );

    // A respawn starts the shell again on a cleared screen: what the old one showed is
    // kept in the log, not lost or repeated.
    let out = server.cli(&["sessions", "respawn", &id.to_string()], None);
    assert_success(&out, "sessions respawn");
    wait_state(&server, id, "running");
    send(&server, id, "echo AFTER-RESPAWN-$((6 * 7))");
    let text = wait_logs(&server, id, "AFTER-RESPAWN-42");
    assert_eq!(count(&text, "FINAL-LINE-4"), 1, "kept once: {text:?}");
    assert!(
        text.find("FINAL-LINE-4") < text.find("AFTER-RESPAWN-42"),
        "in order: {text:?}"
    );

    // The shell exits: the pane stays, dead, until the session is killed, and what it
    // showed is all there (tmux's "Pane is dead" line scrolls the top line away).
    send(&server, id, "exit 0");
    wait_state(&server, id, "exited");
    let text = wait_logs(&server, id, "Pane is dead");
    for line in [
        "$ echo AFTER-RESPAWN-$((6 * 7))",
        "AFTER-RESPAWN-42",
        "FINAL-LINE-4",
    ] {
        assert_eq!(count(&text, line), 1, "{line:?} once: {text:?}");
    }

    // Once the pane is gone (no screen to add: no "Pane is dead" line), the recorder has
    // written its last screen.
    let out = server.cli(&["sessions", "kill", &id.to_string()], None);
    assert_success(&out, "sessions kill");
    let mut last = String::new();
    let written = wait_until(WAIT, || {
        last = logs(&server, id, &[])["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        last.contains("$ exit 0") && !last.contains("Pane is dead")
    });
    assert!(
        written,
        "the last screen is in the log after the pane closed: {last:?}"
    );
    for line in [
        "$ echo AFTER-RESPAWN-$((6 * 7))",
        "AFTER-RESPAWN-42",
        "FINAL-LINE-4",
    ] {
        assert_eq!(count(&last, line), 1, "{line:?} once: {last:?}");
    }

    // A session recorded before the rendered log existed: the raw stream, and it says so.
    let dir = server.data_dir.join("sessions").join(id.to_string());
    for name in ["rendered.log", "rendered.1.log"] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let old = logs(&server, id, &[]);
    assert_eq!(old["rendered"], false, "{old}");
    assert!(
        old["text"].as_str().unwrap().contains("REDRAWN-1"),
        "the raw stream instead: {old}"
    );
    let out = server.cli(&["sessions", "logs", &id.to_string()], None);
    assert_success(&out, "sessions logs");
    assert!(
        crate::common::text(&out.stderr).contains("no rendered log"),
        "the CLI says why it shows the raw output: {}",
        crate::common::text(&out.stderr)
    );
}
