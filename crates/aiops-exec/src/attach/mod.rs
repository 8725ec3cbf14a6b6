//! The terminal engine: the attach command of a session (`tmux -S <socket>
//! attach-session -t =<name>`, or `ssh -t` to a session host) run in a PTY, its output
//! handed to a [`Screen`] under flow control, input, resizes and acks taken through the
//! [`Attached`] handle; dropping it detaches (the tmux client ends, the session stays).
//!
//! Every terminal runs here: the server's terminal WebSocket (`aiops-server`,
//! `routes/terminal.rs`, a thin adapter over [`local`]), the desktop app's local PTY
//! ([`local`]) and its SSH PTY ([`ssh`], feature `ssh`). The protocol (control messages,
//! close codes, [`Screen`]) is `aiops_types::terminal`.
//!
//! Flow control lives in this module only ([`Window`]): the client acknowledges output it
//! has drawn; above [`HIGH_WATERMARK`] bytes unacknowledged the transport stops reading,
//! so the PTY (or the SSH channel's window) fills and tmux stops drawing, and below
//! [`LOW_WATERMARK`] it reads again.

#[cfg(feature = "ssh")]
pub mod known_hosts;
mod local;
#[cfg(feature = "ssh")]
pub mod ssh;
#[cfg(feature = "ssh")]
mod ssh_pump;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use aiops_types::terminal::{
    HIGH_WATERMARK, LOW_WATERMARK, Screen, Terminal, TerminalControl, close,
};
pub use local::{LocalOptions, local};

/// Largest single read handed to the [`Screen`], in bytes.
pub const CHUNK: usize = 64 * 1024;

/// What each transport does with the page's calls; the one seam between [`Attached`] and
/// the local and the SSH PTY.
pub(crate) trait Link: Send + Sync {
    fn input(&self, bytes: Vec<u8>);
    fn resize(&self, cols: u16, rows: u16);
    fn ack(&self, bytes: u64);
    fn detach(&self);
}

/// A live attach. Dropping it detaches (the tmux client ends; the session keeps running).
pub struct Attached {
    link: Box<dyn Link>,
    pending: Pending,
}

impl std::fmt::Debug for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Attached")
    }
}

impl Attached {
    pub(crate) fn new(link: impl Link + 'static, pending: Pending) -> Self {
        Self {
            link: Box::new(link),
            pending,
        }
    }

    /// Input (bytes) and resizes (16 bytes each) handed to [`Terminal::input`] and
    /// [`Terminal::resize`] that the program has not taken yet. A transport whose client
    /// can send faster than the program reads stops reading its client above a bound, and
    /// reads again on [`Screen::input_taken`].
    pub fn pending_input(&self) -> usize {
        self.pending.get()
    }
}

impl Terminal for Attached {
    /// Never blocks: the bytes wait in a queue the PTY's own thread writes from.
    fn input(&self, bytes: Vec<u8>) {
        self.link.input(bytes);
    }

    /// Values outside 1..=[`crate::pty::MAX_SIDE`] are ignored.
    fn resize(&self, cols: u16, rows: u16) {
        let ok = 1..=crate::pty::MAX_SIDE;
        if ok.contains(&cols) && ok.contains(&rows) {
            self.link.resize(cols, rows);
        }
    }

    fn ack(&self, bytes: u64) {
        self.link.ack(bytes);
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        self.link.detach();
    }
}

/// What a queued resize counts in [`Attached::pending_input`], in bytes.
pub(crate) const RESIZE_COST: usize = 16;

/// Bytes queued for the program and not yet written, shared by a link and its writer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pending(Arc<AtomicUsize>);

impl Pending {
    pub(crate) fn add(&self, n: usize) {
        self.0.fetch_add(n, Ordering::SeqCst);
    }

    /// `n` bytes were written; tells the screen.
    pub(crate) fn taken(&self, n: usize, screen: &dyn Screen) {
        self.sub(n);
        screen.input_taken();
    }

