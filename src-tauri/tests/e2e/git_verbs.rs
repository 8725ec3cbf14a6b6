//! `aiops git pull|push|commit|branches|branch|checkout|diff|log` end to end on a session's
//! worktree, against a local bare repository that a second clone also pushes to.

use std::path::Path;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, text};
use crate::sessions::{demo_issue, git, project_on, seeded_repo, work};

/// `aiops git <verb> demo --tenant acme --session <id> <extra…>` as JSON.
fn verb(server: &ServerProcess, sid: &str, v: &str, extra: &[&str]) -> Value {
    let at = ["demo", "--tenant", "acme", "--session", sid];
    json(server, &[&["git", v][..], &at, extra].concat())
}

/// The same, expected to fail: its stderr.
fn refused(server: &ServerProcess, sid: &str, v: &str, extra: &[&str]) -> String {
    let at = ["demo", "--tenant", "acme", "--session", sid];
    let out = server.cli(&[&["git", v][..], &at, extra].concat(), None);
    assert!(!out.status.success(), "git {v} {extra:?} should fail");
    text(&out.stderr)
}

#[test]
fn commit_push_pull_and_branches_on_a_session_worktree() {
    let (repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Ship it");
    let s = work(&server, &issue, "shell");
    let sid = s["id"].to_string();
    let wt = Path::new(s["worktree_path"].as_str().unwrap()).to_owned();
    let me = json(&server, &["auth", "whoami"]);

    // commit --files stages only the named paths.
    std::fs::write(wt.join("a.txt"), "a\n").unwrap();
    std::fs::write(wt.join("b.txt"), "b\n").unwrap();
    let done = verb(
        &server,
        &sid,
        "commit",
        &["-m", "Add a", "--files", "a.txt"],
    );
    assert_eq!(done["branch"], "aiops/1-ship-it", "{done}");
    let status = verb(&server, &sid, "status", &[]);
    assert_eq!(
        status["untracked"],
        serde_json::json!(["b.txt"]),
        "{status}"
    );
    let log = verb(&server, &sid, "log", &["-n", "1"]);
    assert_eq!(log[0]["subject"], "Add a");
    assert_eq!(log[0]["sha"], done["head"]);
    assert_eq!(
        log[0]["email"], me["user"]["email"],
        "committed as the caller"
    );
    let err = refused(
        &server,
        &sid,
        "commit",
        &["-m", "again", "--files", "a.txt"],
    );
    assert!(err.contains("nothing to commit"), "{err}");

    // push: the branch reaches origin and is tracked.
    verb(&server, &sid, "push", &[]);
    let status = verb(&server, &sid, "status", &[]);
    assert_eq!(status["upstream"], "origin/aiops/1-ship-it", "{status}");
    assert_eq!(
        (status["ahead"].as_u64(), status["behind"].as_u64()),
        (Some(0), Some(0))
    );

    // Someone else pushes to the branch: pull with local changes is refused and loses
    // nothing; --clean discards them and fast-forwards.
    let other = repo_dir.path().join("other");
    let out = std::process::Command::new("git")
        .args(["clone", "--quiet", "--branch", "aiops/1-ship-it"])
        .arg(&repo)
        .arg(&other)
        .output()
        .unwrap();
    assert_success(&out, "clone the branch elsewhere");
    std::fs::write(other.join("c.txt"), "c\n").unwrap();
    git(&other, &["add", "c.txt"]);
    git(&other, &["commit", "--quiet", "-m", "Add c"]);
    git(&other, &["push", "--quiet", "origin", "aiops/1-ship-it"]);
    let remote_head = git(&other, &["rev-parse", "HEAD"]).trim().to_owned();

    std::fs::write(wt.join("a.txt"), "changed\n").unwrap();
    let err = refused(&server, &sid, "pull", &[]);
    assert!(
        err.starts_with("error: conflict") && err.contains("a.txt"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("a.txt")).unwrap(),
        "changed\n"
    );
    assert!(wt.join("b.txt").exists(), "a refused pull touches nothing");
    let pulled = verb(&server, &sid, "pull", &["--clean"]);
    assert_eq!(pulled["head"], remote_head.as_str(), "{pulled}");
    assert_eq!(std::fs::read_to_string(wt.join("a.txt")).unwrap(), "a\n");
    assert!(!wt.join("b.txt").exists() && wt.join("c.txt").exists());
    assert!(
        wt.join("AGENTS.override.md").exists(),
        "--clean keeps ignored files such as the context file"
    );
    let up_to_date = verb(&server, &sid, "pull", &[]);
    assert!(
        up_to_date["message"]
            .as_str()
            .unwrap()
            .contains("up to date")
    );

    // A local commit makes the branch ahead; diff shows uncommitted changes.
    std::fs::write(wt.join("c.txt"), "c\nmore\n").unwrap();
    let diff = verb(&server, &sid, "diff", &[]);
    assert!(diff["diff"].as_str().unwrap().contains("+more"), "{diff}");
    verb(&server, &sid, "commit", &["-m", "More c"]);
    let status = verb(&server, &sid, "status", &[]);
    assert_eq!(
        (status["ahead"].as_u64(), status["behind"].as_u64()),
        (Some(1), Some(0))
    );

    // branch / checkout / branches.
    verb(&server, &sid, "branch", &["feature/x", "--from", "HEAD~1"]);
    let err = refused(&server, &sid, "branch", &["feature/x"]);
    assert!(err.contains("already exists"), "{err}");
    verb(&server, &sid, "checkout", &["feature/x"]);
    let branches = verb(&server, &sid, "branches", &[]);
    let current: Vec<&str> = branches
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["current"] == true)
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(current, ["feature/x"], "{branches}");
    assert_eq!(git(&wt, &["rev-parse", "HEAD"]).trim(), remote_head);

    // User input that looks like an option or a path out is refused before git runs.
    for bad in ["--upload-pack=touch canary", "-x", "a..b", "main\nx"] {
        let err = refused(&server, &sid, "checkout", &["--", bad]);
        assert!(err.starts_with("error: invalid_input"), "{bad:?}: {err}");
    }
    let err = refused(
        &server,
        &sid,
        "commit",
        &["-m", "x", "--files", "../outside"],
    );
    assert!(err.starts_with("error: invalid_input"), "{err}");
    let err = refused(&server, &sid, "log", &["--rev=--output=/tmp/x"]);
    assert!(err.starts_with("error: invalid_input"), "{err}");
}
