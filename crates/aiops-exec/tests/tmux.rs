//! tmux on a private socket in a temp dir: sessions run argv commands, keep their pane
//! after exit with the status, take literal text only, and refuse names aiops would not
//! generate. Never the user's tmux server.

use std::path::Path;
use std::time::{Duration, Instant};

use aiops_exec::tmux::{NewSession, Tmux, TmuxError};

/// Waits for `done` with a deadline instead of sleeping and hoping.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Server(Tmux);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill_server();
    }
}

fn server(dir: &Path) -> Server {
    Server(Tmux::new(dir))
}

fn start(t: &Tmux, name: &str, dir: &Path, env: &[(String, String)], cmd: &[&str]) {
    let command: Vec<String> = cmd.iter().map(|s| (*s).to_owned()).collect();
    t.new_session(&NewSession {
        name,
        dir,
        env,
        command: &command,
        width: 120,
        height: 30,
    })
    .unwrap();
}

#[test]
fn a_finished_command_leaves_its_pane_and_exit_status() {
    let tmp = tempfile::tempdir().unwrap();
    let s = server(tmp.path());
    assert!(s.0.list().unwrap().is_empty(), "no server yet: no sessions");
    let env = [("AIOPS_SESSION_ID".to_owned(), "42".to_owned())];
    // Prints, then waits for a line, then exits 3.
    let script = "echo id=$AIOPS_SESSION_ID in $(pwd); read line; exit 3";
    start(
        &s.0,
        "aiops-42-demo",
        tmp.path(),
        &env,
        &["sh", "-c", script],
    );
    let dir = tmp.path().canonicalize().unwrap();
    let expected = format!("id=42 in {}", dir.display());
    wait_until("the command's output", || {
        s.0.capture("aiops-42-demo")
            .is_ok_and(|c| c.contains(&expected))
    });
    assert!(!s.0.pane("aiops-42-demo").unwrap().dead);
    s.0.send_text("aiops-42-demo", "", true).unwrap();
    wait_until("the pane to die", || {
        s.0.pane("aiops-42-demo").is_ok_and(|p| p.dead)
    });
    // tmux reports the status only when it reaped the child before the PTY closed (see
    // `PaneState::exit_status`); when it does, it must be the command's.
    let status = s.0.pane("aiops-42-demo").unwrap().exit_status;
    assert!(matches!(status, None | Some(3)), "{status:?}");
    s.0.kill_session("aiops-42-demo").unwrap();
    let gone = s.0.pane("aiops-42-demo");
    assert!(matches!(gone, Err(TmuxError::NoSession(_))), "{gone:?}");
}

#[test]
fn text_is_typed_literally_never_interpreted() {
    let tmp = tempfile::tempdir().unwrap();
    let s = server(tmp.path());
    start(&s.0, "aiops-1-cat", tmp.path(), &[], &["cat"]);
    let marker = tmp.path().join("pwned");
    let hostile = format!(
        "$(touch {}); `touch {}` C-c",
        marker.display(),
        marker.display()
    );
    s.0.send_text("aiops-1-cat", &hostile, true).unwrap();
    wait_until("cat to echo the line", || {
        s.0.capture("aiops-1-cat")
            .is_ok_and(|c| c.matches("C-c").count() >= 2)
    });
    assert!(!marker.exists(), "nothing ran the text");
    assert!(
        !s.0.pane("aiops-1-cat").unwrap().dead,
        "C-c was text, not a key"
    );
}

#[test]
fn names_aiops_would_not_generate_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let s = server(tmp.path());
    for bad in ["", "a b", "a:b", "a.b", "-t", "=x", "x;kill-server", "é"] {
        assert!(
            matches!(s.0.send_text(bad, "x", false), Err(TmuxError::BadName(_))),
            "{bad:?}"
        );
        assert!(
            matches!(s.0.kill_session(bad), Err(TmuxError::BadName(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn targets_are_exact_not_prefixes() {
    let tmp = tempfile::tempdir().unwrap();
    let s = server(tmp.path());
    start(&s.0, "aiops-10-long", tmp.path(), &[], &["cat"]);
    assert!(matches!(
        s.0.kill_session("aiops-10"),
        Err(TmuxError::NoSession(_))
    ));
    assert_eq!(
        s.0.list().unwrap().len(),
        1,
        "the prefix match did not kill aiops-10-long"
    );
}

#[test]
fn a_pipe_stays_open_across_a_respawn_that_asks_for_it_again() {
    let tmp = tempfile::tempdir().unwrap();
    let s = server(tmp.path());
    let name = "aiops-5-pipe";
    start(&s.0, name, tmp.path(), &[], &["cat"]);
    let out = tmp.path().join("piped");
    let pipe = format!("exec cat >> '{}'", out.display());
    let piped = || std::fs::read_to_string(&out).unwrap_or_default();
    s.0.pipe_pane(name, &pipe).unwrap();
    s.0.send_text(name, "first-line", true).unwrap();
    wait_until("the first line in the pipe", || {
        piped().contains("first-line")
    });
    // A respawn asks again (as the runtime does): the pipe and its reader carry on.
    s.0.respawn(name, tmp.path(), &["cat".to_owned()]).unwrap();
    s.0.pipe_pane(name, &pipe).unwrap();
    s.0.send_text(name, "after-respawn", true).unwrap();
    wait_until("the respawned pane's line in the pipe", || {
        piped().contains("after-respawn")
    });
}
