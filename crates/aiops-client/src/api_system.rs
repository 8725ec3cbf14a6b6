//! Typed methods for the operations surface: `/system/jobs…` (backups, restores and
//! tool installs run as jobs).

use aiops_types::{Job, JobListParams, JobLog, JobLogParams, Page};
use reqwest::Method;

use crate::{Client, ClientError};

type Result<T> = std::result::Result<T, ClientError>;

impl Client {
    /// `GET /system/jobs` (admin), newest first.
    pub async fn list_jobs(&self, params: &JobListParams) -> Result<Page<Job>> {
        self.get(&["system", "jobs"], params).await
    }

    /// `GET /system/jobs/{id}?offset=&wait=` (admin): the job and its output from
    /// `offset` on; with `wait` (seconds, ≤ 30) a long poll for new output.
    pub async fn job_log(&self, id: i64, params: &JobLogParams) -> Result<JobLog> {
        self.get(&["system", "jobs", &id.to_string()], params).await
    }

    /// `POST /system/jobs/{id}/cancel` (admin).
    pub async fn cancel_job(&self, id: i64) -> Result<Job> {
        self.call(Method::POST, &["system", "jobs", &id.to_string(), "cancel"])
            .await
    }
}
