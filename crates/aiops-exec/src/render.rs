//! The rendered log of a session: its pane's output replayed through a terminal emulator
//! (the `vt100` crate) and kept as the text the screen showed — one line per screen line,
//! without the escape sequences and in-place redraws (spinners, progress bars, a TUI
//! repainting its prompt) that make the raw transcript ([`crate::launch`]) unreadable.
//!
//! What reaches the log, in this order as it happens:
//! - a row that scrolls off the top of the screen, when it does (vt100's `on_scroll`
//!   with no scrollback kept, so the emulator holds one screen whatever a session prints);
//! - a full-screen program's last screen when it leaves the alternate screen (`less`,
//!   Codex's TUI): what it drew there earlier and redrew over is not kept, and the lines
//!   that were on the normal screen before it started come after it (when they scroll
//!   off, or at the end);
//! - the visible screen before a terminal reset (`ESC c`: `reset`, or the launcher when
//!   it starts a respawned command, which tmux starts on a cleared screen) and when the
//!   input ends (the pane closed): the normal screen, then the alternate one if a
//!   program still had it open.
//!
//! A line wrapped over several rows is one line; trailing blanks are trimmed. Text that is
//! erased (`ESC[2J`, a line redrawn in place) never scrolls, so it is not in the log: the
//! log is what a reader saw last, not everything that was drawn. The log is redacted like
//! the raw one (a key can be put together on the screen from pieces) and rotated alike.
//!
//! The emulator is several times slower than the raw recorder (vt100 does per-cell work
//! for every row that scrolls), so it runs on its own thread ([`RenderThread`]) and never
//! holds the raw transcript back: tmux buffers a slow `pipe-pane` reader's input in its
//! own memory and drops it when the pane closes. Output that comes faster than it can be
//! rendered (a flood: `cat` of a large file) waits up to [`RENDER_QUEUE_BYTES`]; beyond
//! that it is left out of the rendered log, which says so where it happened.

use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use unicode_width::UnicodeWidthStr;

use crate::launch::LogFile;
use vt100::capture::{BasicFormattedCaptureRange, BasicFormattedCaptureState, RowContents};

/// The rendered log (UTF-8 text, `\n` line ends), beside the raw `transcript.log`.
pub const RENDERED_FILE: &str = "rendered.log";
/// Its older part, after rotation at [`crate::launch::TRANSCRIPT_ROTATE_BYTES`].
pub const RENDERED_OLD_FILE: &str = "rendered.1.log";

/// Most bytes waiting for the rendering thread before output is left out of the rendered
/// log (16 MiB: a few seconds of the worst case, a flood of short lines).
pub const RENDER_QUEUE_BYTES: usize = 16 * 1024 * 1024;
/// How much of the output left out is rendered after the gap (its last screens).
const TAIL_BYTES: usize = 256 * 1024;
/// What one queued read costs besides its bytes (the message and its allocation).
const PER_READ: usize = 64;

/// How much of one long line (wrapped over many rows) waits for its end before it is
/// written anyway.
const MAX_HELD: usize = 16 * 1024;

/// Rows as they scroll off the screen, in vt100's "basic formatted" form (text and SGR
/// sequences; rows joined by `\n` unless the row wrapped onto the next).
#[derive(Default)]
struct Scrolled {
    formatted: String,
    /// vt100's state between rows: whether the last row owes a `\n` (it did not wrap).
    state: BasicFormattedCaptureState,
}

impl vt100::Callbacks for Scrolled {
    fn on_scroll(&mut self, row: RowContents<'_>, _alternate_screen: bool) {
        // Writing into a String cannot fail.
        let _ = row.write_formatted_basic(&mut self.formatted, &mut self.state);
    }
}

