//! The seed system's command grammar (issue 16), one table row per form, each run through
//! the real binary against a live server and checked by its effect: free text as an
//! argument or a flag, text after `--`, the issue from `AIOPS_ISSUE_ID`.

use std::path::Path;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, json_of, text};
use crate::sessions::{demo_issue, git, project_on, seeded_repo, work};

/// One form: the arguments (`{id}`, `{sid}`, `{cid}` are filled in), stdin, the
/// environment it adds, and the body the issue's newest comment must then have.
struct Form {
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    env: &'static [(&'static str, &'static str)],
    comment: &'static str,
}

const fn form(args: &'static [&'static str], comment: &'static str) -> Form {
    Form {
        args,
        stdin: None,
        env: &[],
        comment,
    }
}

fn fill(args: &[&str], vars: &[(&str, &str)]) -> Vec<String> {
    args.iter()
        .map(|a| {
            vars.iter()
                .fold((*a).to_owned(), |a, (k, v)| a.replace(k, v))
        })
        .collect()
}

/// Runs `args` as the admin with `env` added; panics with stderr when it fails.
fn run(server: &ServerProcess, args: &[String], stdin: Option<&str>, env: &[(&str, &str)]) {
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = server.command(&argv);
    cmd.envs(env.iter().copied());
    let out = crate::common::run(cmd, stdin);
    assert_success(&out, &args.join(" "));
}

fn last_comment(server: &ServerProcess, issue: &str) -> Value {
    let view = json(server, &["issues", "view", issue]);
    view["comments"]
        .as_array()
        .and_then(|c| c.last())
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn free_text_is_an_argument_or_a_flag_in_every_verb_that_posts_it() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Grammar");
    let id = issue["id"].to_string();
    let first = json(&server, &["issues", "comment", &id, "first"]);
    let cid = first["id"].to_string();
    let vars = [("{id}", id.as_str()), ("{cid}", cid.as_str())];
    let env_issue: &[(&str, &str)] = &[("AIOPS_ISSUE_ID", "{id}")];

    let forms = [
        form(
            &["issues", "comment", "{id}", "as an argument"],
            "as an argument",
        ),
        form(
            &["issues", "comment", "{id}", "--body", "as a flag"],
            "as a flag",
        ),
        form(
            &["issues", "comment", "{id}", "--", "-dash first"],
            "-dash first",
        ),
        Form {
            stdin: Some("from stdin\n"),
            ..form(&["issues", "comment", "{id}", "--body-stdin"], "from stdin")
        },
        form(
            &["workflow", "progress", "{id}", "half way"],
            "**Progress:** half way",
        ),
        form(
            &[
                "workflow",
                "progress",
                "{id}",
                "half",
                "--comment",
                "and more",
            ],
            "**Progress:** half\n\nand more",
        ),
        form(
            &["workflow", "progress", "{id}", "-m", "flagged"],
            "**Progress:** flagged",
        ),
        Form {
            env: env_issue,
            ..form(
                &["workflow", "progress", "from the session"],
                "**Progress:** from the session",
            )
        },
        form(
            &["workflow", "approve", "{id}", "look here"],
            "**Ready for review:** look here",
        ),
        form(
            &["workflow", "approve", "{id}", "-m", "flag"],
            "**Ready for review:** flag",
        ),
    ];
    for f in &forms {
        let args = fill(f.args, &vars);
        let env: Vec<(String, String)> = f
            .env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), fill(&[v], &vars).remove(0)))
            .collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run(&server, &args, f.stdin, &env);
        let c = last_comment(&server, &id);
        assert_eq!(c["body"], f.comment, "`{}` posts its text", args.join(" "));
    }

    // --body-file, and --file (the seed system's name for it).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("comment.md");
    for flag in ["--body-file", "--file"] {
        std::fs::write(&file, format!("from {flag}\n")).unwrap();
        let args = [
            "issues".to_owned(),
            "comment".to_owned(),
            id.clone(),
            flag.to_owned(),
            file.display().to_string(),
        ];
        run(&server, &args, None, &[]);
        assert_eq!(last_comment(&server, &id)["body"], format!("from {flag}"));
    }

    // modify-comment: positional, flag and after `--`.
    for (args, body) in [
        (
            &["issues", "modify-comment", "{id}", "{cid}", "edited"][..],
            "edited",
        ),
        (
            &[
                "issues",
                "modify-comment",
                "{id}",
                "{cid}",
                "--body",
                "again",
            ],
            "again",
        ),
        (
            &["issues", "modify-comment", "{id}", "{cid}", "--", "-x"],
            "-x",
        ),
    ] {
        let args = fill(args, &vars);
        run(&server, &args, None, &[]);
        let view = json(&server, &["issues", "view", &id]);
        let edited = view["comments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == first["id"])
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            edited["body"],
            body,
            "`{}` edits comment {cid}",
            args.join(" ")
        );
    }

    // Text and its flag together, or no text at all, are usage errors (exit 2).
    for args in [
        &["issues", "comment", "{id}", "a", "--body", "b"][..],
        &["issues", "comment", "{id}"],
        &["workflow", "progress", "{id}", "a", "-m", "b"],
        &["workflow", "progress", "not-a-number", "text"],
    ] {
        let args = fill(args, &vars);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = server.cli(&argv, None);
        assert_eq!(
            out.status.code(),
            Some(2),
            "`{}`: {}",
            args.join(" "),
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("error"), "says why");
    }

    // complete: --summary, -m or the argument; each closes the issue.
    for args in [
        &["workflow", "complete", "{id}", "--summary", "done"][..],
        &["workflow", "complete", "{id}", "-m", "done"],
        &["workflow", "complete", "{id}", "done"],
    ] {
        let args = fill(args, &vars);
        run(&server, &args, None, &[]);
        assert_eq!(last_comment(&server, &id)["body"], "**Completed:** done");
        let now = json(&server, &["issues", "get", &id]);
        assert_eq!(now["status"], "closed", "`{}` closes it", args.join(" "));
        run(
            &server,
            &fill(&["issues", "reopen", "{id}"], &vars),
            None,
            &[],
        );
    }
}

