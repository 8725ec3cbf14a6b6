//! Port traits: what the domain needs from storage. `aiops-db` implements them on SQLite.
//!
//! Every write method takes the audit row to append in the same transaction, so a change
//! and its audit entry are stored together or not at all. Reads of tenant-scoped data take
//! a [`Viewer`] and must filter in the query itself (never fetch-then-filter).

use aiops_types::{
    ApiKey, AuditEntry, Member, Project, Role, Scope, Tenant, TenantRole, Timestamp, User,
};

use crate::CoreResult;
use crate::page::PageQuery;
pub use crate::ports_git::*;
pub use crate::ports_issues::*;
pub use crate::ports_sessions::*;
pub use crate::ports_ssh::*;
pub use crate::ports_trackers::*;
pub use crate::principal::Viewer;

/// One audit-log row to append. `detail` is redacted by the store before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    /// Id of the acting user; `None` when no signed-in user acted (setup, a failed login
    /// for an unknown email, local admin commands).
    pub actor_user_id: Option<i64>,
    /// Who acted, as the log shows it: the user's email, or a fixed name for a non-user actor.
    pub actor: String,
    /// Dotted action name, such as `auth.login` or `issue.deleted`.
    pub action: String,
    /// Kind of the object acted on (`user`, `tenant`, `api_key`, …), if any.
    pub target_type: Option<String>,
    /// Id of the object acted on, as text; set together with `target_type`.
    pub target_id: Option<String>,
    /// Client address of the request, when there was one.
    pub ip: Option<String>,
    /// Free-form JSON about the change; an empty object by default.
    pub detail: serde_json::Value,
}

impl NewAudit {
    /// A row with no target, no address and an empty `detail` object.
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

    /// A row for `action` by the principal `p`: its user id, email and client address.
    pub fn by(p: &crate::Principal, action: &str) -> Self {
        let mut a = Self::new(Some(p.user_id), &p.email, action);
        a.ip = p.ip.clone();
        a
    }

    /// Sets the target: its kind (`user`, `tenant`, …) and id.
    pub fn target(mut self, kind: &str, id: impl ToString) -> Self {
        self.target_type = Some(kind.to_owned());
        self.target_id = Some(id.to_string());
        self
    }

    /// Replaces `detail`.
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    /// Sets the client address.
    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }
}

/// A user with the secret fields the API never shows.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// The user as the API shows it.
    pub user: User,
    /// The argon2id PHC string of the password (see [`crate::secrets::hash_password`]).
    pub password_hash: String,
}

/// A user to insert: email, display name, role and password hash.
pub struct NewUserRow {
    /// Email, already normalised (trimmed, lowercased); unique.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Server-wide role.
    pub role: Role,
    /// The argon2id PHC string of the password.
    pub password_hash: String,
}

/// The full mutable state of a user, written as a whole by `update_user`.
pub struct UserRow {
    /// Display name.
    pub name: String,
    /// Server-wide role.
    pub role: Role,
    /// `true` blocks sign-in and ends the user's browser sessions.
    pub disabled: bool,
    /// Absolute path of the user's tool home (`$HOME` of their sessions); `None`: the
    /// default `<data>/homes/<id>`.
    pub tool_home: Option<String>,
}

/// An API key to insert; the secret itself is never stored.
pub struct NewApiKeyRow {
    /// Owner of the key.
    pub user_id: i64,
    /// Label the owner gave the key.
    pub name: String,
    /// The first characters of the secret (`aiops_` plus four), shown in key lists.
    pub prefix: String,
    /// SHA-256 of the secret, the value the key is looked up by.
    pub digest: Vec<u8>,
    /// Scopes the key grants.
    pub scopes: Vec<Scope>,
    /// When the key stops working; `None` never expires.
    pub expires_at: Option<Timestamp>,
}

/// A browser session as stored: looked up by the SHA-256 of its cookie token.
#[derive(Debug, Clone)]
pub struct WebSessionRecord {
    /// Row id of the browser session.
    pub id: i64,
    /// The user it signs in.
    pub user_id: i64,
    /// The CSRF token every non-GET request of this session must send in `X-CSRF-Token`.
    pub csrf_token: String,
    /// When the session ends; expired rows are swept when a new one is created.
    pub expires_at: Timestamp,
}