/// A terminal emulator that turns a pane's byte stream into the lines of the rendered log.
pub struct Renderer {
    parser: vt100::Parser<Scrolled>,
    /// Screen width in cells: a row this wide may continue on the next one.
    cols: usize,
    /// What went out last ends inside a line (its `\n` comes with the next row).
    line_open: bool,
    /// The end of the last read when it was the start of an escape (`ESC`, `ESC [`).
    carry: Vec<u8>,
}

impl Renderer {
    /// A blank screen of `rows` x `cols` cells (0 counts as 1).
    pub fn new(rows: u16, cols: u16) -> Self {
        let size = |n: u16| NonZeroU16::new(n).unwrap_or(NonZeroU16::MIN);
        Self {
            parser: vt100::Parser::new_with_callbacks(
                size(rows),
                size(cols),
                0,
                Scrolled::default(),
            ),
            cols: usize::from(cols.max(1)),
            line_open: false,
            carry: Vec::new(),
        }
    }

    /// Replays `bytes` (any split of the stream: a sequence or a character cut between two
    /// calls is completed by the next) and appends to `out` the text of what left the
    /// screen. `out` only ever ends where a line does (it may not hold that line's `\n`
    /// yet), so a secret in it is never cut by a later call; a row that may go on in the
    /// next row waits for it.
    pub fn feed(&mut self, bytes: &[u8], out: &mut String) {
        // An escape cut at the end of a read waits for the rest, so the checks below see
        // `ESC c` and `ESC [ ?` whole.
        let joined;
        let bytes = if self.carry.is_empty() {
            bytes
        } else {
            joined = [std::mem::take(&mut self.carry).as_slice(), bytes].concat();
            &joined
        };
        let cut = if bytes.ends_with(b"\x1b[") {
            2
        } else {
            usize::from(bytes.ends_with(b"\x1b"))
        };
        let (bytes, carry) = bytes.split_at(bytes.len() - cut);
        self.carry = carry.to_vec();
        let mut rest = bytes;
        while !rest.is_empty() {
            // One private mode change (`ESC [ ?`) or reset (`ESC c`) per piece, at its
            // start: a program that leaves the alternate screen is seen leaving before
            // anything else happens.
            let end = boundary_after_first(rest).unwrap_or(rest.len());
            if rest.starts_with(b"\x1bc") {
                // A terminal reset (`reset`; the launcher before a respawned command,
                // which tmux starts on a cleared screen): what the screen showed first.
                self.append_visible();
            }
            let was_alternate = self.parser.screen().alternate_screen();
            self.parser.process(&rest[..end]);
            if was_alternate && !self.parser.screen().alternate_screen() {
                // vt100 keeps the alternate screen's cells until it is entered again:
                // look at them by switching back without clearing (`?47h`), and out.
                self.parser.process(b"\x1b[?47h");
                self.append_screen();
                self.parser.process(b"\x1b[?47l");
            }
            rest = &rest[end..];
        }
        self.flush(out, false);
    }

    /// The visible screen as text, one line per row (trailing blanks trimmed).
    pub fn screen_text(&self) -> String {
        self.parser.screen().contents()
    }

    /// The input ended: appends to `out` whatever is left and the visible screen (the
    /// normal one, then the alternate one if it is open), ending with a `\n`. Feed it
    /// nothing after this.
    pub fn finish(&mut self, out: &mut String) {
        let carry = std::mem::take(&mut self.carry);
        self.parser.process(&carry);
        self.append_visible();
        self.flush(out, true);
        if std::mem::take(&mut self.line_open) {
            out.push('\n');
        }
    }

    /// Appends the visible screen: the normal one, then the alternate one if it is open.
    fn append_visible(&mut self) {
        let alternate = self.parser.screen().alternate_screen();
        if alternate {
            self.parser.process(b"\x1b[?47l");
        }
        self.append_screen();
        if alternate {
            self.parser.process(b"\x1b[?47h");
            self.append_screen();
        }
    }

