//! Local automation: the real `ansible-playbook` runs a playbook from a session's
//! worktree against `localhost` (connection local) inside the session sandbox: check
//! mode changes nothing, the working copy is read-only unless asked, a vault-encrypted
//! variable is decrypted with the stored password and neither it nor the password
//! reaches the log, and a playbook cannot read the server's data dir.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, have_tool, json, run, text};
use crate::sessions::{demo_issue, git, project_on, wait_state, work};

const VAULT_PASSWORD: &str = "vault pass with spaces 7781";
const DB_PASSWORD: &str = "s3cret-db-password-4410";

const SITE: &str = "\
- hosts: localhost
  connection: local
  gather_facts: false
  vars_files: [secrets.yml]
  tasks:
    - name: write the marker
      copy:
        dest: \"{{ playbook_dir }}/out.txt\"
        content: \"deployed {{ version }} {{ db_password }}\\n\"
";

const PEEK: &str = "\
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: read what the run must not see
      slurp:
        src: \"{{ target }}\"
";

/// A bare repository whose `main` holds `site.yml`, `peek.yml` and a vault-encrypted
/// `secrets.yml` (encrypted with the real `ansible-vault`).
fn playbook_repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("ops.git");
    let work = dir.path().join("seed");
    std::fs::create_dir_all(&work).unwrap();
    let out = run(
        {
            let mut c = Command::new("git");
            c.args(["init", "--quiet", "--bare", "--initial-branch=main"])
                .arg(&bare);
            c
        },
        None,
    );
    assert_success(&out, "git init --bare");
    git(&work, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(work.join("site.yml"), SITE).unwrap();
    std::fs::write(work.join("peek.yml"), PEEK).unwrap();
    std::fs::write(
        work.join("secrets.yml"),
        format!("db_password: {DB_PASSWORD}\n"),
    )
    .unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, format!("{VAULT_PASSWORD}\n")).unwrap();
    let mut c = Command::new("ansible-vault");
    c.arg("encrypt")
        .arg("--vault-password-file")
        .arg(&pw)
        .arg(work.join("secrets.yml"))
        .env("ANSIBLE_NOCOLOR", "1");
    assert_success(&run(c, None), "ansible-vault encrypt");
    assert!(
        !std::fs::read_to_string(work.join("secrets.yml"))
            .unwrap()
            .contains(DB_PASSWORD),
        "encrypted at rest in the repository"
    );
    git(&work, &["add", "."]);
    git(&work, &["commit", "--quiet", "-m", "playbooks"]);
    git(&work, &["push", "--quiet", bare.to_str().unwrap(), "main"]);
    (dir, bare)
}

fn follow(server: &ServerProcess, args: &[&str]) -> std::process::Output {
    let mut all = vec!["automation", "run", "local"];
    all.extend_from_slice(args);
    all.push("--follow");
    server.cli(&all, None)
}

