//! Shared state of a running server and the bridge from async handlers to the blocking
//! store.

use std::sync::Arc;
use std::time::Instant;

use aiops_core::CoreResult;
use aiops_core::issues::TrackerAccess;
use aiops_core::tracker::Trackers;
use aiops_db::Db;
use tokio::sync::{Notify, Semaphore};

use crate::config::Settings;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::LoginLimiter;

/// At most this many argon2 computations at once (~19 MiB and ~20 ms each), so a burst of
/// logins cannot exhaust memory or starve other requests.
const CONCURRENT_HASHES: usize = 2;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: Db,
    /// Seals and opens provider tokens and other secrets at rest.
    secret_key: aiops_core::sealed::SecretKey,
    settings: Settings,
    limiter: LoginLimiter,
    hashing: Semaphore,
    started: Instant,
    /// GitHub, GitLab and Jira over HTTP (a fake in some tests).
    trackers: Arc<dyn Trackers>,
    /// Wakes the job worker when a sync is queued.
    jobs: Notify,
    auth_cache: crate::auth_cache::AuthCache,
    /// Store calls in flight: one per reader connection plus the writer and one spare, so
    /// excess requests wait here (cheaply, as tasks) instead of as parked blocking
    /// threads on the reader pool.
    store_calls: Semaphore,
    /// aiops's own tmux server (`<data>/tmux.sock`), where sessions run.
    tmux: aiops_exec::tmux::Tmux,
}

impl AppState {
    pub fn new(db: Db, secret_key: aiops_core::sealed::SecretKey, settings: Settings) -> Self {
        let trackers = Arc::new(aiops_trackers::HttpTrackers {
            timeout: std::time::Duration::from_secs(settings.tracker_timeout_secs),
        });
        let store_calls = settings.db_readers + 2;
        let tmux = aiops_exec::tmux::Tmux::new(&settings.data_dir);
        Self(Arc::new(Inner {
            limiter: LoginLimiter::new(settings.login_failures_per_minute),
            db,
            secret_key,
            settings,
            hashing: Semaphore::new(CONCURRENT_HASHES),
            started: Instant::now(),
            trackers,
            jobs: Notify::new(),
            auth_cache: Default::default(),
            store_calls: Semaphore::new(store_calls),
            tmux,
        }))
    }

    pub fn trackers(&self) -> &dyn Trackers {
        self.0.trackers.as_ref()
    }

    pub fn auth_cache(&self) -> &crate::auth_cache::AuthCache {
        &self.0.auth_cache
    }

    pub fn tmux(&self) -> &aiops_exec::tmux::Tmux {
        &self.0.tmux
    }

    pub fn jobs(&self) -> &Notify {
        &self.0.jobs
    }

    /// Like [`run`](Self::run) for calls that may reach a tracker.
    pub async fn run_tracked<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db, TrackerAccess<'_>) -> CoreResult<T> + Send + 'static,
    {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let access = TrackerAccess {
                trackers: me.0.trackers.as_ref(),
                key: &me.0.secret_key,
            };
            f(&me.0.db, access)
        })
        .await
        .map_err(|e| ApiError::internal("blocking task failed", e))?
        .map_err(ApiError::from)
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn secret_key(&self) -> &aiops_core::sealed::SecretKey {
        &self.0.secret_key
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    pub fn limiter(&self) -> &LoginLimiter {
        &self.0.limiter
    }

    pub fn started(&self) -> Instant {
        self.0.started
    }

    /// Runs a store-bound core call on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> CoreResult<T> + Send + 'static,
    {
        let _permit = self
            .0
            .store_calls
            .acquire()
            .await
            .map_err(|e| ApiError::internal("store semaphore closed", e))?;
        let me = self.clone();
        tokio::task::spawn_blocking(move || f(&me.0.db))
            .await
            .map_err(|e| ApiError::internal("blocking task failed", e))?
            .map_err(ApiError::from)
    }

    /// Like [`run`](Self::run) for calls that hash or verify a password: waits for one of
    /// the few hashing permits first.
    pub async fn run_hashing<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> CoreResult<T> + Send + 'static,
    {
        let _permit = self
            .0
            .hashing
            .acquire()
            .await
            .map_err(|e| ApiError::internal("hashing semaphore closed", e))?;
        self.run(f).await
    }
}
