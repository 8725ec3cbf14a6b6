//! The first hour's server side (issue 20): a project's repository is checked as its
//! user reaches it (it answers and holds the default branch, or one sentence says what
//! is wrong); the tool list says which tools are installed, and the server remembers
//! the tool of each user's newest session.

use crate::common::{ServerProcess, assert_success, json, text};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state, work};

#[test]
fn a_repository_check_says_what_is_wrong_in_a_sentence() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let ok = json(&server, &["projects", "check", "acme/demo"]);
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["branches"], serde_json::json!(["main"]));

    let out = server.cli(
        &[
            "projects",
            "update",
            "acme/demo",
            "--default-branch",
            "trunk",
        ],
        None,
    );
    assert_success(&out, "projects update --default-branch trunk");
    let out = server.cli(&["projects", "check", "acme/demo"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("has no branch `trunk`: set the project's default branch to one of `main`"),
        "{}",
        text(&out.stderr)
    );

    let gone = repo
        .parent()
        .unwrap()
        .join("nowhere.git")
        .display()
        .to_string();
    let out = server.cli(
        &[
            "projects",
            "create",
            "--tenant",
            "acme",
            "--name",
            "gone",
            "--repo-url",
            &gone,
        ],
        None,
    );
    assert_success(&out, "projects create on a path with no repository");
    let out = server.cli(&["projects", "check", "acme/gone"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("there is no repository there"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn tools_say_whether_they_are_installed_and_the_last_choice_is_remembered() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    assert_success(
        &server.cli(
            &[
                "tools",
                "set",
                "ghost",
                "--command",
                "aiops-no-such-program",
            ],
            None,
        ),
        "tools set ghost",
    );
    let tools = json(&server, &["tools", "list"]);
    let installed = |name: &str| {
        tools
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["installed"]
            .clone()
    };
    assert_eq!(installed("shell"), true, "{tools}");
    assert_eq!(installed("standin"), true);
    assert_eq!(installed("ghost"), false);

    let issue = demo_issue(&server, "Remember me");
    let s = work(&server, &issue, "standin");
    wait_state(&server, s["id"].as_i64().unwrap(), "waiting");
    let client = server.admin_client();
    let p = crate::common::runtime()
        .block_on(client.preferences())
        .unwrap();
    assert_eq!(p.last_tool.as_deref(), Some("standin"));
}
