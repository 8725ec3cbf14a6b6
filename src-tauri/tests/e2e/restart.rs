//! `aiops system restart` with live sessions: the server re-executes in place on the
//! same listening socket, both sessions are still running after it, and an event stream
//! that was connected resumes with `Last-Event-ID` without missing an event.

use std::time::Duration;

use crate::common::{ServerProcess, assert_success, run, runtime, text};
use crate::sessions::{demo_issue, project_on, seeded_repo, session, tmux, wait_state, work};

#[test]
fn a_restart_keeps_sessions_running_and_the_event_stream_resumes() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let ids: Vec<i64> = (1..=2)
        .map(|n| {
            let issue = demo_issue(&server, &format!("Live {n}"));
            let s = work(&server, &issue, "shell");
            s["id"].as_i64().unwrap()
        })
        .collect();
    for id in &ids {
        wait_state(&server, *id, "running");
    }
    let client = server.admin_client();
    let rt = runtime();

    // A client follows the event stream until the server goes away, remembering the
    // last event id it saw.
    let last_seen = rt.block_on(async {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let follower = {
            let client = client.clone();
            tokio::spawn(async move {
                let mut last = 0;
                let mut open = Some(tx);
                let _ = client
                    .follow_events_from(
                        Some(0),
                        || {
                            if let Some(tx) = open.take() {
                                let _ = tx.send(());
                            }
                        },
                        |e| {
                            last = e.id;
                            true
                        },
                    )
                    .await;
                last
            })
        };
        rx.await.expect("the stream opened");
        let before = client.system_status().await.unwrap();
        // On a blocking thread: this runtime keeps driving the stream and the client's
        // connections meanwhile (and so notices the old process closing them).
        let cmd = server.command(&["system", "restart"]);
        let out = tokio::task::spawn_blocking(move || run(cmd, None))
            .await
            .unwrap();
        assert_success(&out, "aiops system restart");
        assert!(
            text(&out.stdout).contains("Restarted"),
            "{}",
            text(&out.stdout)
        );
        let after = client.system_status().await.expect("the same URL answers");
        assert_ne!(after.started_at, before.started_at, "a new process state");
        // The stream ended with the old process (it does not hang on).
        tokio::time::timeout(Duration::from_secs(30), follower)
            .await
            .expect("the stream ends at the restart")
            .unwrap()
    });
    assert!(last_seen > 0, "the follower saw the sessions' events");
    // The same listening socket: the re-executed server printed its line again.
    let line = server.next_stdout_line(Duration::from_secs(30));
    assert!(line.starts_with("aiops serve: listening on"), "{line}");
    assert!(
        line.ends_with(&server.url),
        "same address: {line} vs {}",
        server.url
    );

    for id in &ids {
        assert_eq!(
            session(&server, *id)["state"],
            "running",
            "session {id} survives"
        );
    }
    let panes = tmux(&server, &["list-panes", "-a", "-F", "#{pane_dead}"]);
    assert_eq!(
        text(&panes.stdout)
            .trim()
            .lines()
            .filter(|l| *l == "0")
            .count(),
        2
    );

    // An event written after the restart reaches a client resuming from `last_seen`.
    let out = server.cli(&["sessions", "kill", &ids[0].to_string()], None);
    assert_success(&out, "sessions kill after the restart");
    let resumed = rt.block_on(async {
        let mut seen = Vec::new();
        let _ = tokio::time::timeout(
            Duration::from_secs(30),
            client.follow_events(Some(last_seen), |e| {
                let done = e.kind == "session.state" && e.payload["id"] == ids[0];
                seen.push(e);
                !done
            }),
        )
        .await;
        seen
    });
    assert!(
        resumed.iter().all(|e| e.id > last_seen),
        "resuming starts after the last event seen"
    );
    assert!(
        resumed
            .iter()
            .any(|e| e.kind == "session.state" && e.payload["id"] == ids[0]),
        "the kill after the restart reaches the resumed stream: {resumed:?}"
    );
}