#[test]
fn git_commit_and_workflow_submit_take_the_message_as_an_argument_or_a_flag() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Commit forms");
    let id = issue["id"].to_string();
    let s = work(&server, &issue, "shell");
    let sid = s["id"].to_string();
    let wt = Path::new(s["worktree_path"].as_str().unwrap()).to_owned();
    let vars = [("{id}", id.as_str()), ("{sid}", sid.as_str())];

    for (n, (args, subject)) in [
        (
            &["git", "commit", "demo", "positional", "--session", "{sid}"][..],
            "positional",
        ),
        (
            &["git", "commit", "demo", "-m", "flag", "--session", "{sid}"],
            "flag",
        ),
        (
            &[
                "git",
                "commit",
                "acme/demo",
                "--session",
                "{sid}",
                "--",
                "-dash",
            ],
            "-dash",
        ),
        (
            &[
                "git",
                "commit",
                "demo",
                "only a",
                "--files",
                "a3.txt",
                "--session",
                "{sid}",
            ],
            "only a",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        std::fs::write(wt.join(format!("a{n}.txt")), "x\n").unwrap();
        let args = fill(args, &vars);
        run(&server, &args, None, &[]);
        let log = git(&wt, &["log", "-1", "--format=%s"]);
        assert_eq!(log.trim(), subject, "`{}` commits", args.join(" "));
    }

    // submit --project: the issue's project by slug or tenant/slug; --comment adds text.
    std::fs::write(wt.join("b.txt"), "b\n").unwrap();
    let args = fill(
        &[
            "workflow",
            "submit",
            "{id}",
            "--project",
            "acme/demo",
            "-m",
            "Add b",
            "--comment",
            "Tests pass",
            "--session",
            "{sid}",
        ],
        &vars,
    );
    run(&server, &args, None, &[]);
    let head = git(&wt, &["rev-parse", "--short=7", "HEAD"]);
    let body = last_comment(&server, &id)["body"].clone();
    let want = format!(
        "**Submitted** `{}` on `aiops/1-commit-forms`: Add b\n\nTests pass",
        head.trim()
    );
    assert_eq!(body, want.as_str());

    // Another project named with --project: refused before anything is committed.
    let out = server.cli(
        &[
            "projects",
            "create",
            "--name",
            "other",
            "--repo-url",
            repo.to_str().unwrap(),
            "--tenant",
            "acme",
        ],
        None,
    );
    assert_success(&out, "projects create other");
    std::fs::write(wt.join("c.txt"), "c\n").unwrap();
    let out = server.cli(
        &[
            "workflow",
            "submit",
            &id,
            "--project",
            "other",
            "-m",
            "Nope",
            "--session",
            &sid,
        ],
        None,
    );
    let err = text(&out.stderr);
    assert!(!out.status.success() && err.contains("acme/demo"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let status = git(&wt, &["status", "--porcelain"]);
    assert!(status.contains("c.txt"), "nothing was committed: {status}");
}

/// `ids` of a JSON array of rows.
fn ids(rows: &Value) -> Vec<i64> {
    rows.as_array()
        .map(|a| a.iter().filter_map(|r| r["id"].as_i64()).collect())
        .unwrap_or_default()
}

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

#[test]
fn auto_attach_is_a_config_key_and_a_pipe_never_attaches() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let get = |key: &str| text(&server.cli(&["config", "get", key], None).stdout);
    assert_eq!(get("auto_attach").trim(), "true", "the default");
    assert_success(
        &server.cli(&["config", "set", "auto_attach", "false"], None),
        "set",
    );
    assert_eq!(get("auto_attach").trim(), "false");
    let out = server.cli(&["config", "set", "auto_attach", "maybe"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_success(
        &server.cli(&["config", "set", "auto_attach", "true"], None),
        "set",
    );
    // Not a terminal: the session is printed, not attached, even with auto_attach on.
    let issue = demo_issue(&server, "No attach in a pipe");
    let s = json(
        &server,
        &[
            "issues",
            "work",
            &issue["id"].to_string(),
            "--tool",
            "shell",
        ],
    );
    assert!(s["id"].as_i64().is_some(), "{s}");
    let s = json(
        &server,
        &[
            "sessions",
            "start",
            "--project",
            "demo",
            "--tool",
            "shell",
            "--no-attach",
        ],
    );
    assert!(s["id"].as_i64().is_some(), "{s}");
}

/// Runs `args -o json` as the admin: the JSON and stderr.
fn json_and_notes(server: &ServerProcess, args: &[&str]) -> (Value, String) {
    let mut cmd = server.command(args);
    cmd.args(["-o", "json"]);
    let out = crate::common::run(cmd, None);
    assert_success(&out, &args.join(" "));
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        text(&out.stderr),
    )
}

#[test]
fn without_tool_a_session_runs_the_users_default_then_the_servers_then_the_first_installed() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start_with(true, &[("AIOPS_DEFAULT_TOOL", "standin")]);
    project_on(&server, &repo);
    let get = || text(&server.cli(&["config", "get", "default_tool"], None).stdout);
    assert_eq!(get().trim(), "", "no preference yet");

    let one = demo_issue(&server, "Server default");
    let (s, notes) = json_and_notes(&server, &["issues", "work", &one["id"].to_string()]);
    assert_eq!(s["tool"], "standin", "{s}");
    assert!(
        notes.contains("aiops: tool standin (the server's default_tool"),
        "{notes}"
    );

    assert_success(
        &server.cli(&["config", "set", "default_tool", "shell"], None),
        "set",
    );
    assert_eq!(get().trim(), "shell", "kept on the server");
    let two = demo_issue(&server, "My default");
    let (s, notes) = json_and_notes(&server, &["issues", "work", &two["id"].to_string()]);
    assert_eq!(s["tool"], "shell", "{s}");
    assert!(
        notes.contains("aiops: tool shell (your default_tool"),
        "{notes}"
    );
    let (s, _) = json_and_notes(
        &server,
        &[
            "sessions",
            "start",
            "--project",
            "demo",
            "--tool",
            "standin",
        ],
    );
    assert_eq!(s["tool"], "standin", "--tool still decides: {s}");

    let out = server.cli(&["config", "set", "default_tool", "nope"], None);
    assert!(
        !out.status.success() && text(&out.stderr).contains("no tool `nope`"),
        "{}",
        text(&out.stderr)
    );
    assert_success(
        &server.cli(&["config", "set", "default_tool", ""], None),
        "clear",
    );
    assert_eq!(get().trim(), "", "cleared");

    // Neither the user nor the server names one: the first installed built-in.
    let bare = ServerProcess::start();
    project_on(&bare, &repo);
    let (s, notes) = json_and_notes(&bare, &["sessions", "start", "--project", "demo"]);
    let tool = s["tool"].as_str().unwrap_or_default().to_owned();
    assert!(
        ["claude", "codex", "aider", "shell"].contains(&tool.as_str()),
        "{s}"
    );
    assert!(
        notes.contains(&format!("aiops: tool {tool} (the first installed of")),
        "{notes}"
    );
}

#[test]
fn help_agents_prints_the_workflow_every_context_file_carries() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let out = server.cli_offline(&["help", "agents"], None);
    assert_success(&out, "aiops help agents");
    let guide = text(&out.stdout);
    assert!(
        guide.contains(&aiops_types::agent_guide("ISSUE", "PROJECT", "BRANCH")),
        "{guide}"
    );

    let issue = demo_issue(&server, "Guide");
    let s = work(&server, &issue, "shell");
    let wt = Path::new(s["worktree_path"].as_str().unwrap()).to_owned();
    let context = std::fs::read_to_string(wt.join("AGENTS.override.md")).unwrap();
    let filled = aiops_types::agent_guide(
        &issue["id"].to_string(),
        &format!(
            "{}/{}",
            issue["tenant_slug"].as_str().unwrap(),
            issue["project_slug"].as_str().unwrap()
        ),
        s["branch"].as_str().unwrap(),
    );
    assert!(
        context.contains(&filled),
        "the same text, filled in:\n{context}"
    );

    // Every verb's help ends with examples.
    for verb in [
        &["issues", "comment"][..],
        &["git", "commit"],
        &["workflow", "progress"],
    ] {
        let out = server.cli_offline(&[verb, &["--help"]].concat(), None);
        assert!(
            text(&out.stdout).contains("Examples:\n  aiops "),
            "{verb:?}"
        );
    }
}

