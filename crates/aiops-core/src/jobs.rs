//! Background jobs of the operations surface: backups, restores, tool installs. A job is
//! a row (`jobs`) that a runner in the server moves from `queued` through `running` to
//! an end state, appending the work's output as it goes; admins list, follow and cancel
//! jobs. The work itself is a plain function that reports through [`JobContext`].
//!
//! A job's parameters may hold secrets (a backup's passphrase), so they live only in
//! the runner's memory: a server that stops with jobs queued or running marks them
//! failed at its next start ([`JobStore::fail_interrupted_jobs`]) instead of re-running
//! them without their parameters.

use aiops_types::{Job, JobListParams, JobLog, JobState, Page};

use crate::page::PageQuery;
use crate::{CoreError, CoreResult, Principal};

/// Output kept per job; older output is dropped from the front.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

/// Longest long poll of a job's output, in seconds.
pub const MAX_WAIT_SECS: u32 = 30;

/// The known job kinds (the `kind` column).
pub const KINDS: [&str; 6] = [
    "automation",
    "backup",
    "restore",
    "tool_install",
    "tool_upgrade",
    "update",
];

/// What a job's work reports through while it runs (on a blocking thread).
pub trait JobContext {
    /// Appends a line of output (also the job's `progress`); no trailing newline.
    fn line(&self, text: &str);
    /// True once an admin asked to cancel; long work checks it between steps and stops
    /// early (the runner then records the job `cancelled`).
    fn cancelled(&self) -> bool;
}

/// Storage of job rows.
pub trait JobStore {
    /// Inserts a queued job of `kind` about `subject`, requested by the given user (`None`:
    /// the server itself).
    fn queue_job(&self, kind: &str, subject: &str, requested_by: Option<i64>) -> CoreResult<Job>;
    /// Marks a queued job running; None when it is not queued any more (cancelled).
    fn start_job(&self, id: i64) -> CoreResult<Option<Job>>;
    /// Appends output and sets `progress` to its last non-empty line; keeps the last
    /// [`MAX_OUTPUT_BYTES`] of output.
    fn append_job_output(&self, id: i64, text: &str) -> CoreResult<()>;
    /// Ends a job (queued or running) and appends a `job.finished` / `job.failed` event
    /// visible to admins, in one transaction. None when it had already ended.
    fn finish_job(
        &self,
        id: i64,
        state: JobState,
        error: Option<&str>,
        result: Option<&serde_json::Value>,
    ) -> CoreResult<Option<Job>>;
    /// Jobs left queued or running by a stopped server become failed; returns how many.
    fn fail_interrupted_jobs(&self) -> CoreResult<u64>;
    /// The job with this id, or `None`.
    fn job(&self, id: i64) -> CoreResult<Option<Job>>;
    /// The job with its output from byte `offset` on (see [`JobLog`]).
    fn job_log(&self, id: i64, offset: u64) -> CoreResult<Option<JobLog>>;
    /// Newest first.
    fn list_jobs(&self, kind: Option<&str>, page: PageQuery) -> CoreResult<Vec<Job>>;
    /// The newest job of `kind` in `state`, if any (e.g. the last succeeded backup).
    fn last_job(&self, kind: &str, state: JobState) -> CoreResult<Option<Job>>;
    /// How many jobs are in `state`.
    fn count_jobs(&self, state: JobState) -> CoreResult<u64>;
}

const ADMIN_ONLY: &str = "jobs are visible to admins only";

/// Jobs, newest first, of one kind when `params.kind` names one. Admins only
/// (`Forbidden`); `Invalid` for an unknown kind.
pub fn list(
    store: &impl JobStore,
    caller: &Principal,
    params: &JobListParams,
    page: PageQuery,
) -> CoreResult<Page<Job>> {
    caller.require_admin(ADMIN_ONLY)?;
    if let Some(k) = params.kind.as_deref()
        && !KINDS.contains(&k)
    {
        return Err(CoreError::invalid(
            "kind",
            format!("unknown job kind `{k}` (one of {})", KINDS.join(", ")),
        ));
    }
    let rows = store.list_jobs(params.kind.as_deref(), page)?;
    Ok(page.finish(rows, |j| j.id))
}

/// The job with its output from byte `offset` on. Admins only (`Forbidden`);
/// `NotFound` for an unknown id.
pub fn log(store: &impl JobStore, caller: &Principal, id: i64, offset: u64) -> CoreResult<JobLog> {
    caller.require_admin(ADMIN_ONLY)?;
    store
        .job_log(id, offset)?
        .ok_or_else(|| CoreError::NotFound(format!("job {id}")))
}

/// Validates a long-poll wait (0..=[`MAX_WAIT_SECS`]).
pub fn wait_secs(wait: Option<u32>) -> CoreResult<u32> {
    let w = wait.unwrap_or(0);
    if w > MAX_WAIT_SECS {
        return Err(CoreError::invalid(
            "wait",
            format!("wait must be between 0 and {MAX_WAIT_SECS} seconds"),
        ));
    }
    Ok(w)
}

/// Cancels a queued job at once; a running one is asked to stop (the runner's flag) and
/// ends `cancelled` when its work returns. Returns the job as it is now.
pub fn cancel(store: &impl JobStore, caller: &Principal, id: i64) -> CoreResult<Job> {
    caller.require_admin(ADMIN_ONLY)?;
    let job = store
        .job(id)?
        .ok_or_else(|| CoreError::NotFound(format!("job {id}")))?;
    if job.state.is_done() {
        return Err(CoreError::Conflict(format!(
            "job {id} has already ended ({})",
            job.state.as_str()
        )));
    }
    if job.state == JobState::Queued
        && let Some(j) = store.finish_job(id, JobState::Cancelled, Some("cancelled"), None)?
    {
        return Ok(j);
    }
    Ok(job)
}
