//! Tenants (teams or organisations), projects (one repository each), their members, and
//! the audit log.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use time::OffsetDateTime;

/// A tenant: the unit of membership. Members see its projects; admins see every tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Tenant {
    /// The tenant's id.
    pub id: i64,
    /// `^[a-z0-9][a-z0-9-]{0,62}$`, unique across the server.
    pub slug: String,
    /// The display name (1..=100 characters).
    pub name: String,
    /// The tenant's colour in the UI, `#rrggbb`.
    pub color: String,
    /// Free text (at most 10,000 bytes); empty when none.
    pub description: String,
    /// When the tenant was created (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the tenant was last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /api/v1/tenants` (admin).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Acme Corp", "slug": "acme", "description": "Acme's projects"}))]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    /// 1..=100 characters.
    pub name: String,
    /// `^[a-z0-9][a-z0-9-]{0,62}$`, unique across the server; derived from `name` when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// `#rrggbb`; a colour derived from the slug when absent.
    #[serde(default)]
    pub color: Option<String>,
    /// Free text, at most 10,000 bytes.
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /api/v1/tenants/{tenant}` (admin). Absent fields are left as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Demo Corp", "description": "The demo tenant"}))]
#[serde(deny_unknown_fields)]
pub struct UpdateTenant {
    /// A new display name, 1..=100 characters.
    #[serde(default)]
    pub name: Option<String>,
    /// A new slug, `^[a-z0-9][a-z0-9-]{0,62}$`, unique across the server.
    #[serde(default)]
    pub slug: Option<String>,
    /// A new colour, `#rrggbb`.
    #[serde(default)]
    pub color: Option<String>,
    /// A new description, at most 10,000 bytes.
    #[serde(default)]
    pub description: Option<String>,
}

/// A member of a tenant or a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    /// The member's user id.
    pub user_id: i64,
    /// The member's email.
    pub email: String,
    /// The member's display name.
    pub name: String,
    /// When the user became a member (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    /// The member's role in the tenant; always `member` for project members.
    #[serde(default)]
    pub role: TenantRole,
}

/// A role inside one tenant. Tenant `admin`s (and the server's admins) change a
/// project's repository, setup files and delete projects; `member`s work in them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TenantRole {
    /// Changes the tenant's projects' repository and setup files, deletes projects.
    Admin,
    /// Works in the tenant's projects (the default).
    #[default]
    Member,
}

impl TenantRole {
    /// The lowercase wire name, e.g. `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// `admin` or `member`, as stored and as the CLI takes it.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
}

/// `PUT /api/v1/tenants/{tenant}/members/{user_id}` (admin); the body is optional. A new
/// member gets `role` (default `member`); an existing one keeps theirs unless `role` is
/// given.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"role": "admin"}))]
#[serde(deny_unknown_fields)]
pub struct PutTenantMember {
    /// The member's role in the tenant.
    #[serde(default)]
    pub role: Option<TenantRole>,
}

/// A project: one repository inside a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    /// The project's id.
    pub id: i64,
    /// The id of the tenant it belongs to.
    pub tenant_id: i64,
    /// The slug of the tenant it belongs to.
    pub tenant_slug: String,
    /// `^[a-z0-9][a-z0-9-]{0,62}$`, unique within its tenant.
    pub slug: String,
    /// The display name (1..=100 characters).
    pub name: String,
    /// The repository's URL: `https://…`, `ssh://…`, `git@host:path` or an absolute local
    /// path.
    pub repo_url: String,
    /// The branch new worktrees start from.
    pub default_branch: String,
    /// Free text (at most 10,000 bytes); empty when none.
    pub description: String,
    /// How sessions get a working copy (issue 4, "Workspaces").
    pub workspace: ProjectWorkspace,
    /// How `git pr-merge` merges when given no `--method`.
    #[serde(default)]
    pub merge_method: crate::MergeMethod,
    /// When the project was created (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the project was last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `worktree`: a git worktree per issue on branch `aiops/<external-id>-<slug>` from the
/// default branch. `in-place`: sessions work in the user's base clone itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Isolation {
    /// `worktree`: a git worktree per issue (the default).
    #[default]
    #[serde(rename = "worktree")]
    Worktree,
    /// `in-place`: sessions work in the user's base clone.
    #[serde(rename = "in-place")]
    InPlace,
}

impl Isolation {
    /// The wire name: `worktree` or `in-place`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Worktree => "worktree",
            Self::InPlace => "in-place",
        }
    }
}

impl std::str::FromStr for Isolation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "worktree" => Ok(Self::Worktree),
            "in-place" => Ok(Self::InPlace),
            other => Err(format!(
                "unknown isolation `{other}` (expected worktree or in-place)"
            )),
        }
    }
}

/// A project's workspace settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProjectWorkspace {
    /// A worktree per issue, or the base clone itself.
    pub isolation: Isolation,
    /// Ignored files copied from the base clone into each new worktree (relative paths,
    /// e.g. `.env`); missing ones are skipped.
    pub setup_files: Vec<String>,
    /// Run once in each new worktree (argv, no shell; empty = none).
    pub setup_command: Vec<String>,
    /// Where sessions run (issue 23): a session host's name, or `label:<label>` for the
    /// least-loaded host with that label; None: the control plane's own machine.
    #[serde(default)]
    pub session_host: Option<String>,
    /// When no pinned host can take a new session (down, draining, full).
    #[serde(default)]
    pub host_fallback: HostFallback,
}

