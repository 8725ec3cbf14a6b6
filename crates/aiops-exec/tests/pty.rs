//! Real PTYs: the size reaches the program, bytes go both ways, the environment is the
//! small cleared one, killing reaps and ends the reader. Then `tmux attach` in a PTY on a
//! private tmux socket: typing reaches the pane, resizing reaches the tmux client, a
//! read-only client's keys are ignored, killing the client detaches it (the session stays)
//! and killing the session ends the client. Never the user's tmux server.

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aiops_exec::pty::{Pty, PtyError, PtyReader};
use aiops_exec::tmux::{NewSession, Tmux};

/// Waits for `done` with a deadline instead of sleeping and hoping.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Everything the program printed so far, collected by a reader thread (as the server
/// does), and whether the reader reached the end.
#[derive(Clone, Default)]
struct Output {
    bytes: Arc<Mutex<Vec<u8>>>,
    ended: Arc<AtomicBool>,
}

impl Output {
    fn collect(mut reader: PtyReader) -> Output {
        let out = Output::default();
        let o = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                o.bytes.lock().unwrap().extend_from_slice(&buf[..n]);
            }
            o.ended.store(true, Ordering::SeqCst);
        });
        out
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes.lock().unwrap()).into_owned()
    }

    fn ended(&self) -> bool {
        self.ended.load(Ordering::SeqCst)
    }
}

fn argv(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

#[test]
fn the_program_sees_the_size_given_at_spawn() {
    let (mut pty, reader) = Pty::spawn(&argv(&["stty", "size"]), 100, 30).unwrap();
    let out = Output::collect(reader);
    wait_until("stty to print the size and exit", || out.ended());
    assert!(out.text().contains("30 100"), "stty said {:?}", out.text());
    wait_until("stty to be reaped", || pty.try_wait().unwrap().is_some());
    assert_eq!(pty.try_wait().unwrap(), Some(0));
    assert_eq!(pty.pid(), None, "a reaped program has no pid");
}

#[test]
fn bytes_written_reach_the_program_and_its_output_comes_back() {
    let (mut pty, reader) = Pty::spawn(&argv(&["cat"]), 80, 24).unwrap();
    let out = Output::collect(reader);
    pty.write_all(b"hello pty\r").unwrap();
    // The line discipline echoes the line once and cat prints it again.
    wait_until("the echo and cat's copy", || {
        out.text().matches("hello pty").count() >= 2
    });
    pty.resize(132, 50).unwrap();
    assert_eq!(pty.size().unwrap(), (132, 50));
    pty.kill().unwrap();
    assert!(pty.try_wait().unwrap().is_some(), "kill reaps the program");
    wait_until("the reader to end after the program died", || out.ended());
}

#[test]
fn the_environment_is_cleared_to_a_few_variables() {
    let (_pty, reader) = Pty::spawn(&argv(&["env"]), 80, 24).unwrap();
    let out = Output::collect(reader);
    wait_until("env to exit", || out.ended());
    let text = out.text();
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    assert!(keys.contains(&"TERM"), "{text}");
    assert!(text.contains("TERM=xterm-256color"), "{text}");
    for k in &keys {
        assert!(
            ["PATH", "HOME", "LANG", "TERM", "SHELL"].contains(k),
            "`{k}` leaked into the PTY's environment:\n{text}"
        );
    }
}

#[test]
fn bad_arguments_are_refused_before_anything_starts() {
    assert!(matches!(Pty::spawn(&[], 80, 24), Err(PtyError::EmptyArgv)));
    for (c, r) in [(0, 24), (80, 0), (1001, 24), (80, 1001)] {
        assert!(
            matches!(
                Pty::spawn(&argv(&["true"]), c, r),
                Err(PtyError::BadSize { .. })
            ),
            "{c}x{r}"
        );
    }
    let missing = Pty::spawn(&argv(&["aiops-no-such-program"]), 80, 24);
    assert!(
        matches!(missing, Err(PtyError::Spawn { .. })),
        "{missing:?}"
    );
    let (pty, _r) = Pty::spawn(&argv(&["cat"]), 80, 24).unwrap();
    assert!(matches!(pty.resize(0, 10), Err(PtyError::BadSize { .. })));
}

struct Server(Tmux);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill_server();
    }
}

