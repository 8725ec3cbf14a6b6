//! Agent sessions: an issue turned into a coding agent running in tmux inside a git
//! worktree. This module grows with issue 4; so far it holds the names derived from user
//! text and the context file written into the worktree.

pub mod context;
pub mod names;
