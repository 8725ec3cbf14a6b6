//! tmux on aiops's own socket (`<data>/tmux.sock`): aiops never touches the user's tmux
//! server and never kills tmux globally. Session names are generated
//! (`^[A-Za-z0-9_-]+$`, see `aiops_core::sessions::names`) and always targeted exactly as
//! `=name`; commands run as argv (tmux ≥ 3.0 runs a multi-argument command without a
//! shell); user text reaches a pane only as literal keys (`send-keys -l`).
//!
//! The server reads `<data>/tmux.conf`, written by [`Tmux::new`]: panes stay after their
//! command exits (`remain-on-exit`, so the exit status can be read) and keep a long
//! history; no status line (the browser, the desktop and `ssh … tmux attach` show the
//! agent's whole screen, and aiops shows the session's name and state around it). A tmux
//! server outlives aiops: sessions are found again with [`Tmux::list`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiops_core::sessions::names::is_tmux_safe;

use crate::process::{ExecError, Spec};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Options of aiops's tmux server.
const CONFIG: &str = "\
# Written by aiops; changes are overwritten. Read when aiops starts its tmux server.
set -g remain-on-exit on
set -g history-limit 50000
set -g default-terminal tmux-256color
set -g exit-empty off
set -g status off
";

/// Numbers the paste buffers of `send_text` within this process.
static SEND_SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[derive(Debug, thiserror::Error)]
pub enum TmuxError {
    #[error("`{0}` is not a tmux session name aiops would generate")]
    BadName(String),
    #[error("no tmux session `{0}`")]
    NoSession(String),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One pane of a session as tmux reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaneState {
    pub session: String,
    /// The command has exited; `exit_status` says how.
    pub dead: bool,
    /// From tmux's `pane_dead_status`. Not reliable: when tmux sees the PTY close before
    /// it reaps the child (seen under load with tmux 3.3a), the status can be lost (its
    /// utempter helper discards `SIGCHLD`; see [`crate::pane_guard`]). Sessions must
    /// record their command's exit status themselves.
    pub exit_status: Option<i32>,
    pub pid: Option<u32>,
}

/// A new session: its name, working directory, extra environment and command.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub name: &'a str,
    pub dir: &'a Path,
    /// Added to the pane's environment (never secrets: tmux arguments are visible in the
    /// process list while tmux runs).
    pub env: &'a [(String, String)],
    pub command: &'a [String],
    pub width: u16,
    pub height: u16,
}

#[derive(Debug, Clone)]
pub struct Tmux {
    socket: PathBuf,
    config: PathBuf,
    /// Lines appended to [`CONFIG`] (the `pane-died` hook).
    extra: String,
}

impl Tmux {
    /// aiops's tmux server at `<dir>/tmux.sock`, configured by `<dir>/tmux.conf` (written
    /// before each new session, since the first session starts the server).
    pub fn new(dir: &Path) -> Self {
        Self {
            socket: dir.join("tmux.sock"),
            config: dir.join("tmux.conf"),
            extra: String::new(),
        }
    }