#[test]
fn a_local_playbook_runs_sandboxed_in_the_worktree_and_keeps_its_secrets() {
    if !have_tool("ansible-playbook") {
        panic!("ansible-playbook is not installed: run scripts/install-deps");
    }
    let (_repo_dir, repo) = playbook_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Deploy to staging");
    let session = work(&server, &issue, "standin");
    let sid = session["id"].as_i64().unwrap();
    wait_state(&server, sid, "waiting");
    let worktree = PathBuf::from(
        json(&server, &["sessions", "get", &sid.to_string()])["worktree_path"]
            .as_str()
            .unwrap(),
    );
    let out = server.cli(
        &[
            "automation",
            "targets",
            "create",
            "--tenant",
            "acme",
            "--name",
            "local",
            "--kind",
            "local",
            "--inventory",
            "localhost,",
            "--vault-password-stdin",
        ],
        Some(&format!("{VAULT_PASSWORD}\n")),
    );
    assert_success(&out, "targets create local");
    let t: Value = json(&server, &["automation", "targets", "get", "local"]);
    assert_eq!(t["has_vault_password"], true);
    let test = json(&server, &["automation", "targets", "test", "local"]);
    assert!(
        test["detail"]
            .as_str()
            .unwrap()
            .contains("ansible-playbook"),
        "{test}"
    );

    let s = sid.to_string();
    let vars = r#"{"version": "1.0"}"#;
    let out = follow(
        &server,
        &[
            "--playbook",
            "site.yml",
            "--session",
            &s,
            "--extra-vars",
            vars,
            "--check",
        ],
    );
    assert_success(&out, "a check-mode run");
    let log = text(&out.stdout);
    assert!(log.contains("PLAY RECAP"), "the play recap:\n{log}");
    assert!(
        log.contains("changed=1"),
        "check mode reports the change:\n{log}"
    );
    assert!(
        !worktree.join("out.txt").exists(),
        "check mode changed nothing"
    );

    // Read-only by default: the write fails inside the sandbox.
    let out = follow(
        &server,
        &[
            "--playbook",
            "site.yml",
            "--session",
            &s,
            "--extra-vars",
            vars,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a failed host: {}",
        text(&out.stderr)
    );
    assert!(!worktree.join("out.txt").exists());

    let out = follow(
        &server,
        &[
            "--playbook",
            "site.yml",
            "--session",
            &s,
            "--extra-vars",
            vars,
            "--writable",
            "--issue",
            &issue["id"].to_string(),
        ],
    );
    assert_success(&out, "a writable run");
    let written = std::fs::read_to_string(worktree.join("out.txt")).unwrap();
    assert_eq!(
        written,
        format!("deployed 1.0 {DB_PASSWORD}\n"),
        "the vault was opened"
    );
    let log = text(&out.stdout);
    assert!(log.contains("ok=1") && log.contains("changed=1"), "{log}");
    for secret in [DB_PASSWORD, VAULT_PASSWORD] {
        assert!(
            !log.contains(secret),
            "`{secret}` stays out of the log:\n{log}"
        );
    }
    let runs = json(&server, &["automation", "runs", "list", "--session", &s]);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 3, "every run is linked to the session");
    assert_eq!(runs[0]["exit_code"], 0);
    assert_eq!(runs[1]["exit_code"], 2);
    let all_logs: String = runs
        .iter()
        .map(|r| {
            text(
                &server
                    .cli(&["automation", "runs", "log", &r["id"].to_string()], None)
                    .stdout,
            )
        })
        .collect();
    assert!(!all_logs.contains(VAULT_PASSWORD) && !all_logs.contains(DB_PASSWORD));
    let db = std::fs::read(server.data_dir.join("aiops.db")).unwrap();
    for secret in [VAULT_PASSWORD, DB_PASSWORD] {
        assert!(
            !db.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "`{secret}` is nowhere in the database in clear"
        );
    }

    // From the attacker's side: a playbook cannot read the server's secret key.
    let key = server.data_dir.join("secret.key");
    assert!(key.exists());
    let peek = format!(r#"{{"target": "{}"}}"#, key.display());
    let out = follow(
        &server,
        &[
            "--playbook",
            "peek.yml",
            "--session",
            &s,
            "--extra-vars",
            &peek,
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let secret_key = std::fs::read_to_string(&key).unwrap();
    assert!(
        !text(&out.stdout).contains(secret_key.trim()),
        "the key stays out"
    );
    assert!(
        text(&out.stdout).contains("not found") || text(&out.stdout).contains("No such file"),
        "the data dir is not there inside:\n{}",
        text(&out.stdout)
    );

    // Bad input is refused before anything runs.
    for (args, words) in [
        (
            vec!["--playbook", "../../etc/x.yml", "--session", &s],
            "inside the repository",
        ),
        (vec!["--playbook", "site.yml"], "needs the project"),
        (
            vec![
                "--playbook",
                "site.yml",
                "--session",
                &s,
                "--limit=--become",
            ],
            "not starting with -",
        ),
    ] {
        let out = follow(&server, &args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(words),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(
        json(&server, &["automation", "runs", "list"])
            .as_array()
            .unwrap()
            .len(),
        4,
        "nothing was queued for them"
    );
}
