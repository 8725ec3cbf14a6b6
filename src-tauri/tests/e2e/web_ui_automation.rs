//! The Automation tab and the run page in a real browser (issue 19): the spec
//! `tests/e2e/ui/automation_flow.cjs` adds a local target through the UI and runs a
//! playbook from the project's repository with the real `ansible-playbook`, following
//! the live log to the play recap, then again from a session's worktree through "Run
//! playbook". See `web_ui.rs` for how specs run.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD, ServerProcess, assert_success, run};
use crate::sessions::git;
use crate::web_ui::spec;

/// A play on this machine (no SSH, no facts): a task prints a variable the run passes
/// as an extra var, a pause (3 s, or the extra var `pause`) long enough for the browser
/// to see the run going with that output already shown, and a task that reports
/// `changed` (another colour).
const PLAYBOOK: &str = "\
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    # Modules that run on the host (unlike `debug`) need a temp dir; in the sandbox the
    # user is nobody, whose `~` is `/nonexistent`, so the default `~nobody/.ansible/tmp`
    # cannot be made. (Redundant once the runner sets the temp folders by absolute path,
    # as main does since 9a111bd.)
    ansible_remote_tmp: /tmp/.ansible-tmp
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: \"{{ greeting | default('no greeting') }}\"
    - name: Take a moment
      ansible.builtin.wait_for:
        timeout: \"{{ pause | default(3) }}\"
    - name: Pretend to change something
      ansible.builtin.debug:
        msg: done
      changed_when: true
";

/// A bare repository whose `main` has `site.yml` (the playbook) and a README.
fn playbook_repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temp dir for the repo");
    let bare = dir.path().join("deploy.git");
    let work = dir.path().join("seed");
    let mut init = Command::new("git");
    init.args(["init", "--quiet", "--bare", "--initial-branch=main"])
        .arg(&bare);
    assert_success(&run(init, None), "git init --bare");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(work.join("README.md"), "# deploy\n").unwrap();
    std::fs::write(work.join("site.yml"), PLAYBOOK).unwrap();
    git(&work, &["add", "README.md", "site.yml"]);
    git(&work, &["commit", "--quiet", "-m", "a playbook"]);
    git(&work, &["push", "--quiet", bare.to_str().unwrap(), "main"]);
    (dir, bare)
}

#[test]
fn an_admin_adds_a_local_target_and_follows_a_playbook_run_live_to_its_play_recap() {
    let (_repo_dir, repo) = playbook_repo();
    let server = ServerProcess::start();
    spec(
        &server,
        "automation_flow",
        &[
            ("AIOPS_ADMIN_EMAIL", ADMIN_EMAIL),
            ("AIOPS_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("AIOPS_REPO", repo.to_str().unwrap()),
        ],
    );
}
