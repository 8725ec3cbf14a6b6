//! [`Both`]: two fakes as one store, for a decision that reads two ports (sessions and
//! the projects they are on).

use aiops_types::{Event, Member, Project, Session};

use crate::CoreResult;
use crate::page::PageQuery;
use crate::ports::{
    NewApiKeyRow, NewAudit, NewEvent, NewSessionRow, ProjectFilter, ProjectRow, ProjectStore,
    SessionFilter, SessionStore, StateChange, Viewer,
};

/// The sessions port of `.0` and the projects port of `.1`.
pub(crate) struct Both<A, B>(pub A, pub B);

impl<A: SessionStore, B> SessionStore for Both<A, B> {
    fn insert_session(
        &self,
        r: &NewSessionRow,
        k: &NewApiKeyRow,
        a: NewAudit,
    ) -> CoreResult<Session> {
        self.0.insert_session(r, k, a)
    }
    fn session(&self, v: Viewer, id: i64) -> CoreResult<Option<Session>> {
        self.0.session(v, id)
    }
    fn list_sessions(&self, f: &SessionFilter, p: PageQuery) -> CoreResult<Vec<Session>> {
        self.0.list_sessions(f, p)
    }
    fn live_session_for(&self, u: i64, i: i64, t: &str) -> CoreResult<Option<Session>> {
        self.0.live_session_for(u, i, t)
    }
    fn count_live_sessions(&self, u: i64) -> CoreResult<u64> {
        self.0.count_live_sessions(u)
    }
    fn set_session_state(
        &self,
        id: i64,
        c: &StateChange<'_>,
        a: Option<NewAudit>,
    ) -> CoreResult<Session> {
        self.0.set_session_state(id, c, a)
    }
    fn restart_session(&self, id: i64, k: &NewApiKeyRow, a: NewAudit) -> CoreResult<Session> {
        self.0.restart_session(id, k, a)
    }
    fn insert_event(&self, e: &NewEvent) -> CoreResult<i64> {
        self.0.insert_event(e)
    }
    fn events_after(&self, v: Viewer, after: i64, limit: u32) -> CoreResult<Vec<Event>> {
        self.0.events_after(v, after, limit)
    }
    fn last_event_id(&self) -> CoreResult<i64> {
        self.0.last_event_id()
    }
    fn prune_events(&self, keep: i64) -> CoreResult<usize> {
        self.0.prune_events(keep)
    }
}

impl<A, B: ProjectStore> ProjectStore for Both<A, B> {
    fn list_projects(
        &self,
        v: Viewer,
        f: &ProjectFilter,
        p: PageQuery,
    ) -> CoreResult<Vec<Project>> {
        self.1.list_projects(v, f, p)
    }
    fn project(&self, v: Viewer, id: i64) -> CoreResult<Option<Project>> {
        self.1.project(v, id)
    }
    fn insert_project(&self, r: &ProjectRow, a: NewAudit) -> CoreResult<Project> {
        self.1.insert_project(r, a)
    }
    fn update_project(&self, id: i64, r: &ProjectRow, a: NewAudit) -> CoreResult<Project> {
        self.1.update_project(id, r, a)
    }
    fn delete_project(&self, id: i64, a: NewAudit) -> CoreResult<()> {
        self.1.delete_project(id, a)
    }
    fn list_project_members(&self, id: i64, p: PageQuery) -> CoreResult<Vec<Member>> {
        self.1.list_project_members(id, p)
    }
    fn put_project_member(&self, id: i64, u: i64, a: NewAudit) -> CoreResult<Member> {
        self.1.put_project_member(id, u, a)
    }
    fn delete_project_member(&self, id: i64, u: i64, a: NewAudit) -> CoreResult<()> {
        self.1.delete_project_member(id, u, a)
    }
}
