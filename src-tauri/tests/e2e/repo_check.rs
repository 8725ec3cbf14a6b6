//! A project's repository is checked as its user reaches it: it answers and holds the
//! default branch, or one sentence says what is wrong.

use crate::common::{ServerProcess, assert_success, json, text};
use crate::sessions::{project_on, seeded_repo};

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
