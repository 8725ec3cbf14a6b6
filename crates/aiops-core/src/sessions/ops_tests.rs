//! Reconciling sessions with tmux ([`super::reconcile_on`]) against in-memory fakes.

use super::*;
use crate::fakes::{FakeRuntime, FakeSessions, session};
use crate::ports::{SessionStore, Viewer};

fn state_of(store: &FakeSessions, id: i64) -> (SessionState, String, Option<i32>) {
    let s = store.session(Viewer::All, id).unwrap().unwrap();
    (s.state, s.detail, s.exit_code)
}

/// What tmux and the launcher left decides: a live pane stays, a recorded status
/// exits, a dead pane or a vanished one fails, each saying which.
#[test]
fn live_sessions_are_brought_in_line_with_tmux() {
    let store = FakeSessions::with(vec![
        session(1, "running", None),
        session(2, "waiting", None),
        session(3, "running", None),
        session(4, "running", None),
    ]);
    // 1 alive; 2 dead with a recorded status; 3 dead without one; 4 gone.
    let rt = FakeRuntime::with_panes(&[
        ("aiops-1-t", false),
        ("aiops-2-t", true),
        ("aiops-3-t", true),
    ]);
    rt.exits.lock().unwrap().push((2, 3));
    let live = store.0.lock().unwrap().clone();
    assert_eq!(reconcile_on(&store, &rt, live).unwrap(), 3);
    assert_eq!(state_of(&store, 1).0, SessionState::Running);
    assert_eq!(
        state_of(&store, 2),
        (SessionState::Exited, String::new(), Some(3))
    );
    let (st, detail, _) = state_of(&store, 3);
    assert_eq!(
        (st, detail.as_str()),
        (
            SessionState::Failed,
            "the agent's pane died without an exit status"
        )
    );
    let (st, detail, _) = state_of(&store, 4);
    assert_eq!(
        (st, detail.as_str()),
        (SessionState::Failed, "the tmux session is gone")
    );
}

/// A status recorded while the pane still shows the launcher means the command ended.
#[test]
fn a_recorded_status_ends_a_session_whose_pane_is_still_up() {
    let store = FakeSessions::with(vec![session(7, "running", None)]);
    let rt = FakeRuntime::with_panes(&[("aiops-7-t", false)]);
    rt.exits.lock().unwrap().push((7, 0));
    let live = store.0.lock().unwrap().clone();
    reconcile_on(&store, &rt, live).unwrap();
    assert_eq!(state_of(&store, 7).0, SessionState::Exited);
}

/// A session whose row was just written has no pane yet: left to its start; an old
/// `starting` one without a pane never started and fails.
#[test]
fn a_session_just_written_is_left_to_its_start() {
    let mut young = session(1, "starting", Some("b1"));
    young.created_at = time::OffsetDateTime::now_utc();
    let store = FakeSessions::with(vec![young, session(2, "starting", Some("b1"))]);
    let live = store.0.lock().unwrap().clone();
    assert_eq!(
        reconcile_on(&store, &FakeRuntime::default(), live).unwrap(),
        1
    );
    assert_eq!(state_of(&store, 1).0, SessionState::Starting);
    assert_eq!(state_of(&store, 2).0, SessionState::Failed);
}

/// tmux that does not answer changes nothing: the error goes to the caller (which
/// marks a host unreachable), never a wave of failed sessions.
#[test]
fn no_answer_from_tmux_fails_no_session() {
    let store = FakeSessions::with(vec![session(1, "running", None)]);
    let rt = FakeRuntime::default();
    rt.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let live = store.0.lock().unwrap().clone();
    assert!(reconcile_on(&store, &rt, live).is_err());
    assert_eq!(state_of(&store, 1).0, SessionState::Running);
}

/// A session in `state` created at `created_at` (RFC 3339).
fn at(state: &str, created_at: &str) -> Session {
    let mut s = session(1, state, Some("b1"));
    s.created_at =
        time::OffsetDateTime::parse(created_at, &time::format_description::well_known::Rfc3339)
            .unwrap();
    s
}

/// A check between a session's row and its pane (a host's launch takes a few SSH
/// calls) leaves it alone; one that never got a pane is gone after the grace.
#[test]
fn a_session_being_started_has_no_pane_yet_for_a_while() {
    let now = time::macros::datetime!(2026-12-07 18:00 UTC);
    assert!(mid_start(&at("starting", "2026-12-07T17:59:59Z"), now));
    assert!(!mid_start(&at("starting", "2026-12-07T17:57:00Z"), now));
    assert!(!mid_start(&at("running", "2026-12-07T17:59:59Z"), now));
}

/// Sessions 1 (user 2's, on project 10 of acme) and 2 (user 3's, same project); user 2
/// and 3 are acme's members.
fn access_world() -> crate::fakes::Both<FakeSessions, crate::fakes::FakeTenancy> {
    use aiops_types::TenantRole;
    let mut one = session(1, "running", None);
    one.user_id = 2;
    one.project_id = 10;
    let mut two = session(2, "waiting", None);
    two.user_id = 3;
    two.project_id = 10;
    let tenancy = crate::fakes::FakeTenancy {
        tenants: vec![crate::fakes::tenant(1, "acme")],
        projects: vec![crate::fakes::project_in(10, (1, "acme"), "web")].into(),
        tenant_members: vec![(1, 2, TenantRole::Member), (1, 3, TenantRole::Member)],
        ..Default::default()
    };
    crate::fakes::Both(FakeSessions::with(vec![one, two]), tenancy)
}

#[test]
fn a_member_reaches_their_own_sessions_and_only_while_they_see_the_project() {
    use crate::fakes::member;
    let mut w = access_world();
    assert_eq!(get(&w, &member(2), 1).unwrap().id, 1);
    // Another member's session is "not found", so ids do not leak.
    assert!(matches!(
        get(&w, &member(2), 2),
        Err(CoreError::NotFound(_))
    ));
    // Removed from the tenant: their own session is out of reach too.
    w.1.tenant_members.retain(|(_, u, _)| *u != 2);
    assert!(matches!(
        get(&w, &member(2), 1),
        Err(CoreError::NotFound(_))
    ));
}

#[test]
fn an_admin_key_reaches_every_session_and_a_lesser_key_of_an_admin_their_own() {
    use aiops_types::{Role, Scope};
    let w = access_world();
    // User 1, a server admin, is not in acme; their own session is on its project.
    let mut own = session(3, "running", None);
    own.user_id = 1;
    own.project_id = 10;
    w.0.0.lock().unwrap().push(own);
    let admin = |scopes: &[Scope]| Principal {
        role: Role::Admin,
        scopes: scopes.to_vec(),
        ..crate::fakes::member(1)
    };
    assert_eq!(get_own(&w, &admin(&Scope::ALL), 2).unwrap().id, 2);
    // A write key is the admin's own view: others' sessions are not found…
    let write = admin(&[Scope::Read, Scope::Write]);
    assert!(matches!(get(&w, &write, 2), Err(CoreError::NotFound(_))));
    // …and their own is reached by role, though they are no member of its tenant.
    assert_eq!(get_own(&w, &write, 3).unwrap().id, 3);
}