    /// Runs `shell_command` (with `/bin/sh -c`) whenever a pane's command dies: a global
    /// `pane-died` hook in the config; `#{session_name}` in it becomes the session's
    /// name. tmux expands `$…` inside double quotes, so a command holding `"`, `\\`,
    /// `$`, `` ` `` or a newline is not installed.
    pub fn with_pane_died(mut self, shell_command: &str) -> Self {
        if !shell_command.contains(['"', '\\', '$', '`', '\n']) {
            self.extra =
                format!("set-hook -g pane-died \"run-shell -b \\\"{shell_command}\\\"\"\n");
        }
        self
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    fn spec(&self) -> Spec {
        // `-u`: without a UTF-8 locale (a service or an SSH login with no LANG) tmux
        // prints the tab of `list-panes -F` as `_`, and no pane would be found.
        Spec::new("tmux", TIMEOUT)
            .arg("-u")
            .arg("-S")
            .arg(self.socket.as_os_str())
            .arg("-f")
            .arg(self.config.as_os_str())
    }

    /// `=name`: exactly that session, never a prefix or pattern match.
    fn target(name: &str) -> Result<String, TmuxError> {
        if !is_tmux_safe(name) {
            return Err(TmuxError::BadName(name.to_owned()));
        }
        Ok(format!("={name}"))
    }

    /// `=name:`: the active pane of exactly that session (pane-targeting commands).
    fn pane_target(name: &str) -> Result<String, TmuxError> {
        Ok(format!("{}:", Self::target(name)?))
    }

    /// Starts a detached session running `command` in `dir`.
    pub fn new_session(&self, s: &NewSession<'_>) -> Result<(), TmuxError> {
        Self::target(s.name)?;
        std::fs::write(&self.config, format!("{CONFIG}{}", self.extra))?;
        let mut spec = self
            .spec()
            .args(["new-session", "-d", "-s", s.name, "-c"])
            .arg(s.dir.as_os_str())
            .args(["-x", &s.width.to_string(), "-y", &s.height.to_string()]);
        for (k, v) in s.env {
            spec = spec.arg("-e").arg(format!("{k}={v}"));
        }
        spec = spec.arg("--");
        spec.args(s.command.iter().map(String::as_str)).run()?;
        // A server started by an earlier aiops (another binary path, older options) read
        // an older config: apply the current one; setting options twice changes nothing.
        self.spec()
            .arg("source-file")
            .arg(self.config.as_os_str())
            .run()?;
        Ok(())
    }

    /// Every pane on aiops's socket; empty when the tmux server is not running.
    pub fn list(&self) -> Result<Vec<PaneState>, TmuxError> {
        let out = self
            .spec()
            .args([
                "list-panes",
                "-a",
                "-F",
                "#{session_name}\t#{pane_dead}\t#{pane_dead_status}\t#{pane_pid}",
            ])
            .run();
        let out = match out {
            Ok(o) => o,
            // No server yet, no socket, or a server without sessions: no panes.
            Err(ExecError::Failed { stderr, .. })
                if [
                    "no server running",
                    "No such file",
                    "error connecting",
                    "no current target",
                    "no sessions",
                ]
                .iter()
                .any(|m| stderr.contains(m)) =>
            {
                return Ok(Vec::new());
            }
            Err(e) => return Err(e.into()),
        };
        Ok(out
            .stdout
            .lines()
            .filter_map(|line| {
                let mut f = line.split('\t');
                let session = f.next()?.to_owned();
                let dead = f.next()? == "1";
                let exit_status = f.next().and_then(|s| s.parse().ok());
                let pid = f.next().and_then(|s| s.parse().ok());
                Some(PaneState {
                    session,
                    dead,
                    exit_status: exit_status.filter(|_| dead),
                    pid,
                })
            })
            .collect())
    }

    /// The pane of session `name`.
    pub fn pane(&self, name: &str) -> Result<PaneState, TmuxError> {
        Self::target(name)?;
        self.list()?
            .into_iter()
            .find(|p| p.session == name)
            .ok_or_else(|| TmuxError::NoSession(name.to_owned()))
    }

    /// Puts `text` into the pane as one paste, then Enter when asked. The text goes
    /// through a buffer of its own (`load-buffer` from stdin: no command-size limit, and
    /// never an argument a process list shows), pasted with `paste-buffer -p`: a
    /// bracketed paste where the pane's program asked for one (Claude Code, Codex, bash's
    /// readline), so the Enter after it is a key of its own and submits; Codex took an
    /// Enter typed right after the text as part of it. Line ends stay line feeds (`-r`).
    pub fn send_text(&self, name: &str, text: &str, enter: bool) -> Result<(), TmuxError> {
        let target = Self::pane_target(name)?;
        if text.is_empty() {
            // Still asks tmux, so a missing session is reported.
            self.spec()
                .args(["send-keys", "-t", &target, "-l", "--", ""])
                .run()?;
        } else {
            let seq = SEND_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let buffer = format!("aiops-send-{}-{seq}", std::process::id());
            self.spec()
                .args(["load-buffer", "-b", &buffer, "-"])
                .run_with_input(Some(text.as_bytes()))?;
            self.spec()
                .args([
                    "paste-buffer",
                    "-p",
                    "-d",
                    "-r",
                    "-b",
                    &buffer,
                    "-t",
                    &target,
                ])
                .run()?;
        }
        if enter {
            self.spec()
                .args(["send-keys", "-t", &target, "Enter"])
                .run()?;
        }
        Ok(())
    }

    /// Restarts the pane of session `name` with `command` in `dir` (`respawn-pane -k`:
    /// a live command is killed first).
    pub fn respawn(&self, name: &str, dir: &Path, command: &[String]) -> Result<(), TmuxError> {
        let target = Self::pane_target(name)?;
        self.spec()
            .args(["respawn-pane", "-k", "-t", &target, "-c"])
            .arg(dir.as_os_str())
            .arg("--")
            .args(command.iter().map(String::as_str))
            .run()?;
        Ok(())
    }

    /// Pipes the pane's output to `shell_command` unless a pipe is already open (a
    /// respawned pane keeps its pipe and the process reading it). Not `pipe-pane -o`,
    /// which toggles: it closes an open pipe and opens nothing. tmux runs the command
    /// with `/bin/sh -c`: callers build it only from paths they quoted, never from user
    /// text.
    pub fn pipe_pane(&self, name: &str, shell_command: &str) -> Result<(), TmuxError> {
        let target = Self::pane_target(name)?;
        let open = self
            .spec()
            .args(["display-message", "-p", "-t", &target, "#{pane_pipe}"])
            .run()?;
        if open.stdout.trim() != "1" {
            self.spec()
                .args(["pipe-pane", "-t", &target, shell_command])
                .run()?;
        }
        Ok(())
    }

    /// Ends session `name` (and its processes).
    pub fn kill_session(&self, name: &str) -> Result<(), TmuxError> {
        let target = Self::target(name)?;
        match self.spec().args(["kill-session", "-t", &target]).run() {
            Ok(_) => Ok(()),
            Err(ExecError::Failed { stderr, .. }) if stderr.contains("can't find session") => {
                Err(TmuxError::NoSession(name.to_owned()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// What the pane shows now (for tests and the transcript tail, never a polling loop).
    pub fn capture(&self, name: &str) -> Result<String, TmuxError> {
        let target = Self::pane_target(name)?;
        Ok(self
            .spec()
            .args(["capture-pane", "-p", "-t", &target])
            .run()?
            .stdout)
    }

    /// The pane's visible text and its last `history` lines before it, wrapped lines
    /// joined (`capture-pane -J -S -<history>`): for a session's screen after its
    /// rendered log, on request, never in a loop.
    pub fn capture_joined(&self, name: &str, history: u16) -> Result<String, TmuxError> {
        let target = Self::pane_target(name)?;
        let start = format!("-{history}");
        Ok(self
            .spec()
            .args(["capture-pane", "-p", "-J", "-S", &start, "-t", &target])
            .run()?
            .stdout)
    }

    /// Stops aiops's own tmux server (tests; never the user's).
    pub fn kill_server(&self) -> Result<(), TmuxError> {
        match self.spec().arg("kill-server").run() {
            Ok(_) => Ok(()),
            Err(ExecError::Failed { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The argv of a tmux client attached to exactly session `name`, for a PTY
    /// ([`crate::pty::Pty::spawn`]):
    /// `tmux -u -S <socket> -f <config> attach-session [-r] -t =name`.
    /// `-r` makes the client read-only (tmux ignores its keys). `-u` because the far end
    /// of every aiops terminal (xterm.js, the desktop) is UTF-8 whatever aiops's locale
    /// is; without it a server started with `LANG=C` would draw `_` for every non-ASCII
    /// character. `-f` as on every other call: `attach-session` may start a server, which
    /// must read aiops's config, never the user's. `BadName` for a name aiops would not
    /// generate.
    pub fn attach_argv(
        &self,
        name: &str,
        read_only: bool,
    ) -> Result<Vec<std::ffi::OsString>, TmuxError> {
        let target = Self::target(name)?;
        let mut argv: Vec<std::ffi::OsString> = vec!["tmux".into(), "-u".into(), "-S".into()];
        argv.push(self.socket.clone().into_os_string());
        argv.push("-f".into());
        argv.push(self.config.clone().into_os_string());
        argv.push("attach-session".into());
        if read_only {
            argv.push("-r".into());
        }
        argv.extend(["-t".into(), target.into()]);
        Ok(argv)
    }
}
