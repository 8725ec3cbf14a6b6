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
    /// The integration's id.
    pub id: i64,
    /// The id of the tenant it belongs to.
    pub tenant_id: i64,
    /// The slug of the tenant it belongs to.
    pub tenant_slug: String,
    /// `github`, `gitlab` or `jira`.
    pub provider: Provider,
    /// The integration's name, unique within the tenant.
    pub name: String,
    /// API root: `https://api.github.com`, `https://gitlab.com`, `https://acme.atlassian.net`.
    pub base_url: String,
    /// Jira: the Atlassian account email the API token belongs to.
    pub email: Option<String>,
    /// Whether a token is stored (the token itself is never returned).
    pub has_token: bool,
    /// None until the first connection test or sync; false after a refused credential.
    pub healthy: Option<bool>,
    /// Why the last test or sync failed.
    pub health_error: Option<String>,
    /// When the last test or sync checked the connection (RFC 3339, UTC); None before the first.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub health_checked_at: Option<OffsetDateTime>,
    /// Jira: workflow transition names tried in order to close an issue; empty: the
    /// defaults `Done`, `Close Issue`, `Closed`, `Resolve Issue`.
    pub jira_close_transitions: Vec<String>,
    /// Jira: workflow transition names tried in order to reopen an issue; empty: the
    /// defaults `Reopen Issue`, `Reopen`, `To Do`, `Backlog`.
    pub jira_reopen_transitions: Vec<String>,
    /// Seconds between scheduled syncs; 0 turns scheduled sync off.
    pub sync_interval_secs: u32,
    /// When the integration was created (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the integration was last changed (RFC 3339, UTC).
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
    /// The API token (GitHub or GitLab personal access token, Jira API token); write-only.
    #[serde(default)]
    pub token: Option<crate::Secret>,
    /// Jira, required: the Atlassian account email the API token belongs to.
    #[serde(default)]
    pub email: Option<String>,
    /// Jira: transition names tried in order to close an issue (at most 20, each at most
    /// 100 characters); empty: `Done`, `Close Issue`, `Closed`, `Resolve Issue`.
    #[serde(default)]
    pub jira_close_transitions: Option<Vec<String>>,
    /// Jira: transition names tried in order to reopen an issue (at most 20, each at most
    /// 100 characters); empty: `Reopen Issue`, `Reopen`, `To Do`, `Backlog`.
    #[serde(default)]
    pub jira_reopen_transitions: Option<Vec<String>>,
    /// Seconds between scheduled syncs: 60..=86400, or 0 to turn scheduled sync off;
    /// default 300.
    #[serde(default)]
    pub sync_interval_secs: Option<u32>,
}

/// `PATCH /api/v1/integrations/{id}` (admin). Absent fields are left as they are; an
/// empty `token` removes the stored token.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "GitHub (acme)", "sync_interval_secs": 300}))]
#[serde(deny_unknown_fields)]
pub struct UpdateIntegration {
    /// A new name, 1..=100 characters, unique within the tenant.
    #[serde(default)]
    pub name: Option<String>,
    /// A new API root (`https://`, `http://` only for localhost).
    #[serde(default)]
    pub base_url: Option<String>,
    /// A new token (write-only); empty removes the stored one.
    #[serde(default)]
    pub token: Option<crate::Secret>,
    /// Jira: the Atlassian account email the API token belongs to.
    #[serde(default)]
    pub email: Option<String>,
    /// Jira: transition names tried in order to close an issue (at most 20, each at most
    /// 100 characters); empty: `Done`, `Close Issue`, `Closed`, `Resolve Issue`.
    #[serde(default)]
    pub jira_close_transitions: Option<Vec<String>>,
    /// Jira: transition names tried in order to reopen an issue (at most 20, each at most
    /// 100 characters); empty: `Reopen Issue`, `Reopen`, `To Do`, `Backlog`.
    #[serde(default)]
    pub jira_reopen_transitions: Option<Vec<String>>,
    /// Seconds between scheduled syncs: 60..=86400, or 0 to turn scheduled sync off.
    #[serde(default)]
    pub sync_interval_secs: Option<u32>,
}

