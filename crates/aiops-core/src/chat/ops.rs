//! What chat commands do, as the mapped aiops user: [`ChatOps`] is the seam the
//! interpreter calls (faked in its unit tests); [`CoreOps`] is the real one, over the
//! same use-case functions the REST routes call, so every permission and tenant check
//! holds in chat exactly as in the API.

use aiops_types::{
    AuthMethod, CreateIssue, Issue, IssueListParams, IssueStatus, Project, Session,
    SessionListParams, StartedSession, WorkIssue,
};

use crate::issues::{IssueWritePorts, TrackerAccess};
use crate::page::PageQuery;
use crate::ports::{TenantStore, Viewer};
use crate::sealed::SecretKey;
use crate::sessions::{Host, LaunchPorts};
use crate::tracker::Trackers;
use crate::{CoreError, CoreResult, Principal, issues, projects, sessions};

/// The issue and session verbs a chat reaches. `caller` is the mapped user's principal.
pub trait ChatOps {
    /// The principal acting for aiops user `user_id` in chat (`via` names the integration,
    /// for the audit log's address column); None when the user is gone or disabled.
    fn principal(&self, user_id: i64, via: &str) -> CoreResult<Option<Principal>>;
    /// A project id, slug or `tenant/slug` among those `caller` sees.
    fn project(&self, caller: &Principal, text: &str) -> CoreResult<Project>;
    /// Creates an issue in the project as `caller`: at the project's tracker, or a native
    /// issue without one (see [`issues::create`]).
    fn create_issue(
        &self,
        caller: &Principal,
        project_id: i64,
        title: &str,
        description: &str,
    ) -> CoreResult<Issue>;
    /// Open issues, newest last, at most `limit`.
    fn list_issues(
        &self,
        caller: &Principal,
        project_id: Option<i64>,
        limit: u32,
    ) -> CoreResult<Vec<Issue>>;
    /// The issue, if `caller` may see it.
    fn issue(&self, caller: &Principal, id: i64) -> CoreResult<Issue>;
    /// Closes the issue (at its tracker too, for a tracker issue).
    fn close_issue(&self, caller: &Principal, id: i64) -> CoreResult<Issue>;
    /// Deletes the issue (see [`issues::delete`]: tenant admins only, native issues or
    /// ones gone from their tracker).
    fn delete_issue(&self, caller: &Principal, id: i64) -> CoreResult<()>;
    /// The caller's live sessions.
    fn sessions(&self, caller: &Principal) -> CoreResult<Vec<Session>>;
    /// Starts (or reuses) the caller's session of `tool` (None: their default) on issue
    /// `issue_id`, as `aiops issues work` does.
    fn work(
        &self,
        caller: &Principal,
        issue_id: i64,
        tool: Option<&str>,
    ) -> CoreResult<StartedSession>;
    /// A session followed from a chat, whoever owns it (None once deleted).
    fn watched_session(&self, id: i64) -> CoreResult<Option<Session>>;
    /// The web UI's address of `path` (`/sessions/12`), when the server knows its URL.
    fn link(&self, path: &str) -> Option<String>;
}

/// [`ChatOps`] over the store and the trackers.
pub struct CoreOps<'a, S> {
    /// Storage.
    pub store: &'a S,
    /// Opens tracker clients for tracker issues.
    pub trackers: &'a dyn Trackers,
    /// Opens the sealed tracker tokens.
    pub key: &'a SecretKey,
    /// Where sessions run; None: `work` is refused (a test without a runtime).
    pub host: Option<&'a Host<'a>>,
}

impl<S> CoreOps<'_, S> {
    fn access(&self) -> TrackerAccess<'_> {
        TrackerAccess {
            trackers: self.trackers,
            key: self.key,
        }
    }
}

/// Every verb here is the use-case function the REST route calls, so the bound is theirs
/// together: starting work on an issue ([`sessions::start::work`]) takes the most, and
/// the other verbs take a part of it.
impl<S: LaunchPorts + IssueWritePorts + TenantStore> ChatOps for CoreOps<'_, S> {
    fn principal(&self, user_id: i64, via: &str) -> CoreResult<Option<Principal>> {
        Ok(self
            .store
            .user_by_id(user_id)?
            .filter(|r| !r.user.disabled)
            .map(|r| Principal {
                user_id: r.user.id,
                email: r.user.email,
                // The role's full set, as a browser session has: chat acts as the person.
                scopes: r.user.role.scopes(),
                role: r.user.role,
                method: AuthMethod::Session,
                credential_id: 0,
                ip: Some(via.to_owned()),
                session: None,
            }))
    }

    fn project(&self, caller: &Principal, text: &str) -> CoreResult<Project> {
        projects::find(self.store, caller, text)
    }

    fn create_issue(
        &self,
        caller: &Principal,
        project_id: i64,
        title: &str,
        description: &str,
    ) -> CoreResult<Issue> {
        let req = CreateIssue {
            project: project_id,
            provider: None,
            title: title.to_owned(),
            description: Some(description.to_owned()),
            labels: Vec::new(),
            assignee: None,
            integration: None,
        };
        issues::create(self.store, self.access(), caller, &req)
    }

    fn list_issues(
        &self,
        caller: &Principal,
        project_id: Option<i64>,
        limit: u32,
    ) -> CoreResult<Vec<Issue>> {
        let params = IssueListParams {
            project: project_id,
            ..Default::default()
        };
        let page = PageQuery::parse(Some(limit), None)?;
        Ok(issues::list(self.store, caller, &params, page)?.items)
    }

    fn issue(&self, caller: &Principal, id: i64) -> CoreResult<Issue> {
        issues::get(self.store, caller, id)
    }

    fn close_issue(&self, caller: &Principal, id: i64) -> CoreResult<Issue> {
        issues::set_status(self.store, self.access(), caller, id, IssueStatus::Closed)
    }

    fn delete_issue(&self, caller: &Principal, id: i64) -> CoreResult<()> {
        issues::delete(self.store, caller, id)
    }

    fn sessions(&self, caller: &Principal) -> CoreResult<Vec<Session>> {
        let params = SessionListParams {
            live: true,
            ..Default::default()
        };
        let page = PageQuery::parse(Some(20), None)?;
        Ok(sessions::ops::list(self.store, caller, &params, page)?.items)
    }

    fn work(
        &self,
        caller: &Principal,
        issue_id: i64,
        tool: Option<&str>,
    ) -> CoreResult<StartedSession> {
        let host = self
            .host
            .ok_or_else(|| CoreError::Conflict("this server does not run sessions".into()))?;
        let req = WorkIssue {
            tool: tool.unwrap_or_default().to_owned(),
            ..Default::default()
        };
        sessions::start::work(self.store, self.access(), host, caller, issue_id, &req)
    }

    fn watched_session(&self, id: i64) -> CoreResult<Option<Session>> {
        self.store.session(Viewer::All, id)
    }

    fn link(&self, path: &str) -> Option<String> {
        let base = self.host?.server_url.trim_end_matches('/');
        (!base.is_empty()).then(|| format!("{base}{path}"))
    }
}
