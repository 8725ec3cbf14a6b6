use serde_json::json;

use super::*;

fn session(id: i64, state: &str, title: Option<&str>) -> Session {
    serde_json::from_value(json!({
        "id": id, "user_id": 1, "user": "dev@example.com", "project_id": 3,
        "issue_id": title.map(|_| 5), "issue_title": title,
        "tool": "shell", "yolo": false, "sandbox": "bubblewrap", "prompt": "", "state": state,
        "exit_code": null, "detail": "", "branch": "aiops/x",
        "worktree_path": "/w", "tmux_target": "=aiops-x",
        "created_at": "2026-12-06T00:00:00Z", "updated_at": "2026-12-06T00:00:00Z",
    }))
    .unwrap()
}

#[test]
fn waiting_sessions_are_counted_and_listed_first() {
    let m = model(&[
        session(1, "running", Some("Old work")),
        session(2, "waiting", Some("Needs review")),
        session(3, "running", None),
        session(4, "exited", Some("Done")),
    ]);
    assert_eq!(m.tooltip, "aiops: 1 waiting for you, 3 live");
    assert_eq!(
        m.sessions,
        [
            ("session-2".into(), "Needs review — waiting".into()),
            ("session-3".into(), "Session #3 — running".into()),
            ("session-1".into(), "Old work — running".into()),
        ]
    );
}

#[test]
fn no_live_sessions_says_so_and_lists_none() {
    let m = model(&[session(4, "exited", None), session(5, "killed", None)]);
    assert_eq!(m.tooltip, "aiops: no live sessions");
    assert!(m.sessions.is_empty());
    assert_eq!(
        model(&[session(1, "starting", None)]).tooltip,
        "aiops: 1 live session"
    );
}

#[test]
fn the_menu_is_bounded_and_long_titles_are_cut() {
    let many: Vec<Session> = (1..=40)
        .map(|i| session(i, "running", Some(&"x".repeat(200))))
        .collect();
    let m = model(&many);
    assert_eq!(m.sessions.len(), MENU_SESSIONS);
    assert!(
        m.sessions
            .iter()
            .all(|(_, label)| label.chars().count() <= 60 + " — running".len())
    );
}
