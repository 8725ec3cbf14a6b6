//! A program in a pseudo-terminal: what a terminal attach runs (`tmux attach-session` for
//! the browser's WebSocket terminal; the desktop's local attach later).
//!
//! Why here: aiops-exec is the one crate that spawns processes or PTYs (DESIGN), so the
//! rules of [`crate::process`] hold for PTYs too: argv only (never a shell string) and an
//! environment that starts empty. portable-pty does the platform work (openpty, setsid,
//! controlling terminal, `TIOCSWINSZ`); this type narrows it to what aiops needs and
//! makes the teardown order safe.
//!
//! Threads: [`PtyReader::read`] blocks, so it belongs on a dedicated thread feeding a
//! bounded channel (when the channel is full the thread blocks, the PTY buffer fills and
//! the program stops writing: that is the flow control). Writes and resizes are short
//! blocking calls for a blocking thread, never an async worker.

use std::ffi::OsString;
use std::io::{Read, Write};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub use aiops_types::terminal::MAX_SIDE;

/// Environment variables passed through from aiops's own environment when present.
const INHERITED: &[&str] = &["PATH", "HOME", "LANG"];

/// What the program is told about the terminal it draws on: xterm.js and the desktop
/// terminal both implement xterm's 256-colour set.
const TERM: &str = "xterm-256color";

#[derive(Debug, thiserror::Error)]
pub enum PtyError {
    #[error("a PTY needs a program to run")]
    EmptyArgv,
    #[error("terminal size {cols}x{rows} is out of range (1..=1000 each)")]
    BadSize { cols: u16, rows: u16 },
    /// openpty failed, or the program could not be started (not installed, not
    /// executable); the message says which.
    #[error("cannot start `{program}` in a PTY: {message}")]
    Spawn { program: String, message: String },
    #[error("PTY: {0}")]
    Io(String),
}

fn size(cols: u16, rows: u16) -> Result<PtySize, PtyError> {
    if !(1..=MAX_SIDE).contains(&cols) || !(1..=MAX_SIDE).contains(&rows) {
        return Err(PtyError::BadSize { cols, rows });
    }
    Ok(PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    })
}

fn io_err(e: impl std::fmt::Display) -> PtyError {
    PtyError::Io(e.to_string())
}

/// The program's output side of the PTY; give it to one dedicated thread.
pub struct PtyReader(Box<dyn Read + Send>);

impl std::fmt::Debug for PtyReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PtyReader")
    }
}

impl Read for PtyReader {
    /// Blocks until the program writes. `Ok(0)` or an error (`EIO` on Linux) once the
    /// program and every process holding the terminal have exited.
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

/// A running program with a PTY as its controlling terminal (stdin, stdout and stderr).
///
/// Dropping it kills and reaps the program first (see [`Pty::kill`]), then closes the
/// master. That order matters: portable-pty's writer sends `\n` and EOF (^D) into the
/// terminal when it is closed, which a live program would read as typed input.
pub struct Pty {
    child: Box<dyn Child + Send + Sync>,
    // The writer stays inside (no `take_writer` for callers) so it cannot outlive the
    // child: see the type's doc.
    writer: Box<dyn Write + Send>,
    master: Box<dyn MasterPty + Send>,
    /// The exit code once the program has been reaped.
    exited: Option<u32>,
}

impl std::fmt::Debug for Pty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pty")
            .field("pid", &self.child.process_id())
            .field("exited", &self.exited)
            .finish_non_exhaustive()
    }
}

impl Pty {
    /// Starts `argv[0]` (looked up on `PATH`) with `argv[1..]` in a new PTY of `cols` ×
    /// `rows` cells (each 1..=1000), in `/` (portable-pty's default, `$HOME`, may not
    /// exist for a service account, and then nothing starts). The environment is empty except `PATH`,
    /// `HOME` and `LANG` from aiops's own (when set), `TERM=xterm-256color`, and `SHELL`
    /// (portable-pty always sets it, from `$SHELL` or the password database).
    ///
    /// Returns the PTY and its reader. Errors: `EmptyArgv`, `BadSize`, `Spawn`.
    pub fn spawn(argv: &[OsString], cols: u16, rows: u16) -> Result<(Pty, PtyReader), PtyError> {
        Self::spawn_in(argv, cols, rows, false)
    }

