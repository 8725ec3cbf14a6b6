//! The terminal protocol every transport speaks: the server's terminal WebSocket
//! (`GET /api/v1/sessions/{id}/terminal`), the desktop's local PTY and its SSH PTY.
//!
//! - Output goes to a [`Screen`]: raw bytes as the program wrote them, then one
//!   [`Screen::ended`] with a [`close`] code.
//! - Input, resizes and acks go to a [`Terminal`]; dropping it detaches (the tmux client
//!   ends, the session keeps running).
//! - Flow control: a client acks the output it has drawn ([`TerminalControl::Ack`]); with
//!   more than [`HIGH_WATERMARK`] bytes unacknowledged the side that owns the PTY stops
//!   reading it (tmux then stops drawing), and reads again below [`LOW_WATERMARK`]. The
//!   window itself is counted in one place, `aiops_exec::attach` (the engine every
//!   transport's PTY side runs).

use serde::{Deserialize, Serialize};

/// Unacknowledged output above which a terminal stops reading its PTY, in bytes.
pub const HIGH_WATERMARK: u64 = 1024 * 1024;
/// Unacknowledged output below which a paused terminal reads again, in bytes.
pub const LOW_WATERMARK: u64 = 256 * 1024;
/// Largest width or height of a terminal, in cells (the smallest is 1).
pub const MAX_SIDE: u16 = 1000;

/// A terminal client's control message, a JSON text frame of the terminal WebSocket
/// (`GET /api/v1/sessions/{id}/terminal`; the desktop's terminal commands take the same):
/// `{"type":"resize","cols":…,"rows":…}` in cells, or `{"type":"ack","bytes":…}` for
/// output drawn (flow control). Any other `type` is [`TerminalControl::Unknown`], ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum TerminalControl {
    /// The terminal's new size.
    Resize {
        /// Width in cells.
        cols: u16,
        /// Height in cells.
        rows: u16,
    },
    /// Output drawn, for flow control.
    Ack {
        /// Bytes of output the client has drawn.
        bytes: u64,
    },
    /// Any other `type`: ignored.
    #[serde(other)]
    Unknown,
}

/// Close codes a terminal ends with: the WebSocket ones (RFC 6455 §7.4.1), so a page
/// treats every transport alike.
pub mod close {
    /// The attach command ended by itself (the session was killed, or the client
    /// detached).
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down (the client may reconnect to the next one).
    pub const AWAY: u16 = 1001;
    /// The connection broke.
    pub const DROPPED: u16 = 1006;
    /// A client broke the protocol, or its access was revoked.
    pub const POLICY: u16 = 1008;
    /// The attach failed (the command exited with an error status, a transport error).
    pub const ERROR: u16 = 1011;
}

/// Where a terminal's output goes (the page's channel in the desktop app, the WebSocket
/// in the server). Called from the terminal's own threads or tasks, never concurrently
/// for output.
pub trait Screen: Send + Sync + 'static {
    /// Output bytes, as the program wrote them (a chunk may end inside a UTF-8 sequence).
    /// `false` when nobody listens any more: the terminal then detaches.
    fn output(&self, bytes: &[u8]) -> bool;
    /// The terminal ended, with a [`close`] code and a one-line reason. Called once, also
    /// after a detach.
    fn ended(&self, code: u16, reason: &str);
    /// The program took input that was waiting for it (see `Attached::pending_input` in
    /// `aiops_exec::attach`): a transport that stops reading its client while too much
    /// input waits reads again. Nothing by default.
    fn input_taken(&self) {}
}

/// A live terminal, whatever carries it; dropping it detaches (the session keeps
/// running). No call blocks.
pub trait Terminal: Send + Sync {
    /// Keystrokes or a paste (dropped by a read-only terminal).
    fn input(&self, bytes: Vec<u8>);
    /// The terminal's size in cells; values outside 1..=[`MAX_SIDE`] are ignored.
    fn resize(&self, cols: u16, rows: u16);
    /// The client has drawn `bytes` more bytes of output (see the module doc).
    fn ack(&self, bytes: u64);
    /// A control message as the page sends it, applied: a resize or an ack.
    fn control(&self, control: TerminalControl) {
        match control {
            TerminalControl::Resize { cols, rows } => self.resize(cols, rows),
            TerminalControl::Ack { bytes } => self.ack(bytes),
            TerminalControl::Unknown => {}
        }
    }
}
