//! Placement of new sessions on session hosts ([`super::place`]) against in-memory
//! fakes: where a session goes, which hosts are passed over and why, and when it runs on
//! the control plane's machine instead.

use std::sync::atomic::Ordering;

use aiops_types::{HostFallback, Project};

use super::place;
use crate::CoreError;
use crate::fakes::{FakeSessions, FakeSites, host, session};

fn project(pin: Option<&str>, fallback: HostFallback) -> Project {
    let mut p: Project = serde_json::from_value(serde_json::json!({
        "id": 1, "tenant_id": 1, "tenant_slug": "acme", "slug": "web", "name": "web",
        "repo_url": "", "default_branch": "main", "description": "",
        "workspace": {"isolation": "worktree", "setup_files": [], "setup_command": []},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
    }))
    .unwrap();
    p.workspace.session_host = pin.map(str::to_owned);
    p.workspace.host_fallback = fallback;
    p
}

/// Hosts `b1` (labels big, gpu; capacity 2), `b2` (big; 3) and `b3` (gpu; 1).
fn sites() -> FakeSites {
    FakeSites::of(vec![
        host(1, "b1", &["big", "gpu"], 2),
        host(2, "b2", &["big"], 3),
        host(3, "b3", &["gpu"], 1),
    ])
}

/// Where a session lands: the host's name, or `local`.
fn landed(r: &(Option<std::sync::Arc<super::Site>>, Option<String>)) -> String {
    r.0.as_ref().map_or("local".into(), |s| s.host_name.clone())
}

#[test]
fn an_unpinned_project_runs_here_without_asking_any_host() {
    let sites = sites();
    let r = place(
        &FakeSessions::default(),
        &sites,
        &project(None, HostFallback::Refuse),
        None,
    )
    .unwrap();
    assert_eq!(landed(&r), "local");
    assert!(sites.opened.lock().unwrap().is_empty());
}

#[test]
fn the_callers_choice_beats_the_pin_and_local_means_here() {
    let sites = sites();
    let p = project(Some("b1"), HostFallback::Refuse);
    let none = FakeSessions::default();
    assert_eq!(
        landed(&place(&none, &sites, &p, Some("local")).unwrap()),
        "local"
    );
    assert_eq!(landed(&place(&none, &sites, &p, Some("b2")).unwrap()), "b2");
    assert_eq!(
        landed(&place(&none, &sites, &p, Some("  ")).unwrap()),
        "b1",
        "blank is no choice"
    );
}

#[test]
fn a_label_goes_to_its_least_loaded_host_then_the_older_one() {
    let sites = sites();
    let p = project(Some("label:big"), HostFallback::Refuse);
    // b1 has one live session, b2 none: b2.
    let one_on_b1 = FakeSessions::with(vec![session(1, "running", Some("b1"))]);
    assert_eq!(landed(&place(&one_on_b1, &sites, &p, None).unwrap()), "b2");
    // Equal load: the host added first.
    let even = FakeSessions::with(vec![
        session(1, "running", Some("b1")),
        session(2, "waiting", Some("b2")),
        session(3, "exited", Some("b2")),
    ]);
    assert_eq!(
        landed(&place(&even, &sites, &p, None).unwrap()),
        "b1",
        "ended sessions do not count"
    );
}

#[test]
fn draining_full_and_silent_hosts_are_passed_over_with_their_reasons() {
    let mut sites = sites();
    sites.hosts[1].draining = true; // b2
    let p = project(Some("label:gpu"), HostFallback::Refuse);
    // b3 full (1 of 1); b1 does not answer.
    let busy = FakeSessions::with(vec![session(1, "running", Some("b3"))]);
    sites.runtime("b1").down.store(true, Ordering::SeqCst);
    let err = place(&busy, &sites, &p, None).unwrap_err();
    let CoreError::Conflict(why) = err else {
        panic!("refused as a conflict: {err:?}");
    };
    assert!(
        why.starts_with("no session host can take this session:"),
        "{why}"
    );
    assert!(
        why.contains("b3 is full (1 of 1)") && why.contains("b1 does not answer"),
        "{why}"
    );
    assert!(
        sites.forgotten.lock().unwrap().contains("b1"),
        "its connection is dropped"
    );
    let label_big = project(Some("label:big"), HostFallback::Refuse);
    let why = place(&busy, &sites, &label_big, None)
        .unwrap_err()
        .to_string();
    assert!(why.contains("b2 is draining"), "{why}");
}

#[test]
fn an_unreachable_host_is_not_even_tried() {
    let mut sites = sites();
    sites.hosts[0].unreachable_since = Some(time::OffsetDateTime::now_utc());
    let p = project(Some("b1"), HostFallback::Refuse);
    let why = place(&FakeSessions::default(), &sites, &p, None)
        .unwrap_err()
        .to_string();
    assert!(why.contains("b1 does not answer"), "{why}");
    assert!(
        sites.opened.lock().unwrap().is_empty(),
        "no connection attempt"
    );
}

#[test]
fn the_local_fallback_runs_here_with_a_note_but_never_for_a_named_host() {
    let mut sites = sites();
    sites.hosts[0].draining = true;
    let p = project(Some("b1"), HostFallback::Local);
    let (site, note) = place(&FakeSessions::default(), &sites, &p, None).unwrap();
    assert!(site.is_none());
    assert_eq!(
        note.as_deref(),
        Some("runs on the control plane's machine: b1 is draining")
    );
    // `--host b1` is the caller's own choice: refused, not moved.
    let err = place(&FakeSessions::default(), &sites, &p, Some("b1")).unwrap_err();
    assert!(matches!(err, CoreError::Conflict(_)), "{err:?}");
}

#[test]
fn a_pin_to_nothing_is_refused_as_invalid_input() {
    let sites = sites();
    let none = FakeSessions::default();
    let err = place(
        &none,
        &sites,
        &project(Some("b9"), HostFallback::Local),
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("no session host `b9`"), "{err}");
    assert!(matches!(err, CoreError::Invalid { .. }));
    let err = place(
        &none,
        &sites,
        &project(Some("label:tpu"), HostFallback::Local),
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("no session host has the label `tpu`"),
        "{err}"
    );
}
