//! Background jobs of the operations surface (backups, tool installs): their rows and
//! the output a client follows. Issue sync keeps its own `SyncRun` rows.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// Where a job is in its life, lowercase on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting to run.
    Queued,
    /// Running now.
    Running,
    /// Finished without error; `result` holds its outcome.
    Succeeded,
    /// Finished with an error; `error` says why.
    Failed,
    /// Cancelled by an admin before it finished.
    Cancelled,
}

impl JobState {
    /// The lowercase wire name, e.g. `queued`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// True for a final state: succeeded, failed or cancelled.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

impl std::str::FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "queued" => Ok(Self::Queued),
            "running" => Ok(Self::Running),
            "succeeded" => Ok(Self::Succeeded),
            "failed" => Ok(Self::Failed),
            "cancelled" => Ok(Self::Cancelled),
            other => Err(format!("unknown job state `{other}`")),
        }
    }
}

/// One background job (admin-only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Job {
    /// The job's id.
    pub id: i64,
    /// `backup`, `restore`, `tool_install`, `tool_upgrade`.
    pub kind: String,
    /// What it acts on: a backup's description or file name, a tool's name.
    pub subject: String,
    /// Where the job is in its life.
    pub state: JobState,
    /// The id of the user who asked for it; None for the scheduler.
    pub requested_by: Option<i64>,
    /// When it was queued (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    /// When it started running (RFC 3339, UTC); absent while queued.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// When it finished (RFC 3339, UTC); absent until it is done.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// The last line of its output: what it is doing now.
    pub progress: Option<String>,
    /// Why it failed (or was cancelled).
    pub error: Option<String>,
    /// Kind-specific outcome once succeeded (a backup's `Backup`, a tool's status).
    pub result: Option<serde_json::Value>,
}

/// `GET /api/v1/system/jobs/{id}`: the job and its output from `offset` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobLog {
    /// The job as it is now.
    pub job: Job,
    /// Output (UTF-8 text, lines ending in `\n`) from the requested offset on.
    pub output: String,
    /// Byte offset to ask for next; output before it has been returned.
    pub next_offset: u64,
    /// True when output older than the requested offset was dropped (a job's stored
    /// output keeps its last 1 MiB).
    pub truncated: bool,
}

/// Query of `GET /api/v1/system/jobs/{id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobLogParams {
    /// Byte offset into the output (the `next_offset` of the previous answer); default 0.
    /// Any `u64`: `int64`, utoipa's default format, would cap it at 2^63 - 1.
    #[param(format = "uint64")]
    pub offset: Option<u64>,
    /// Wait up to this many seconds (0..=30) for new output or the job's end before
    /// answering: a long poll. Default 0.
    pub wait: Option<u32>,
}

/// `GET /api/v1/system/jobs` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobListParams {
    /// Only jobs of this kind.
    pub kind: Option<String>,
    /// Page size, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}
