//! `aiops admin seed-demo` on a server's data dir, then what the server shows through
//! the real client: two projects on real git repositories, 50 issues with labels,
//! comments, assignees and closed ones; a second seed is refused and changes nothing.

use std::process::Command;

use aiops_types::{IssueListParams, PageParams, ProjectListParams};

use crate::common::{ADMIN_EMAIL, ServerProcess, assert_success, run, runtime, sqlite, text};

fn seed(server: &ServerProcess) -> std::process::Output {
    let data = server.data_dir.display().to_string();
    server.cli_offline(&["admin", "seed-demo", "--data-dir", &data], None)
}

/// Rows of every table a seed writes to, as one comparable string.
fn row_counts(server: &ServerProcess) -> String {
    let db = server.data_dir.join("aiops.db");
    [
        "tenants",
        "projects",
        "issues",
        "issue_comments",
        "audit_log",
    ]
    .map(|t| format!("{t}={}", sqlite(&db, &format!("SELECT count(*) FROM {t}"))))
    .join(" ")
}

#[test]
fn seed_demo_fills_an_empty_instance_once() {
    let server = ServerProcess::start();
    let out = seed(&server);
    assert_success(&out, "seed-demo on an instance with only its admin");
    assert!(
        text(&out.stderr).contains("50 issues"),
        "seed-demo says what it made: {}",
        text(&out.stderr)
    );

    let client = server.admin_client();
    runtime().block_on(async {
        let projects = client
            .list_projects(&ProjectListParams::default())
            .await
            .unwrap()
            .items;
        let mut slugs: Vec<_> = projects.iter().map(|p| p.slug.as_str()).collect();
        slugs.sort();
        assert_eq!(slugs, ["api", "web"], "two demo projects");
        for p in &projects {
            // A real repository: its main branch has the seeded commits.
            let mut git = Command::new("git");
            git.args(["--git-dir", &p.repo_url, "rev-list", "--count", "main"]);
            let out = run(git, None);
            assert_success(&out, "git rev-list in a demo repository");
            assert_eq!(
                text(&out.stdout).trim(),
                "3",
                "{} has 3 commits",
                p.repo_url
            );
        }

        let all = IssueListParams {
            status: Some("all".into()),
            limit: Some(500),
            ..Default::default()
        };
        let issues = client.list_issues(&all).await.unwrap().items;
        assert_eq!(issues.len(), 50, "50 demo issues");
        for p in &projects {
            let n = issues.iter().filter(|i| i.project_id == p.id).count();
            assert!(
                n >= 20,
                "issues are spread over both projects: {} has {n}",
                p.slug
            );
        }
        let closed = issues
            .iter()
            .filter(|i| i.status.as_str() == "closed")
            .count();
        assert!(
            (5..45).contains(&closed),
            "a mix of open and closed: {closed} closed"
        );
        assert!(
            issues.iter().all(|i| !i.labels.is_empty()),
            "every issue has labels"
        );
        assert!(
            issues
                .iter()
                .any(|i| i.assignee.as_deref() == Some(ADMIN_EMAIL))
                && issues.iter().any(|i| i.assignee.is_none()),
            "some issues are assigned to the existing admin, some to nobody"
        );
        let commented = issues
            .iter()
            .find(|i| i.comments >= 2)
            .expect("an issue with comments");
        let comments = client
            .list_comments(commented.id, &PageParams::default())
            .await
            .unwrap()
            .items;
        assert_eq!(comments.len() as u32, commented.comments);
        assert!(comments.iter().all(|c| !c.body.trim().is_empty()));
    });

    let before = row_counts(&server);
    let out = seed(&server);
    assert_eq!(out.status.code(), Some(1), "a second seed is refused");
    let err = text(&out.stderr);
    assert!(
        err.lines().count() == 1 && err.contains("empty instance"),
        "one line says why: {err:?}"
    );
    assert_eq!(row_counts(&server), before, "a refused seed writes nothing");
}
