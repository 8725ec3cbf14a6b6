//! The global agent instructions: the first part of every `AGENTS.override.md`.
//! Versioned: every change and every rollback appends a version.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// One version of the global agent instructions (`GET /api/v1/agents/global` answers the
/// current one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AgentInstructions {
    /// 0 when nothing was ever set (then `body` is empty).
    pub version: i64,
    /// Markdown.
    pub body: String,
    /// Who set it (email); empty for version 0.
    pub author: String,
    /// Why it changed: the editor's note, or `rollback to version N`; empty when none.
    pub note: String,
    /// When this version was written (RFC 3339, UTC); absent for version 0.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
}

/// `PUT /api/v1/agents/global` (admin).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"body": "Run the tests before every commit.", "base_version": 1, "note": "testing rule"}))]
pub struct SetAgentInstructions {
    /// Markdown, at most 262,144 bytes.
    pub body: String,
    /// The version this edit is based on; `409` when another change came first.
    #[serde(default)]
    pub base_version: Option<i64>,
    /// Why it changed, shown in the history: at most 200 characters, no control
    /// characters.
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/agents/global/rollback` (admin): makes an old version current again
/// (as a new version).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"version": 1}))]
pub struct RollbackAgentInstructions {
    /// The version whose text becomes current again.
    pub version: i64,
}

/// `GET /api/v1/agents/global/diff?from=&to=`
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgentDiffParams {
    /// The older version to compare.
    pub from: i64,
    /// Default: the current version.
    pub to: Option<i64>,
}

/// A unified diff between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AgentInstructionsDiff {
    /// The version on the `---` side.
    pub from: i64,
    /// The version on the `+++` side.
    pub to: i64,
    /// Unified diff (`--- v1`, `+++ v2`, hunks); empty when equal.
    pub diff: String,
}