/// A private tmux server with session `name` running `cat`.
fn tmux_with_cat(dir: &Path, name: &str) -> Server {
    let s = Server(Tmux::new(dir));
    s.0.new_session(&NewSession {
        name,
        dir,
        env: &[],
        command: &["cat".to_owned()],
        width: 80,
        height: 24,
    })
    .unwrap();
    s
}

/// The sizes of the clients attached to aiops's test server, as `WxH` lines.
fn client_sizes(t: &Tmux) -> String {
    let out = std::process::Command::new("tmux")
        .arg("-S")
        .arg(t.socket())
        .args(["list-clients", "-F", "#{client_width}x#{client_height}"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn tmux_attach_in_a_pty_types_resizes_and_detaches_without_ending_the_session() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmux_with_cat(tmp.path(), "aiops-7-pty");
    let (mut pty, reader) =
        Pty::spawn(&s.0.attach_argv("aiops-7-pty", false).unwrap(), 100, 30).unwrap();
    let out = Output::collect(reader);
    wait_until("the client to attach at 100x30", || {
        client_sizes(&s.0).contains("100x30")
    });
    pty.write_all(b"typed through tmux\r").unwrap();
    wait_until("the pane to show the typed line", || {
        s.0.capture("aiops-7-pty")
            .is_ok_and(|c| c.contains("typed through tmux"))
    });
    wait_until("the client to draw it", || {
        out.text().contains("typed through tmux")
    });
    pty.resize(120, 40).unwrap();
    wait_until("tmux to see the new size", || {
        client_sizes(&s.0).contains("120x40")
    });
    pty.kill().unwrap();
    wait_until("the client's terminal to close", || out.ended());
    wait_until("the client to be gone", || client_sizes(&s.0).is_empty());
    let pane = s.0.pane("aiops-7-pty").unwrap();
    assert!(
        !pane.dead,
        "detaching left the session and its command running"
    );
}

#[test]
fn a_read_only_client_cannot_type() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmux_with_cat(tmp.path(), "aiops-8-ro");
    let (mut pty, reader) =
        Pty::spawn(&s.0.attach_argv("aiops-8-ro", true).unwrap(), 80, 24).unwrap();
    let out = Output::collect(reader);
    wait_until("the client to attach", || !client_sizes(&s.0).is_empty());
    pty.write_all(b"from-the-viewer\r").unwrap();
    // Typed after the viewer's keys: once it shows, the viewer's keys were handled.
    s.0.send_text("aiops-8-ro", "from-the-owner", true).unwrap();
    wait_until(
        "the owner's line in the pane and the viewer's screen",
        || out.text().contains("from-the-owner"),
    );
    let pane = s.0.capture("aiops-8-ro").unwrap();
    assert!(pane.contains("from-the-owner"), "{pane}");
    assert!(
        !pane.contains("from-the-viewer"),
        "a read-only client typed: {pane}"
    );
}

#[test]
fn killing_the_session_ends_the_attached_client() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmux_with_cat(tmp.path(), "aiops-9-end");
    let (mut pty, reader) =
        Pty::spawn(&s.0.attach_argv("aiops-9-end", false).unwrap(), 80, 24).unwrap();
    let out = Output::collect(reader);
    wait_until("the client to attach", || !client_sizes(&s.0).is_empty());
    s.0.kill_session("aiops-9-end").unwrap();
    wait_until("the reader to end", || out.ended());
    wait_until("the client to exit", || pty.try_wait().unwrap().is_some());
}

#[test]
fn attach_refuses_names_aiops_would_not_generate() {
    let t = Tmux::new(Path::new("/nonexistent"));
    assert!(t.attach_argv("a;b", false).is_err());
    let argv = t.attach_argv("aiops-1-x", true).unwrap();
    let argv: Vec<_> = argv.iter().map(|a| a.to_string_lossy()).collect();
    assert!(
        argv.ends_with(&[
            "attach-session".into(),
            "-r".into(),
            "-t".into(),
            "=aiops-1-x".into()
        ]),
        "exact target, read-only: {argv:?}"
    );
}
