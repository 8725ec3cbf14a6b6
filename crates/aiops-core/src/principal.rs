//! Who is calling, and what they may do.

use aiops_types::{AuthMethod, Role, Scope};

use crate::{CoreError, CoreResult};

/// An authenticated caller. Built by the server from a session cookie or an API key after
/// the credential was verified; carries the effective scopes (a key's scopes, which are
/// already capped by the owner's role, or the role's full set for a browser session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    pub scopes: Vec<Scope>,
    pub method: AuthMethod,
    /// The API key used, or the browser session's row id.
    pub credential_id: i64,
    /// Client address, for the audit log.
    pub ip: Option<String>,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && self.has_scope(Scope::Admin)
    }

    /// True when the credential holds `scope` or a higher one.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.iter().any(|s| *s >= scope)
    }

    pub fn require(&self, scope: Scope) -> CoreResult<()> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(CoreError::Forbidden(format!(
                "this credential lacks the `{}` scope",
                scope.as_str()
            )))
        }
    }

    /// `Forbidden(why)` unless the caller is an admin acting with an admin-scoped
    /// credential.
    pub fn require_admin(&self, why: &str) -> CoreResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(CoreError::Forbidden(why.to_owned()))
        }
    }

    /// Which tenants this principal sees: all (admin) or only its memberships.
    pub fn viewer(&self) -> Viewer {
        if self.is_admin() {
            Viewer::All
        } else {
            Viewer::Member(self.user_id)
        }
    }
}

/// Row-level visibility passed to every store read of tenant-scoped data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    All,
    Member(i64),
}

impl Viewer {
    /// The user id to filter on, or None for admins.
    pub fn member_id(self) -> Option<i64> {
        match self {
            Self::All => None,
            Self::Member(id) => Some(id),
        }
    }
}

/// The scopes a browser session carries: everything the role allows.
pub fn role_scopes(role: Role) -> Vec<Scope> {
    Scope::ALL
        .into_iter()
        .filter(|s| *s <= role.max_scope())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_ordered_and_capped_by_role() {
        assert_eq!(role_scopes(Role::Member), vec![Scope::Read, Scope::Write]);
        assert_eq!(role_scopes(Role::Admin).len(), 3);
        let p = Principal {
            user_id: 1,
            email: "a@b".into(),
            role: Role::Admin,
            scopes: vec![Scope::Write],
            method: AuthMethod::ApiKey,
            credential_id: 1,
            ip: None,
        };
        assert!(p.has_scope(Scope::Read));
        assert!(!p.has_scope(Scope::Admin));
        assert!(
            !p.is_admin(),
            "an admin's write-only key does not act as admin"
        );
    }
}