    /// [`Pty::spawn`] with the terminal in raw mode from the start, for a program that
    /// sets its own modes only once it is running — `ssh -t`, after its connection is
    /// up — which would otherwise leave a window where the terminal itself echoes keys
    /// (twice on the screen) and holds them until a newline.
    pub fn spawn_raw(
        argv: &[OsString],
        cols: u16,
        rows: u16,
    ) -> Result<(Pty, PtyReader), PtyError> {
        Self::spawn_in(argv, cols, rows, true)
    }

    fn spawn_in(
        argv: &[OsString],
        cols: u16,
        rows: u16,
        raw_mode: bool,
    ) -> Result<(Pty, PtyReader), PtyError> {
        let program = argv.first().ok_or(PtyError::EmptyArgv)?;
        let spawn_err = |e: &dyn std::fmt::Display| PtyError::Spawn {
            program: program.to_string_lossy().into_owned(),
            message: e.to_string(),
        };
        let pair = native_pty_system()
            .openpty(size(cols, rows)?)
            .map_err(|e| spawn_err(&e))?;
        if raw_mode {
            raw(pair.master.as_ref());
        }
        let mut cmd = CommandBuilder::from_argv(argv.to_vec());
        cmd.env_clear();
        for key in INHERITED {
            if let Some(v) = std::env::var_os(key) {
                cmd.env(key, v);
            }
        }
        cmd.env("TERM", TERM);
        cmd.cwd("/");
        let child = pair.slave.spawn_command(cmd).map_err(|e| spawn_err(&e))?;
        // Close our copy of the terminal side now: the reader can only see end-of-file
        // when no process holds it, and the program's exit must end the reader.
        drop(pair.slave);
        let reader = pair.master.try_clone_reader().map_err(io_err)?;
        let writer = pair.master.take_writer().map_err(io_err)?;
        Ok((
            Pty {
                child,
                writer,
                master: pair.master,
                exited: None,
            },
            PtyReader(reader),
        ))
    }

    /// The program's process id (None once reaped).
    pub fn pid(&self) -> Option<u32> {
        match self.exited {
            Some(_) => None,
            None => self.child.process_id(),
        }
    }

    /// Writes `bytes` to the program's input (keystrokes, pasted text), all of them.
    /// Blocks while the terminal's input buffer is full.
    pub fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(bytes)?;
        self.writer.flush()
    }

    /// Sets the terminal to `cols` × `rows` cells (each 1..=1000); the program gets
    /// `SIGWINCH`. Errors: `BadSize`, `Io`.
    pub fn resize(&self, cols: u16, rows: u16) -> Result<(), PtyError> {
        self.master.resize(size(cols, rows)?).map_err(io_err)
    }

    /// The terminal's size as (cols, rows).
    pub fn size(&self) -> Result<(u16, u16), PtyError> {
        let s = self.master.get_size().map_err(io_err)?;
        Ok((s.cols, s.rows))
    }

    /// The exit code once the program has exited (reaping it), None while it runs. A
    /// program ended by a signal reports 1.
    pub fn try_wait(&mut self) -> std::io::Result<Option<u32>> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait()?.map(|s| s.exit_code());
        }
        Ok(self.exited)
    }

    /// Ends the program and reaps it: `SIGHUP` first (what a closed terminal sends; a
    /// tmux client detaches and the tmux session keeps running), `SIGKILL` if it is still
    /// there ~250 ms later. Blocks for at most about that long. A program that already
    /// exited is only reaped (never signalled: its pid may belong to someone else by now).
    pub fn kill(&mut self) -> std::io::Result<()> {
        if self.try_wait()?.is_some() {
            return Ok(());
        }
        self.child.kill()?;
        self.exited = Some(self.child.wait()?.exit_code());
        Ok(())
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // Before the fields drop: the writer must not close while the program runs.
        let _ = self.kill();
    }
}

/// Puts the new terminal in raw mode (`cfmakeraw`) before the program starts.
#[cfg(unix)]
fn raw(master: &dyn MasterPty) {
    let Some(fd) = master.as_raw_fd() else {
        return;
    };
    // SAFETY: `fd` is the open master of the pair just made (owned by `master`, alive for
    // this call); `t` is a plain termios that tcgetattr fills before it is read.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut t) == 0 {
            libc::cfmakeraw(&mut t);
            libc::tcsetattr(fd, libc::TCSANOW, &t);
        }
    }
}

#[cfg(not(unix))]
fn raw(_master: &dyn MasterPty) {}
