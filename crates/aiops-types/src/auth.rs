//! Users, roles, scopes, API keys and browser sessions.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use time::OffsetDateTime;

/// A user's role. `admin` sees and manages everything; `member` sees only the tenants and
/// projects they belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees and manages everything; may hold the `admin` scope.
    Admin,
    /// Sees only the tenants and projects they belong to; scopes up to `write`.
    Member,
}

impl Role {
    /// The lowercase wire name, e.g. `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// The highest scope this role may hold; API keys are capped by it.
    pub fn max_scope(self) -> Scope {
        match self {
            Self::Admin => Scope::Admin,
            Self::Member => Scope::Write,
        }
    }

    /// Every scope this role may hold, lowest first: what a browser session carries and
    /// what a client minting "everything I can" asks for.
    pub fn scopes(self) -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|s| *s <= self.max_scope())
            .collect()
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            other => Err(format!("unknown role `{other}` (expected admin or member)")),
        }
    }
}

/// API scopes, ordered: `read` < `write` < `admin`. A route needs one; a credential
/// satisfies it when it holds that scope or a higher one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read routes only.
    Read,
    /// Read and write routes.
    Write,
    /// Every route, the admin-only ones included.
    Admin,
}

impl Scope {
    /// Every scope, lowest first.
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    /// The lowercase wire name, e.g. `read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "read" => Ok(Self::Read),
            "write" => Ok(Self::Write),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown scope `{other}` (expected read, write or admin)"
            )),
        }
    }
}

/// A user as the API shows it. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// The user's id.
    pub id: i64,
    /// The login email, lowercase; unique.
    pub email: String,
    /// The display name (1..=100 characters).
    pub name: String,
    /// What the user may see and manage.
    pub role: Role,
    /// A disabled user cannot sign in and their API keys stop working.
    pub disabled: bool,
    /// When the user was created (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the user was last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Where an admin put this user's tool home (`$HOME` of their sessions); absent:
    /// `<data>/homes/<id>`.
    #[serde(default)]
    pub tool_home: Option<String>,
}

/// `POST /api/v1/auth/login`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"email": "admin@example.com", "password": "a-long-passphrase"}))]
pub struct LoginRequest {
    /// The user's email (case does not matter).
    pub email: String,
    /// The user's password.
    pub password: crate::Secret,
}

/// Answer of login and setup: the user, and the CSRF token to send as `X-CSRF-Token` on
/// every state-changing request made with the session cookie.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    /// The signed-in user.
    pub user: User,
    /// Send as `X-CSRF-Token` on every state-changing request made with the cookie.
    pub csrf_token: crate::Secret,
}

/// `POST /api/v1/auth/setup`: creates the first admin with the one-time setup token that
/// `aiops serve` printed on its first start.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"token": "the-setup-token-from-the-server-log", "email": "admin@example.com", "name": "Admin", "password": "a-long-passphrase"}))]
pub struct SetupRequest {
    /// The one-time setup token from the server's log.
    pub token: crate::Secret,
    /// The first admin's email (`name@example.com`, at most 254 bytes).
    #[schema(pattern = r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\s*$")]
    pub email: String,
    /// The display name (at most 100 characters, no control characters); blank or absent:
    /// the part of the email before `@`.
    #[serde(default)]
    pub name: Option<String>,
    /// The first admin's password: 8 characters to 1,024 bytes.
    #[schema(value_type = String, format = Password)]
    pub password: crate::Secret,
}

/// How the caller of `GET /api/v1/auth/me` authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A browser session cookie (from login or setup).
    Session,
    /// An API key (`Authorization: Bearer aiops_…`).
    ApiKey,
}

