//! A native client's terminal on an aiops session (the desktop app's): the attach command
//! of `GET /sessions/{id}/attach` (`tmux -S <socket> attach-session -t =<name>`) run in a
//! local PTY ([`local()`]) or, with the `ssh` feature, in a PTY on the server's host over
//! SSH ([`ssh`]).
//!
//! Both shapes hand the output to a [`Screen`] and return the same [`Attached`] handle
//! (input, resize, ack); dropping it detaches: the tmux client ends, the session stays.
//!
//! Flow control is the server's terminal WebSocket's (`aiops-server`, `routes/terminal.rs`):
//! the client acknowledges output it has drawn; above [`HIGH_WATERMARK`] bytes
//! unacknowledged the transport stops reading, so the PTY (or the SSH channel's window)
//! fills and tmux stops drawing, and below [`LOW_WATERMARK`] it reads again.

#[cfg(feature = "ssh")]
pub mod known_hosts;
mod local;
#[cfg(feature = "ssh")]
pub mod ssh;
#[cfg(feature = "ssh")]
mod ssh_pump;

pub use local::local;

/// Unacknowledged output above which a terminal stops reading, in bytes.
pub const HIGH_WATERMARK: u64 = 1024 * 1024;
/// Unacknowledged output below which a paused terminal reads again, in bytes.
pub const LOW_WATERMARK: u64 = 256 * 1024;
/// Largest single read handed to the [`Screen`], in bytes.
pub const CHUNK: usize = 64 * 1024;

/// Close codes given to [`Screen::ended`] (the WebSocket ones, so a page treats every
/// transport alike).
pub mod close {
    /// The attach command ended by itself (the session was killed, or the client detached).
    pub const NORMAL: u16 = 1000;
    /// The connection broke.
    pub const DROPPED: u16 = 1006;
    /// The attach failed (the command exited with an error status, a transport error).
    pub const ERROR: u16 = 1011;
}

/// Where a terminal's output goes (the page's channel in the desktop app). Called from
/// the terminal's own threads.
pub trait Screen: Send + Sync + 'static {
    /// Output bytes, as the program wrote them (a chunk may end inside a UTF-8 sequence).
    /// `false` when nobody listens any more: the terminal then detaches.
    fn output(&self, bytes: &[u8]) -> bool;
    /// The terminal ended, with a [`close`] code and a one-line reason. Called once, also
    /// after a detach.
    fn ended(&self, code: u16, reason: &str);
}

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
}

impl std::fmt::Debug for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Attached")
    }
}

impl Attached {
    pub(crate) fn new(link: impl Link + 'static) -> Self {
        Self {
            link: Box::new(link),
        }
    }

    /// Keystrokes or a paste (dropped by a read-only attach). Never blocks.
    pub fn input(&self, bytes: Vec<u8>) {
        self.link.input(bytes);
    }

    /// The terminal's size in cells; values outside 1..=[`crate::pty::MAX_SIDE`] are ignored.
    pub fn resize(&self, cols: u16, rows: u16) {
        let ok = 1..=crate::pty::MAX_SIDE;
        if ok.contains(&cols) && ok.contains(&rows) {
            self.link.resize(cols, rows);
        }
    }

    /// The client has drawn `bytes` more bytes of output (see the module doc).
    pub fn ack(&self, bytes: u64) {
        self.link.ack(bytes);
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        self.link.detach();
    }
}

/// Output counted against the acks: the watermark rule shared by both transports.
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
