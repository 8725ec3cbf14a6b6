//! One SSH terminal's thread: the session in non-blocking mode, a `poll(2)` on its socket
//! and on a wake-up socket pair, and everything else in between.
//!
//! Why one thread and non-blocking: a libssh2 session is not safe for concurrent use, and
//! ssh2 locks it for every call, so a reader blocked in `read` would hold back every
//! keystroke behind it. Here a keystroke is: the caller queues it and writes a byte to the
//! wake-up socket; `poll` returns; the loop writes it to the channel; the echo wakes
//! `poll` again on the SSH socket. No timers in the path.
//!
//! Flow control: while the [`Window`] is paused the loop stops reading the channel, so
//! libssh2 stops extending the channel's window, sshd stops reading the remote PTY, and
//! tmux stops drawing. Input is still written, and acks still arrive, meanwhile.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::mpsc::{self, TryRecvError};

use ssh2::{BlockDirections, Channel, Session};

use super::{Attached, CHUNK, Link, Pending, RESIZE_COST, Screen, Window, close};

/// Seconds of silence after which the session sends an SSH keepalive (so NAT and
/// proxies keep an idle terminal's connection).
const KEEPALIVE_SECS: u32 = 30;
/// How long the teardown (closing the channel, waiting for the exit status) may block.
const TEARDOWN_MS: u32 = 2000;
/// Zero-byte reads in a row, without EOF, after which the channel counts as closed.
/// libssh2 answers 0 once after handling a packet that was not data; only a channel
/// closed without EOF answers it forever.
const MAX_EMPTY_READS: u32 = 1000;
/// libssh2's `LIBSSH2_ERROR_EAGAIN`.
const EAGAIN: i32 = -37;

enum Control {
    Input(Vec<u8>),
    Resize(u16, u16),
    Ack(u64),
    Detach,
}

struct SshLink {
    tx: mpsc::Sender<Control>,
    /// Written to after each message, to wake the thread's `poll`.
    wake: UnixStream,
    pending: Pending,
    read_only: bool,
}

impl SshLink {
    fn send(&self, c: Control) {
        if self.tx.send(c).is_ok() {
            // Full means a wake-up is already pending: nothing lost.
            let _ = (&self.wake).write(&[1]);
        }
    }
}

impl Link for SshLink {
    fn input(&self, bytes: Vec<u8>) {
        if !self.read_only && !bytes.is_empty() {
            self.pending.add(bytes.len());
            self.send(Control::Input(bytes));
        }
    }
    fn resize(&self, cols: u16, rows: u16) {
        self.pending.add(RESIZE_COST);
        self.send(Control::Resize(cols, rows));
    }
    fn ack(&self, bytes: u64) {
        self.send(Control::Ack(bytes));
    }
    fn detach(&self) {
        self.send(Control::Detach);
    }
}

/// Starts the thread for `channel` (the command already running) of `session`, whose
/// socket is `fd`.
pub(super) fn start(
    session: Session,
    channel: Channel,
    fd: RawFd,
    read_only: bool,
    screen: Arc<dyn Screen>,
) -> std::io::Result<Attached> {
    let (wake, woken) = UnixStream::pair()?;
    wake.set_nonblocking(true)?;
    woken.set_nonblocking(true)?;
    let (tx, rx) = mpsc::channel();
    session.set_keepalive(false, KEEPALIVE_SECS);
    session.set_blocking(false);
    let pending = Pending::default();
    let pump = Pump {
        session,
        channel,
        fd,
        woken,
        rx,
        screen,
        pending: pending.clone(),
    };
    std::thread::Builder::new()
        .name("attach-ssh".into())
        .spawn(move || pump.run())?;
    let link = SshLink {
        tx,
        wake,
        pending: pending.clone(),
        read_only,
    };
    Ok(Attached::new(link, pending))
}

/// How the loop ended.
enum End {
    /// The page detached (or stopped listening).
    Detached,
    /// The command ended: the channel reached EOF.
    Eof,
    /// The connection or the channel failed.
    Failed(String),
}

struct Pump {
    session: Session,
    channel: Channel,
    fd: RawFd,
    woken: UnixStream,
    rx: mpsc::Receiver<Control>,
    screen: Arc<dyn Screen>,
    /// Input queued by the link and not yet written to the channel.
    pending: Pending,
}

fn would_block(e: &ssh2::Error) -> bool {
    e.code() == ssh2::ErrorCode::Session(EAGAIN)
}

