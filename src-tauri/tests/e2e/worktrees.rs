//! Stale worktrees: listed with their changes and session, never removed while a session
//! works in them, nor with uncommitted work unless forced; the branch survives.

use std::path::Path;

use crate::common::{ServerProcess, assert_success, json, text};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state, work};

#[test]
fn worktrees_are_listed_and_removed_only_when_safe() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Tidy up");
    let issue = issue["id"].as_i64().unwrap().to_string();
    let s = json(&server, &["issues", "work", &issue, "--tool", "standin"]);
    let id = s["id"].as_i64().unwrap();
    wait_state(&server, id, "waiting");

    let list = json(&server, &["worktrees", "list"]);
    let w = &list.as_array().expect("an array")[0];
    assert_eq!(w["name"], "1-tidy-up", "{list}");
    assert_eq!(w["session_id"], id, "the live session is named");
    let project = w["project_id"].to_string();
    let out = server.cli(
        &["worktrees", "remove", "--project", &project, "1-tidy-up"],
        None,
    );
    assert!(
        !out.status.success(),
        "refused while the session works in it"
    );
    assert!(
        text(&out.stderr).contains(&format!("session {id} works in")),
        "{}",
        text(&out.stderr)
    );

    assert_success(
        &server.cli(&["sessions", "send", &id.to_string(), "0"], None),
        "send",
    );
    wait_state(&server, id, "exited");
    let stale = json(&server, &["worktrees", "list", "--stale"]);
    assert_eq!(stale.as_array().unwrap().len(), 1, "now stale: {stale}");
    let path = Path::new(stale[0]["path"].as_str().unwrap()).to_owned();
    std::fs::write(path.join("scratch.txt"), "work in progress\n").unwrap();
    let out = server.cli(
        &["worktrees", "remove", "--project", &project, "1-tidy-up"],
        None,
    );
    assert!(
        !out.status.success(),
        "uncommitted work is not removed silently"
    );
    assert!(
        text(&out.stderr).contains("scratch.txt"),
        "{}",
        text(&out.stderr)
    );
    assert!(path.join("scratch.txt").exists(), "nothing was lost");

    let out = server.cli(
        &[
            "worktrees",
            "remove",
            "--project",
            &project,
            "1-tidy-up",
            "--force",
        ],
        None,
    );
    assert_success(&out, "worktrees remove --force");
    assert!(!path.exists(), "the worktree directory is gone");
    assert_eq!(json(&server, &["worktrees", "list"]), serde_json::json!([]));
    let base = path.parent().unwrap().parent().unwrap().join("repo");
    let mut git = std::process::Command::new("git");
    git.arg("-C")
        .arg(&base)
        .args(["branch", "--list", "aiops/1-tidy-up"]);
    let branches = crate::common::run(git, None);
    assert!(
        text(&branches.stdout).contains("aiops/1-tidy-up"),
        "the branch and its commit stay"
    );
}

#[test]
fn new_worktrees_get_the_projects_setup_files_and_command() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = |title: &str| {
        demo_issue(&server, title)["id"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    // The first session clones; then the developer keeps an ignored `.env` there.
    let first = json(
        &server,
        &["issues", "work", &issue("First"), "--tool", "shell"],
    );
    let base = Path::new(first["worktree_path"].as_str().unwrap())
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("repo");
    std::fs::write(base.join(".env"), "TOKEN=local\n").unwrap();

    let project = first["project_id"].to_string();
    let mona = crate::trackers::Member::create(&server, "mona@example.com");
    let out = crate::common::run(
        mona.command(
            &server,
            &[
                "projects",
                "update",
                &project,
                "--setup-command",
                "touch",
                "--setup-command",
                "x",
            ],
        ),
        None,
    );
    assert!(
        !out.status.success(),
        "a member may not set a command run on the server"
    );
    assert!(text(&out.stderr).contains("only admins set a project's setup command"));

    let out = server.cli(
        &[
            "projects",
            "update",
            &project,
            "--setup-file",
            ".env",
            "--setup-file",
            "missing.txt",
            "--setup-command",
            "sh",
            "--setup-command",
            "-c",
            "--setup-command",
            "echo set-up > setup.out",
        ],
        None,
    );
    assert_success(&out, "projects update with setup files and command");
    let second = json(
        &server,
        &["issues", "work", &issue("Second"), "--tool", "shell"],
    );
    let wt = Path::new(second["worktree_path"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(wt.join(".env")).unwrap(),
        "TOKEN=local\n"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("setup.out")).unwrap(),
        "set-up\n"
    );
    assert!(
        !wt.join("missing.txt").exists(),
        "a missing setup file is skipped"
    );
}

#[test]
fn git_status_files_and_cat_read_the_working_copy_and_nothing_outside() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Read me");
    let s = work(&server, &issue, "standin");
    let id = s["id"].as_i64().unwrap();
    wait_state(&server, id, "waiting");
    let sid = id.to_string();
    let wt = Path::new(s["worktree_path"].as_str().unwrap()).to_owned();
    std::fs::write(wt.join("draft.txt"), "not yet\n").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", wt.join("escape")).unwrap();

    let at = ["demo", "--tenant", "acme", "--session", sid.as_str()];
    let status = json(&server, &[&["git", "status"][..], &at].concat());
    assert_eq!(status["branch"], "aiops/1-read-me", "{status}");
    assert_eq!(
        status["changed"],
        serde_json::json!([]),
        "the agent committed its change"
    );
    assert_eq!(
        status["untracked"],
        serde_json::json!(["draft.txt", "escape"]),
        "the context file is excluded, so never listed"
    );
    let files = json(&server, &[&["git", "files"][..], &at].concat());
    let names: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"RESOLVED.md") && !names.contains(&".git"),
        "{names:?}"
    );
    let cat = json(
        &server,
        &[&["git", "cat"][..], &at, &["RESOLVED.md"]].concat(),
    );
    assert_eq!(cat["text"], "# Issue #1: Read me\n");

    for bad in [
        "../../../../etc/passwd",
        "/etc/passwd",
        "escape",
        ".git/config",
    ] {
        let out = server.cli(&[&["git", "cat"][..], &at, &[bad]].concat(), None);
        assert!(!out.status.success(), "{bad} is refused");
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with("error: invalid_input"),
            "{bad}: a 400, not a read: {stderr}"
        );
    }
    // Without --session: the caller's base clone.
    let base = json(&server, &["git", "status", "demo", "--tenant", "acme"]);
    assert_eq!(base["branch"], "main", "{base}");
    assert_success(
        &server.cli(&["sessions", "send", &sid, "0"], None),
        "let the agent finish",
    );
}