#[test]
fn limit_is_any_number_of_rows_across_pages_in_one_table_or_one_array() {
    let server = ServerProcess::start();
    assert_success(
        &server.cli(&["tenants", "create", "--name", "acme"], None),
        "tenant",
    );
    let project = json(
        &server,
        &[
            "projects",
            "create",
            "--name",
            "big",
            "--repo-url",
            "https://example.com/big.git",
            "--tenant",
            "acme",
        ],
    );
    let pid = project["id"].as_i64().unwrap();
    let client = server.admin_client();
    crate::common::runtime().block_on(async {
        for n in 0..1500 {
            let req = aiops_types::CreateIssue {
                project: pid,
                title: format!("Issue {n}"),
                ..Default::default()
            };
            client.create_issue(&req).await.expect("create an issue");
        }
    });

    let rows = json(
        &server,
        &["issues", "list", "--project", "big", "--limit", "1200"],
    );
    let ids = ids(&rows);
    assert_eq!(ids.len(), 1200, "one array of 1,200 rows");
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 1200, "no row twice across pages");
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first across pages"
    );

    let out = server.cli(
        &["issues", "list", "--project", "big", "--limit", "1200"],
        None,
    );
    assert_success(&out, "issues list --limit 1200 (table)");
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1201, "a header and 1,200 rows");
    assert!(
        lines[0].starts_with("ID") && lines[1201 - 1].contains("Issue"),
        "{}",
        lines[0]
    );
    let title_at = lines[0].find("TITLE").unwrap();
    assert!(
        lines[1..]
            .iter()
            .all(|l| l[title_at..].starts_with("Issue ")),
        "one table: every row's TITLE starts under the header"
    );
    assert!(text(&out.stderr).contains("--cursor"), "says how to go on");

    let all = json(&server, &["issues", "list", "--project", "big", "--all"]);
    assert_eq!(ids_len(&all), 1500, "--all: every row");
    let out = server.cli(
        &["issues", "list", "--project", "big", "--all", "-o", "yaml"],
        None,
    );
    let yaml = text(&out.stdout);
    assert_eq!(
        yaml.lines().filter(|l| l.starts_with("- ")).count(),
        1500,
        "one sequence"
    );

    // The audit log pages the same way, with its filters.
    let created = json(
        &server,
        &[
            "audit",
            "list",
            "--action",
            "issue.create",
            "--limit",
            "700",
        ],
    );
    assert_eq!(ids_len(&created), 700, "{}", created.to_string().len());
    assert!(
        created
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] == "issue.create")
    );
    let mine = json(
        &server,
        &[
            "audit",
            "list",
            "--actor",
            "admin@example.com",
            "--limit",
            "2",
        ],
    );
    assert_eq!(ids_len(&mine), 2);
    let out = server.cli(&["audit", "list", "--limit", "1"], None);
    assert_success(&out, "audit list (table)");
    assert!(text(&out.stdout).starts_with("ID"), "{}", text(&out.stdout));
}

