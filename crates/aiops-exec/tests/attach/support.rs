//! Shared by the attach tests: a private tmux server (never the user's), a [`Screen`]
//! that records what the terminal shows, and waits with a deadline.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aiops_exec::attach::Screen;
use aiops_exec::tmux::{NewSession, Tmux};

/// Waits for `done` with a deadline instead of sleeping and hoping.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A tmux server on `<dir>/tmux.sock`, killed on drop.
pub struct Server(pub Tmux);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill_server();
    }
}

/// A private tmux server with session `name` running `command`.
pub fn tmux_session(dir: &Path, name: &str, command: &[&str]) -> Server {
    let s = Server(Tmux::new(dir));
    let command: Vec<String> = command.iter().map(|c| (*c).to_owned()).collect();
    s.0.new_session(&NewSession {
        name,
        dir,
        env: &[],
        command: &command,
        width: 80,
        height: 24,
    })
    .unwrap();
    s
}

/// What a scenario asks a transport to attach: the command, the size in cells, and
/// whether input is dropped.
pub struct Attach {
    pub argv: Vec<String>,
    pub cols: u16,
    pub rows: u16,
    pub read_only: bool,
}

impl Server {
    /// An attach of session `name` at `cols` × `rows`.
    pub fn attach(&self, name: &str, (cols, rows): (u16, u16), read_only: bool) -> Attach {
        Attach {
            argv: self.attach_command(name, read_only),
            cols,
            rows,
            read_only,
        }
    }

    /// The attach command `GET /sessions/{id}/attach` would give for `name`.
    pub fn attach_command(&self, name: &str, read_only: bool) -> Vec<String> {
        self.0
            .attach_argv(name, read_only)
            .unwrap()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// The attached clients' sizes, as `WxH` lines.
    pub fn client_sizes(&self) -> String {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(self.0.socket())
            .args(["list-clients", "-F", "#{client_width}x#{client_height}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// What a terminal showed, how it ended, and whether it still listens.
#[derive(Default)]
pub struct Recorder {
    pub bytes: Mutex<Vec<u8>>,
    pub ended: Mutex<Option<(u16, String)>>,
    /// Answer `false` to output from now on (the page went away).
    pub gone: std::sync::atomic::AtomicBool,
}

impl Screen for Recorder {
    fn output(&self, bytes: &[u8]) -> bool {
        self.bytes.lock().unwrap().extend_from_slice(bytes);
        !self.gone.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn ended(&self, code: u16, reason: &str) {
        let mut ended = self.ended.lock().unwrap();
        assert!(
            ended.is_none(),
            "ended twice: {ended:?}, then {code} {reason}"
        );
        *ended = Some((code, reason.to_owned()));
    }
}

impl Recorder {
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes.lock().unwrap()).into_owned()
    }

    pub fn len(&self) -> usize {
        self.bytes.lock().unwrap().len()
    }

    pub fn ended(&self) -> Option<(u16, String)> {
        self.ended.lock().unwrap().clone()
    }
}
