//! What every terminal transport must do, as functions of how to start one: the local PTY
//! and the SSH PTY (here), and the server's terminal WebSocket through `aiops-client`
//! (aiops-server's `tests/api/terminal_transport.rs`) run the same checks against a real
//! tmux session.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use aiops_exec::attach::{CHUNK, HIGH_WATERMARK, Screen, Terminal, close};

use super::support::{Attach, Recorder, Server, tmux_session, wait_until};

/// Starts an attach onto a screen.
pub type Start<'a> = &'a dyn Fn(Attach, Arc<dyn Screen>) -> Box<dyn Terminal>;

/// Typed input runs in the session, a resize reaches tmux, and dropping the handle
/// detaches the client while the session runs on.
pub fn types_resizes_and_detaches(dir: &std::path::Path, start: Start<'_>) {
    let name = "aiops-1-attach";
    let s = tmux_session(dir, name, &["sh"]);
    let screen = Recorder::new();
    let attached = start(s.attach(name, (100, 30), false), screen.clone());
    wait_until("the client to attach at 100x30", || {
        s.client_sizes().contains("100x30")
    });
    attached.input(b"echo attach-$((6*7))\r".to_vec());
    wait_until("the command's output on the screen", || {
        screen.text().contains("attach-42")
    });
    attached.resize(120, 40);
    wait_until("tmux to see the new size", || {
        s.client_sizes().contains("120x40")
    });
    attached.resize(0, 40); // ignored, not fatal
    drop(attached);
    wait_until("the terminal to end", || screen.ended().is_some());
    wait_until("the client to be gone", || s.client_sizes().is_empty());
    assert!(
        !s.0.pane(name).unwrap().dead,
        "detaching left the session and its shell running"
    );
}

/// The number in the last `flow N` line the pane shows.
fn last_flow_line(s: &Server, name: &str) -> u64 {
    let screen = s.0.capture(name).unwrap_or_default();
    screen
        .lines()
        .rev()
        .find_map(|l| {
            l.trim()
                .strip_prefix("flow ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Without acks output stops at the high watermark while the program runs on; acks
/// bring it back.
pub fn output_pauses_without_acks_and_resumes_with_them(dir: &std::path::Path, start: Start<'_>) {
    let name = "aiops-2-flow";
    // A pane faster than the client makes tmux send redraws of the screen instead of
    // every line (as little as 80 kB/s at 80x24 on a loaded machine): a large terminal
    // of full lines makes each redraw ~24 kB, so the 1 MiB watermark comes in a second.
    let flood =
        "pad=$(printf '%0220d' 0); i=0; while :; do i=$((i+1)); echo \"flow $i $pad\"; done";
    let s = tmux_session(dir, name, &["sh", "-c", flood]);
    let screen = Recorder::new();
    let attached = start(s.attach(name, (240, 100), true), screen.clone());
    wait_until("output up to the high watermark", || {
        screen.len() as u64 > HIGH_WATERMARK
    });
    let at_pause = last_flow_line(&s, name);
    wait_until("the pane to run on while the client is paused", || {
        last_flow_line(&s, name) > at_pause + 50_000
    });
    let shown = screen.len() as u64;
    assert!(
        shown <= HIGH_WATERMARK + CHUNK as u64,
        "{shown} bytes reached the screen without an ack"
    );
    attached.ack(shown);
    wait_until("output to flow again after the ack", || {
        screen.len() as u64 > shown + CHUNK as u64
    });
    drop(attached);
    wait_until("the terminal to end", || screen.ended().is_some());
}

/// A read-only attach drops typed input; a screen that stops listening detaches; a
/// killed session ends the terminal normally.
pub fn read_only_gone_screens_and_killed_sessions(dir: &std::path::Path, start: Start<'_>) {
    let name = "aiops-3-ro";
    let s = tmux_session(dir, name, &["cat"]);
    let viewer = Recorder::new();
    let watching = start(s.attach(name, (80, 24), true), viewer.clone());
    wait_until("the viewer to attach", || !s.client_sizes().is_empty());
    watching.input(b"from-the-viewer\r".to_vec());
    s.0.send_text(name, "from-the-owner", true).unwrap();
    wait_until("the owner's line on the viewer's screen", || {
        viewer.text().contains("from-the-owner")
    });
    assert!(
        !s.0.capture(name).unwrap().contains("from-the-viewer"),
        "a read-only attach typed"
    );

    // The page went away: the next output detaches.
    viewer.gone.store(true, Ordering::SeqCst);
    s.0.send_text(name, "more", true).unwrap();
    wait_until("the viewer to detach", || viewer.ended().is_some());
    wait_until("its client to be gone", || s.client_sizes().is_empty());
    drop(watching);

    let typist = Recorder::new();
    let _attached = start(s.attach(name, (80, 24), false), typist.clone());
    wait_until("the typist to attach", || !s.client_sizes().is_empty());
    s.0.kill_session(name).unwrap();
    wait_until("the terminal to end with the session", || {
        typist.ended().is_some()
    });
    assert_eq!(
        typist.ended().unwrap().0,
        close::NORMAL,
        "{:?}",
        typist.ended()
    );
}

/// A paste larger than the flow-control window reaches the program whole while its copy
/// floods the terminal: input keeps flowing while output waits for acks, and acks get
/// through while input is queued (neither waits on the other).
pub fn a_paste_larger_than_the_window_arrives_whole(dir: &std::path::Path, start: Start<'_>) {
    let name = "aiops-4-paste";
    // 98 characters, `\r\n` a line, 13,000 lines: well above the window. The pane's
    // terminal is raw (no line editing, no echo): head takes exactly the paste, tee copies
    // it to the terminal (output pressure), wc counts what arrived. The pane stays (the
    // tmux server goes with the test): tmux may drop the output of a pane whose program
    // has just exited.
    let lines = 13_000;
    let paste = format!("{}\r\n", "a".repeat(98)).repeat(lines);
    let take = format!(
        "stty raw -echo; echo ready; head -c {} | tee /dev/tty | wc -c; exec sleep 600",
        paste.len()
    );
    let s = tmux_session(dir, name, &["sh", "-c", &take]);
    let screen = Recorder::new();
    let terminal = start(s.attach(name, (80, 24), false), screen.clone());
    wait_until("the client to attach", || !s.client_sizes().is_empty());
    wait_until("the pane's terminal to be raw", || {
        s.0.capture(name).is_ok_and(|c| c.contains("ready"))
    });
    assert!(paste.len() as u64 > HIGH_WATERMARK);
    for piece in paste.as_bytes().chunks(1024) {
        terminal.input(piece.to_vec());
    }
    let expected = (lines * 100).to_string();
    let mut acked = 0;
    wait_until("wc to count the whole paste", || {
        // Acks as a page does, for what it has drawn.
        let shown = screen.len();
        terminal.ack((shown - acked) as u64);
        acked = shown;
        s.0.capture(name)
            .is_ok_and(|c| c.lines().any(|l| l.trim() == expected))
    });
    drop(terminal);
    wait_until("the terminal to end", || screen.ended().is_some());
}
