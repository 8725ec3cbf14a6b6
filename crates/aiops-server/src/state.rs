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
    started_at: time::OffsetDateTime,
    /// GitHub, GitLab and Jira over HTTP (a fake in some tests).
    trackers: Arc<dyn Trackers>,
    /// Wakes the job worker when a sync is queued.
    jobs: Notify,
    /// Wakes the chat pollers' supervisor when an integration changed.
    chat_changed: Notify,
    /// Backups, restores and tool installs.
    runner: crate::runner::Runner,
    /// Set when an admin (or a restore) asked for a restart; `run` then re-executes.
    restart: tokio::sync::watch::Sender<bool>,
    /// Whether this control plane can restart itself (`aiops serve`, not the desktop's
    /// embedded one).
    can_restart: std::sync::atomic::AtomicBool,
    auth_cache: crate::auth_cache::AuthCache,
    /// Store calls in flight: one per reader connection plus the writer and one spare, so
    /// excess requests wait here (cheaply, as tasks) instead of as parked blocking
    /// threads on the reader pool.
    store_calls: Semaphore,
    /// Workspaces, aiops's own tmux server (`<data>/tmux.sock`) and the launcher.
    runtime: aiops_exec::runtime::TmuxRuntime,
    workspaces: std::path::PathBuf,
    /// `<data>/homes`: the aiops users' tool homes.
    homes: std::path::PathBuf,
    /// `sandbox_read_only` as paths.
    sandbox_read_only: Vec<std::path::PathBuf>,
    /// Installs agent CLIs into `<data>/tools` (`aiops tools install`).
    installer: Arc<aiops_exec::tool_install::ToolInstaller>,
    /// This executable (the session launcher); from `current_exe` at start.
    aiops_bin: String,
    /// The URL sessions reach the API at, known once the listener is bound.
    url: std::sync::OnceLock<String>,
    /// Bumped (with the newest event id) whenever an event may have been written, so
    /// event streams wake instead of polling.
    events: tokio::sync::watch::Sender<u64>,
    /// Set once when the server starts shutting down: long-lived answers (event streams,
    /// terminals) end on it, so a graceful shutdown does not wait for their clients.
    closing: tokio::sync::watch::Sender<bool>,
    /// Access revoked while streams and terminals authenticated before it still run.
    revocations: crate::revocations::Revocations,
    /// `repo_url_allow`, parsed once.
    repo_allow: aiops_core::repo_host::AllowList,
    /// Request counts and latencies for `/metrics`.
    http_metrics: crate::metrics::HttpMetrics,
    /// Session hosts connected so far (issue 23).
    sites: crate::sites::SiteCache,
}

impl aiops_core::sessions::sites::Sites for Inner {
    fn hosts(&self) -> CoreResult<Vec<aiops_types::Host>> {
        aiops_core::hosts::HostStore::list_hosts(&self.db)
    }

    fn open(&self, name: &str) -> CoreResult<Arc<aiops_core::sessions::sites::Site>> {
        crate::sites::open(
            &self.db,
            &self.secret_key,
            &self.sites,
            &self.aiops_bin,
            name,
        )
    }

    fn forget(&self, name: &str) {
        self.sites.forget(name);
    }
}

/// The system resolver (getaddrinfo through `std::net`): every address of a host, as
/// git will see them. Blocking; called inside the store's blocking tasks.
struct SystemResolver;

impl aiops_core::repo_host::Resolve for SystemResolver {
    fn resolve(&self, host: &str, port: u16) -> std::io::Result<Vec<std::net::IpAddr>> {
        use std::net::ToSocketAddrs;
        Ok((host, port).to_socket_addrs()?.map(|a| a.ip()).collect())
    }
}

