//! Typed methods for the operations surface: `/system/jobs…` (backups, restores and
//! tool installs run as jobs).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use aiops_types::{
    Backup, CreateBackup, Job, JobListParams, JobLog, JobLogParams, Page, Restarting,
    RestoreBackup, Status as SystemStatus, UpdateRequest,
};
use reqwest::Method;

use crate::{Client, ClientError};

type Result<T> = std::result::Result<T, ClientError>;
const NO_QUERY: &[(&str, &str)] = &[];
/// Longest a backup download may take.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(6 * 3600);

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

impl Client {
    /// `GET /system/backups` (admin), newest first.
    pub async fn list_backups(&self) -> Result<Vec<Backup>> {
        self.get(&["system", "backups"], NO_QUERY).await
    }

    /// `POST /system/backups` (admin): queues a backup job.
    pub async fn create_backup(&self, req: &CreateBackup) -> Result<Job> {
        self.with_body(Method::POST, &["system", "backups"], req)
            .await
    }

    /// `GET /system/backups/{id}` (admin).
    pub async fn get_backup(&self, id: &str) -> Result<Backup> {
        self.get(&["system", "backups", id], NO_QUERY).await
    }

    /// `DELETE /system/backups/{id}` (admin).
    pub async fn delete_backup(&self, id: &str) -> Result<()> {
        self.no_content::<()>(Method::DELETE, &["system", "backups", id], None)
            .await
    }

    /// `POST /system/backups/{id}/restore` (admin): queues a restore job; the server
    /// restarts onto the restored database when it succeeds.
    pub async fn restore_backup(&self, id: &str, req: &RestoreBackup) -> Result<Job> {
        self.with_body(Method::POST, &["system", "backups", id, "restore"], req)
            .await
    }

    /// `GET /system/backups/{id}/download` (admin), streamed into `dest`: written to a
    /// temp file beside it (0600) and renamed when complete, so `dest` is never a
    /// partial archive. `progress` hears the bytes received so far. Returns the size.
    pub async fn download_backup(
        &self,
        id: &str,
        dest: &Path,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        let rb = self
            .request(Method::GET, &["system", "backups", id, "download"])?
            // The body may take longer than the default whole-request timeout.
            .timeout(DOWNLOAD_TIMEOUT);
        let mut resp = self.send(rb).await?;
        // The header, not `content_length()`: that is the decoded body's size hint.
        let want: Option<u64> = resp
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => std::path::PathBuf::from("."),
        };
        let local = |e: std::io::Error| ClientError::Local(format!("{}: {e}", dest.display()));
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(local)?;
        let mut got = 0u64;
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport(e))? {
            tmp.write_all(&chunk).map_err(local)?;
            got += chunk.len() as u64;
            progress(got);
        }
        if let Some(want) = want
            && want != got
        {
            return Err(ClientError::Transport(format!(
                "the download ended after {got} of {want} bytes"
            )));
        }
        tmp.as_file().sync_all().map_err(local)?;
        tmp.persist(dest).map_err(|e| local(e.error))?;
        Ok(got)
    }

    /// `GET /system/status` (admin), the whole picture (see [`SystemStatus`]).
    pub async fn system_status(&self) -> Result<SystemStatus> {
        self.get(&["system", "status"], NO_QUERY).await
    }

    /// `POST /system/update` (admin): updates the server's binary as a job.
    pub async fn update_server(&self, req: &UpdateRequest) -> Result<Job> {
        self.with_body(Method::POST, &["system", "update"], req)
            .await
    }

    /// `POST /system/restart` (admin): a graceful restart in place.
    pub async fn restart_server(&self) -> Result<Restarting> {
        self.call(Method::POST, &["system", "restart"]).await
    }
}
