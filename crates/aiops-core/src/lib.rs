//! The aiops domain: who may do what to which tenant, project, user and API key.
//!
//! Owns: validation rules, authorization decisions (roles, scopes, tenant membership),
//! credential primitives (argon2id password hashes, API key generation and digests), the
//! redactor every log line and audit row passes through, and one use-case function per
//! operation. Storage is reached only through the port traits in [`ports`].
//!
//! Must never import: axum, rusqlite, reqwest, tauri, tokio, or `std::process`. Callers run
//! these functions on a blocking thread: they call the store synchronously and may spend
//! ~20 ms in argon2.

#![warn(missing_docs)]

pub mod agents;
pub mod audit;
pub mod auth;
pub mod automation;
pub mod backups;
pub mod chat;
pub mod demo;
mod error;
#[cfg(test)]
pub(crate) mod fakes;
pub mod git;
pub mod hosts;
pub mod integrations;
pub mod issues;
pub mod jobs;
pub mod keys;
pub mod links;
pub mod markdown;
pub mod mcp;
pub mod metrics;
pub mod page;
pub mod ports;
mod ports_git;
mod ports_issues;
mod ports_sessions;
mod ports_ssh;
mod ports_trackers;
pub mod principal;
pub mod projects;
pub mod redact;
pub mod releases;
pub mod repo_check;
pub mod repo_host;
pub mod sealed;
pub mod secrets;
pub mod sessions;
pub mod ssh;
pub mod sync;
pub mod tenants;
pub mod tracker;
pub mod users;
pub mod validate;

pub use error::{CoreError, CoreResult};
pub use principal::Principal;
