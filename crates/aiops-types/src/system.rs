//! Health and status of a running server.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /api/v1/system/health` (no auth): liveness for load balancers and scripts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: String,
    pub version: String,
    /// True until the first admin exists (the setup URL is then still valid).
    pub needs_setup: bool,
}

/// `GET /api/v1/system/status` (admin).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Status {
    pub version: String,
    pub uptime_seconds: u64,
    pub data_dir: String,
    pub schema_version: u32,
    /// Size of `aiops.db` plus its `-wal` file, in bytes.
    pub db_bytes: u64,
    pub users: u64,
    pub tenants: u64,
    pub projects: u64,
    pub api_keys_active: u64,
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