impl Pump {
    fn run(mut self) {
        let end = self.pump();
        self.session.set_blocking(true);
        self.session.set_timeout(TEARDOWN_MS);
        match end {
            End::Detached => {
                // sshd hangs up the PTY: the tmux client gets SIGHUP and detaches.
                let _ = self.channel.close();
                let _ = self.session.disconnect(None, "detached", None);
                self.screen.ended(close::NORMAL, "detached");
            }
            End::Eof => {
                let _ = self.channel.wait_close();
                let status = self.channel.exit_status().unwrap_or(0);
                let _ = self.session.disconnect(None, "done", None);
                if status == 0 {
                    self.screen.ended(close::NORMAL, "tmux attach ended");
                } else {
                    let reason = format!("the attach command exited with status {status}");
                    self.screen.ended(close::ERROR, &reason);
                }
            }
            End::Failed(reason) => self.screen.ended(close::DROPPED, &reason),
        }
    }

    fn pump(&mut self) -> End {
        let mut window = Window::default();
        let mut input: VecDeque<Vec<u8>> = VecDeque::new();
        // Bytes of `input.front()` already written.
        let mut written = 0;
        let mut resize = None;
        let mut buf = vec![0u8; CHUNK];
        let mut empty_reads = 0;
        loop {
            // 1. What the page sent since the last turn.
            let mut drain = [0u8; 256];
            while matches!((&self.woken).read(&mut drain), Ok(n) if n > 0) {}
            loop {
                match self.rx.try_recv() {
                    Ok(Control::Input(b)) => input.push_back(b),
                    Ok(Control::Resize(c, r)) => {
                        // Only the newest size is sent: an older one counts as taken.
                        resize = Some((c, r));
                        self.pending.taken(RESIZE_COST, &*self.screen);
                    }
                    Ok(Control::Ack(n)) => window.acked(n),
                    Ok(Control::Detach) | Err(TryRecvError::Disconnected) => return End::Detached,
                    Err(TryRecvError::Empty) => break,
                }
            }
            // 2. Input to the remote PTY, as far as the channel takes it now.
            while let Some(front) = input.front() {
                match self.channel.write(&front[written..]) {
                    Ok(n) => {
                        written += n;
                        if written == front.len() {
                            let done = front.len();
                            input.pop_front();
                            written = 0;
                            self.pending.taken(done, &*self.screen);
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => return End::Failed(format!("SSH write: {e}")),
                }
            }
            if let Some((cols, rows)) = resize {
                match self
                    .channel
                    .request_pty_size(cols.into(), rows.into(), None, None)
                {
                    Err(e) if would_block(&e) => {}
                    // A refused resize is not worth ending the terminal for.
                    _ => resize = None,
                }
            }
            // 3. Output to the screen, until libssh2 has nothing more or the window pauses.
            while !window.paused() {
                match self.channel.read(&mut buf) {
                    Ok(0) if self.channel.eof() => return End::Eof,
                    Ok(0) => {
                        empty_reads += 1;
                        if empty_reads > MAX_EMPTY_READS {
                            return End::Failed("the SSH channel closed".into());
                        }
                    }
                    Ok(n) => {
                        empty_reads = 0;
                        if !self.screen.output(&buf[..n]) {
                            return End::Detached;
                        }
                        window.sent(n);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        empty_reads = 0;
                        break;
                    }
                    Err(e) => return End::Failed(format!("SSH read: {e}")),
                }
            }
            // 4. Sleep until the socket or the page has something.
            let pending_write = !input.is_empty() || resize.is_some();
            if let Err(reason) = self.wait(!window.paused(), pending_write) {
                return End::Failed(reason);
            }
        }
    }

    /// Polls the SSH socket (readable when `want_output` or libssh2 waits to read;
    /// writable when libssh2 waits to write `pending_write`) and the wake-up socket, until
    /// one is ready or a keepalive is due (then sends it). `Err` when the connection
    /// hung up while nothing reads it.
    fn wait(&self, want_output: bool, pending_write: bool) -> Result<(), String> {
        let dirs = self.session.block_directions();
        let inbound = matches!(dirs, BlockDirections::Inbound | BlockDirections::Both);
        let outbound = matches!(dirs, BlockDirections::Outbound | BlockDirections::Both);
        let mut events = 0;
        if want_output || inbound {
            events |= libc::POLLIN;
        }
        if pending_write && outbound {
            events |= libc::POLLOUT;
        }
        let next_keepalive = self.session.keepalive_send().unwrap_or(KEEPALIVE_SECS);
        let timeout_ms = i32::try_from(next_keepalive.max(1) * 1000).unwrap_or(i32::MAX);
        let mut fds = [
            libc::pollfd {
                fd: self.fd,
                events,
                revents: 0,
            },
            libc::pollfd {
                fd: self.woken.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: `fds` is a valid array of two pollfd for the duration of the call; both
        // descriptors stay open (the session owns the socket, `self` the other one).
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return match e.kind() {
                ErrorKind::Interrupted => Ok(()),
                _ => Err(format!("poll: {e}")),
            };
        }
        let hung_up = fds[0].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0;
        // Reading would notice it; a paused terminal does not read, and would spin.
        if hung_up && !want_output {
            return Err("the SSH connection dropped".into());
        }
        Ok(())
    }
}
