//! Tracker integrations of a tenant, project links to them, personal tokens and identity
//! mapping, and sync runs. Tokens go in (write-only) and never come out: responses carry
//! `has_token` only.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::Provider;

/// A connection of a tenant to GitHub, GitLab or Jira.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Integration {
    pub id: i64,
    pub tenant_id: i64,
    pub tenant_slug: String,
    /// `github`, `gitlab` or `jira`.
    pub provider: Provider,
    pub name: String,
    /// API root: `https://api.github.com`, `https://gitlab.com`, `https://acme.atlassian.net`.
    pub base_url: String,
    /// Jira: the Atlassian account email the API token belongs to.
    pub email: Option<String>,
    pub has_token: bool,
    /// None until the first connection test or sync; false after a refused credential.
    pub healthy: Option<bool>,
    /// Why the last test or sync failed.
    pub health_error: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub health_checked_at: Option<OffsetDateTime>,
    /// Jira: workflow transition names tried in order to close an issue.
    pub jira_close_transitions: Vec<String>,
    /// Jira: workflow transition names tried in order to reopen an issue.
    pub jira_reopen_transitions: Vec<String>,
    /// Seconds between scheduled syncs; 0 turns scheduled sync off.
    pub sync_interval_secs: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /api/v1/integrations` (admin).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"tenant": "demo", "provider": "github", "name": "GitHub (acme)", "token": "ghp_exampletoken", "sync_interval_secs": 300}))]
#[serde(deny_unknown_fields)]
pub struct CreateIntegration {
    /// Tenant id or slug.
    pub tenant: String,
    /// `github`, `gitlab` or `jira`.
    pub provider: Provider,
    /// 1..=100 characters, unique within the tenant.
    pub name: String,
    /// Defaults: `https://api.github.com` (GitHub), `https://gitlab.com` (GitLab); required
    /// for Jira.
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    /// Required for Jira.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub jira_close_transitions: Option<Vec<String>>,
    #[serde(default)]
    pub jira_reopen_transitions: Option<Vec<String>>,
    /// Default 300; 0 turns scheduled sync off; otherwise at least 60.
    #[serde(default)]
    pub sync_interval_secs: Option<u32>,
}

/// `PATCH /api/v1/integrations/{id}` (admin). Absent fields are left as they are; an
/// empty `token` removes the stored token.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "GitHub (acme)", "sync_interval_secs": 300}))]
#[serde(deny_unknown_fields)]
pub struct UpdateIntegration {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub jira_close_transitions: Option<Vec<String>>,
    #[serde(default)]
    pub jira_reopen_transitions: Option<Vec<String>>,
    #[serde(default)]
    pub sync_interval_secs: Option<u32>,
}

/// `GET /api/v1/integrations`
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntegrationListParams {
    /// Tenant id or slug.
    pub tenant: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Result of `POST /api/v1/integrations/{id}/test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionTest {
    pub ok: bool,
    /// Who the token acts as: GitHub login, GitLab username, Jira accountId.
    pub identity: Option<String>,
    pub error: Option<String>,
    /// Whose token was tested: `personal`, `integration`.
    pub credential: String,
}

/// A project's link to a tracker project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectLink {
    pub id: i64,
    pub project_id: i64,
    pub integration_id: i64,
    pub integration_name: String,
    pub provider: Provider,
    /// `owner/repo`, `group/project` or a numeric id, `KEY` or `jql:<filter>`.
    pub external: String,
    /// The link has its own token, used instead of the integration's.
    pub has_token: bool,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_synced_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/projects/{id}/links` (admin).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"integration": 1, "external": "acme/web"}))]
#[serde(deny_unknown_fields)]
pub struct CreateProjectLink {
    pub integration: i64,
    pub external: String,
    /// Overrides the integration's token for this project.
    #[serde(default)]
    pub token: Option<String>,
}

/// The caller's own token and identity for one integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersonalCredential {
    pub integration_id: i64,
    pub integration_name: String,
    pub provider: Provider,
    pub has_token: bool,
    /// GitHub login, GitLab username or Jira accountId of the caller.
    pub login: Option<String>,
    /// Jira: the Atlassian account email of the personal token (default: the user's
    /// aiops email).
    pub email: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `PUT /api/v1/me/credentials/{integration_id}`. Absent fields are left as they are;
/// an empty string clears one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"token": "ghp_exampletoken", "login": "octocat"}))]
pub struct SetPersonalCredential {
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub login: Option<String>,
    /// Jira: the Atlassian account email the token belongs to.
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn is_done(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

impl std::str::FromStr for SyncState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "queued" => Ok(Self::Queued),
            "running" => Ok(Self::Running),
            "succeeded" => Ok(Self::Succeeded),
            "failed" => Ok(Self::Failed),
            other => Err(format!("unknown sync state `{other}`")),
        }
    }
}

/// One sync of one integration (a job): every linked project, incrementally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SyncRun {
    /// Also the job id.
    pub id: i64,
    pub integration_id: i64,
    pub state: SyncState,
    /// `schedule` or `manual`.
    pub trigger: String,
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// Issues the tracker reported as changed.
    pub issues_seen: u32,
    pub issues_created: u32,
    pub issues_updated: u32,
    /// Issues marked as gone upstream.
    pub issues_removed: u32,
    /// Issues whose comments were fetched.
    pub comments_fetched: u32,
    /// HTTP requests made to the tracker.
    pub requests: u32,
    pub error: Option<String>,
}

/// `POST /api/v1/issues/sync`: which integrations to sync now. Neither field: every
/// integration the caller can see.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"full": false}))]
pub struct SyncRequest {
    #[serde(default)]
    pub integration: Option<i64>,
    /// Every integration linked to this project.
    #[serde(default)]
    pub project: Option<i64>,
    /// List every issue instead of the changes (notices issues deleted upstream); runs
    /// do this once a day by themselves.
    #[serde(default)]
    pub full: bool,
}

/// `202` answer of `POST /api/v1/issues/sync`: one queued job per integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SyncQueued {
    pub runs: Vec<SyncRun>,
}

/// `GET /api/v1/sync-runs`
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncRunListParams {
    pub integration: Option<i64>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
