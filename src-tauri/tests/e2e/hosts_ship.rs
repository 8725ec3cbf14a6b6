//! The ship step of a session on a session host (issue 23), logged into as another Unix
//! user (`aiops-host`, made when missing) when the tests run as root, as a real build box
//! would be: its root is a relative path, so in that user's home; the repository's
//! origin belongs to that user (as a remote it can push to would). The worktree, its
//! files and its panes belong to the host's user; tools are found on the host's PATH;
//! the CLI's attach is `ssh -t` to that user; the changes view, `git status`, commit
//! and push run there over the same SSH and the branch arrives at the origin; `sessions
//! send` and the browser terminal reach its pane, and its exit comes through the
//! launcher; the worktree is listed with its host and, once the session ends, removed
//! there.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, text};
use crate::host_user::{chown, home_of, host_login, open_up, standin_in};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state};
use crate::terminal::Term;

/// The host's root: removed, with its tmux server, when the test ends (it may be in
/// another user's home, outside every temp dir).
struct HostRoot(PathBuf);

impl Drop for HostRoot {
    fn drop(&mut self) {
        crate::hosts_sessions::kill_tmux(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `git` on the origin (another user's repository: root's git needs it named safe).
fn origin_git(origin: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "safe.directory=*", "--git-dir"])
        .arg(origin)
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// Runs `command` on the host as `login` with the test's key (`<dir>/host_login`).
fn ssh_to_host(dir: &Path, port: u16, login: &str, command: &str) -> String {
    let out = Command::new("ssh")
        .args([
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
        ])
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
        ])
        .arg("-i")
        .arg(dir.join("host_login"))
        .args([
            "-p",
            &port.to_string(),
            "-l",
            login,
            "--",
            "127.0.0.1",
            command,
        ])
        .output()
        .expect("ssh");
    assert!(out.status.success(), "ssh: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn a_host_logged_into_as_another_user_runs_attaches_ships_and_removes_a_session_there() {
    let server = ServerProcess::start_with(true, &[]);
    let (repo_dir, origin) = seeded_repo();
    project_on(&server, &origin);
    let dir = tempfile::tempdir().unwrap();
    let login = host_login();
    let as_root = login != aiops_fakes::sshd::current_user();
    let unique = format!(
        "aiops-e2e-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    );
    let (root_arg, root) = if as_root {
        // The host's user owns the origin and reaches it (and the stand-in agent).
        open_up(repo_dir.path());
        chown(&origin, &login);
        open_up(dir.path());
        (unique.clone(), home_of(&login).join(&unique))
    } else {
        let r = dir.path().join("host-root");
        (r.display().to_string(), r)
    };
    let _cleanup = HostRoot(root.clone());
    standin_in(&server, dir.path());
    let sshd = crate::hosts_sessions::add_host_as(&server, dir.path(), &login, &root_arg);
    crate::hosts_sessions::pin_demo(&server, "build-1");

    let issue = demo_issue(&server, "Ship from the host");
    let id_arg = issue["id"].to_string();
    let work = [
        "issues",
        "work",
        &id_arg,
        "--tool",
        "standin",
        "--no-attach",
    ];
    let started = json(&server, &work);
    let id = started["id"].as_i64().unwrap();
    let sid = id.to_string();
    assert_eq!(started["host"], "build-1", "{started}");
    let worktree = PathBuf::from(started["worktree_path"].as_str().unwrap());
    assert!(worktree.starts_with(&root), "{}", worktree.display());
    let uid = |p: &Path| std::fs::metadata(p).unwrap().uid();
    assert_eq!(
        uid(&worktree),
        uid(&home_of(&login)),
        "the worktree belongs to the host's user"
    );
    wait_state(&server, id, "waiting");

    // Its tools are looked up on the host's PATH (as its SSH login has it), after the
    // tools aiops installed there, not on the control plane's.
    let host_path = ssh_to_host(dir.path(), sshd.port, &login, "printf %s \"$PATH\"");
    let logs = server.cli(&["sessions", "logs", &sid], None);
    let want = format!(
        "stand-in agent: PATH={}:{host_path}",
        root.join("tools/bin").display()
    );
    assert!(
        text(&logs.stdout).contains(&want),
        "{want}\n{}",
        text(&logs.stdout)
    );

    // The CLI attaches over SSH to the host, as its user, on its port, to its tmux.
    let attach = json(&server, &["sessions", "attach", &sid, "--print"]);
    let argv: Vec<&str> = attach["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let port = sshd.port.to_string();
    let to = format!("{login}@127.0.0.1");
    assert_eq!(argv[..6], ["ssh", "-t", "-p", &port, "--", &to], "{attach}");
    let socket = root.join("tmux.sock").display().to_string();
    assert!(argv[6].contains(&socket), "{attach}");

    // The agent's uncommitted work, beside its commit.
    let notes = worktree.join("NOTES.md");
    std::fs::write(&notes, "written on the host\n").unwrap();
    chown(&notes, &login);

    let changes = json(&server, &["sessions", "diff", &sid]);
    let paths: Vec<&str> = changes["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"RESOLVED.md") && paths.contains(&"NOTES.md"),
        "the changes view reads the host's worktree: {changes}"
    );
    let status = json(&server, &["git", "status", "acme/demo", "--session", &sid]);
    assert_eq!(status["path"], worktree.display().to_string(), "{status}");
    assert!(
        status["untracked"].to_string().contains("NOTES.md"),
        "{status}"
    );
    let commit = [
        "git",
        "commit",
        "acme/demo",
        "--session",
        &sid,
        "-m",
        "Notes from the host",
    ];
    assert_success(&server.cli(&commit, None), "git commit on the host");
    let push = ["git", "push", "acme/demo", "--session", &sid];
    assert_success(&server.cli(&push, None), "git push from the host");
    let branch = started["branch"].as_str().unwrap();
    assert_eq!(
        origin_git(&origin, &["log", "-1", "--format=%s", branch]).trim(),
        "Notes from the host",
        "the branch arrived at the origin"
    );
    let files = json(&server, &["git", "files", "acme/demo", "--session", &sid]);
    assert!(files.to_string().contains("NOTES.md"), "{files}");

    // Listed with its host; kept while the session works in it, removed there after.
    let listed = json(&server, &["worktrees", "list"]);
    let ours: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["host"] == "build-1")
        .collect();
    assert_eq!(ours.len(), 1, "{listed}");
    assert_eq!(ours[0]["session_id"], id, "{listed}");
    let name = ours[0]["name"].as_str().unwrap().to_owned();
    let remove = [
        "worktrees",
        "remove",
        "--project",
        "acme/demo",
        &name,
        "--host",
        "build-1",
    ];
    let out = server.cli(&remove, None);
    assert!(
        !out.status.success() && text(&out.stderr).contains(&format!("session {id} works in")),
        "{}",
        text(&out.stderr)
    );

    // `sessions send` types into the host's pane (no Enter); the browser terminal,
    // through the server's bridge to the host's user, shows it and presses Enter; the
    // agent exits and the launcher there reports it.
    let send = ["sessions", "send", &sid, "7", "--no-enter"];
    assert_success(&server.cli(&send, None), "sessions send");
    crate::common::runtime().block_on(async {
        let mut t = Term::open(&server, id, &server.admin_key, "?cols=100&rows=30")
            .await
            .unwrap_or_else(|code| panic!("terminal to the host's pane: HTTP {code}"));
        let at = t.wait_for(0, "exit status? 7").await;
        t.type_text("\r").await;
        t.wait_for(at, "Pane is dead").await;
    });
    let exited = wait_state(&server, id, "exited");
    assert_eq!(exited["exit_code"], 7, "{exited}");
    assert_success(&server.cli(&remove, None), "worktrees remove --host");
    assert!(!worktree.exists(), "removed on the host");
}
