//! The job runner: backups, restores and tool installs run here, never inside a request.
//! A job is queued as a row, waits for one of [`WORKERS`] slots, runs its work on a
//! blocking thread and ends with the row's state, an event on the log (`job.finished` /
//! `job.failed`, which notifies admins) and a wake-up of anyone following its output.
//!
//! The work is a closure with its parameters (a passphrase may be among them), so jobs
//! do not survive a restart: the next start marks them failed (see `aiops_core::jobs`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aiops_core::jobs::{JobContext, JobStore};
use aiops_types::{Job, JobState};
use tokio::sync::Semaphore;

use crate::error::ApiResult;
use crate::state::AppState;

/// Jobs running at once: two, so a long tool install does not hold back a backup, and
/// two jobs cannot take both cores of a small server from the API.
const WORKERS: usize = 2;

/// Output is written to the row at most this often (and when the work returns).
const FLUSH_EVERY: Duration = Duration::from_millis(200);

/// What a job does: runs on a blocking thread, reports through the context, and returns
/// the job's `result` or a one-line error (already redacted: it is stored and shown).
pub type Work = Box<dyn FnOnce(&dyn JobContext) -> Result<serde_json::Value, String> + Send>;

/// What to do once a job has succeeded and its row says so (a restore's restart).
pub type Then = Box<dyn FnOnce(&AppState) + Send>;

pub struct Runner {
    slots: Arc<Semaphore>,
    cancels: Mutex<HashMap<i64, Arc<AtomicBool>>>,
    /// Bumped whenever a job's row changed (output, state): long polls wake on it.
    changed: tokio::sync::watch::Sender<u64>,
}

impl Default for Runner {
    fn default() -> Self {
        Self {
            slots: Arc::new(Semaphore::new(WORKERS)),
            cancels: Mutex::default(),
            changed: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl Runner {
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Asks a running job to stop; false when it is not running here.
    pub fn cancel(&self, id: i64) -> bool {
        let cancels = self
            .cancels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match cancels.get(&id) {
            Some(flag) => {
                flag.store(true, Ordering::Release);
                true
            }
            None => false,
        }
    }

    pub fn wake(&self) {
        self.bump();
    }
}

/// Queues `work` as a job of `kind` on `subject` and returns its row at once.
pub async fn submit(
    st: &AppState,
    kind: &'static str,
    subject: String,
    requested_by: Option<i64>,
    work: Work,
    then: Option<Then>,
) -> ApiResult<Job> {
    let job = st
        .run(move |db| db.queue_job(kind, &subject, requested_by))
        .await?;
    let flag = Arc::new(AtomicBool::new(false));
    st.runner()
        .cancels
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(job.id, flag.clone());
    let st2 = st.clone();
    let id = job.id;
    tokio::spawn(async move {
        let Ok(_slot) = st2.runner().slots.clone().acquire_owned().await else {
            return;
        };
        let st3 = st2.clone();
        let done = tokio::task::spawn_blocking(move || execute(&st3, id, &flag, work)).await;
        // Followers learn the end before `then` runs (a restart would cut them off).
        st2.runner().bump();
        st2.notify_events();
        if let (Ok(true), Some(then)) = (&done, then) {
            then(&st2);
        }
        if let Err(e) = done {
            tracing::error!(job = id, error = %e, "job panicked");
            let db = st2.clone();
            let _ = tokio::task::spawn_blocking(move || {
                db.db()
                    .finish_job(id, JobState::Failed, Some("the job panicked"), None)
            })
            .await;
        }
        st2.runner()
            .cancels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
        st2.runner().bump();
        st2.notify_events();
    });
    Ok(job)
}

/// Runs one job to its end state (on a blocking thread); true when it succeeded.
fn execute(st: &AppState, id: i64, flag: &AtomicBool, work: Work) -> bool {
    let db = st.db();
    match db.start_job(id) {
        Ok(Some(job)) => {
            tracing::info!(job = id, kind = %job.kind, subject = %job.subject, "job started");
        }
        Ok(None) => return false, // cancelled while queued
        Err(e) => {
            tracing::error!(job = id, error = %e, "cannot start a job");
            return false;
        }
    }
    st.runner().bump();
    let ctx = Ctx {
        st,
        id,
        flag,
        pending: Mutex::new((String::new(), Instant::now())),
    };
    let outcome = work(&ctx);
    ctx.flush();
    let (state, error, result) = match outcome {
        _ if flag.load(Ordering::Acquire) => (JobState::Cancelled, Some("cancelled".into()), None),
        Ok(v) => (JobState::Succeeded, None, Some(v)),
        Err(e) => (JobState::Failed, Some(e), None),
    };
    match db.finish_job(id, state, error.as_deref(), result.as_ref()) {
        Ok(Some(j)) => tracing::info!(
            job = id,
            kind = %j.kind,
            state = state.as_str(),
            error = error.as_deref().unwrap_or(""),
            "job finished"
        ),
        Ok(None) => {}
        Err(e) => tracing::error!(job = id, error = %e, "cannot record a job's end"),
    }
    state == JobState::Succeeded
}

struct Ctx<'a> {
    st: &'a AppState,
    id: i64,
    flag: &'a AtomicBool,
    /// Output not yet written, and when it last was.
    pending: Mutex<(String, Instant)>,
}

impl Ctx<'_> {
    fn flush(&self) {
        let text = {
            let mut p = self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            p.1 = Instant::now();
            std::mem::take(&mut p.0)
        };
        if text.is_empty() {
            return;
        }
        if let Err(e) = self.st.db().append_job_output(self.id, &text) {
            tracing::error!(job = self.id, error = %e, "cannot store a job's output");
        }
        self.st.runner().bump();
    }
}

impl JobContext for Ctx<'_> {
    fn line(&self, text: &str) {
        let due = {
            let mut p = self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            p.0.push_str(&aiops_core::redact::redact(text));
            p.0.push('\n');
            p.1.elapsed() >= FLUSH_EVERY
        };
        if due {
            self.flush();
        }
    }

    fn cancelled(&self) -> bool {
        // Work that waits on something quiet (npm on a slow registry) polls this often:
        // output held back since the last line goes out now, not only with the next one.
        let due = {
            let p = self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            !p.0.is_empty() && p.1.elapsed() >= FLUSH_EVERY
        };
        if due {
            self.flush();
        }
        self.flag.load(Ordering::Acquire)
    }
}
