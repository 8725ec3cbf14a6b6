//! A session's changes and the review sent back to its agent (issue 20): the Changes
//! API and `aiops sessions diff` see committed, staged and untracked work against the
//! branch's base; a write in the worktree is announced as `session.git`; staging works;
//! a review sent while the agent works is queued and typed into its pane when it waits.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{ServerProcess, assert_success, json, text, wait_until};
use crate::sessions::{demo_issue, git, project_on, seeded_repo, wait_state};
use crate::trackers::Member;

const WAIT: Duration = Duration::from_secs(30);

fn review_agent() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/fixtures/review-agent.sh")
        .display()
        .to_string()
}

fn api(server: &ServerProcess, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}/api/v1{path}", server.url);
    let key = server.admin_key.clone();
    let method: reqwest::Method = method.parse().unwrap();
    crate::common::runtime().block_on(async move {
        let mut rb = reqwest::Client::new()
            .request(method, &url)
            .bearer_auth(&key);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    })
}

fn changes(server: &ServerProcess, id: i64) -> Value {
    let (status, body) = api(server, "GET", &format!("/sessions/{id}/changes"), None);
    assert_eq!(status, 200, "{body}");
    body
}

fn file<'a>(c: &'a Value, path: &str) -> Option<&'a Value> {
    c["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
}