/// `GET|PUT /api/v1/auth/me/preferences`: the caller's own defaults, kept on the server
/// so every machine they use agrees.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"default_tool": "claude"}))]
pub struct Preferences {
    /// The tool `issues work` and `sessions start` use without `--tool` (`null`: the
    /// server's `default_tool`, else the first installed of claude, codex, aider, shell).
    #[serde(default)]
    pub default_tool: Option<String>,
    /// The tool of your newest session (set by aiops when a session starts; ignored in a
    /// `PUT`): the tool pickers' default when it is installed.
    #[serde(default)]
    pub last_tool: Option<String>,
}

/// `GET /api/v1/auth/me`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The caller.
    pub user: User,
    /// How the caller authenticated.
    pub method: AuthMethod,
    /// Effective scopes of this credential (a key's scopes, or the role's for a session).
    pub scopes: Vec<Scope>,
    /// The CSRF token to send as `X-CSRF-Token`; present for cookie sessions only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<crate::Secret>,
    /// The id of the API key used; present for API keys only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<i64>,
}

/// An API key's metadata. The secret itself is shown once, at creation, and never again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiKey {
    /// The key's id.
    pub id: i64,
    /// The id of the user who owns it (its requests act as that user).
    pub user_id: i64,
    /// The name given at creation, to tell keys apart.
    pub name: String,
    /// The first characters of the key (`aiops_AbCd`), to recognise it in lists.
    pub prefix: String,
    /// What the key may do (each at most its owner's role allows).
    pub scopes: Vec<Scope>,
    /// When it was created (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it stops working (RFC 3339, UTC); absent: never.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was last used (RFC 3339, UTC); absent: never used.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it was revoked (RFC 3339, UTC); absent while it is not revoked.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Set for a session-scoped key: minted for that agent session, revoked when it ends.
    #[serde(default)]
    pub session_id: Option<i64>,
}

/// `POST /api/v1/auth/keys`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "ci", "scopes": ["read", "write"], "expires_in_days": 90}))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// 1..=100 characters, to tell keys apart.
    pub name: String,
    /// Non-empty; each at most the owner's role allows (`member` → read, write).
    pub scopes: Vec<Scope>,
    /// Days until expiry, 1..=3650; absent means the key never expires.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// Answer of `POST /api/v1/auth/keys`: the only time `secret` is ever returned.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKey {
    /// The new key's metadata.
    pub key: ApiKey,
    /// `aiops_` followed by 43 base64url characters (256 bits). Store it now.
    pub secret: crate::Secret,
}

/// Query of `GET /api/v1/auth/keys`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyListParams {
    /// Admins only: list every user's keys instead of their own.
    pub all: Option<bool>,
    /// Rows per page, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `POST /api/v1/users` (admin).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ada@example.com", "name": "Ada Lovelace", "role": "member", "password": "a-long-passphrase"}))]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The login email (`name@example.com`, at most 254 bytes; stored lowercase, unique).
    #[schema(pattern = r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\s*$")]
    pub email: String,
    /// The display name (at most 100 characters, no control characters); blank or absent:
    /// the part of the email before `@`.
    #[serde(default)]
    pub name: Option<String>,
    /// The user's role.
    pub role: Role,
    /// 8 characters to 1,024 bytes.
    #[schema(value_type = String, format = Password)]
    pub password: crate::Secret,
}

/// `PATCH /api/v1/users/{id}` (admin). Absent fields are left as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Ada Lovelace"}))]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// The new display name (1..=100 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// The new role; an admin cannot demote themself.
    #[serde(default)]
    pub role: Option<Role>,
    /// `true` signs the user out everywhere and makes their keys stop working.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// An absolute path for the user's tool home (`$HOME` of their sessions, created
    /// 0700); `""` puts it back at `<data>/homes/<id>`.
    #[serde(default)]
    pub tool_home: Option<String>,
}

/// `POST /api/v1/users/me/password`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"current_password": "a-long-passphrase", "new_password": "another-long-passphrase"}))]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The caller's password now.
    pub current_password: crate::Secret,
    /// 8 characters to 1,024 bytes.
    #[schema(value_type = String, format = Password)]
    pub new_password: crate::Secret,
}
