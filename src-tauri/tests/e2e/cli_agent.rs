//! The agent's standard workflow (issue 16), typed into a live `shell` session's pane and
//! run with the session's own key: each step's effect, and the refusals outside its
//! project.

use std::path::Path;

use serde_json::Value;

use crate::cli_grammar::{ids, ids_len};
use crate::common::{ServerProcess, assert_success};
use crate::sessions::{git, seeded_repo};

/// Types `line` into session `sid`'s pane (then Enter).
fn type_in(server: &ServerProcess, sid: &str, line: &str) {
    assert_success(&server.cli(&["sessions", "send", sid, line], None), line);
}

#[test]
fn the_standard_workflow_typed_into_a_shell_session_works_inside_its_project_only() {
    let token = "ghp_e2eWorkflowToken0123456789abcdef";
    let github = aiops_fakes::github::start();
    {
        let mut s = github.state();
        s.add_token(token, "aiops-bot");
        s.add_repo("acme/web");
        s.seed_issues("acme/web", 2);
    }
    let l = crate::trackers::linked("github", github.url(), token, None, "acme/web");
    let server = &l.server;
    let (_repo_dir, bare) = seeded_repo();
    let bare = bare.display().to_string();
    l.json(&["projects", "update", &l.project, "--repo-url", &bare]);
    l.json(&[
        "projects",
        "create",
        "--name",
        "other",
        "--repo-url",
        &bare,
        "--tenant",
        "acme",
    ]);
    let elsewhere = l.json(&[
        "issues",
        "create",
        "--project",
        "acme/other",
        "--title",
        "No",
    ]);
    l.sync();
    let issue = l.issue("#1");
    let id = issue["id"].to_string();
    let s = l.json(&["issues", "work", &id, "--tool", "shell"]);
    let sid = s["id"].to_string();
    let wt = Path::new(s["worktree_path"].as_str().unwrap()).to_owned();
    crate::sessions::wait_state(server, s["id"].as_i64().unwrap(), "running");

    // Each step appends "<name> <exit code>" to wf.status in the worktree.
    let branch = s["branch"].as_str().unwrap().to_owned();
    github.state().add_branch("acme/web", &branch);
    github.state().add_branch("acme/web", "feature/other");
    let steps: [(&str, String); 12] = [
        ("sync", "issues sync --project acme/web".into()),
        (
            "list",
            "issues list --project web -o json > list.json".into(),
        ),
        (
            "get",
            "issues get \"$AIOPS_ISSUE_ID\" -o json > get.json".into(),
        ),
        (
            "comment",
            "issues comment \"$AIOPS_ISSUE_ID\" \"Starting work\"".into(),
        ),
        (
            "commit",
            "git commit acme/web \"Fix it\" --files fix.txt".into(),
        ),
        (
            "done",
            "issues comment \"$AIOPS_ISSUE_ID\" \"Completed: fixed\"".into(),
        ),
        ("close", "issues close \"$AIOPS_ISSUE_ID\"".into()),
        ("sessions", "sessions list -o json > sessions.json".into()),
        (
            "pr",
            format!("git pr-create acme/web --title \"Fix it\" --source {branch} --issue {id}"),
        ),
        (
            "pr-other",
            "git pr-create web --title X --source feature/other 2> pr.err".into(),
        ),
        (
            "other",
            format!("issues get {} 2> other.err", elsewhere["id"]),
        ),
        (
            "merge",
            "git pr-merge acme/web 1 --method merge 2> merge.err".into(),
        ),
    ];
    type_in(server, &sid, "echo fixed > fix.txt");
    for (name, cmd) in &steps {
        type_in(
            server,
            &sid,
            &format!("\"$AIOPS_BIN\" {cmd}; echo \"{name} $?\" >> wf.status"),
        );
    }
    let status_file = wt.join("wf.status");
    let mut status = String::new();
    let finished = crate::common::wait_until(std::time::Duration::from_secs(60), || {
        status = std::fs::read_to_string(&status_file).unwrap_or_default();
        status.lines().count() == steps.len()
    });
    assert!(finished, "every step ran: {status}");
    let codes: Vec<(String, i32)> = status
        .lines()
        .map(|l| {
            let (n, c) = l.split_once(' ').unwrap();
            (n.to_owned(), c.trim().parse().unwrap())
        })
        .collect();
    for (name, code) in &codes[..9] {
        assert_eq!(*code, 0, "{name} works with the session key: {status}");
    }
    for (name, code) in &codes[9..] {
        assert_ne!(*code, 0, "{name} is refused: {status}");
    }

    // Each effect, seen from outside.
    let list: Value =
        serde_json::from_str(&std::fs::read_to_string(wt.join("list.json")).unwrap()).unwrap();
    assert_eq!(ids_len(&list), 2, "the project's open issues: {list}");
    let got: Value =
        serde_json::from_str(&std::fs::read_to_string(wt.join("get.json")).unwrap()).unwrap();
    assert_eq!(got["id"], issue["id"]);
    let sessions: Value =
        serde_json::from_str(&std::fs::read_to_string(wt.join("sessions.json")).unwrap()).unwrap();
    assert_eq!(
        ids(&sessions),
        vec![s["id"].as_i64().unwrap()],
        "its own session only"
    );
    assert_eq!(git(&wt, &["log", "-1", "--format=%s"]).trim(), "Fix it");
    let view = l.json(&["issues", "view", &id]);
    let bodies: Vec<&str> = view["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["body"].as_str())
        .collect();
    assert_eq!(bodies, ["Starting work", "Completed: fixed"], "{view}");
    assert_eq!(view["issue"]["status"], "closed", "{view}");
    let prs = l.json(&["prs", "list", "web", "--tenant", "acme", "--state", "all"]);
    assert_eq!(
        ids_len(&prs),
        1,
        "one pull request, from the session's branch: {prs}"
    );
    for (file, words) in [
        ("other.err", "its own"),
        ("merge.err", "session key"),
        ("pr.err", "its own branch"),
    ] {
        let err = std::fs::read_to_string(wt.join(file)).unwrap_or_default();
        assert!(err.contains(words), "{file}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
}