    /// Appends the current screen's rows to the scrolled text as plain text, without its
    /// blank rows at the bottom; the next row that scrolls starts a new line.
    fn append_screen(&mut self) {
        let (screen, scrolled) = self.parser.screen_and_callbacks_mut();
        let mut rows = String::new();
        let before = scrolled.state.clone();
        // `Full` continues the scrolled rows (a row wrapped into the screen is one line);
        // no scrollback is kept, so it is the visible rows only.
        let _ = screen.write_contents_formatted_basic(
            &mut rows,
            BasicFormattedCaptureRange::Full(&mut scrolled.state),
        );
        let mut plain = String::with_capacity(rows.len());
        push_plain(&mut plain, &rows);
        let plain = plain.trim_end();
        if plain.is_empty() {
            // A blank screen: nothing written, so no line end owed for it either.
            scrolled.state = before;
        }
        scrolled.formatted.push_str(plain);
    }

    /// Moves the scrolled text to `out` as plain text; the last line waits when it fills
    /// the screen's width (its row may have wrapped) unless the input has `ended`, and
    /// past [`MAX_HELD`] bytes goes out up to its last space (no secret holds one), so
    /// memory stays bounded.
    fn flush(&mut self, out: &mut String, ended: bool) {
        let cols = self.cols;
        let formatted = &mut self.parser.callbacks_mut().formatted;
        let mut keep = formatted.len();
        if !ended {
            let last = formatted.rfind('\n').map_or(0, |i| i + 1);
            let tail: String =
                vt100::capture::basic_formatted_to_plain(&formatted[last..]).collect();
            if tail.width() + 1 >= cols {
                keep = last;
                if formatted.len() - last > MAX_HELD {
                    // Before the space, which then starts what waits (trimming what goes
                    // out cannot eat it); all of it when there is none, as the raw
                    // transcript does.
                    keep = formatted[last..]
                        .rfind(' ')
                        .filter(|&i| i > 0)
                        .map_or(formatted.len(), |i| last + i);
                }
            }
        }
        if keep > 0 {
            push_plain(out, &formatted[..keep]);
            formatted.drain(..keep);
            self.line_open = !out.ends_with('\n');
        }
    }
}

