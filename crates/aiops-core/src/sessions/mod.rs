//! Agent sessions: an issue turned into a coding agent running in tmux inside a git
//! worktree. This module grows with issue 4; so far it holds the names derived from user
//! text and the context file written into the worktree.

pub mod context;
pub mod names;

use crate::{CoreError, CoreResult, Principal};

/// What the terminal WebSocket attaches to: the session's tmux name and whether the
/// caller may type into it (owners may; admins watching another user's session and any
/// viewer asking for it get a read-only attach).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalTarget {
    pub session_id: i64,
    pub tmux_name: String,
    pub read_only: bool,
}

/// The tmux target for `caller` attaching to session `id`; `NotFound` when the caller may
/// not see it (other members' sessions are invisible), `Conflict` once it has ended.
pub fn terminal_target(
    _store: &impl crate::ports::Store,
    _caller: &Principal,
    id: i64,
    _want_write: bool,
) -> CoreResult<TerminalTarget> {
    // Replaced by the sessions store in this issue; until then no session exists.
    Err(CoreError::not_found(format!("session {id}")))
}