/// What a new session of a project pinned to session hosts does when none can take it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HostFallback {
    /// Refuse it, saying why (the default: a pin usually means the local machine is not
    /// fit for the project's sessions).
    #[default]
    Refuse,
    /// Run it on the control plane's own machine, with a note.
    Local,
}

impl HostFallback {
    /// `refuse` or `local`, as stored and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refuse => "refuse",
            Self::Local => "local",
        }
    }
}

impl std::str::FromStr for HostFallback {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "refuse" => Ok(Self::Refuse),
            "local" => Ok(Self::Local),
            other => Err(format!(
                "host_fallback must be refuse or local, not `{other}`"
            )),
        }
    }
}

/// `POST /api/v1/projects`
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"tenant": "demo", "name": "Docs", "slug": "docs", "repo_url": "https://github.com/acme/docs.git", "default_branch": "main"}))]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// Tenant id or slug; the caller must be a member (or an admin).
    pub tenant: String,
    /// 1..=100 characters.
    pub name: String,
    /// `^[a-z0-9][a-z0-9-]{0,62}$`, unique within the tenant; derived from `name` when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// `https://…`, `ssh://…`, `git@host:path`, or (admins only) an absolute local path.
    pub repo_url: String,
    /// Defaults to `main`.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// Free text, at most 10,000 bytes.
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /api/v1/projects/{id}`. Absent fields are left as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Web", "description": "The public web site"}))]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    /// A new display name, 1..=100 characters.
    #[serde(default)]
    pub name: Option<String>,
    /// A new slug, `^[a-z0-9][a-z0-9-]{0,62}$`, unique within the tenant.
    #[serde(default)]
    pub slug: Option<String>,
    /// A new repository URL (tenant admins only; a local path for server admins only).
    #[serde(default)]
    pub repo_url: Option<String>,
    /// A new default branch.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// A new description, at most 10,000 bytes.
    #[serde(default)]
    pub description: Option<String>,
    /// A worktree per issue, or the base clone itself.
    #[serde(default)]
    pub isolation: Option<Isolation>,
    /// Ignored files copied into each new worktree: at most 50 relative paths inside the
    /// repository (tenant admins only).
    #[serde(default)]
    pub setup_files: Option<Vec<String>>,
    /// Run once in each new worktree, argv (no shell); `[]` removes it (server admins
    /// only).
    #[serde(default)]
    pub setup_command: Option<Vec<String>>,
    /// How pull requests merge when no method is given.
    #[serde(default)]
    pub merge_method: Option<crate::MergeMethod>,
    /// A session host's name or `label:<label>` to run sessions on; `""` returns them to
    /// the control plane's machine. Admins of the tenant only.
    #[serde(default)]
    pub session_host: Option<String>,
    /// What a session does when no pinned host can take it; absent keeps it.
    #[serde(default)]
    pub host_fallback: Option<HostFallback>,
}

/// Query of `GET /api/v1/projects`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectListParams {
    /// Only this tenant's projects (id or slug).
    pub tenant: Option<String>,
    /// Only projects with this slug (one per tenant at most).
    pub slug: Option<String>,
    /// Rows per page, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// One audit-log row. `detail` has passed through the redactor before it was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// The row's id.
    pub id: i64,
    /// When it happened (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The acting user's id; None when no user account is behind it (e.g. `system` /
    /// `cli`).
    pub actor_user_id: Option<i64>,
    /// Email of the actor at the time, or `system` / `cli` for local admin commands.
    pub actor: String,
    /// Dotted verb, e.g. `tenant.create`, `auth.login_failed`, `api_key.revoke`.
    pub action: String,
    /// The kind of object acted on (`project`, `integration`, …), if any.
    pub target_type: Option<String>,
    /// The id of the object acted on, if any.
    pub target_id: Option<String>,
    /// The client's IP address, when the action came over HTTP.
    pub ip: Option<String>,
    /// Action-specific details, a JSON object (secrets redacted).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Query of `GET /api/v1/audit` (admin). Newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditListParams {
    /// Only rows of this acting user.
    pub actor_user_id: Option<i64>,
    /// Exact action, or a prefix ending in `.` (`tenant.`).
    pub action: Option<String>,
    /// Only rows acting on this kind of object.
    pub target_type: Option<String>,
    /// Only rows acting on the object with this id.
    pub target_id: Option<String>,
    /// RFC 3339; only rows at or after this instant.
    pub since: Option<String>,
    /// RFC 3339; only rows before this instant.
    pub until: Option<String>,
    /// Rows per page, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `POST /api/v1/projects/{id}/check-repo`: whether the repository answers, as the
/// caller reaches it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RepoCheck {
    /// The repository answered and holds the default branch.
    pub ok: bool,
    /// The repository answered.
    pub reachable: bool,
    /// The project's default branch, as configured.
    pub default_branch: String,
    /// The repository holds that branch.
    pub default_branch_exists: bool,
    /// Up to 20 of its branches, by name.
    pub branches: Vec<String>,
    /// One sentence: what is wrong and what to do, or that all is well.
    pub message: String,
}
