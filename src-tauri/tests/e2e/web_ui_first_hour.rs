//! The web UI's first hour in a real browser (issue 20, items 5 and 6):
//! `tests/e2e/ui/first_hour.cjs` against a live server with a seeded repository — the
//! empty inbox's call to action, dialogs, shortcuts and the command palette, filters
//! that pick from what exists, Back keeping the inbox's place, page titles, task lists,
//! names instead of emails, the terminal's "Starting…", red error exits, and browser
//! notifications under their toggles; and the live inbox across two browsers.

use crate::common::ServerProcess;
use crate::web_ui::{ADMIN, spec};

#[test]
fn first_hour_fixes_and_browser_notifications_in_the_web_ui() {
    let (_repo_dir, repo) = crate::sessions::seeded_repo();
    let server = ServerProcess::start();
    spec(
        &server,
        "first_hour",
        &[&ADMIN[..], &[("AIOPS_REPO", repo.to_str().unwrap())]].concat(),
    );
}

/// The live inbox (issue 20, item 4): a second browser's inbox and issue page follow what
/// the first one does — created, renamed, a session on it and its end, closed, commented —
/// without a reload (`tests/e2e/ui/live_inbox.cjs`).
#[test]
fn a_second_browsers_inbox_and_issue_page_follow_issue_and_session_events() {
    let (_repo_dir, repo) = crate::sessions::seeded_repo();
    let server = ServerProcess::start();
    spec(
        &server,
        "live_inbox",
        &[&ADMIN[..], &[("AIOPS_REPO", repo.to_str().unwrap())]].concat(),
    );
}
