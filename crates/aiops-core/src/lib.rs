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

#[allow(missing_docs)] // TODO(docs)
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
#[allow(missing_docs)] // TODO(docs)
pub mod git;
pub mod hosts;
pub mod integrations;
pub mod issues;
pub mod jobs;
pub mod keys;
#[allow(missing_docs)] // TODO(docs)
pub mod links;
pub mod markdown;
pub mod mcp;
pub mod metrics;
#[allow(missing_docs)] // TODO(docs)
pub mod page;
pub mod ports;
#[allow(missing_docs)] // TODO(docs)
mod ports_git;
mod ports_sessions;
#[allow(missing_docs)] // TODO(docs)
mod ports_ssh;
mod ports_trackers;
pub mod principal;
pub mod projects;
#[allow(missing_docs)] // TODO(docs)
pub mod redact;
pub mod releases;
pub mod repo_check;
#[allow(missing_docs)] // TODO(docs)
pub mod repo_host;
pub mod sealed;
pub mod secrets;
pub mod sessions;
pub mod ssh;
#[allow(missing_docs)] // TODO(docs)
pub mod sync;
pub mod tenants;
pub mod tracker;
#[allow(missing_docs)] // TODO(docs)
pub mod users;
#[allow(missing_docs)] // TODO(docs)
pub mod validate;

pub use error::{CoreError, CoreResult};
pub use principal::Principal;
