//! GitHub, GitLab and Jira issue providers behind [`aiops_core::tracker`].
//!
//! Owns: the HTTP calls to each tracker's REST API, their JSON shapes, paging, ETags,
//! rate-limit handling ([`http`]) and Jira's Markdown ⇄ ADF conversion. Must never
//! import: axum, rusqlite, tokio, tauri. Calls are blocking; the server runs them on
//! blocking threads.

pub mod chat;
pub mod github;
pub mod gitlab;
pub mod http;
pub mod jira;
pub mod releases;
pub mod semaphore;

use std::time::Duration;

use aiops_core::tracker::{Connection, Tracker, TrackerResult, Trackers};
use aiops_types::Provider;

/// The [`Trackers`] the server uses: real HTTP with a per-request timeout.
#[derive(Debug, Clone)]
pub struct HttpTrackers {
    pub timeout: Duration,
}

impl Default for HttpTrackers {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
        }
    }
}

impl Trackers for HttpTrackers {
    fn open(&self, connection: &Connection) -> TrackerResult<Box<dyn Tracker>> {
        match connection.provider {
            Provider::Github => Ok(Box::new(github::GitHub::open(connection, self.timeout)?)),
            Provider::Gitlab => Ok(Box::new(gitlab::GitLab::open(connection, self.timeout)?)),
            Provider::Jira => Ok(Box::new(jira::Jira::open(connection, self.timeout)?)),
            Provider::Native => Err(aiops_core::tracker::TrackerError::Invalid(
                "native issues have no tracker".into(),
            )),
        }
    }
}
