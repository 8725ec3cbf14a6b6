//! Health and status of a running server.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /api/v1/system/health` (no auth): liveness for load balancers and scripts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: String,
    /// The aiops version of the server answering.
    pub version: String,
    /// True until the first admin exists (the setup URL is then still valid).
    pub needs_setup: bool,
}

/// `GET /api/v1/system/status` (admin).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Status {
    /// The aiops version of the server answering.
    pub version: String,
    /// Seconds since this server process started.
    pub uptime_seconds: u64,
    /// When this server process started (changes on every restart).
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: time::OffsetDateTime,
    /// The server's data directory (absolute path on the server's host).
    pub data_dir: String,
    /// The database schema version (the number of the newest migration applied).
    pub schema_version: u32,
    /// Size of `aiops.db` plus its `-wal` file, in bytes.
    pub db_bytes: u64,
    /// Number of users.
    pub users: u64,
    /// Number of tenants.
    pub tenants: u64,
    /// Number of projects across all tenants.
    pub projects: u64,
    /// Number of API keys not revoked.
    pub api_keys_active: u64,
    /// Sessions per state (`starting`, `running`, `waiting`, …), every state listed.
    pub sessions: std::collections::BTreeMap<String, u64>,
    /// `tmux -V`, None when tmux is missing.
    pub tmux_version: Option<String>,
    /// `git --version`, None when git is missing.
    pub git_version: Option<String>,
    /// The session sandbox in use: `bubblewrap`, `seatbelt`, or `none`.
    pub sandbox: String,
    /// `session_sandbox`: `auto`, `required` or `off`.
    pub sandbox_mode: String,
    /// The newest backup, if any.
    pub last_backup: Option<crate::Backup>,
    /// Backups in `<data dir>/backups`.
    pub backups: u32,
    /// Jobs waiting to run.
    pub jobs_queued: u64,
    /// Jobs running now.
    pub jobs_running: u64,
    /// Bytes free for aiops on the data dir's filesystem; None when it cannot be read.
    pub disk_free_bytes: Option<u64>,
}

/// `GET /api/v1/system/features`: what this server lets its users do, for clients that
/// shape their forms by it (e.g. the yolo switch only where it would be accepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Features {
    /// `--yolo` (a tool's skip-permissions mode) is accepted (`allow_yolo` in the config).
    pub allow_yolo: bool,
    /// Live sessions each user may have.
    pub max_sessions_per_user: u32,
}

/// `POST /api/v1/system/restart`: the restart is under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Restarting {
    /// The version answering (the restarted server may run a newer one after an update).
    pub version: String,
}

/// `POST /api/v1/system/update`: update this server's binary from its signed release
/// manifest (`update_url`), as a job whose `result` says `from`, `to` and `replaced`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"restart": true}))]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    /// Restart onto the new binary once it is in place (`update-and-restart`).
    #[serde(default)]
    pub restart: bool,
}
