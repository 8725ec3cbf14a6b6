use serde_json::json;

use super::*;

fn event(kind: &str, payload: serde_json::Value) -> Event {
    Event {
        id: 7,
        kind: kind.into(),
        at: time::OffsetDateTime::UNIX_EPOCH,
        payload,
    }
}

fn session(state: &str, issue_title: Option<&str>, exit_code: Option<i32>, detail: &str) -> Event {
    event(
        "session.state",
        json!({
            "id": 12, "user_id": 1, "user": "dev@example.com", "project_id": 3,
            "issue_id": issue_title.map(|_| 5), "issue_title": issue_title,
            "tool": "claude", "yolo": false, "sandbox": "bubblewrap", "prompt": "", "state": state,
            "exit_code": exit_code, "detail": detail, "branch": "aiops/5-x",
            "worktree_path": "/w", "tmux_target": "=aiops-12-x",
            "created_at": "2026-12-06T00:00:00Z", "updated_at": "2026-12-06T00:00:00Z",
        }),
    )
}

#[test]
fn sessions_that_need_the_user_are_named_by_their_issue() {
    let all = Notifications::default();
    let waiting = notice_for(
        &session("waiting", Some("Fix login"), None, "asks for review"),
        &all,
    );
    assert_eq!(
        waiting,
        Some(Notice {
            summary: "Fix login".into(),
            body: "Fix login (claude) is waiting for you: asks for review".into(),
            session_id: Some(12),
        })
    );
    let exited = notice_for(&session("exited", Some("Fix login"), Some(2), ""), &all).unwrap();
    assert_eq!(exited.body, "Fix login (claude) exited with code 2");
    let failed = notice_for(&session("failed", None, None, "tmux vanished"), &all).unwrap();
    assert_eq!(failed.summary, "Session #12");
    assert_eq!(failed.body, "Session #12 (claude) failed: tmux vanished");
}

#[test]
fn running_and_killed_sessions_and_other_events_raise_nothing() {
    let all = Notifications::default();
    for state in ["starting", "running", "killed"] {
        assert_eq!(
            notice_for(&session(state, Some("x"), None, ""), &all),
            None,
            "{state}"
        );
    }
    assert_eq!(
        notice_for(&event("issue.updated", json!({ "id": 1 })), &all),
        None
    );
    assert_eq!(
        notice_for(
            &event("sync.finished", json!({ "integration_id": 1 })),
            &all
        ),
        None
    );
    assert_eq!(
        notice_for(&event("session.state", json!({ "broken": true })), &all),
        None
    );
}

#[test]
fn toggles_and_do_not_disturb_silence_their_events() {
    let waiting = session("waiting", Some("x"), None, "");
    let no_waiting = Notifications {
        waiting: false,
        ..Notifications::default()
    };
    assert_eq!(notice_for(&waiting, &no_waiting), None);
    assert!(notice_for(&session("exited", Some("x"), Some(0), ""), &no_waiting).is_some());
    let dnd = Notifications {
        do_not_disturb: true,
        ..Notifications::default()
    };
    assert_eq!(notice_for(&waiting, &dnd), None);
    let failed_sync = event(
        "sync.failed",
        json!({ "integration_id": 4, "integration_name": "GitHub", "error": "401 Bad credentials" }),
    );
    assert_eq!(
        notice_for(&failed_sync, &Notifications::default()),
        Some(Notice {
            summary: "Sync of GitHub failed".into(),
            body: "401 Bad credentials".into(),
            session_id: None,
        })
    );
    let no_sync = Notifications {
        sync_failed: false,
        ..Notifications::default()
    };
    assert_eq!(notice_for(&failed_sync, &no_sync), None);
    let failed_backup = event(
        "job.failed",
        json!({ "kind": "backup", "subject": "schedule", "error": "disk full" }),
    );
    assert_eq!(
        notice_for(&failed_backup, &Notifications::default()),
        Some(Notice {
            summary: "backup schedule failed".into(),
            body: "disk full".into(),
            session_id: None,
        })
    );
    assert_eq!(notice_for(&failed_backup, &no_sync), None);
}

#[test]
fn markup_in_server_text_is_shown_as_text() {
    assert_eq!(
        escape_markup("<a href=\"x\">Fix</a> & more"),
        "&lt;a href=\"x\"&gt;Fix&lt;/a&gt; &amp; more"
    );
}