#[test]
fn changes_are_live_stageable_and_a_review_reaches_the_agent_when_it_waits() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let agent = review_agent();
    assert_success(
        &server.cli(&["tools", "set", "reviewer", "--command", &agent], None),
        "tools set reviewer",
    );
    let issue = demo_issue(&server, "Explain the project");
    let s = json(
        &server,
        &[
            "issues",
            "work",
            &issue["id"].to_string(),
            "--tool",
            "reviewer",
        ],
    );
    let id = s["id"].as_i64().unwrap();
    wait_state(&server, id, "running");
    let wt = PathBuf::from(s["worktree_path"].as_str().unwrap());
    // aiops's tmux shows the agent's whole screen: no status line.
    let mut tmux = std::process::Command::new("tmux");
    tmux.arg("-S")
        .arg(server.data_dir.join("tmux.sock"))
        .args(["show-options", "-g", "status"]);
    assert_eq!(
        text(&crate::common::run(tmux, None).stdout).trim(),
        "status off"
    );
    assert!(
        wait_until(WAIT, || wt.join("notes.txt").exists()),
        "the agent wrote"
    );

    // A commit of the agent's, an edit, and the untracked file, against origin/main.
    std::fs::write(wt.join("README.md"), "# demo\n\nA demo project.\n").unwrap();
    git(&wt, &["add", "README.md"]);
    git(
        &wt,
        &[
            "-c",
            "user.name=a",
            "-c",
            "user.email=a@example.com",
            "commit",
            "-q",
            "-m",
            "readme",
        ],
    );
    std::fs::write(
        wt.join("AGENTS.md"),
        "Repository rule: run the tests first.\n",
    )
    .unwrap();
    let c = changes(&server, id);
    assert_eq!(
        (c["base_ref"].as_str(), c["commits"].as_u64()),
        (Some("origin/main"), Some(1)),
        "{c}"
    );
    let readme = file(&c, "README.md").expect("the committed file");
    assert_eq!(
        (readme["kind"].as_str(), readme["additions"].as_u64()),
        (Some("modified"), Some(2))
    );
    assert!(
        readme["diff"]
            .as_str()
            .unwrap()
            .contains("+A demo project.")
    );
    let agents = file(&c, "AGENTS.md").expect("the edited file");
    assert_eq!(agents["unstaged"], true);
    let notes = file(&c, "notes.txt").expect("the untracked file");
    assert_eq!(notes["kind"], "untracked");
    assert!(notes["diff"].as_str().unwrap().contains("+draft"));
    assert!(
        file(&c, "AGENTS.override.md").is_none(),
        "the context file is git-excluded"
    );
    let out = server.cli(&["sessions", "diff", &id.to_string(), "--stat"], None);
    assert_success(&out, "sessions diff --stat");
    assert!(text(&out.stdout).contains("M"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("notes.txt"));

    // Staging, and a path that leads out of the working copy.
    let project = s["project_id"].as_i64().unwrap();
    let (status, after) = api(
        &server,
        "POST",
        &format!("/projects/{project}/git/stage"),
        Some(json!({"session": id, "paths": ["AGENTS.md"]})),
    );
    assert_eq!(status, 200, "{after}");
    assert_eq!(file(&after, "AGENTS.md").unwrap()["staged"], true);
    let (status, after) = api(
        &server,
        "POST",
        &format!("/projects/{project}/git/unstage"),
        Some(json!({"session": id, "paths": []})),
    );
    assert_eq!(status, 200);
    assert_eq!(file(&after, "AGENTS.md").unwrap()["staged"], false);
    let (status, _) = api(
        &server,
        "POST",
        &format!("/projects/{project}/git/stage"),
        Some(json!({"session": id, "paths": ["../../etc/passwd"]})),
    );
    assert_eq!(status, 400);

    // A write in the worktree is announced.
    let (tx, rx) = mpsc::channel();
    let client = server.admin_client();
    std::thread::spawn(move || {
        crate::common::runtime().block_on(client.follow_events_from(
            None,
            || {
                let _ = tx.send(None);
            },
            |e| {
                let hit = e.kind == "session.git" && e.payload["session_id"] == id;
                if hit {
                    let _ = tx.send(Some(e.payload.clone()));
                }
                !hit
            },
        ))
    });
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), None, "the stream is open");
    std::fs::write(wt.join("later.txt"), "more\n").unwrap();
    let got = rx
        .recv_timeout(WAIT)
        .expect("a session.git event within the wait");
    assert_eq!(got.unwrap()["project_id"], project);

    // A review while the agent works: queued; typed when it waits.
    let (status, comment) = api(
        &server,
        "POST",
        &format!("/sessions/{id}/review-comments"),
        Some(json!({
        "path": "README.md", "side": "new", "line_start": 3, "line_end": 3,
        "quote": "A demo project.", "body": "Say what the demo shows."})),
    );
    assert_eq!(status, 201, "{comment}");
    assert_eq!(comment["state"], "draft");
    let (status, sent) = api(
        &server,
        "POST",
        &format!("/sessions/{id}/review-comments/send"),
        None,
    );
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["typed"], false, "the agent was running: queued");
    assert!(
        sent["prompt"]
            .as_str()
            .unwrap()
            .contains("1. README.md:3\n> A demo project.\nSay what the demo shows.")
    );
    let (status, _) = api(
        &server,
        "POST",
        &format!("/sessions/{id}/review-comments/send"),
        None,
    );
    assert_eq!(status, 409, "nothing left to send");
    // Someone else may not read or write it.
    let mona = Member::create(&server, "mona@example.com");
    let out = crate::common::run(
        mona.command(&server, &["sessions", "diff", &id.to_string()]),
        None,
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));

    std::fs::write(wt.join("go"), "").unwrap();
    assert!(
        wait_until(WAIT, || std::fs::read_to_string(wt.join("got-review.txt"))
            .is_ok_and(|t| !t.is_empty())),
        "the review was typed into the pane: {}",
        server.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("got-review.txt")).unwrap(),
        "Review of your changes (1 comment). Address each one:\n"
    );
    let (_, list) = api(
        &server,
        "GET",
        &format!("/sessions/{id}/review-comments"),
        None,
    );
    assert_eq!(list[0]["state"], "sent", "{list}");
    let (status, resolved) = api(
        &server,
        "PATCH",
        &format!("/sessions/{id}/review-comments/{}", comment["id"]),
        Some(json!({"resolved": true})),
    );
    assert_eq!(
        (status, resolved["state"].as_str()),
        (200, Some("resolved"))
    );
    let (_, open) = api(
        &server,
        "GET",
        &format!("/sessions/{id}/review-comments"),
        None,
    );
    assert_eq!(open, json!([]), "resolved ones are hidden by default");
}