/// `GET /api/v1/integrations`
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntegrationListParams {
    /// Only this tenant's integrations (id or slug).
    pub tenant: Option<String>,
    /// Rows per page, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Result of `POST /api/v1/integrations/{id}/test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionTest {
    /// The tracker accepted the token.
    pub ok: bool,
    /// Who the token acts as: GitHub login, GitLab username, Jira accountId.
    pub identity: Option<String>,
    /// Why the test failed; None when it passed.
    pub error: Option<String>,
    /// Whose token was tested: `personal`, `integration`.
    pub credential: String,
}

/// A project's link to a tracker project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectLink {
    /// The link's id.
    pub id: i64,
    /// The aiops project linked.
    pub project_id: i64,
    /// The integration the tracker project is reached through.
    pub integration_id: i64,
    /// That integration's name.
    pub integration_name: String,
    /// That integration's provider.
    pub provider: Provider,
    /// `owner/repo`, `group/project` or a numeric id, `KEY` or `jql:<filter>`.
    pub external: String,
    /// The link has its own token, used instead of the integration's.
    pub has_token: bool,
    /// When the link was last synced (RFC 3339, UTC); None before its first sync.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_synced_at: Option<OffsetDateTime>,
    /// When the link was made (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/projects/{id}/links` (admin).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"integration": 1, "external": "acme/web"}))]
#[serde(deny_unknown_fields)]
pub struct CreateProjectLink {
    /// The integration's id.
    pub integration: i64,
    /// The tracker project: `owner/repo` (GitHub), a project path `group/sub/project` or
    /// numeric id (GitLab), a project key `PROJ` or `jql:<filter>` (Jira).
    pub external: String,
    /// Overrides the integration's token for this project (write-only).
    #[serde(default)]
    pub token: Option<crate::Secret>,
}

/// The caller's own token and identity for one integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersonalCredential {
    /// The integration this credential is for.
    pub integration_id: i64,
    /// That integration's name.
    pub integration_name: String,
    /// That integration's provider.
    pub provider: Provider,
    /// Whether a personal token is stored (the token itself is never returned).
    pub has_token: bool,
    /// GitHub login, GitLab username or Jira accountId of the caller.
    pub login: Option<String>,
    /// Jira: the Atlassian account email of the personal token (default: the user's
    /// aiops email).
    pub email: Option<String>,
    /// When it was last set (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `PUT /api/v1/me/credentials/{integration_id}`. Absent fields are left as they are;
/// an empty string clears one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"token": "ghp_exampletoken", "login": "octocat"}))]
pub struct SetPersonalCredential {
    /// The caller's own token for this integration (write-only).
    #[serde(default)]
    pub token: Option<crate::Secret>,
    /// The caller's GitHub login, GitLab username or Jira accountId: one word of at most
    /// 128 characters.
    #[serde(default)]
    pub login: Option<String>,
    /// Jira: the Atlassian account email the token belongs to.
    #[serde(default)]
    pub email: Option<String>,
}

/// Where a sync run is in its life, lowercase on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Waiting to run.
    Queued,
    /// Running now.
    Running,
    /// Finished without error.
    Succeeded,
    /// Finished with an error; `error` says why.
    Failed,
}

impl SyncState {
    /// The lowercase wire name, e.g. `running`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// True for a final state: succeeded or failed.
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
    /// The integration synced.
    pub integration_id: i64,
    /// Where the run is in its life.
    pub state: SyncState,
    /// What started it: `schedule` (the sync interval) or `manual` (a request).
    pub trigger: String,
    /// When it was queued (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    /// When it started (RFC 3339, UTC); absent while queued.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    /// When it finished (RFC 3339, UTC); absent until then.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// Issues the tracker reported as changed.
    pub issues_seen: u32,
    /// Issues new to aiops.
    pub issues_created: u32,
    /// Issues aiops had that changed.
    pub issues_updated: u32,
    /// Issues marked as gone upstream.
    pub issues_removed: u32,
    /// Issues whose comments were fetched.
    pub comments_fetched: u32,
    /// HTTP requests made to the tracker.
    pub requests: u32,
    /// Why the run failed; None unless `failed`.
    pub error: Option<String>,
}

/// `POST /api/v1/issues/sync`: which integrations to sync now. Neither field: every
/// integration the caller can see.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"full": false}))]
pub struct SyncRequest {
    /// This integration only (its id).
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
    /// The queued runs, one per integration.
    pub runs: Vec<SyncRun>,
}

/// `GET /api/v1/sync-runs`
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncRunListParams {
    /// Only runs of this integration (its id).
    pub integration: Option<i64>,
    /// Rows per page, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}
