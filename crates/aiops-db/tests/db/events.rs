//! The event log: ids only grow, visibility is in the query, pruning keeps the newest.

use aiops_core::ports::{NewEvent, SessionStore, Viewer};
use aiops_db::Db;

fn event(n: i64, user_id: Option<i64>) -> NewEvent {
    NewEvent {
        kind: "test".into(),
        tenant_id: None,
        project_id: None,
        user_id,
        payload: serde_json::json!({ "n": n }),
    }
}

#[test]
fn pruning_keeps_the_newest_and_visibility_is_per_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("aiops.db"), 1).unwrap();
    let ids: Vec<i64> = (0..5)
        .map(|n| db.insert_event(&event(n, Some(7))).unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");
    assert_eq!(db.last_event_id().unwrap(), ids[4]);
    assert_eq!(db.events_after(Viewer::Member(7), 0, 100).unwrap().len(), 5);
    assert!(
        db.events_after(Viewer::Member(8), 0, 100)
            .unwrap()
            .is_empty(),
        "another user's events are not visible"
    );
    assert!(
        db.events_after(Viewer::Member(8), 0, 100)
            .unwrap()
            .is_empty()
            && db.insert_event(&event(9, None)).is_ok()
            && db
                .events_after(Viewer::Member(8), 0, 100)
                .unwrap()
                .is_empty(),
        "an event for no user, project or tenant is for admins only"
    );

    assert_eq!(db.prune_events(2).unwrap(), 4);
    let left: Vec<i64> = db
        .events_after(Viewer::All, 0, 100)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(left, [ids[4], ids[4] + 1], "the newest two stay");
    assert_eq!(db.prune_events(2).unwrap(), 0, "nothing more to prune");
}

#[test]
fn a_write_that_appends_events_wakes_the_listener_once_and_others_do_not() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use aiops_core::ports::SettingsStore;

    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("aiops.db"), 1).unwrap();
    let woken = Arc::new(AtomicU32::new(0));
    let seen = woken.clone();
    db.on_events(Box::new(move || {
        seen.fetch_add(1, Ordering::SeqCst);
    }));
    db.insert_event(&event(1, None)).unwrap();
    assert_eq!(woken.load(Ordering::SeqCst), 1, "an appended event wakes");
    db.set_setting("k", "v").unwrap();
    assert_eq!(
        woken.load(Ordering::SeqCst),
        1,
        "writes without events do not"
    );
}
