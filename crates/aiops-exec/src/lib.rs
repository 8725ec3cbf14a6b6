//! Child processes of aiops: git now; tmux, ssh and PTYs as sessions arrive.
//!
//! Owns: the only places aiops spawns programs. Arguments are typed (never a shell
//! string), the environment starts empty, every call has a deadline, and stderr is
//! redacted before it can reach a user or a log. Must never import: axum, rusqlite,
//! reqwest, tauri.

pub mod git;
pub mod process;
pub mod pty;
pub mod tmux;