fn ids_len(rows: &Value) -> usize {
    rows.as_array().map_or(0, Vec::len)
}

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

#[test]
fn without_a_keychain_the_key_goes_to_a_private_file_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let server = ServerProcess::start();
    // No Secret Service reachable: what a headless server or an agent's sandbox has.
    let no_keychain = |args: &[&str]| {
        let mut cmd = server.command(args);
        cmd.env_remove("AIOPS_API_KEY").env_remove("AIOPS_URL").env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/aiops-test-bus",
        );
        cmd
    };
    let file = server.config_dir().join("aiops").join("credentials.toml");
    let login = no_keychain(&[
        "login",
        "--url",
        &server.url,
        "--email",
        crate::common::ADMIN_EMAIL,
        "--password-stdin",
    ]);
    let out = crate::common::run(login, Some(&format!("{}\n", crate::common::ADMIN_PASSWORD)));
    assert_success(
        &out,
        "login without a keychain and without --insecure-store",
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: no OS keychain") && err.contains(&file.display().to_string()),
        "one warning naming the file: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    let out = crate::common::run(no_keychain(&["auth", "whoami"]), None);
    assert_success(&out, "whoami with the key from the file");
    let show = json_of(no_keychain(&["config", "show"]), None, "config show");
    assert!(
        show["credential"]
            .as_str()
            .is_some_and(|c| c.contains(&file.display().to_string())),
        "config show says where the key is: {show}"
    );

    // config set api_key: the same.
    let out = crate::common::run(
        no_keychain(&["config", "set", "api_key"]),
        Some("aiops_notarealkeybutwellformed\n"),
    );
    assert_success(&out, "config set api_key without a keychain");
    assert!(
        text(&out.stderr).contains("warning: no OS keychain"),
        "{}",
        text(&out.stderr)
    );
}
