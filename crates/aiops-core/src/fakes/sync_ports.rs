//! [`FakeSync`]'s other ports: the stored issues it writes (read back by the issue
//! verbs), the event log (events recorded, nothing else), and users, tenants and
//! projects answered by its `accounts` and `tenancy`.

use aiops_types::{
    AuditEntry, Comment, Event, Issue, Member, Preferences, Project, Session, Tenant, TenantRole,
    User,
};

use super::{FakeSync, unused};
use crate::CoreResult;
use crate::page::PageQuery;
use crate::ports::{
    AuditFilter, AuditStore, IssueFilter, IssueRow, IssueStore, NewApiKeyRow, NewAudit, NewEvent,
    NewIssueRow, NewSessionRow, NewUserRow, ProjectFilter, ProjectRow, ProjectStore, SessionFilter,
    SessionStore, StateChange, TenantRef, TenantRow, TenantStore, UserRecord, UserRow, UserStore,
    Viewer,
};

impl IssueStore for FakeSync {
    fn list_issues(&self, _: Viewer, _: &IssueFilter, _: PageQuery) -> CoreResult<Vec<Issue>> {
        unused("list_issues")
    }
    /// Every stored issue is visible to everyone.
    fn issue(&self, _: Viewer, id: i64) -> CoreResult<Option<Issue>> {
        let all = self.issues.lock().unwrap();
        Ok(all.iter().find(|i| i.id == id).cloned())
    }
    fn insert_native_issue(&self, _: &NewIssueRow, _: NewAudit) -> CoreResult<Issue> {
        unused("insert_native_issue")
    }
    fn update_issue(&self, _: i64, _: &IssueRow, _: NewAudit) -> CoreResult<Issue> {
        unused("update_issue")
    }
    fn delete_issue(&self, _: i64, _: NewAudit) -> CoreResult<()> {
        unused("delete_issue")
    }
    fn record_pull_request(
        &self,
        _: i64,
        _: Option<i64>,
        _: &aiops_types::IssuePullRequest,
    ) -> CoreResult<()> {
        unused("record_pull_request")
    }
    fn list_comments(&self, _: i64, _: PageQuery) -> CoreResult<Vec<Comment>> {
        unused("list_comments")
    }
    fn comment(&self, _: i64, _: i64) -> CoreResult<Option<Comment>> {
        unused("comment")
    }
    fn insert_comment(
        &self,
        _: i64,
        _: &str,
        _: Option<i64>,
        _: &str,
        _: NewAudit,
    ) -> CoreResult<Comment> {
        unused("insert_comment")
    }
    fn update_comment(&self, _: i64, _: i64, _: &str, _: NewAudit) -> CoreResult<Comment> {
        unused("update_comment")
    }
}

impl SessionStore for FakeSync {
    fn insert_session(
        &self,
        _: &NewSessionRow,
        _: &NewApiKeyRow,
        _: NewAudit,
    ) -> CoreResult<Session> {
        unused("insert_session")
    }
    fn session(&self, _: Viewer, _: i64) -> CoreResult<Option<Session>> {
        unused("session")
    }
    fn list_sessions(&self, _: &SessionFilter, _: PageQuery) -> CoreResult<Vec<Session>> {
        unused("list_sessions")
    }
    fn live_session_for(&self, _: i64, _: i64, _: &str) -> CoreResult<Option<Session>> {
        unused("live_session_for")
    }
    fn count_live_sessions(&self, _: i64) -> CoreResult<u64> {
        unused("count_live_sessions")
    }
    fn set_session_state(
        &self,
        _: i64,
        _: &StateChange<'_>,
        _: Option<NewAudit>,
    ) -> CoreResult<Session> {
        unused("set_session_state")
    }
    fn restart_session(&self, _: i64, _: &NewApiKeyRow, _: NewAudit) -> CoreResult<Session> {
        unused("restart_session")
    }
    /// Logged as `event <kind> <tenant> <integration_name>`.
    fn insert_event(&self, e: &NewEvent) -> CoreResult<i64> {
        let name = e.payload.get("integration_name").and_then(|n| n.as_str());
        let tenant = e.tenant_id.map_or("-".into(), |t| t.to_string());
        self.write(format!("event {} {tenant} {}", e.kind, name.unwrap_or("-")));
        Ok(1)
    }
    fn events_after(&self, _: Viewer, _: i64, _: u32) -> CoreResult<Vec<Event>> {
        unused("events_after")
    }
    fn last_event_id(&self) -> CoreResult<i64> {
        unused("last_event_id")
    }
    fn prune_events(&self, _: i64) -> CoreResult<usize> {
        unused("prune_events")
    }
}

