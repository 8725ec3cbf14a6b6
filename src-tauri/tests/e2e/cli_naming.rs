//! Naming things the seed system's way (issue 16): users by id or email, projects by id,
//! slug or tenant/slug (an ambiguous slug names each form), sessions by id, name prefix
//! or USER:NAME, and the tracker link of a new issue; each through the real binary
//! against a live server.

use serde_json::Value;

use crate::cli_grammar::ids;
use crate::common::{ServerProcess, assert_success, json, json_of, text};
use crate::sessions::{project_on, seeded_repo};

#[test]
fn users_are_named_by_id_or_email_and_projects_by_id_slug_or_tenant_slug() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let repo = repo.display().to_string();
    // A second tenant with a project of the same slug.
    assert_success(
        &server.cli(&["tenants", "create", "--name", "beta"], None),
        "beta",
    );
    let beta = json(
        &server,
        &[
            "projects",
            "create",
            "--name",
            "demo",
            "--repo-url",
            &repo,
            "--tenant",
            "beta",
        ],
    );
    let acme = json(&server, &["projects", "get", "acme/demo"]);
    assert_eq!(acme["tenant_slug"], "acme", "{acme}");
    let me = json(&server, &["auth", "whoami"]);
    let my_id = me["user"]["id"].to_string();
    let bob = json_of(
        server.command(&[
            "users",
            "create",
            "--email",
            "bob@example.com",
            "--role",
            "member",
            "--password-stdin",
        ]),
        Some("a-long-enough-password-for-bob\n"),
        "users create bob",
    );
    let bob_id = bob["id"].to_string();

    // An ambiguous slug is an error naming each tenant/slug form, here and on the server.
    for args in [
        &["issues", "list", "--project", "demo"][..],
        &["sessions", "start", "--project", "demo", "--tool", "shell"],
        &["sessions", "list", "--project", "demo"],
    ] {
        let out = server.cli(args, None);
        let err = text(&out.stderr);
        assert!(
            !out.status.success() && err.contains("acme/demo") && err.contains("beta/demo"),
            "`{}` names both projects: {err}",
            args.join(" ")
        );
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }

    // Every project form reaches the same project.
    let acme_id = acme["id"].to_string();
    for p in [acme_id.as_str(), "acme/demo"] {
        let issue = json(
            &server,
            &[
                "issues",
                "create",
                "--project",
                p,
                "--title",
                &format!("in {p}"),
            ],
        );
        assert_eq!(issue["project_id"], acme["id"], "--project {p}");
    }
    let listed = json(&server, &["issues", "list", "--project", "acme/demo"]);
    assert_eq!(ids(&listed).len(), 2, "{listed}");
    let issue_id = listed[0]["id"].to_string();

    // sessions start: project and user in every form; sessions list --project filters.
    let s1 = json(
        &server,
        &[
            "sessions",
            "start",
            "--project",
            "acme/demo",
            "--tool",
            "shell",
            "--user",
            &my_id,
        ],
    );
    let s2 = json(
        &server,
        &[
            "sessions",
            "start",
            "--project",
            &beta["id"].to_string(),
            "--tool",
            "shell",
            "--user",
            "admin@example.com",
        ],
    );
    assert_eq!(s1["project_id"], acme["id"], "{s1}");
    assert_eq!(s2["project_id"], beta["id"], "{s2}");
    let in_acme = json(&server, &["sessions", "list", "--project", "acme/demo"]);
    assert_eq!(ids(&in_acme), vec![s1["id"].as_i64().unwrap()], "{in_acme}");
    let in_beta = json(&server, &["sessions", "list", "--project", "beta/demo"]);
    assert_eq!(ids(&in_beta), vec![s2["id"].as_i64().unwrap()], "{in_beta}");

    // issues assign --user: an id or an email; --assignee keeps taking an email.
    let out = server.cli(
        &[
            "tenants",
            "members",
            "add",
            "acme",
            "--user",
            "bob@example.com",
        ],
        None,
    );
    assert_success(&out, "tenants members add --user EMAIL");
    for (flag, who, want) in [
        ("--user", bob_id.as_str(), "bob@example.com"),
        ("--user", "admin@example.com", "admin@example.com"),
        ("--assignee", "bob@example.com", "bob@example.com"),
    ] {
        let issue = json(&server, &["issues", "assign", &issue_id, flag, who]);
        assert_eq!(issue["assignee"], want, "issues assign {flag} {who}");
    }
    let members = json(&server, &["tenants", "members", "list", "acme"]);
    assert!(members.to_string().contains("bob@example.com"), "{members}");
    let out = server.cli(
        &["tenants", "members", "remove", "acme", "--user", &bob_id],
        None,
    );
    assert_success(&out, "tenants members remove --user ID");
    let out = server.cli(&["issues", "assign", &issue_id, "--user", "9999"], None);
    assert!(
        text(&out.stderr).contains("no user `9999`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn issues_create_integration_picks_the_link_and_get_names_where_an_issue_lives() {
    let token = "ghp_e2eGrammarToken0123456789abcdef";
    let github = aiops_fakes::github::start();
    {
        let mut s = github.state();
        s.add_token(token, "aiops-bot");
        s.add_repo("acme/web");
    }
    let jira_token = "ATATT-grammar-7rKd2WbQ9xNz";
    let jira = aiops_fakes::jira::start();
    {
        let mut s = jira.state();
        s.add_token(jira_token, "aiops-bot");
        s.add_project("WEB");
    }
    let l = crate::trackers::linked("github", github.url(), token, None, "acme/web");
    let second = json_of(
        l.server.command(&[
            "integrations",
            "create",
            "--tenant",
            "acme",
            "--provider",
            "jira",
            "--name",
            "jira",
            "--base-url",
            jira.url(),
            "--email",
            "aiops-bot@example.com",
            "--token-stdin",
            "--sync-interval",
            "0",
        ]),
        Some(&format!("{jira_token}\n")),
        "integrations create jira",
    );
    let second_id = second["id"].to_string();
    l.json(&[
        "projects",
        "link",
        &l.project,
        "--integration",
        &second_id,
        "--external",
        "WEB",
    ]);

    // Two links: without --integration (or --provider) the server asks which.
    let out = l.cli(&[
        "issues",
        "create",
        "--project",
        &l.project,
        "--title",
        "Which?",
    ]);
    assert!(
        text(&out.stderr).contains("integration"),
        "{}",
        text(&out.stderr)
    );
    for (integration, provider) in [(&second_id, "jira"), (&l.integration, "github")] {
        let made = l.json(&[
            "issues",
            "create",
            "--project",
            &l.project,
            "--title",
            "Picked",
            "--integration",
            integration,
        ]);
        let got = l.json(&["issues", "get", &made["id"].to_string()]);
        assert_eq!(got["integration_id"].to_string(), *integration, "{got}");
        assert_eq!(got["provider"], provider, "{got}");
        assert_eq!(got["tenant_slug"], "acme", "{got}");
        assert_eq!(got["project_slug"], "web", "{got}");
        assert!(
            got["external_id"].as_str().is_some_and(|e| !e.is_empty()),
            "{got}"
        );
        assert!(
            got["url"].as_str().is_some_and(|u| u.starts_with("http")),
            "{got}"
        );
    }
    // A native issue says so with a null integration.
    let native = l.json(&[
        "issues",
        "create",
        "--project",
        &l.project,
        "--title",
        "Here",
        "--provider",
        "native",
    ]);
    let native = l.json(&["issues", "get", &native["id"].to_string()]);
    assert!(
        native["integration_id"].is_null() && native["url"].is_null(),
        "{native}"
    );
}

#[test]
fn sessions_are_named_by_id_name_prefix_or_user_colon_name_among_all_the_caller_sees() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let bob = crate::trackers::Member::create(&server, "bob@example.com");
    let start = |user: &str| {
        json(
            &server,
            &[
                "sessions",
                "start",
                "--project",
                "demo",
                "--tool",
                "shell",
                "--user",
                user,
            ],
        )
    };
    let mine = start("admin@example.com");
    let his = start("bob@example.com");
    let name = |s: &Value| {
        s["tmux_target"]
            .as_str()
            .unwrap()
            .trim_start_matches('=')
            .to_owned()
    };
    let (my_name, his_name) = (name(&mine), name(&his));

    // The admin reaches any user's session: by its full name, USER:NAME with the email
    // or its local part, USER:prefix.
    for (form, want) in [
        (his_name.clone(), &his),
        (format!("bob@example.com:{his_name}"), &his),
        (format!("bob:{his_name}"), &his),
        ("bob:aiops-".to_owned(), &his),
        (format!("admin:{my_name}"), &mine),
    ] {
        let got = json(&server, &["sessions", "get", &form]);
        assert_eq!(got["id"], want["id"], "sessions get {form}");
    }
    // A prefix two sessions share is refused, naming them as USER:NAME.
    let out = server.cli(&["sessions", "get", "aiops-"], None);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bob@example.com:") && err.contains("admin@example.com:"),
        "{err}"
    );

    // A member's search covers their own sessions only.
    let as_bob = |args: &[&str]| {
        let mut cmd = bob.command(&server, args);
        cmd.args(["-o", "json"]);
        crate::common::run(cmd, None)
    };
    let out = as_bob(&["sessions", "get", "aiops-"]);
    assert_success(&out, "bob: sessions get aiops-");
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["id"], his["id"], "bob's only session");
    let out = as_bob(&["sessions", "get", &format!("admin:{my_name}")]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "not bob's: {}",
        text(&out.stderr)
    );
}