    /// `n` bytes will not be written after all.
    pub(crate) fn sub(&self, n: usize) {
        self.0.fetch_sub(n, Ordering::SeqCst);
    }

    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Output counted against the acks: the watermark rule of every transport.
#[derive(Debug, Default)]
pub(crate) struct Window {
    unacked: u64,
    paused: bool,
}

impl Window {
    /// `n` more bytes went to the screen.
    pub(crate) fn sent(&mut self, n: usize) {
        self.unacked += n as u64;
        if self.unacked > HIGH_WATERMARK {
            self.paused = true;
        }
    }

    /// The screen drew `n` bytes.
    pub(crate) fn acked(&mut self, n: u64) {
        self.unacked = self.unacked.saturating_sub(n);
        if self.paused && self.unacked < LOW_WATERMARK {
            self.paused = false;
        }
    }

    pub(crate) fn paused(&self) -> bool {
        self.paused
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("the attach command is empty")]
    Empty,
    #[error("an argument of the attach command contains a NUL byte")]
    Nul,
}

/// `argv` as one command line for the remote user's shell, which is what SSH runs a
/// command with: every word single-quoted, a `'` inside written as `'\''`, so each
/// argument arrives as exactly one word with nothing expanded (`$`, `` ` ``, `*`, `~`,
/// zsh's `=word`). Holds for POSIX shells, bash and zsh.
///
/// Errors: `Empty` for no words, `Nul` for a NUL byte (no shell can receive one).
pub fn shell_command(argv: &[String]) -> Result<String, QuoteError> {
    if argv.is_empty() {
        return Err(QuoteError::Empty);
    }
    let mut line = String::new();
    for (i, word) in argv.iter().enumerate() {
        if word.contains('\0') {
            return Err(QuoteError::Nul);
        }
        if i > 0 {
            line.push(' ');
        }
        line.push('\'');
        line.push_str(&word.replace('\'', r"'\''"));
        line.push('\'');
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_is_single_quoted_and_a_quote_inside_is_closed_escaped_and_reopened() {
        let argv = [
            "tmux",
            "-S",
            "/data dir/it's/$(id)/tmux.sock",
            "=aiops-1-x",
            "",
        ];
        let argv: Vec<String> = argv.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(
            shell_command(&argv).unwrap(),
            r"'tmux' '-S' '/data dir/it'\''s/$(id)/tmux.sock' '=aiops-1-x' ''"
        );
        assert_eq!(shell_command(&[]), Err(QuoteError::Empty));
        assert_eq!(shell_command(&["a\0b".into()]), Err(QuoteError::Nul));
    }

    /// The real test of quoting: a shell gives every word back unchanged.
    #[test]
    fn sh_receives_exactly_the_words_given() {
        let words = [
            "plain",
            "two words",
            "it's",
            "'",
            "''",
            "$HOME",
            "`id`",
            "$(id)",
            "*",
            "~",
            "=tmux",
            "a\\b",
            "tab\there",
            "new\nline",
            "\"dq\"",
            "!bang",
            ";&|<>",
            "",
            "ünï",
        ];
        let mut argv = vec!["printf".to_owned(), "<%s>\\n".to_owned()];
        argv.extend(words.iter().map(|w| (*w).to_owned()));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(shell_command(&argv).unwrap())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let expected: String = words.iter().map(|w| format!("<{w}>\n")).collect();
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    }

    #[test]
    fn the_window_pauses_above_the_high_watermark_and_resumes_below_the_low_one() {
        let mut w = Window::default();
        w.sent(HIGH_WATERMARK as usize);
        assert!(!w.paused(), "at the watermark still flows");
        w.sent(1);
        assert!(w.paused());
        w.acked(HIGH_WATERMARK - LOW_WATERMARK);
        assert!(w.paused(), "exactly the low watermark left is not below it");
        w.acked(2);
        assert!(!w.paused());
        w.acked(u64::MAX);
        w.sent(10);
        assert!(!w.paused(), "acks beyond what was sent do not go negative");
    }
}
