//! One control plane per data dir, and the control plane inside another program (the
//! desktop app's "This computer").
//!
//! Two servers on one data dir would both run the jobs (tracker sync, session reconcile)
//! and race on the same tmux sessions and worktrees, so a server holds an exclusive lock
//! on `<data dir>/serve.lock` while it runs, with its URL written inside for the error the
//! next one shows. The lock is the OS's (`flock`): it ends with the process, however that
//! ends, so a crash leaves nothing to clean up.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{ServeError, Settings, admin, logging};

/// File name of the lock, in the data dir.
pub const LOCK_FILE: &str = "serve.lock";

/// Holds the data dir's lock until dropped.
#[derive(Debug)]
pub struct DataDirLock {
    file: File,
}

impl DataDirLock {
    /// Takes the lock of `data_dir` without waiting. [`ServeError::Busy`] names the URL the
    /// holder wrote, when it wrote one.
    pub fn acquire(data_dir: &Path) -> Result<Self, ServeError> {
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|source| admin::AdminError::Io {
                path: path.display().to_string(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { file }),
            Err(TryLockError::WouldBlock) => {
                let mut url = String::new();
                let _ = file.read_to_string(&mut url);
                Err(ServeError::Busy {
                    data_dir: data_dir.display().to_string(),
                    url: url.trim().to_owned(),
                })
            }
            Err(TryLockError::Error(source)) => Err(admin::AdminError::Io {
                path: path.display().to_string(),
                source,
            }
            .into()),
        }
    }

    /// Records the URL the holder serves on (read by the next server's refusal).
    pub fn announce(&mut self, url: &str) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.rewind()?;
        self.file.write_all(url.as_bytes())
    }
}

/// A control plane serving in this process until [`Embedded::stop`].
pub struct Embedded {
    url: String,
    stop: Option<oneshot::Sender<()>>,
    served: JoinHandle<std::io::Result<()>>,
    _lock: DataDirLock,
    _log: logging::LogGuard,
}

impl Embedded {
    /// Logs to the data dir, takes its lock, opens the database, binds `settings.bind`
    /// (port 0: any free port) and serves in the background of the current tokio runtime.
    /// `settings.bind` must be a loopback address ([`Settings::check_bind`]).
    ///
    /// Errors: [`ServeError::Busy`] when another server uses the data dir,
    /// [`ServeError::Bind`] when the port is taken, else what `aiops serve` would report.
    pub async fn start(settings: Settings) -> Result<Self, ServeError> {
        settings.check_bind()?;
        crate::prepare_data_dir(&settings.data_dir).map_err(|source| admin::AdminError::Io {
            path: settings.data_dir.display().to_string(),
            source,
        })?;
        let log = logging::init(&settings).map_err(ServeError::Logging)?;
        let mut lock = DataDirLock::acquire(&settings.data_dir)?;
        let listener =
            TcpListener::bind(settings.bind)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: settings.bind,
                    source,
                })?;
        let url = settings.base_url(listener.local_addr()?);
        lock.announce(&url)?;
        crate::sandbox_notice(&settings);
        let state = crate::open(settings)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(crate::serve(state, listener, async {
            let _ = stopped.await;
        }));
        tracing::info!(%url, "embedded control plane started");
        Ok(Self {
            url,
            stop: Some(stop),
            served,
            _lock: lock,
            _log: log,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The port it listens on.
    pub fn port(&self) -> Option<u16> {
        self.url.rsplit(':').next()?.parse().ok()
    }

    /// Stops taking connections, lets in-flight requests finish, stops the jobs and
    /// releases the data dir. Sessions keep running in tmux; the next start reconciles them.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let served = (&mut self.served).await;
        match served {
            Ok(Ok(())) => tracing::info!("embedded control plane stopped"),
            Ok(Err(e)) => tracing::warn!(error = %e, "embedded control plane ended with an error"),
            Err(e) => tracing::warn!(error = %e, "embedded control plane task failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_url() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = DataDirLock::acquire(dir.path()).unwrap();
        first.announce("http://127.0.0.1:41234").unwrap();
        match DataDirLock::acquire(dir.path()) {
            Err(ServeError::Busy { url, .. }) => assert_eq!(url, "http://127.0.0.1:41234"),
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(first);
        DataDirLock::acquire(dir.path()).expect("free again once the holder is gone");
    }

    #[tokio::test]
    async fn an_embedded_server_answers_then_stops_and_frees_its_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::for_data_dir(dir.path());
        settings.bind = "127.0.0.1:0".parse().unwrap();
        let server = Embedded::start(settings.clone()).await.unwrap();
        let health = format!("{}/api/v1/system/health", server.url());
        let answer = reqwest::get(&health).await.unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
        match Embedded::start(settings.clone()).await.map(|_| ()) {
            Err(ServeError::Busy { url, .. }) => assert_eq!(url, server.url()),
            other => panic!("a second server on the data dir: {other:?}"),
        }
        server.stop().await;
        assert!(reqwest::get(&health).await.is_err(), "still answering");
        Embedded::start(settings).await.unwrap().stop().await;
    }

    /// An open event stream would hold a graceful shutdown forever (its client never
    /// hangs up); the server ends it instead, well before the grace deadline.
    #[tokio::test]
    async fn stopping_ends_open_event_streams() {
        let dir = tempfile::tempdir().unwrap();
        admin::create_admin(dir.path(), "a@example.com", "password-123").unwrap();
        let key = admin::create_api_key(
            dir.path(),
            "a@example.com",
            "t",
            &[aiops_types::Scope::Read],
        )
        .unwrap()
        .secret;
        let mut settings = Settings::for_data_dir(dir.path());
        settings.bind = "127.0.0.1:0".parse().unwrap();
        let server = Embedded::start(settings).await.unwrap();
        let mut stream = reqwest::Client::new()
            .get(format!("{}/api/v1/events", server.url()))
            .bearer_auth(key.expose())
            .send()
            .await
            .unwrap();
        assert!(stream.status().is_success(), "{}", stream.status());
        let stopped = tokio::time::timeout(crate::SHUTDOWN_GRACE / 2, server.stop()).await;
        assert!(stopped.is_ok(), "stop waited on the open event stream");
        while let Ok(Some(_)) = stream.chunk().await {}
    }
}
