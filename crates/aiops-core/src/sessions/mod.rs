//! Agent sessions: an issue turned into a coding agent running in tmux inside a git
//! worktree (issue 4). [`start`] creates them, [`ops`] watches and ends them, [`tools`]
//! keeps the tool table; [`names`] and [`context`] derive what user text becomes on disk.
//!
//! Sessions live in tmux, not in aiops's memory: the store keeps their rows and the
//! [`Runtime`] finds their panes again after a restart
//! ([`ops::reconcile`]).

pub mod context;
pub mod dialogs;
pub mod install;
pub mod mcp_config;
pub mod names;
pub mod ops;
pub mod plan;
pub mod review;
pub mod sandbox;
pub mod sites;
pub mod start;
pub mod tool_credentials;
pub mod tools;
pub mod worktrees;

use std::path::Path;

use crate::mcp::McpStore;
use crate::ports::{
    AgentStore, IssueStore, ProjectStore, Runtime, SessionStore, SshStore, ToolStore,
};

pub use ops::{TerminalMode, TerminalTarget, terminal_target};

/// What launching a session needs from storage; [`start::start`] and [`start::work`]
/// share the launch. The project and whether its MCP servers apply ([`ProjectStore`],
/// [`McpStore`]); the issue, its comments and the global agent instructions written into
/// the context file ([`IssueStore`], [`AgentStore`]); the new session's row and the
/// earlier sessions whose worktree it may continue in ([`SessionStore`]); the tool and the
/// owner's tool credentials ([`ToolStore`]); the SSH key the worktree's git fetches with
/// ([`SshStore`]). No users, tenants, trackers or audit reads of its own.
pub trait LaunchPorts:
    ProjectStore + IssueStore + AgentStore + SessionStore + ToolStore + SshStore + McpStore
{
}

impl<T> LaunchPorts for T where
    T: ProjectStore + IssueStore + AgentStore + SessionStore + ToolStore + SshStore + McpStore
{
}

/// What the server knows about where sessions run.
#[derive(Clone, Copy)]
pub struct Host<'a> {
    /// Tmux, workspaces and one-shot runs on the machine this view is of.
    pub runtime: &'a dyn Runtime,
    /// Git on working copies (base clones and worktrees).
    pub git: &'a dyn crate::ports::WorkingCopies,
    /// Opens the owner's sealed tool credentials for the launch.
    pub secret_key: &'a crate::sealed::SecretKey,
    /// `<data>/workspaces` unless configured.
    pub workspace_root: &'a Path,
    /// How a session reaches the API (`AIOPS_URL`).
    pub server_url: &'a str,
    /// This aiops executable: the session launcher and `aiops sessions event`.
    pub aiops_bin: &'a str,
    /// Whether `--yolo` is allowed at all.
    pub allow_yolo: bool,
    /// Whether the server (so every session's command) runs as root: `--yolo` then needs
    /// the sandbox.
    pub runs_as_root: bool,
    /// Most live sessions one user may have; starting one more is a `Conflict`.
    pub max_sessions_per_user: u32,
    /// The server's `default_tool` (empty: none): see [`tools::choose`].
    pub default_tool: &'a str,
    /// `session_sandbox`, the tool homes and the admin's extra read-only paths.
    pub sandbox: sandbox::SandboxPolicy<'a>,
    /// The session hosts (issue 23).
    pub sites: &'a dyn sites::Sites,
    /// The session host this view is of ([`Host::at`]); None: the control plane's
    /// machine.
    pub site: Option<&'a sites::Site>,
}
