//! Automation: Ansible runs through a Semaphore server or a local `ansible-playbook`,
//! as jobs linked to issues and sessions. Targets belong to a tenant; their secrets (a
//! Semaphore API token, an Ansible Vault password) go in write-only: responses carry
//! `has_token` / `has_vault_password` only.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::JobState;

/// Where a target's runs execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AutomationKind {
    /// A Semaphore UI server (<https://semaphoreui.com>): runs are its tasks.
    Semaphore,
    /// `ansible-playbook` on the aiops server, sandboxed like a session.
    Local,
}

impl AutomationKind {
    /// The lowercase wire name, e.g. `semaphore`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Semaphore => "semaphore",
            Self::Local => "local",
        }
    }
}

impl std::str::FromStr for AutomationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "semaphore" => Ok(Self::Semaphore),
            "local" => Ok(Self::Local),
            other => Err(format!("kind must be semaphore or local, not `{other}`")),
        }
    }
}

/// An automation target of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutomationTarget {
    /// The target's id.
    pub id: i64,
    /// The id of the tenant it belongs to.
    pub tenant_id: i64,
    /// The slug of the tenant it belongs to.
    pub tenant_slug: String,
    /// The target's name, unique within the tenant.
    pub name: String,
    /// Where its runs execute.
    pub kind: AutomationKind,
    /// Semaphore: the server's root URL (`https://semaphore.example.com`; `/api` is
    /// appended). None for local targets.
    pub base_url: Option<String>,
    /// Semaphore: whether an API token is stored.
    pub has_token: bool,
    /// Semaphore: the project runs go to unless a run names another.
    pub semaphore_project_id: Option<i64>,
    /// Semaphore: verify the server's TLS certificate (default true).
    pub verify_tls: bool,
    /// Semaphore: timeout of one HTTP request, seconds (default 15).
    pub http_timeout_secs: u32,
    /// A run still going after this many seconds is stopped and fails (default 600).
    pub task_timeout_secs: u32,
    /// Semaphore: seconds between polls of a task's status and output (default 2).
    pub poll_interval_secs: u32,
    /// Local: the inventory used when a run names none, relative to the repository (a
    /// file), or an inline host list ending in a comma (`localhost,`).
    pub inventory: Option<String>,
    /// Local: whether an Ansible Vault password is stored.
    pub has_vault_password: bool,
    /// When the target was created (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the target was last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /api/v1/automation/targets` (server or tenant admins).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"tenant": "demo", "name": "staging", "kind": "semaphore",
    "base_url": "https://semaphore.example.com", "token": "semaphore-api-token",
    "semaphore_project_id": 1}))]
#[serde(deny_unknown_fields)]
pub struct CreateAutomationTarget {
    /// Tenant id or slug.
    pub tenant: String,
    /// 1..=100 characters, unique within the tenant.
    pub name: String,
    /// Where its runs execute: `semaphore` or `local`.
    pub kind: AutomationKind,
    /// Semaphore only, required: `https://` (or `http://` for localhost).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Semaphore only, required: an API token (Semaphore → User → API tokens).
    #[serde(default)]
    pub token: Option<crate::Secret>,
    /// Semaphore only, required: the Semaphore project runs go to by default.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub semaphore_project_id: Option<i64>,
    /// Semaphore only: verify the server's TLS certificate (default true).
    #[serde(default)]
    pub verify_tls: Option<bool>,
    /// Semaphore only: timeout of one HTTP request, 1..=300 seconds, default 15.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 300)]
    pub http_timeout_secs: Option<u32>,
    /// A run still going after this many seconds is stopped and fails: 10..=86400,
    /// default 600.
    #[serde(default)]
    #[schema(minimum = 10, maximum = 86400)]
    pub task_timeout_secs: Option<u32>,
    /// Semaphore only: seconds between polls of a task, 1..=60, default 2.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub poll_interval_secs: Option<u32>,
    /// Local only: the default inventory, a file relative to the repository or an
    /// inline host list ending in a comma (`localhost,`).
    #[serde(default)]
    pub inventory: Option<String>,
    /// Local only: the Ansible Vault password (sealed at rest, never returned).
    #[serde(default)]
    pub vault_password: Option<crate::Secret>,
}