/// Where the next `ESC [ ?` or `ESC c` starts in `bytes`, not counting one at the start.
fn boundary_after_first(bytes: &[u8]) -> Option<usize> {
    let mut from = 1;
    while let Some(i) = bytes.get(from..)?.iter().position(|&b| b == 0x1b) {
        let at = from + i;
        let next = &bytes[at + 1..];
        if next.starts_with(b"[?") || next.starts_with(b"c") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Appends `formatted` (vt100's basic formatted text) to `out` without its SGR sequences
/// and with each line's trailing blanks trimmed.
fn push_plain(out: &mut String, formatted: &str) {
    for (i, line) in formatted.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let start = out.len();
        out.extend(vt100::capture::basic_formatted_to_plain(line));
        let kept = out[start..].trim_end().len();
        out.truncate(start + kept);
    }
}

/// What the recorder hands the rendering thread.
enum Msg {
    /// The next bytes of the pane's output.
    Bytes(Vec<u8>),
    /// This many bytes of output were left out (the queue was full).
    Skipped(u64),
}

/// The rendered log's writer, on its own thread: fed the pane's bytes as they are read,
/// it replays them through a [`Renderer`] of the pane's size and appends the redacted
/// lines to `rendered.log`. The pane's size is the one it starts with (`runtime`'s 200x50):
/// a pane resized later (a client attached with another size) is not seen here, so the
/// log keeps wrapping at 200 columns whatever the pane showed.
pub struct RenderThread {
    dir: PathBuf,
    tx: mpsc::Sender<Msg>,
    /// Bytes (plus [`PER_READ`] per read) sent and not yet rendered.
    queued: Arc<AtomicUsize>,
    budget: usize,
    /// Bytes left out since the queue was last empty, and the last of them.
    skipped: u64,
    tail: std::collections::VecDeque<u8>,
    /// The thread ended early (a write failed, or the emulator panicked).
    gone: bool,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl RenderThread {
    /// Opens (creates) the rendered log in `dir` and starts the thread; at most `budget`
    /// bytes wait for it.
    pub fn start(dir: &Path, budget: usize) -> std::io::Result<Self> {
        Self::start_watched(dir, budget, None)
    }

    /// Like [`start`](Self::start), also showing `watch` the screen's text (one line per
    /// row) each time output has settled ([`SETTLE`] without new bytes) after changing it.
    pub fn start_watched(
        dir: &Path,
        budget: usize,
        watch: Option<ScreenWatch>,
    ) -> std::io::Result<Self> {
        let log = LogFile::open(dir, RENDERED_FILE, RENDERED_OLD_FILE)?;
        let (tx, rx) = mpsc::channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let thread = {
            let queued = Arc::clone(&queued);
            std::thread::Builder::new()
                .name("render".to_owned())
                .spawn(move || render_loop(&rx, &queued, log, watch))?
        };
        Ok(Self {
            dir: dir.to_owned(),
            tx,
            queued,
            budget,
            skipped: 0,
            tail: std::collections::VecDeque::new(),
            gone: false,
            thread,
        })
    }

    /// Queues a copy of `bytes`, or leaves them out when the thread is behind by more than
    /// the budget (and then until it has caught up, so the log has few, whole gaps). Of
    /// what is left out, the last [`TAIL_BYTES`] from a line start are rendered after the
    /// gap, so a flood's end (its last screen) is in the log.
    pub fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() || self.gone {
            return;
        }
        let queued = self.queued.load(Ordering::Acquire);
        if !admit(queued, self.skipped, bytes.len() + PER_READ, self.budget) {
            self.skipped += bytes.len() as u64;
            self.tail.extend(bytes);
            let excess = self.tail.len().saturating_sub(TAIL_BYTES);
            self.tail.drain(..excess);
            return;
        }
        self.resume();
        self.queue(bytes.to_vec());
    }

    /// After a gap: notes it, then queues the tail of what was left out.
    fn resume(&mut self) {
        if self.skipped == 0 {
            return;
        }
        let mut tail = Vec::from(std::mem::take(&mut self.tail));
        // The tail's first line is most likely cut: start after it (when there is one).
        let line = tail.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        tail.drain(..line);
        let skipped = std::mem::take(&mut self.skipped) - tail.len() as u64;
        self.send(Msg::Skipped(skipped));
        self.queue(tail);
    }

    fn queue(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.queued
                .fetch_add(bytes.len() + PER_READ, Ordering::AcqRel);
            self.send(Msg::Bytes(bytes));
        }
    }

    fn send(&mut self, msg: Msg) {
        self.gone |= self.tx.send(msg).is_err();
    }

    /// The input ended: waits until the log has everything and the last screen.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.resume();
        drop(self.tx);
        match self.thread.join() {
            Ok(written) => written,
            Err(_) => LogFile::open(&self.dir, RENDERED_FILE, RENDERED_OLD_FILE)?.append(
                b"\n[aiops: the terminal emulator failed here; the rest is in the raw transcript]\n",
            ),
        }
    }
}

/// Whether a read costing `cost` is queued: it fits the `budget` beside what is `queued`,
/// and, when output was already left out, the thread has caught up.
fn admit(queued: usize, skipped: u64, cost: usize, budget: usize) -> bool {
    queued + cost <= budget && (skipped == 0 || queued == 0)
}

/// The rendering thread: renders what comes until the recorder is done, then the screen.
/// What the settled screen is shown to (the session's dialog watch).
pub type ScreenWatch = Box<dyn FnMut(&str) + Send>;

/// How long output must pause before the screen counts as settled: a dialog is drawn in
/// a burst, and this is what noticing it adds.
pub const SETTLE: Duration = Duration::from_millis(100);

