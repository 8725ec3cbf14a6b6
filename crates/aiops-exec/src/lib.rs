//! Child processes of aiops: git, ssh, tmux, PTYs, the session launcher, and the
//! terminal attach of native clients (a local PTY, or a PTY over SSH with `ssh`).
//!
//! Owns: the only places aiops spawns programs. Arguments are typed (never a shell
//! string), the environment starts empty, every call has a deadline, and stderr is
//! redacted before it can reach a user or a log. Must never import: axum, rusqlite,
//! reqwest, tauri.

pub mod ansible;
pub mod attach;
pub mod beneath;
pub mod conversation;
pub mod files;
pub mod git;
pub mod host_git;
pub mod host_info;
pub mod host_rpc;
pub mod launch;
pub mod mcp;
mod one_shot;
pub mod pane_guard;
pub mod process;
pub mod pty;
pub mod reexec;
pub mod remote;
pub mod render;
pub mod runtime;
pub mod sandbox;
pub mod seed_repo;
pub mod ssh;
pub mod ssh_runtime;
pub mod stream;
pub mod tmux;
pub mod tool_home;
pub mod tool_install;
pub mod tree_watch;
pub mod watch;
pub mod working_copy;
pub mod workspace;