/// The full mutable state of a tenant.
pub struct TenantRow {
    /// Unique short name used in URLs and references.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Colour shown for the tenant, `#rrggbb` in lower case.
    pub color: String,
    /// Free-text description.
    pub description: String,
}

/// A tenant by id or by slug: both are accepted wherever a tenant is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantRef {
    /// The tenant's row id.
    Id(i64),
    /// The tenant's slug.
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
    /// Tenant the project belongs to.
    pub tenant_id: i64,
    /// Short name, unique within the tenant.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// URL of the git repository.
    pub repo_url: String,
    /// Branch new work starts from and pull requests target.
    pub default_branch: String,
    /// Free-text description.
    pub description: String,
    /// How sessions of the project get a workspace (isolation, setup files and command).
    pub workspace: aiops_types::ProjectWorkspace,
    /// How pull requests of the project are merged.
    pub merge_method: aiops_types::MergeMethod,
}

/// Which projects `list_projects` returns; every `None` matches all.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    /// Only projects of this tenant.
    pub tenant_id: Option<i64>,
    /// Only the project with this slug.
    pub slug: Option<String>,
}

/// Which audit rows `list_audit` returns; every `None` matches all.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only rows of this acting user.
    pub actor_user_id: Option<i64>,
    /// Exact action, or a prefix when it ends with `.`.
    pub action: Option<String>,
    /// Only rows with this target kind.
    pub target_type: Option<String>,
    /// Only rows with this target id.
    pub target_id: Option<String>,
    /// Only rows written at or after this time.
    pub since: Option<Timestamp>,
    /// Only rows written before this time.
    pub until: Option<Timestamp>,
}

/// User accounts and their preferences.
pub trait UserStore {
    /// Number of users, disabled ones included.
    fn count_users(&self) -> CoreResult<u64>;
    /// The user with this (normalised) email, with the password hash.
    fn user_by_email(&self, email: &str) -> CoreResult<Option<UserRecord>>;
    /// The user with this id, with the password hash.
    fn user_by_id(&self, id: i64) -> CoreResult<Option<UserRecord>>;
    /// Users in id order.
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
    /// Sets the user's default agent tool; `NotFound` for an unknown user. Returns the
    /// preferences as stored.
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
    /// The session's issue; `None` for a session not started on an issue.
    pub issue_id: Option<i64>,
    /// The session's project.
    pub project_id: i64,
}