fn render_loop(
    rx: &mpsc::Receiver<Msg>,
    queued: &AtomicUsize,
    mut log: LogFile,
    mut watch: Option<ScreenWatch>,
) -> std::io::Result<()> {
    let new = || Renderer::new(crate::runtime::ROWS, crate::runtime::COLUMNS);
    let mut renderer = new();
    let mut text = String::new();
    // The screen changed since `watch` last saw it.
    let mut unseen = false;
    loop {
        let msg = match rx.recv_timeout(if unseen { SETTLE } else { Duration::MAX }) {
            Ok(msg) => msg,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(w) = watch.as_mut() {
                    w(&renderer.screen_text());
                }
                unseen = false;
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        unseen = watch.is_some();
        match msg {
            Msg::Bytes(bytes) => {
                renderer.feed(&bytes, &mut text);
                queued.fetch_sub(bytes.len() + PER_READ, Ordering::AcqRel);
            }
            Msg::Skipped(n) => {
                // What was left out changed the screen in ways this emulator never saw:
                // write what it has and start over on a blank screen.
                renderer.finish(&mut text);
                text.push_str(&skipped_note(n));
                renderer = new();
            }
        }
        write(&mut log, &mut text)?;
    }
    renderer.finish(&mut text);
    write(&mut log, &mut text)
}

/// The line that marks where `n` bytes of output were left out of the log.
fn skipped_note(n: u64) -> String {
    format!(
        "[aiops: {n} bytes of output came faster than they could be rendered and are not in \
         this log; the raw transcript has them (`sessions logs --raw`) unless they rotated out]\n"
    )
}

/// Appends `text` redacted to the log and empties it.
fn write(log: &mut LogFile, text: &mut String) -> std::io::Result<()> {
    if !text.is_empty() {
        log.append(aiops_core::redact::redact(text).as_bytes())?;
        text.clear();
    }
    Ok(())
}

/// A session's output for a reader (`sessions logs`), redacted: its rendered log followed
/// by `screen()` (what its pane shows now, see [`with_screen`]), or the raw transcript
/// when `raw` or when the session has none (recorded before the rendered log existed);
/// the last `tail` lines when given.
pub fn transcript(
    dir: &Path,
    session_id: i64,
    tail: Option<u32>,
    raw: bool,
    screen: impl FnOnce() -> String,
) -> aiops_types::Transcript {
    let rendered = if raw { None } else { read_rendered(dir) };
    let is_rendered = rendered.is_some();
    let (text, truncated) = match rendered {
        Some((log, truncated)) => (with_screen(log, &screen()), truncated),
        None => crate::launch::read_transcript(dir),
    };
    let text = match tail {
        Some(n) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(n as usize)..].join("\n")
        }
        None => text,
    };
    aiops_types::Transcript {
        session_id,
        text: aiops_core::redact::redact(&text).into_owned(),
        truncated,
        rendered: is_rendered,
    }
}

/// The rendered log as a reader gets it: `log`, then `screen` (what the pane shows now,
/// from `tmux capture-pane`, while the pane is there: the recorder writes the screen only
/// when the pane closes), each line's trailing blanks and the screen's blank bottom rows
/// trimmed.
pub fn with_screen(mut log: String, screen: &str) -> String {
    let mut lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    while lines.last() == Some(&"") {
        lines.pop();
    }
    if !lines.is_empty() && !log.is_empty() && !log.ends_with('\n') {
        log.push('\n');
    }
    for line in lines {
        log.push_str(line);
        log.push('\n');
    }
    log
}

/// The rendered log (older part first) and whether older output was dropped; `None`
/// when the session has none (its recorder predates the rendered log).
pub fn read_rendered(dir: &Path) -> Option<(String, bool)> {
    dir.join(RENDERED_FILE)
        .exists()
        .then(|| crate::launch::read_rotated(dir, RENDERED_FILE, RENDERED_OLD_FILE))
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