impl AppState {
    pub fn new(db: Db, secret_key: aiops_core::sealed::SecretKey, settings: Settings) -> Self {
        let trackers = Arc::new(aiops_trackers::HttpTrackers {
            timeout: std::time::Duration::from_secs(settings.tracker_timeout_secs),
        });
        let store_calls = settings.db_readers + 2;
        let aiops_bin = std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "aiops".to_owned());
        let runtime =
            aiops_exec::runtime::TmuxRuntime::new(&settings.data_dir, aiops_bin.clone().into());
        let workspaces = settings.workspaces_dir();
        let homes = settings.homes_dir();
        let installer = Arc::new(aiops_exec::tool_install::ToolInstaller::new(
            aiops_core::sessions::install::Layout::new(&settings.data_dir),
        ));
        let sandbox_read_only = settings
            .sandbox_read_only
            .iter()
            .map(std::path::PathBuf::from)
            .collect();
        // `Settings::load` refused a bad list already; one built in code that is wrong
        // allows nothing (the strict default) rather than failing the start.
        let repo_allow = settings.repo_url_allow().unwrap_or_else(|e| {
            tracing::error!("{e}; members' repository URLs get no exceptions");
            Default::default()
        });
        let st = Self(Arc::new(Inner {
            repo_allow,
            limiter: LoginLimiter::new(settings.login_failures_per_minute),
            db,
            secret_key,
            settings,
            hashing: Semaphore::new(CONCURRENT_HASHES),
            started: Instant::now(),
            started_at: time::OffsetDateTime::now_utc(),
            trackers,
            jobs: Notify::new(),
            chat_changed: Notify::new(),
            runner: Default::default(),
            restart: tokio::sync::watch::Sender::new(false),
            can_restart: std::sync::atomic::AtomicBool::new(false),
            auth_cache: Default::default(),
            store_calls: Semaphore::new(store_calls),
            runtime,
            workspaces,
            homes,
            sandbox_read_only,
            installer,
            aiops_bin,
            url: std::sync::OnceLock::new(),
            events: tokio::sync::watch::Sender::new(0),
            closing: tokio::sync::watch::Sender::new(false),
            revocations: Default::default(),
            http_metrics: Default::default(),
            sites: Default::default(),
        }));
        // Every write that appends to the event log wakes the event streams, whichever
        // path made it (a weak handle: the store must not keep the state alive).
        let weak = Arc::downgrade(&st.0);
        st.0.db.on_events(Box::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.events.send_modify(|n| *n += 1);
            }
        }));
        st
    }

    pub fn trackers(&self) -> &dyn Trackers {
        self.0.trackers.as_ref()
    }

    pub fn auth_cache(&self) -> &crate::auth_cache::AuthCache {
        &self.0.auth_cache
    }

    pub fn tmux(&self) -> &aiops_exec::tmux::Tmux {
        self.0.runtime.tmux()
    }

    /// Records the URL sessions use to reach the API (set once, when bound).
    pub fn set_url(&self, url: String) {
        let _ = self.0.url.set(url);
    }

    /// Starts the shutdown of long-lived answers (see [`closed`](Self::closed)).
    pub fn begin_shutdown(&self) {
        self.0.closing.send_replace(true);
    }

    /// Resolves once the server is shutting down.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        let mut closing = self.0.closing.subscribe();
        async move {
            let _ = closing.wait_for(|c| *c).await;
        }
    }

    /// Revoked access, for long-lived answers (see `revocations`).
    pub fn revocations(&self) -> &crate::revocations::Revocations {
        &self.0.revocations
    }

    /// Resolves once access revoked after sequence number `since` (noted before the
    /// credential was read) affects `holder`.
    pub fn revoked(
        &self,
        holder: crate::revocations::Holder,
        since: u64,
    ) -> impl std::future::Future<Output = ()> + Send + use<> {
        let me = self.clone();
        async move { me.0.revocations.ended(holder, since).await }
    }

    /// Event streams wait on this; [`notify_events`](Self::notify_events) wakes them.
    pub fn events(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.events.subscribe()
    }

    /// Wakes event streams after a write that may have appended events.
    pub fn notify_events(&self) {
        self.0.events.send_modify(|n| *n += 1);
    }

    /// Like [`run_tracked`](Self::run_tracked) for session calls: the store, tracker
    /// access and the session host. Wakes event streams afterwards (sessions change
    /// state on every call that writes).
    pub async fn run_sessions<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db, TrackerAccess<'_>, &aiops_core::sessions::Host<'_>) -> CoreResult<T>
            + Send
            + 'static,
    {
        let me = self.clone();
        let out = tokio::task::spawn_blocking(move || {
            let access = TrackerAccess {
                trackers: me.0.trackers.as_ref(),
                key: &me.0.secret_key,
            };
            let host = me.host();
            f(&me.0.db, access, &host)
        })
        .await
        .map_err(|e| ApiError::internal("blocking task failed", e))?;
        self.notify_events();
        out.map_err(ApiError::from)
    }

    /// Where sessions run, as the core sees it.
    pub fn host(&self) -> aiops_core::sessions::Host<'_> {
        aiops_core::sessions::Host {
            runtime: &self.0.runtime,
            git: &aiops_exec::working_copy::LocalGit,
            secret_key: &self.0.secret_key,
            workspace_root: &self.0.workspaces,
            server_url: self.0.url.get().map_or("", String::as_str),
            aiops_bin: &self.0.aiops_bin,
            allow_yolo: self.0.settings.allow_yolo,
            runs_as_root: aiops_exec::sandbox::runs_as_root(),
            max_sessions_per_user: self.0.settings.max_sessions_per_user,
            default_tool: &self.0.settings.default_tool,
            sandbox: aiops_core::sessions::sandbox::SandboxPolicy {
                mode: self.0.settings.sandbox_mode(),
                homes_root: &self.0.homes,
                read_only: &self.0.sandbox_read_only,
                tools: &self.0.installer.layout().root,
            },
            sites: &*self.0,
            site: None,
        }
    }

    /// What judges a non-admin's `repo_url`: `repo_url_allow` and the system resolver.
    pub fn repo_hosts(&self) -> aiops_core::repo_host::RepoHosts<'_> {
        aiops_core::repo_host::RepoHosts {
            allow: &self.0.repo_allow,
            resolver: &SystemResolver,
        }
    }

    /// The agent CLIs' installer (`<data>/tools`).
    pub fn installer(&self) -> Arc<aiops_exec::tool_install::ToolInstaller> {
        self.0.installer.clone()
    }

    pub fn jobs(&self) -> &Notify {
        &self.0.jobs
    }

    /// Notified after a chat integration was created, changed or deleted.
    pub fn chat_changed(&self) -> &Notify {
        &self.0.chat_changed
    }

    pub fn runner(&self) -> &crate::runner::Runner {
        &self.0.runner
    }

    /// Marks this control plane as one that can restart itself (`aiops serve`).
    pub fn allow_restart(&self) {
        self.0
            .can_restart
            .store(true, std::sync::atomic::Ordering::Release);
    }

    pub fn can_restart(&self) -> bool {
        self.0
            .can_restart
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Asks `run` to stop serving gracefully and re-execute the binary.
    pub fn request_restart(&self) {
        if self.can_restart() {
            self.0.restart.send_replace(true);
        }
    }

    pub fn restart_requested(&self) -> bool {
        *self.0.restart.borrow()
    }

    /// Resolves once a restart was requested.
    pub fn restarting(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        let mut rx = self.0.restart.subscribe();
        async move {
            let _ = rx.wait_for(|r| *r).await;
        }
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

    pub fn http_metrics(&self) -> &crate::metrics::HttpMetrics {
        &self.0.http_metrics
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

    /// When this process's control plane started (wall clock).
    pub fn started_at(&self) -> time::OffsetDateTime {
        self.0.started_at
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
