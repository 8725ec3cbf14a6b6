//! Agent sessions: an issue turned into a coding agent running in tmux inside a git
//! worktree. This module grows with issue 4; so far it holds the names derived from user
//! text.

pub mod names;