/// `PATCH /api/v1/automation/targets/{id}`. Absent fields stay; an empty `token` or
/// `vault_password` removes the stored one, an empty `inventory` the default inventory.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"task_timeout_secs": 1200}))]
#[serde(deny_unknown_fields)]
pub struct UpdateAutomationTarget {
    /// A new name, 1..=100 characters, unique within the tenant.
    #[serde(default)]
    pub name: Option<String>,
    /// Semaphore: a new root URL.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Semaphore: a new API token; empty removes the stored one.
    #[serde(default)]
    pub token: Option<crate::Secret>,
    /// Semaphore: a new default project.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub semaphore_project_id: Option<i64>,
    /// Semaphore: verify the server's TLS certificate.
    #[serde(default)]
    pub verify_tls: Option<bool>,
    /// Semaphore: timeout of one HTTP request, 1..=300 seconds.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 300)]
    pub http_timeout_secs: Option<u32>,
    /// Seconds after which a run still going is stopped and fails, 10..=86400.
    #[serde(default)]
    #[schema(minimum = 10, maximum = 86400)]
    pub task_timeout_secs: Option<u32>,
    /// Semaphore: seconds between polls of a task, 1..=60.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub poll_interval_secs: Option<u32>,
    /// Local: a new default inventory; empty removes it.
    #[serde(default)]
    pub inventory: Option<String>,
    /// Local: a new Ansible Vault password; empty removes the stored one.
    #[serde(default)]
    pub vault_password: Option<crate::Secret>,
}

/// `GET /api/v1/automation/targets` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AutomationTargetListParams {
    /// Only this tenant's targets (id or slug).
    pub tenant: Option<String>,
    /// Page size, 1..=500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// What a run can start: a Semaphore task template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutomationTemplate {
    /// The template's id in Semaphore (`template_id` of a run).
    pub id: i64,
    /// The template's name in Semaphore.
    pub name: String,
    /// The playbook it runs, as Semaphore names it.
    pub playbook: String,
    /// The template's description in Semaphore; None when empty.
    pub description: Option<String>,
    /// Whether the template lets a task override its CLI arguments (needed for `tags`
    /// and `skip_tags`, which travel as `--tags` / `--skip-tags` arguments).
    pub allow_override_args: bool,
}

/// `POST /api/v1/automation/targets/{id}/test`: what the target answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutomationTest {
    /// The target answered and works.
    pub ok: bool,
    /// One line: the Semaphore project's name, or `ansible-playbook`'s version.
    pub detail: String,
}

/// `POST /api/v1/automation/runs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"target": 1, "template_id": 3, "limit": "web1",
    "extra_vars": {"version": "1.2.3"}, "check": true, "issue_id": 42}))]
#[serde(deny_unknown_fields)]
pub struct StartAutomationRun {
    /// The target's id.
    pub target: i64,
    /// Semaphore: the task template to run (required there).
    #[serde(default)]
    pub template_id: Option<i64>,
    /// Semaphore: another project than the target's default.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub semaphore_project_id: Option<i64>,
    /// Local: the playbook, a path relative to the repository (required there).
    #[serde(default)]
    pub playbook: Option<String>,
    /// Local: an inventory file relative to the repository, or `host1,host2,`;
    /// default the target's.
    #[serde(default)]
    pub inventory: Option<String>,
    /// Local: the project whose repository holds the playbook (id or `tenant/slug`);
    /// the base clone, unless `session` names a worktree.
    #[serde(default)]
    pub project: Option<String>,
    /// Local: run from this session's worktree (its branch) instead of the base clone.
    /// Also links the run to the session.
    #[serde(default)]
    pub session_id: Option<i64>,
    /// Local: let the playbook write in the working copy (default read-only).
    #[serde(default)]
    pub writable: bool,
    /// Extra variables, a JSON object (`--extra-vars`; Semaphore's `environment`).
    #[serde(default)]
    pub extra_vars: Option<serde_json::Map<String, serde_json::Value>>,
    /// Host pattern (`--limit`).
    #[serde(default)]
    pub limit: Option<String>,
    /// Comma-separated tags (`--tags`).
    #[serde(default)]
    pub tags: Option<String>,
    /// Comma-separated tags to skip (`--skip-tags`).
    #[serde(default)]
    pub skip_tags: Option<String>,
    /// Check mode: report what would change, change nothing (`--check`; Semaphore's
    /// `dry_run`).
    #[serde(default)]
    pub check: bool,
    /// Show the differences of changed files (`--diff`).
    #[serde(default)]
    pub diff: bool,
    /// When it ends, a comment with its result and a link goes on this issue.
    #[serde(default)]
    pub issue_id: Option<i64>,
}

