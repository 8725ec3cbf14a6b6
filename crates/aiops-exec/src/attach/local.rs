//! The attach command in a local PTY: for a client on the machine whose tmux server holds
//! the session (the desktop app's "This computer"), and for the server's terminal
//! WebSocket (the PTY on the control plane, the client in a browser or a desktop app).
//!
//! Three parties, so that nothing waits on something that waits on it:
//! - the reader thread: PTY output to the [`Screen`]; it sleeps while the window is
//!   paused, so the PTY buffer fills and tmux stops drawing;
//! - the owner thread: owns the [`Pty`], writes input and resizes in order (a write can
//!   block while the program does not read), and ends the client;
//! - acks, which go straight to the shared window from the caller's thread: they must
//!   get through while the owner is blocked on a write to a program that is itself
//!   blocked on output nobody reads.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

use super::{Attached, CHUNK, Link, Pending, RESIZE_COST, Screen, Window, close};
use crate::pty::{Pty, PtyError, PtyReader};

/// What the owner thread is asked to do.
enum ToPty {
    Input(Vec<u8>),
    Resize(u16, u16),
    Detach,
}

impl ToPty {
    /// What the message counts in [`Attached::pending_input`], in bytes.
    fn cost(&self) -> usize {
        match self {
            Self::Input(bytes) => bytes.len(),
            Self::Resize(..) => RESIZE_COST,
            Self::Detach => 0,
        }
    }
}

/// How [`local`] runs the attach command.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalOptions {
    /// Drop input (the command itself should be a read-only attach too).
    pub read_only: bool,
    /// The PTY in raw mode from the start ([`Pty::spawn_raw`]): for `ssh -t`, which sets
    /// the modes only once connected, so that nothing typed meanwhile is echoed or
    /// line-edited by the local PTY.
    pub raw: bool,
}

/// The window the reader waits on, and whether the client is going.
#[derive(Default)]
struct Shared {
    window: Mutex<Window>,
    changed: Condvar,
    detached: AtomicBool,
}

impl Shared {
    fn detach(&self) {
        self.detached.store(true, Ordering::SeqCst);
        self.changed.notify_all();
    }

    fn detached(&self) -> bool {
        self.detached.load(Ordering::SeqCst)
    }

    fn ack(&self, n: u64) {
        if let Ok(mut w) = self.window.lock() {
            w.acked(n);
        }
        self.changed.notify_all();
    }

    /// Counts `n` bytes sent, then sleeps while the window is paused (until acks or a
    /// detach).
    fn sent(&self, n: usize) {
        let Ok(mut w) = self.window.lock() else {
            return;
        };
        w.sent(n);
        while w.paused() && !self.detached() {
            w = match self.changed.wait(w) {
                Ok(w) => w,
                Err(_) => return,
            };
        }
    }
}

struct LocalLink {
    to_pty: mpsc::Sender<ToPty>,
    shared: Arc<Shared>,
    pending: Pending,
    read_only: bool,
}

impl LocalLink {
    /// Hands `msg` to the owner thread, counted as pending until written.
    fn queue(&self, msg: ToPty) {
        let cost = msg.cost();
        self.pending.add(cost);
        if self.to_pty.send(msg).is_err() {
            self.pending.sub(cost); // the owner is gone: nothing waits
        }
    }
}

impl Link for LocalLink {
    fn input(&self, bytes: Vec<u8>) {
        if !self.read_only && !bytes.is_empty() {
            self.queue(ToPty::Input(bytes));
        }
    }

    fn resize(&self, cols: u16, rows: u16) {
        self.queue(ToPty::Resize(cols, rows));
    }

    fn ack(&self, bytes: u64) {
        self.shared.ack(bytes);
    }

    fn detach(&self) {
        // The reader stops waiting and drains: a program blocked on its output then takes
        // the input still queued, the owner gets to the detach, and the client goes.
        self.shared.detach();
        let _ = self.to_pty.send(ToPty::Detach);
    }
}

/// Runs `argv` (the attach command, e.g. `AttachInfo.command`) in a new local PTY of
/// `cols` × `rows` cells and streams its output to `screen` until it ends or the returned
/// handle is dropped (then the client gets SIGHUP: tmux detaches, the session stays).
///
/// The environment is [`Pty::spawn`]'s: cleared except `PATH`, `HOME`, `LANG` and
/// `TERM=xterm-256color`. Errors: those of [`Pty::spawn`] (empty argv, bad size, the
/// program could not start), or `Io` when a thread could not start.
pub fn local(
    argv: &[impl AsRef<OsStr>],
    cols: u16,
    rows: u16,
    options: LocalOptions,
    screen: Arc<dyn Screen>,
) -> Result<Attached, PtyError> {
    let argv: Vec<OsString> = argv.iter().map(|a| a.as_ref().to_owned()).collect();
    let (pty, reader) = if options.raw {
        Pty::spawn_raw(&argv, cols, rows)?
    } else {
        Pty::spawn(&argv, cols, rows)?
    };
    let shared = Arc::new(Shared::default());
    let pending = Pending::default();
    let (to_pty, from_link) = mpsc::channel();
    let thread_err = |e: std::io::Error| PtyError::Io(format!("cannot start a thread: {e}"));
    // The owner first: if the reader cannot start, the owner still ends the client.
    let (p, s) = (pending.clone(), screen.clone());
    std::thread::Builder::new()
        .name("attach-pty".into())
        .spawn(move || own(pty, &from_link, &p, &*s))
        .map_err(thread_err)?;
    let (s, tx) = (shared.clone(), to_pty.clone());
    let started = std::thread::Builder::new()
        .name("attach-pty-read".into())
        .spawn(move || read(reader, screen, s, tx));
    if let Err(e) = started {
        let _ = to_pty.send(ToPty::Detach);
        return Err(thread_err(e));
    }
    let link = LocalLink {
        to_pty,
        shared,
        pending: pending.clone(),
        read_only: options.read_only,
    };
    Ok(Attached::new(link, pending))
}

fn own(mut pty: Pty, from_link: &mpsc::Receiver<ToPty>, pending: &Pending, screen: &dyn Screen) {
    while let Ok(msg) = from_link.recv() {
        let cost = msg.cost();
        match msg {
            ToPty::Input(bytes) => {
                if pty.write_all(&bytes).is_err() {
                    break;
                }
            }
            ToPty::Resize(cols, rows) => {
                let _ = pty.resize(cols, rows);
            }
            ToPty::Detach => break,
        }
        pending.taken(cost, screen);
    }
    // SIGHUP (tmux detaches), SIGKILL if it lingers, and reaped; only reaped if it ended.
    let _ = pty.kill();
}

fn read(
    mut reader: PtyReader,
    screen: Arc<dyn Screen>,
    shared: Arc<Shared>,
    to_pty: mpsc::Sender<ToPty>,
) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        match reader.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // The client exited (or was ended) and nothing holds the terminal any more.
            Ok(0) | Err(_) => break,
            // Detached: drain until the client is gone (see `LocalLink::detach`).
            Ok(_) if shared.detached() => {}
            Ok(n) => {
                if !screen.output(&buf[..n]) {
                    shared.detach();
                    let _ = to_pty.send(ToPty::Detach);
                    continue;
                }
                shared.sent(n);
            }
        }
    }
    // The owner reaps a client that ended by itself.
    let _ = to_pty.send(ToPty::Detach);
    screen.ended(close::NORMAL, "tmux attach ended");
}
