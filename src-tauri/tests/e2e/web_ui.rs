//! The web UI in a real browser: each spec under `tests/e2e/ui/` is a node script that
//! drives Debian's chromium with playwright-core (from `ui/node_modules`) against a live
//! `aiops serve` started here, and exits 0 when every step held. Its step log is printed
//! on failure. Screenshots go to `<target>/ui-screenshots/` (test artifacts; the ones in
//! `tests/e2e/screenshots/` change only on purpose).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{ServerProcess, run_within, text};

/// Longest a spec may run: a few dozen browser steps on a loaded 2-core machine.
const SPEC_TIMEOUT: Duration = Duration::from_secs(240);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The admin [`ServerProcess::start`] creates, as the specs read it.
pub(crate) const ADMIN: [(&str, &str); 2] = [
    ("AIOPS_ADMIN_EMAIL", crate::common::ADMIN_EMAIL),
    ("AIOPS_ADMIN_PASSWORD", crate::common::ADMIN_PASSWORD),
];

/// Runs spec `name` (`tests/e2e/ui/<name>.cjs`) against `server` with `env`.
pub(crate) fn spec(server: &ServerProcess, name: &str, env: &[(&str, &str)]) {
    let root = repo_root();
    let shots = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("ui-screenshots");
    let mut cmd = Command::new("node");
    cmd.arg(root.join("tests/e2e/ui").join(format!("{name}.cjs")))
        .env("AIOPS_URL", &server.url)
        .env("AIOPS_SCREENSHOTS", &shots);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run_within(cmd, None, SPEC_TIMEOUT);
    assert!(
        out.status.success(),
        "web UI spec {name} failed\n--- steps ---\n{}\n--- error ---\n{}\n--- server stderr ---\n{}",
        text(&out.stdout),
        text(&out.stderr),
        server.stderr()
    );
}

#[test]
fn pages_carry_the_csp_cookie_writes_need_csrf_and_foreign_origins_get_no_terminal() {
    let server = ServerProcess::start();
    spec(&server, "security", &ADMIN);
}

#[test]
fn first_run_setup_login_and_an_issue_from_creation_to_reopened() {
    let server = ServerProcess::start_fresh();
    let token = server.setup_token();
    spec(&server, "issue_flow", &[("AIOPS_SETUP_TOKEN", &token)]);
}

#[test]
fn a_member_in_a_second_browser_context_sees_only_their_tenants_issues() {
    let server = ServerProcess::start();
    spec(&server, "isolation", &ADMIN);
}

#[test]
fn work_on_this_opens_a_live_terminal_that_echoes_and_reports_its_exit() {
    let (_repo_dir, repo) = crate::sessions::seeded_repo();
    let server = ServerProcess::start();
    spec(
        &server,
        "session_flow",
        &[&ADMIN[..], &[("AIOPS_REPO", repo.to_str().unwrap())]].concat(),
    );
}

#[test]
fn account_ssh_keys_and_tool_credentials_then_known_hosts_and_worktrees_empty_states() {
    let server = ServerProcess::start();
    spec(&server, "account_flow", &ADMIN);
}

#[test]
fn admin_tools_cards_stream_an_install_and_cancel_it() {
    let registry = crate::tools_install::SilentRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_with(
        true,
        &[
            ("npm_config_registry", &registry.url),
            ("npm_config_cache", &cache.path().display().to_string()),
        ],
    );
    spec(&server, "tools_flow", &ADMIN);
}

#[test]
fn admin_system_backup_made_through_the_form_is_followed_listed_downloaded_restored_and_deleted() {
    let server = ServerProcess::start();
    spec(&server, "system_flow", &ADMIN);
}