/// One automation run. Its state is its job's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutomationRun {
    /// The run's id.
    pub id: i64,
    /// The id of the target it runs on.
    pub target_id: i64,
    /// The name of the target it runs on.
    pub target_name: String,
    /// The target's kind.
    pub kind: AutomationKind,
    /// The id of the target's tenant.
    pub tenant_id: i64,
    /// The state of the run's job.
    pub state: JobState,
    /// The job running it (its output is the run's log).
    pub job_id: Option<i64>,
    /// Local: the project whose repository holds the playbook.
    pub project_id: Option<i64>,
    /// The session the run is linked to (whose worktree a local run used).
    pub session_id: Option<i64>,
    /// The issue that gets a comment with the result when the run ends.
    pub issue_id: Option<i64>,
    /// The id of the user who started it.
    pub requested_by: Option<i64>,
    /// Semaphore: the task template run.
    pub template_id: Option<i64>,
    /// Semaphore: the project the task runs in.
    pub semaphore_project_id: Option<i64>,
    /// Semaphore: the task's id there, once created.
    pub remote_task_id: Option<i64>,
    /// Local: the playbook, relative to the repository.
    pub playbook: Option<String>,
    /// Local: the inventory used.
    pub inventory: Option<String>,
    /// The overrides asked for: extra_vars, limit, tags, skip_tags, check, diff, writable.
    pub options: serde_json::Value,
    /// Local: `ansible-playbook`'s exit status once it ended.
    pub exit_code: Option<i32>,
    /// Why the run failed (or was cancelled).
    pub error: Option<String>,
    /// When it was queued (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    /// When it started (RFC 3339, UTC); absent while queued.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// When it ended (RFC 3339, UTC); absent until then.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

/// `GET /api/v1/automation/runs` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AutomationRunListParams {
    /// Only runs on this target (its id).
    pub target: Option<i64>,
    /// Only runs of this project.
    pub project_id: Option<i64>,
    /// Only runs linked to this session.
    pub session_id: Option<i64>,
    /// Only runs linked to this issue.
    pub issue_id: Option<i64>,
    /// Page size, 1..=500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `GET /api/v1/automation/runs/{id}/log` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AutomationLogParams {
    /// Byte offset to start from (a reconnecting client may send `Last-Event-ID`
    /// instead); default 0.
    #[param(format = "uint64")]
    pub offset: Option<u64>,
}

/// One `output` event of a run's log stream: text from `offset` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutomationLogChunk {
    /// The byte offset of `text` in the run's output.
    pub offset: u64,
    /// Lines ending in `\n`; ANSI colour sequences kept.
    pub text: String,
}

/// One event of `GET /api/v1/automation/runs/{id}/log` as the `text/event-stream`
/// carries it (the schema describes each event, as OpenAPI 3.2's `itemSchema` does):
/// `event: output` with `data` an [`AutomationLogChunk`] as JSON and `id` the byte offset
/// after it, then one `event: end` with `data` the [`AutomationRun`] as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutomationLogEvent {
    /// `output` or `end`.
    #[schema(pattern = "^(output|end)$")]
    pub event: String,
    /// `output` events only: the byte offset to resume after (`Last-Event-ID`).
    #[serde(default)]
    pub id: Option<String>,
    /// JSON: an `AutomationLogChunk` (`output`) or an `AutomationRun` (`end`).
    #[schema(content_media_type = "application/json")]
    pub data: String,
}
