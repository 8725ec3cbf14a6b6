//! Port traits: what the domain needs from storage. `aiops-db` implements them on SQLite.
//!
//! Every write method takes the audit row to append in the same transaction, so a change
//! and its audit entry are stored together or not at all. Reads of tenant-scoped data take
//! a [`Viewer`] and must filter in the query itself (never fetch-then-filter).

use aiops_types::{
    ApiKey, AuditEntry, Comment, Issue, IssueStatus, Member, Project, Provider, Role, Scope,
    Tenant, TenantRole, Timestamp, User,
};

use crate::CoreResult;
use crate::page::PageQuery;
pub use crate::ports_git::*;
pub use crate::ports_sessions::*;
pub use crate::ports_ssh::*;
pub use crate::ports_trackers::*;
pub use crate::principal::Viewer;

/// One audit-log row to append. `detail` is redacted by the store before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
}

impl NewAudit {
    pub fn new(actor_user_id: Option<i64>, actor: &str, action: &str) -> Self {
        Self {
            actor_user_id,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target_type: None,
            target_id: None,
            ip: None,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn by(p: &crate::Principal, action: &str) -> Self {
        let mut a = Self::new(Some(p.user_id), &p.email, action);
        a.ip = p.ip.clone();
        a
    }

    pub fn target(mut self, kind: &str, id: impl ToString) -> Self {
        self.target_type = Some(kind.to_owned());
        self.target_id = Some(id.to_string());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }
}

/// A user with the secret fields the API never shows.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
}

pub struct NewUserRow {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
}

/// The full mutable state of a user, written as a whole by `update_user`.
pub struct UserRow {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub tool_home: Option<String>,
}

pub struct NewApiKeyRow {
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub digest: Vec<u8>,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct WebSessionRecord {
    pub id: i64,
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// The full mutable state of a tenant.
pub struct TenantRow {
    pub slug: String,
    pub name: String,
    pub color: String,
    pub description: String,
}

/// A tenant by id or by slug: both are accepted wherever a tenant is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantRef {
    Id(i64),
    Slug(String),
}

impl TenantRef {
    /// All digits → id; anything else → slug.
    pub fn parse(s: &str) -> Self {
        match s.parse() {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Slug(s.to_owned()),
        }
    }
}

/// The full mutable state of a project.
pub struct ProjectRow {
    pub tenant_id: i64,
    pub slug: String,
    pub name: String,
    pub repo_url: String,
    pub default_branch: String,
    pub description: String,
    pub workspace: aiops_types::ProjectWorkspace,
    pub merge_method: aiops_types::MergeMethod,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub tenant_id: Option<i64>,
    pub slug: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_user_id: Option<i64>,
    /// Exact action, or a prefix when it ends with `.`.
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

pub trait UserStore {
    fn count_users(&self) -> CoreResult<u64>;
    fn user_by_email(&self, email: &str) -> CoreResult<Option<UserRecord>>;
    fn user_by_id(&self, id: i64) -> CoreResult<Option<UserRecord>>;
    fn list_users(&self, page: PageQuery) -> CoreResult<Vec<User>>;
    /// `Conflict` when the email is taken.
    fn insert_user(&self, row: &NewUserRow, audit: NewAudit) -> CoreResult<User>;
    /// Inserts the first admin only if there is no user yet and `setup_digest` matches the
    /// stored setup token, which is consumed; `Unauthorized` otherwise. One transaction.
    fn insert_first_admin(
        &self,
        row: &NewUserRow,
        setup_digest: &[u8],
        audit: NewAudit,
    ) -> CoreResult<User>;
    /// Disabling also deletes the user's browser sessions.
    fn update_user(&self, id: i64, row: &UserRow, audit: NewAudit) -> CoreResult<User>;
    /// Also deletes every browser session of the user (a password change signs out).
    fn set_password_hash(&self, id: i64, hash: &str, audit: NewAudit) -> CoreResult<()>;
    /// The user's preferences (`NotFound` for an unknown user).
    fn preferences(&self, id: i64) -> CoreResult<aiops_types::Preferences>;
    fn set_preferences(
        &self,
        id: i64,
        prefs: &aiops_types::Preferences,
        audit: NewAudit,
    ) -> CoreResult<aiops_types::Preferences>;
}

/// What a session-scoped API key's session is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySession {
    pub issue_id: Option<i64>,
    pub project_id: i64,
}

pub trait CredentialStore {
    fn insert_api_key(&self, row: &NewApiKeyRow, audit: NewAudit) -> CoreResult<ApiKey>;
    /// The key, its owner, and for a session-scoped key the session's issue and project.
    fn api_key_by_digest(
        &self,
        digest: &[u8],
    ) -> CoreResult<Option<(ApiKey, UserRecord, Option<KeySession>)>>;
    fn touch_api_key(&self, id: i64, at: Timestamp) -> CoreResult<()>;
    fn api_key(&self, id: i64) -> CoreResult<Option<ApiKey>>;
    /// Newest first; `owner` None lists every user's keys.
    fn list_api_keys(&self, owner: Option<i64>, page: PageQuery) -> CoreResult<Vec<ApiKey>>;
    fn revoke_api_key(&self, id: i64, at: Timestamp, audit: NewAudit) -> CoreResult<()>;
    fn insert_web_session(
        &self,
        user_id: i64,
        digest: &[u8],
        csrf_token: &str,
        expires_at: Timestamp,
        audit: NewAudit,
    ) -> CoreResult<i64>;
    fn web_session_by_digest(
        &self,
        digest: &[u8],
    ) -> CoreResult<Option<(WebSessionRecord, UserRecord)>>;
    fn delete_web_session(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
}

pub trait TenantStore {
    fn list_tenants(&self, viewer: Viewer, page: PageQuery) -> CoreResult<Vec<Tenant>>;
    fn tenant(&self, viewer: Viewer, tenant: &TenantRef) -> CoreResult<Option<Tenant>>;
    /// `Conflict` when the slug is taken. The user `creator` (when one has that id)
    /// becomes the tenant's first admin, in the same transaction.
    fn insert_tenant(&self, row: &TenantRow, creator: i64, audit: NewAudit) -> CoreResult<Tenant>;
    fn update_tenant(&self, id: i64, row: &TenantRow, audit: NewAudit) -> CoreResult<Tenant>;
    /// `Conflict` while the tenant still has projects.
    fn delete_tenant(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    fn list_tenant_members(&self, tenant_id: i64, page: PageQuery) -> CoreResult<Vec<Member>>;
    /// Idempotent; `NotFound` when the user does not exist. `role`: a new member's role
    /// (`None` = member) or an existing member's new one (`None` keeps it).
    fn put_tenant_member(
        &self,
        tenant_id: i64,
        user_id: i64,
        role: Option<TenantRole>,
        audit: NewAudit,
    ) -> CoreResult<Member>;
    /// The user's role in the tenant; `None` when they are not a member of it.
    fn tenant_role(&self, tenant_id: i64, user_id: i64) -> CoreResult<Option<TenantRole>>;
    /// `NotFound` when the user was not a member.
    fn delete_tenant_member(&self, tenant_id: i64, user_id: i64, audit: NewAudit)
    -> CoreResult<()>;
}

pub trait ProjectStore {
    fn list_projects(
        &self,
        viewer: Viewer,
        filter: &ProjectFilter,
        page: PageQuery,
    ) -> CoreResult<Vec<Project>>;
    fn project(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Project>>;
    /// `Conflict` when the slug is taken within the tenant.
    fn insert_project(&self, row: &ProjectRow, audit: NewAudit) -> CoreResult<Project>;
    fn update_project(&self, id: i64, row: &ProjectRow, audit: NewAudit) -> CoreResult<Project>;
    fn delete_project(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    fn list_project_members(&self, project_id: i64, page: PageQuery) -> CoreResult<Vec<Member>>;
    fn put_project_member(
        &self,
        project_id: i64,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<Member>;
    fn delete_project_member(
        &self,
        project_id: i64,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<()>;
}

pub trait AuditStore {
    fn append_audit(&self, audit: NewAudit) -> CoreResult<()>;
    /// Newest first.
    fn list_audit(&self, filter: &AuditFilter, page: PageQuery) -> CoreResult<Vec<AuditEntry>>;
}

pub trait SettingsStore {
    fn setting(&self, key: &str) -> CoreResult<Option<String>>;
    fn set_setting(&self, key: &str, value: &str) -> CoreResult<()>;
}

/// A native issue to create; its number (`#N`) is allocated in the same transaction.
pub struct NewIssueRow {
    pub project_id: i64,
    pub title: String,
    pub description: String,
    pub labels: Vec<String>,
    pub assignee: Option<String>,
    pub author: String,
}

/// The full mutable state of an issue, written as a whole by `update_issue`.
pub struct IssueRow {
    pub title: String,
    pub description: String,
    pub labels: Vec<String>,
    pub assignee: Option<String>,
    pub status: IssueStatus,
    pub provider_status: String,
}

#[derive(Debug, Clone, Default)]
pub struct IssueFilter {
    pub tenant_id: Option<i64>,
    pub project_id: Option<i64>,
    pub provider: Option<Provider>,
    /// None: any status.
    pub status: Option<IssueStatus>,
    pub assignee: Option<String>,
    pub label: Option<String>,
    /// An FTS5 query already made safe by the core (quoted words).
    pub fts: Option<String>,
}

pub trait IssueStore {
    /// Newest first.
    fn list_issues(
        &self,
        viewer: Viewer,
        filter: &IssueFilter,
        page: PageQuery,
    ) -> CoreResult<Vec<Issue>>;
    fn issue(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Issue>>;
    fn insert_native_issue(&self, row: &NewIssueRow, audit: NewAudit) -> CoreResult<Issue>;
    fn update_issue(&self, id: i64, row: &IssueRow, audit: NewAudit) -> CoreResult<Issue>;
    /// Deletes the issue with its comments and labels (its sessions and automation runs
    /// keep their rows, without the link), appending `issue.deleted`. `NotFound` when it
    /// is gone already.
    fn delete_issue(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// Records a pull request of project `project_id`: for `issue_id` when given (opened
    /// for it), and its new state on every issue of the project it was recorded for
    /// (merged or closed). Each issue whose row changed gets `issue.updated`.
    fn record_pull_request(
        &self,
        project_id: i64,
        issue_id: Option<i64>,
        pr: &aiops_types::IssuePullRequest,
    ) -> CoreResult<()>;
    /// Oldest first.
    fn list_comments(&self, issue_id: i64, page: PageQuery) -> CoreResult<Vec<Comment>>;
    fn comment(&self, issue_id: i64, comment_id: i64) -> CoreResult<Option<Comment>>;
    /// Also counts the comment on the issue and bumps its `updated_at`.
    fn insert_comment(
        &self,
        issue_id: i64,
        author: &str,
        author_user_id: Option<i64>,
        body: &str,
        audit: NewAudit,
    ) -> CoreResult<Comment>;
    fn update_comment(
        &self,
        issue_id: i64,
        comment_id: i64,
        body: &str,
        audit: NewAudit,
    ) -> CoreResult<Comment>;
}

/// Versions of the global agent instructions.
pub trait AgentStore {
    /// The newest version, None when nothing was ever set.
    fn agent_instructions(
        &self,
        version: Option<i64>,
    ) -> CoreResult<Option<aiops_types::AgentInstructions>>;
    /// Newest first.
    fn list_agent_instructions(
        &self,
        page: PageQuery,
    ) -> CoreResult<Vec<aiops_types::AgentInstructions>>;
    /// Appends a version if the newest is still `base_version` (None: no check);
    /// `Conflict` otherwise. Returns the new version.
    fn append_agent_instructions(
        &self,
        body: &str,
        note: &str,
        base_version: Option<i64>,
        audit: NewAudit,
    ) -> CoreResult<aiops_types::AgentInstructions>;
}

/// Counts for `system/status`.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub users: u64,
    pub tenants: u64,
    pub projects: u64,
    pub api_keys_active: u64,
}

/// Sync runs of one integration, for `/metrics`: every row of `sync_runs` ever kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRunTotals {
    pub integration_id: i64,
    /// `github`, `gitlab` or `jira`.
    pub provider: String,
    /// Runs that finished (succeeded or failed).
    pub finished: u64,
    /// Runs that failed.
    pub failed: u64,
}

pub trait SystemStore {
    fn counts(&self) -> CoreResult<Counts>;
    fn schema_version(&self) -> CoreResult<u32>;
    /// Sessions per state (`starting`, `running`, …); states without a session are left
    /// out.
    fn sessions_by_state(&self) -> CoreResult<Vec<(String, u64)>>;
    /// One entry per integration that has at least one sync run, by integration id.
    fn sync_run_totals(&self) -> CoreResult<Vec<SyncRunTotals>>;
    /// Sync runs waiting for the worker (`state = 'queued'`).
    fn queued_sync_runs(&self) -> CoreResult<u64>;
}

/// Everything the domain needs, in one bound.
pub trait Store:
    UserStore
    + CredentialStore
    + TenantStore
    + ProjectStore
    + IssueStore
    + IntegrationStore
    + SyncStore
    + AgentStore
    + SessionStore
    + ToolStore
    + SshStore
    + AuditStore
    + SettingsStore
    + SystemStore
    + crate::mcp::McpStore
{
}

impl<T> Store for T where
    T: UserStore
        + CredentialStore
        + TenantStore
        + ProjectStore
        + IssueStore
        + IntegrationStore
        + SyncStore
        + AgentStore
        + SessionStore
        + ToolStore
        + SshStore
        + AuditStore
        + SettingsStore
        + SystemStore
        + crate::mcp::McpStore
{
}
