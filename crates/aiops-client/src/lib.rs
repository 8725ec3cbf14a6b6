//! Typed HTTP client of the aiops REST API v1 (`/api/v1`), and the store that keeps the
//! CLI's and the desktop's server credential (OS keychain, or an explicit 0600 file).
//!
//! Owns: [`Client`] (one typed async method per route), [`Credential`] and [`Secret`],
//! [`ClientError`] with its CLI exit codes, [`key_store`] (keychain / file store), and
//! with feature `terminal` the terminal WebSocket's client side ([`terminal`]).
//! Speaks only the wire types of `aiops-types`.
//!
//! Must never import `aiops-core`, `aiops-db` or `aiops-server`: the desktop in local mode
//! and against a remote server, the CLI, and the server's own tests all go through this
//! same HTTP path.

mod api;
mod api_agents;
mod api_automation;
mod api_chat;
mod api_git;
mod api_hosts;
mod api_mcp;
mod api_sessions;
mod api_ssh;
mod api_system;
mod api_trackers;
mod client;
mod error;
pub mod key_store;
mod raw;
mod secret;
mod sse;
#[cfg(feature = "terminal")]
pub mod terminal;

pub use api_automation::RunLogEvent;
pub use client::{
    Client, ClientBuilder, Credential, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, SESSION_COOKIE,
    SessionCookie, normalize_url,
};
pub use error::ClientError;
pub use raw::RawAnswer;
pub use secret::Secret;
