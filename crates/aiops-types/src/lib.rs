//! Wire types of the aiops REST API v1 (`/api/v1`).
//!
//! Owns: request/response bodies (DTOs), the JSON error envelope with its stable error
//! codes, pagination, roles and scopes. Shared by the server (which serves them), the
//! client (which speaks them) and the UI (whose TypeScript types are generated from the
//! OpenAPI document these derive).
//!
//! Must never import: anything that does I/O (tokio, reqwest, rusqlite, axum).

#![warn(missing_docs)]

mod agent_guide;
mod agents;
mod auth;
mod automation;
mod backups;
mod changes;
mod chat;
mod error;
mod git;
mod hooks;
mod hosts;
mod integrations;
mod issues;
mod jobs;
pub mod mcp;
mod mcp_servers;
mod page;
mod project_ref;
mod secret;
mod sessions;
mod ssh;
mod system;
mod tenancy;
pub mod terminal;
mod tools;
mod worktrees;

pub use agent_guide::{AGENT_GUIDE, agent_guide};
pub use agents::*;
pub use auth::*;
pub use automation::*;
pub use backups::*;
pub use changes::*;
pub use chat::*;
pub use error::*;
pub use git::*;
pub use hooks::*;
pub use hosts::*;
pub use integrations::*;
pub use issues::*;
pub use jobs::*;
pub use mcp_servers::*;
pub use page::*;
pub use project_ref::ProjectRef;
pub use secret::Secret;
pub use sessions::*;
pub use ssh::*;
pub use system::*;
pub use tenancy::*;
pub use terminal::TerminalControl;
pub use tools::*;
pub use worktrees::*;

/// RFC 3339 timestamps on the wire (`2026-11-21T20:06:36.123Z`), always UTC.
pub type Timestamp = time::OffsetDateTime;