/// API keys and browser sessions, both stored only as SHA-256 digests of their secrets.
pub trait CredentialStore {
    /// Stores a new key and returns it (without its secret).
    fn insert_api_key(&self, row: &NewApiKeyRow, audit: NewAudit) -> CoreResult<ApiKey>;
    /// The key, its owner, and for a session-scoped key the session's issue and project.
    fn api_key_by_digest(
        &self,
        digest: &[u8],
    ) -> CoreResult<Option<(ApiKey, UserRecord, Option<KeySession>)>>;
    /// Sets the key's `last_used_at`; not audited.
    fn touch_api_key(&self, id: i64, at: Timestamp) -> CoreResult<()>;
    /// The key with this id, revoked and expired ones included.
    fn api_key(&self, id: i64) -> CoreResult<Option<ApiKey>>;
    /// Newest first; `owner` None lists every user's keys.
    fn list_api_keys(&self, owner: Option<i64>, page: PageQuery) -> CoreResult<Vec<ApiKey>>;
    /// Sets `revoked_at` on a key that is not revoked yet; revoking again is a no-op and
    /// appends no audit row.
    fn revoke_api_key(&self, id: i64, at: Timestamp, audit: NewAudit) -> CoreResult<()>;
    /// Stores a browser session by the digest of its cookie token, with its CSRF token and
    /// end; deletes expired sessions first. Returns the session's row id.
    fn insert_web_session(
        &self,
        user_id: i64,
        digest: &[u8],
        csrf_token: &str,
        expires_at: Timestamp,
        audit: NewAudit,
    ) -> CoreResult<i64>;
    /// The browser session with this token digest and its user; expiry is not checked here.
    fn web_session_by_digest(
        &self,
        digest: &[u8],
    ) -> CoreResult<Option<(WebSessionRecord, UserRecord)>>;
    /// Deletes the browser session (logout).
    fn delete_web_session(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
}

/// Tenants and their members. Reads only match tenants the [`Viewer`] may see.
pub trait TenantStore {
    /// Visible tenants in id order.
    fn list_tenants(&self, viewer: Viewer, page: PageQuery) -> CoreResult<Vec<Tenant>>;
    /// The tenant by id or slug, or `None` when it does not exist or is not visible.
    fn tenant(&self, viewer: Viewer, tenant: &TenantRef) -> CoreResult<Option<Tenant>>;
    /// `Conflict` when the slug is taken. The user `creator` (when one has that id)
    /// becomes the tenant's first admin, in the same transaction.
    fn insert_tenant(&self, row: &TenantRow, creator: i64, audit: NewAudit) -> CoreResult<Tenant>;
    /// Writes the whole [`TenantRow`]. `NotFound` for an unknown id, `Conflict` when the new
    /// slug is taken.
    fn update_tenant(&self, id: i64, row: &TenantRow, audit: NewAudit) -> CoreResult<Tenant>;
    /// `Conflict` while the tenant still has projects.
    fn delete_tenant(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// Members of the tenant in user id order, each with their tenant role.
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

/// Projects and their members. Reads only match projects the [`Viewer`] may see.
pub trait ProjectStore {
    /// Visible projects matching `filter`, in id order.
    fn list_projects(
        &self,
        viewer: Viewer,
        filter: &ProjectFilter,
        page: PageQuery,
    ) -> CoreResult<Vec<Project>>;
    /// The project, or `None` when it does not exist or is not visible.
    fn project(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Project>>;
    /// `Conflict` when the slug is taken within the tenant.
    fn insert_project(&self, row: &ProjectRow, audit: NewAudit) -> CoreResult<Project>;
    /// Writes the whole [`ProjectRow`]. `NotFound` for an unknown id, `Conflict` when the
    /// new slug is taken within the tenant.
    fn update_project(&self, id: i64, row: &ProjectRow, audit: NewAudit) -> CoreResult<Project>;
    /// `NotFound` for an unknown id; `Conflict` when the project ever had an agent session
    /// (sessions are kept as its history).
    fn delete_project(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// Members of the project in user id order.
    fn list_project_members(&self, project_id: i64, page: PageQuery) -> CoreResult<Vec<Member>>;
    /// Adds the user to the project; idempotent. `NotFound` when the user does not exist.
    fn put_project_member(
        &self,
        project_id: i64,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<Member>;
    /// Removes the user from the project; `NotFound` when they were not a member.
    fn delete_project_member(
        &self,
        project_id: i64,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<()>;
}

/// The audit log.
pub trait AuditStore {
    /// Appends one row on its own, outside any other write.
    fn append_audit(&self, audit: NewAudit) -> CoreResult<()>;
    /// Newest first.
    fn list_audit(&self, filter: &AuditFilter, page: PageQuery) -> CoreResult<Vec<AuditEntry>>;
}

/// Server-wide key/value settings (such as the setup token digest).
pub trait SettingsStore {
    /// The value under `key`, or `None` when it was never set.
    fn setting(&self, key: &str) -> CoreResult<Option<String>>;
    /// Sets `key` to `value`, replacing any earlier value.
    fn set_setting(&self, key: &str, value: &str) -> CoreResult<()>;
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
    /// Number of users, disabled ones included.
    pub users: u64,
    /// Number of tenants.
    pub tenants: u64,
    /// Number of projects.
    pub projects: u64,
    /// Number of API keys not revoked (expired ones included).
    pub api_keys_active: u64,
}

/// Sync runs of one integration, for `/metrics`: every row of `sync_runs` ever kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRunTotals {
    /// The integration the runs belong to.
    pub integration_id: i64,
    /// `github`, `gitlab` or `jira`.
    pub provider: String,
    /// Runs that finished (succeeded or failed).
    pub finished: u64,
    /// Runs that failed.
    pub failed: u64,
}

/// Counts and versions behind `system/status` and `/metrics`.
pub trait SystemStore {
    /// Rows per kind, for `system/status`.
    fn counts(&self) -> CoreResult<Counts>;
    /// The database schema version (SQLite `user_version`).
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

#[cfg(test)]
#[path = "ports_tests.rs"]
mod tests;
