//! Who is calling, and what they may do.

use aiops_types::{AuthMethod, Role, Scope};

use crate::{CoreError, CoreResult};

/// An authenticated caller. Built by the server from a session cookie or an API key after
/// the credential was verified; carries the effective scopes (a key's scopes, which are
/// already capped by the owner's role, or the role's full set for a browser session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user acting.
    pub user_id: i64,
    /// The user's email, as the audit log shows them.
    pub email: String,
    /// The user's server-wide role.
    pub role: Role,
    /// Effective scopes of the credential.
    pub scopes: Vec<Scope>,
    /// Browser session or API key.
    pub method: AuthMethod,
    /// The API key used, or the browser session's row id.
    pub credential_id: i64,
    /// Client address, for the audit log.
    pub ip: Option<String>,
    /// Set when the credential is a session-scoped key: it may only reach that session
    /// and its issue (see [`SessionGrant`]).
    pub session: Option<SessionGrant>,
}

/// What a session-scoped key may reach: posting its session's events, reading it, and
/// reading, commenting on and updating the session's issue; reading its project and that
/// project's issues, syncing them, git in its own worktree and opening a pull request from
/// its branch (never merging). Enforced in two places: the request path here, in the
/// server's auth extractor; which rows, in the domain ([`Principal::confine_project`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionGrant {
    /// The session the key was minted for.
    pub session_id: i64,
    /// That session's issue; `None` for a session without one.
    pub issue_id: Option<i64>,
    /// That session's project.
    pub project_id: i64,
}

impl SessionGrant {
    /// Whether a request `method path` (path relative to `/api/v1`, no query) is inside the
    /// grant: `GET /sessions/{s}`, `POST /sessions/{s}/events`, and on the session's issue
    /// `GET|PATCH /issues/{i}`, `POST /issues/{i}/close|reopen`, `PUT /issues/{i}/assignee`,
    /// `GET|POST /issues/{i}/comments`, `PATCH /issues/{i}/comments/{c}`,
    /// `POST /issues/{i}/workflow/{verb}`; and `GET|POST /projects/{p}/git/{verb}`, which
    /// the domain confines to the session's own worktree.
    pub fn allows(&self, method: &str, path: &str) -> bool {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let is = |id: &str, want: i64| id.parse::<i64>().ok() == Some(want);
        match (method, parts.as_slice()) {
            ("GET", ["sessions", s]) | ("POST", ["sessions", s, "events"]) => {
                is(s, self.session_id)
            }
            // The domain confines these to the session's own worktree (`aiops_core::git`).
            ("GET" | "POST", ["projects", _, "git", _]) => true,
            // Its project, its project's issues and syncs, its own session in the list:
            // the domain keeps every other row out (`Principal::confine_project`).
            ("GET", ["projects" | "issues" | "sessions"] | ["sync-runs", _])
            | ("POST", ["issues", "sync"]) => true,
            ("GET", ["projects", p]) | ("GET" | "POST", ["projects", p, "pulls"]) => {
                is(p, self.project_id)
            }
            // `/api/mcp` (outside `/api/v1`): each tool call is sent through the API as its
            // own request and meets this check there.
            ("GET" | "POST" | "DELETE", ["api", "mcp"]) => true,
            // Reading any issue of its project (the domain checks which project).
            ("GET", ["issues", _] | ["issues", _, "comments" | "view"]) => true,
            (_, ["issues", i, rest @ ..]) => {
                let Some(issue) = self.issue_id else {
                    return false;
                };
                is(i, issue)
                    && matches!(
                        (method, rest),
                        ("GET" | "PATCH", [])
                            | ("POST", ["close" | "reopen"] | ["workflow", _])
                            | ("PUT", ["assignee"])
                            | ("GET" | "POST", ["comments"])
                            | ("PATCH", ["comments", _])
                    )
            }
            _ => false,
        }
    }
}

impl Principal {
    /// `Forbidden` when the caller holds a session key of another project than
    /// `project_id`; anyone else passes (their visibility is checked as usual).
    pub fn confine_project(&self, project_id: i64) -> CoreResult<()> {
        match self.session {
            Some(g) if g.project_id != project_id => Err(CoreError::Forbidden(
                "a session key reaches only its own session's project".into(),
            )),
            _ => Ok(()),
        }
    }

    /// True for an admin acting with an admin-scoped credential.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && self.has_scope(Scope::Admin)
    }

    /// True when the credential holds `scope` or a higher one.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.scopes.iter().any(|s| *s >= scope)
    }

    /// `Forbidden` unless the credential holds `scope` or a higher one.
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
    /// Every row: a server admin.
    All,
    /// Only rows of tenants (and projects) this user is a member of.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_ordered_and_capped_by_role() {
        assert_eq!(Role::Member.scopes(), vec![Scope::Read, Scope::Write]);
        assert_eq!(Role::Admin.scopes().len(), 3);
        let p = Principal {
            user_id: 1,
            email: "a@b".into(),
            role: Role::Admin,
            scopes: vec![Scope::Write],
            method: AuthMethod::ApiKey,
            credential_id: 1,
            ip: None,
            session: None,
        };
        assert!(p.has_scope(Scope::Read));
        let g = SessionGrant {
            session_id: 7,
            issue_id: Some(42),
            project_id: 3,
        };
        assert!(g.allows("POST", "/sessions/7/events"));
        assert!(g.allows("GET", "/sessions/7"));
        assert!(g.allows("POST", "/issues/42/comments"));
        assert!(g.allows("PATCH", "/issues/42"));
        assert!(!g.allows("POST", "/sessions/8/events"), "another session");
        assert!(!g.allows("POST", "/issues/43/comments"), "another issue");
        assert!(!g.allows("DELETE", "/issues/42"));
        assert!(g.allows("POST", "/issues/42/workflow/submit"));
        // `/api/mcp`: each tool call is its own API request, checked again.
        assert!(g.allows("POST", "/api/mcp"));
        assert!(!g.allows("POST", "/api/mcp/x"));
        assert!(
            !g.allows("POST", "/issues/43/workflow/submit"),
            "another issue"
        );
        assert!(g.allows("POST", "/projects/3/git/commit"));
        assert!(
            g.allows("POST", "/projects/3/pulls"),
            "a pull request from its branch"
        );
        assert!(!g.allows("POST", "/projects/4/pulls"), "another project");
        assert!(
            !g.allows("POST", "/projects/3/pulls/5/merge"),
            "merging is for people"
        );
        assert!(!g.allows("DELETE", "/projects/3"));
        assert!(!g.allows("PATCH", "/projects/3"));
        assert!(
            g.allows("GET", "/issues"),
            "its project's issues (rows: the domain)"
        );
        assert!(
            g.allows("GET", "/issues/43"),
            "reading (the domain checks the project)"
        );
        assert!(
            !g.allows("POST", "/issues/43/close"),
            "changing another issue"
        );
        assert!(g.allows("POST", "/issues/sync"));
        assert!(!g.allows("POST", "/sessions/7/kill"));
        assert!(!g.allows("GET", "/sessions/07x"));
        let no_issue = SessionGrant {
            session_id: 7,
            issue_id: None,
            project_id: 3,
        };
        assert!(!no_issue.allows("POST", "/issues/42/comments"));
        assert!(!p.has_scope(Scope::Admin));
        assert!(
            !p.is_admin(),
            "an admin's write-only key does not act as admin"
        );
    }
}
