//! `aiops workflow claim|progress|submit|approve|complete`: an agent reporting with its
//! session key from inside its session, then a person approving and completing.

use std::path::Path;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, wait_until};
use crate::sessions::{demo_issue, git, project_on, seeded_repo, wait_state};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn comment_bodies(server: &ServerProcess, issue: &str) -> Vec<(String, String)> {
    let view = json(server, &["issues", "view", issue]);
    let items = view["comments"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|c: &Value| {
            (
                c["author"].as_str().unwrap_or_default().to_owned(),
                c["body"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_agent_claims_reports_and_submits_with_its_session_key_then_a_person_completes() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Write notes");
    let other = demo_issue(&server, "Someone else's");
    let id = issue["id"].to_string();
    let env = format!("OTHER_ISSUE={}", other["id"]);
    let agent = fixture("workflow-agent.sh");
    let out = server.cli(
        &[
            "tools",
            "set",
            "wfagent",
            "--command",
            &agent,
            "--env",
            &env,
        ],
        None,
    );
    assert_success(&out, "tools set wfagent");
    let s = json(&server, &["issues", "work", &id, "--tool", "wfagent"]);
    let sid = s["id"].as_i64().unwrap();
    wait_state(&server, sid, "waiting");
    let wt = Path::new(s["worktree_path"].as_str().unwrap()).to_owned();

    // claim: assigned to the session's owner.
    let now = json(&server, &["issues", "get", &id]);
    assert_eq!(now["assignee"], "admin@example.com", "{now}");
    // submit committed notes.txt only, as the owner, and said so with the short SHA.
    let head = git(&wt, &["rev-parse", "HEAD"]).trim().to_owned();
    assert_eq!(
        git(&wt, &["log", "-1", "--format=%s|%ae"]).trim(),
        "Add notes|admin@example.com"
    );
    let untracked = git(&wt, &["status", "--porcelain", "--untracked-files=all"]);
    assert!(untracked.contains("?? scratch.txt"), "{untracked}");
    let comments = comment_bodies(&server, &id);
    let bodies: Vec<&str> = comments.iter().map(|(_, b)| b.as_str()).collect();
    assert!(
        bodies.contains(&"**Progress:** halfway there"),
        "{bodies:?}"
    );
    let submitted = format!(
        "**Submitted** `{}` on `aiops/1-write-notes`: Add notes",
        &head[..7]
    );
    assert!(bodies.contains(&submitted.as_str()), "{bodies:?}");
    // The session key reaches its own issue only.
    assert!(
        wait_until(std::time::Duration::from_secs(10), || {
            std::fs::read_to_string(wt.join("other.out")).is_ok_and(|s| s == "refused\n")
        }),
        "the agent's workflow call on another issue was refused"
    );
    assert!(comment_bodies(&server, &other["id"].to_string()).is_empty());

    // A person approves and completes: comments as them, then the issue is closed.
    json(
        &server,
        &["workflow", "approve", &id, "-m", "please look at notes.txt"],
    );
    let done = json(
        &server,
        &["workflow", "complete", &id, "-m", "Notes written"],
    );
    assert_eq!(done["issue"]["status"], "closed", "{done}");
    let comments = comment_bodies(&server, &id);
    let last_two: Vec<&(String, String)> = comments.iter().rev().take(2).collect();
    assert_eq!(last_two[0].1, "**Completed:** Notes written");
    assert_eq!(
        last_two[1].1,
        "**Ready for review:** please look at notes.txt"
    );
    // Verbs that need a message say so.
    let out = server.cli(&["workflow", "progress", &id, "-m", "  "], None);
    assert!(!out.status.success());
    assert_success(
        &server.cli(&["sessions", "send", &sid.to_string(), "0"], None),
        "let the agent finish",
    );
}
