//! The web UI's first hour in a real browser (issue 20, items 5 and 6):
//! `tests/e2e/ui/first_hour.cjs` against a live server with a seeded repository — the
//! empty inbox's call to action, dialogs, shortcuts and the command palette, filters
//! that pick from what exists, Back keeping the inbox's place, page titles, task lists,
//! names instead of emails, the terminal's "Starting…", red error exits, and browser
//! notifications under their toggles.

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
