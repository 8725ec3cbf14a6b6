//! Tenants (teams or organisations), projects (one repository each), their members, and
//! the audit log.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use time::OffsetDateTime;

/// A tenant: the unit of membership. Members see its projects; admins see every tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Tenant {
    pub id: i64,
    /// `^[a-z0-9][a-z0-9-]{0,62}$`, unique across the server.
    pub slug: String,
    pub name: String,
    /// `#rrggbb`
    pub color: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /api/v1/tenants` (admin).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CreateTenant {
    /// 1..=100 characters.
    pub name: String,
    /// Derived from `name` when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// `#rrggbb`; a colour derived from the slug when absent.
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /api/v1/tenants/{tenant}` (admin). Absent fields are left as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UpdateTenant {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A member of a tenant or a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

/// A project: one repository inside a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub id: i64,
    pub tenant_id: i64,
    pub tenant_slug: String,
    /// Unique within its tenant.
    pub slug: String,
    pub name: String,
    pub repo_url: String,
    pub default_branch: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /api/v1/projects`
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CreateProject {
    /// Tenant id or slug; the caller must be a member (or an admin).
    pub tenant: String,
    /// 1..=100 characters.
    pub name: String,
    #[serde(default)]
    pub slug: Option<String>,
    /// `https://…`, `ssh://…`, `git@host:path`, or (admins only) an absolute local path.
    pub repo_url: String,
    /// Defaults to `main`.
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `PATCH /api/v1/projects/{id}`. Absent fields are left as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UpdateProject {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub repo_url: Option<String>,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Query of `GET /api/v1/projects`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectListParams {
    /// Only this tenant's projects (id or slug).
    pub tenant: Option<String>,
    /// Only projects with this slug (one per tenant at most).
    pub slug: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// One audit-log row. `detail` has passed through the redactor before it was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_user_id: Option<i64>,
    /// Email of the actor at the time, or `system` / `cli` for local admin commands.
    pub actor: String,
    /// Dotted verb, e.g. `tenant.create`, `auth.login_failed`, `api_key.revoke`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Query of `GET /api/v1/audit` (admin). Newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditListParams {
    pub actor_user_id: Option<i64>,
    /// Exact action, or a prefix ending in `.` (`tenant.`).
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// RFC 3339; only rows at or after this instant.
    pub since: Option<String>,
    /// RFC 3339; only rows before this instant.
    pub until: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