impl AuditStore for FakeSync {
    fn append_audit(&self, _: NewAudit) -> CoreResult<()> {
        unused("append_audit")
    }
    fn list_audit(&self, _: &AuditFilter, _: PageQuery) -> CoreResult<Vec<AuditEntry>> {
        unused("list_audit")
    }
}

impl UserStore for FakeSync {
    fn count_users(&self) -> CoreResult<u64> {
        self.accounts.count_users()
    }
    fn user_by_email(&self, email: &str) -> CoreResult<Option<UserRecord>> {
        self.accounts.user_by_email(email)
    }
    fn user_by_id(&self, id: i64) -> CoreResult<Option<UserRecord>> {
        self.accounts.user_by_id(id)
    }
    fn list_users(&self, page: PageQuery) -> CoreResult<Vec<User>> {
        self.accounts.list_users(page)
    }
    fn insert_user(&self, row: &NewUserRow, audit: NewAudit) -> CoreResult<User> {
        self.accounts.insert_user(row, audit)
    }
    fn insert_first_admin(&self, r: &NewUserRow, d: &[u8], a: NewAudit) -> CoreResult<User> {
        self.accounts.insert_first_admin(r, d, a)
    }
    fn update_user(&self, id: i64, row: &UserRow, audit: NewAudit) -> CoreResult<User> {
        self.accounts.update_user(id, row, audit)
    }
    fn set_password_hash(&self, id: i64, hash: &str, audit: NewAudit) -> CoreResult<()> {
        self.accounts.set_password_hash(id, hash, audit)
    }
    fn preferences(&self, id: i64) -> CoreResult<Preferences> {
        self.accounts.preferences(id)
    }
    fn set_preferences(&self, id: i64, p: &Preferences, a: NewAudit) -> CoreResult<Preferences> {
        self.accounts.set_preferences(id, p, a)
    }
}

impl TenantStore for FakeSync {
    fn list_tenants(&self, v: Viewer, p: PageQuery) -> CoreResult<Vec<Tenant>> {
        self.tenancy.list_tenants(v, p)
    }
    fn tenant(&self, v: Viewer, r: &TenantRef) -> CoreResult<Option<Tenant>> {
        self.tenancy.tenant(v, r)
    }
    fn insert_tenant(&self, r: &TenantRow, c: i64, a: NewAudit) -> CoreResult<Tenant> {
        self.tenancy.insert_tenant(r, c, a)
    }
    fn update_tenant(&self, id: i64, r: &TenantRow, a: NewAudit) -> CoreResult<Tenant> {
        self.tenancy.update_tenant(id, r, a)
    }
    fn delete_tenant(&self, id: i64, a: NewAudit) -> CoreResult<()> {
        self.tenancy.delete_tenant(id, a)
    }
    fn list_tenant_members(&self, id: i64, p: PageQuery) -> CoreResult<Vec<Member>> {
        self.tenancy.list_tenant_members(id, p)
    }
    fn put_tenant_member(
        &self,
        t: i64,
        u: i64,
        r: Option<TenantRole>,
        a: NewAudit,
    ) -> CoreResult<Member> {
        self.tenancy.put_tenant_member(t, u, r, a)
    }
    fn tenant_role(&self, t: i64, u: i64) -> CoreResult<Option<TenantRole>> {
        self.tenancy.tenant_role(t, u)
    }
    fn delete_tenant_member(&self, t: i64, u: i64, a: NewAudit) -> CoreResult<()> {
        self.tenancy.delete_tenant_member(t, u, a)
    }
}

impl ProjectStore for FakeSync {
    fn list_projects(
        &self,
        v: Viewer,
        f: &ProjectFilter,
        p: PageQuery,
    ) -> CoreResult<Vec<Project>> {
        self.tenancy.list_projects(v, f, p)
    }
    fn project(&self, v: Viewer, id: i64) -> CoreResult<Option<Project>> {
        self.tenancy.project(v, id)
    }
    fn insert_project(&self, r: &ProjectRow, a: NewAudit) -> CoreResult<Project> {
        self.tenancy.insert_project(r, a)
    }
    fn update_project(&self, id: i64, r: &ProjectRow, a: NewAudit) -> CoreResult<Project> {
        self.tenancy.update_project(id, r, a)
    }
    fn delete_project(&self, id: i64, a: NewAudit) -> CoreResult<()> {
        self.tenancy.delete_project(id, a)
    }
    fn list_project_members(&self, id: i64, p: PageQuery) -> CoreResult<Vec<Member>> {
        self.tenancy.list_project_members(id, p)
    }
    fn put_project_member(&self, id: i64, u: i64, a: NewAudit) -> CoreResult<Member> {
        self.tenancy.put_project_member(id, u, a)
    }
    fn delete_project_member(&self, id: i64, u: i64, a: NewAudit) -> CoreResult<()> {
        self.tenancy.delete_project_member(id, u, a)
    }
}
