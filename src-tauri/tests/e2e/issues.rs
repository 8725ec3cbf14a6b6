//! Native issues end to end: every verb of the parity table through the CLI against a
//! live `aiops serve`, the list filters, `view`, exit codes, and tenant scoping.

use std::process::Output;

use serde_json::Value;

use crate::common::{ADMIN_EMAIL, ServerProcess, assert_success, json, json_of, run, text};

const DESCRIPTION: &str = "Submitting the form makes the frobnicator explode.";

/// The ids of `issues list ARGS -o json` (as the admin), which must be an array.
fn listed(server: &ServerProcess, args: &[&str]) -> Vec<i64> {
    let mut full = vec!["issues", "list"];
    full.extend(args);
    ids(&json(server, &full))
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("issues list -o json prints an array, got {list}"))
        .iter()
        .map(|issue| issue["id"].as_i64().expect("every issue has an id"))
        .collect()
}

/// Exit 4, nothing on stdout, one stderr line `error: …`.
fn assert_not_found(out: &Output, why: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{why}: exit 4; stderr: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{why}: one line, got {stderr:?}");
    assert!(stderr.starts_with("error: "), "{why}: {stderr:?}");
    assert!(
        out.stdout.is_empty(),
        "{why}: stdout {:?}",
        text(&out.stdout)
    );
}

/// Table mode: exactly one stdout line, containing `words`.
fn assert_confirmation(out: &Output, words: &str, why: &str) {
    assert_success(out, why);
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{why}: one line, got {stdout:?}");
    assert!(stdout.contains(words), "{why}: says `{words}`: {stdout:?}");
}

/// Tenant `tenant` with the native project `web` (an https repository, no tracker).
fn tenant_with_web(server: &ServerProcess, tenant: &str) {
    let out = server.cli(&["tenants", "create", "--name", tenant], None);
    assert_success(&out, &format!("tenants create --name {tenant}"));
    let repo = format!("https://git.example.com/{tenant}/web.git");
    let out = server.cli(
        &[
            "projects",
            "create",
            "--name",
            "web",
            "--repo-url",
            &repo,
            "--tenant",
            tenant,
        ],
        None,
    );
    assert_success(&out, &format!("projects create web in {tenant}"));
}

/// `issues create` in `tenant`/web as the admin; returns the issue.
fn create(server: &ServerProcess, tenant: &str, title: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "issues",
        "create",
        "--project",
        "web",
        "--tenant",
        tenant,
        "--title",
        title,
    ];
    args.extend(extra);
    json(server, &args)
}

#[test]
fn native_issues_support_every_verb_through_the_cli() {
    let server = ServerProcess::start();
    tenant_with_web(&server, "acme");

    let args = [
        "issues",
        "create",
        "--project",
        "web",
        "--title",
        "Login page crashes",
        "--description-stdin",
        "--label",
        "bug",
        "--label",
        "ui",
        "--assignee",
        ADMIN_EMAIL,
    ];
    let stdin = format!("{DESCRIPTION}\n");
    let issue = json_of(server.command(&args), Some(&stdin), "issues create");
    let id = issue["id"].as_i64().expect("the created issue has an id");
    let sid = id.to_string();
    let sid = sid.as_str();
    assert_eq!(issue["external_id"], "#1", "the first native issue is #1");
    assert_eq!(issue["provider"], "native");
    assert_eq!(issue["status"], "open");
    assert_eq!(issue["tenant_slug"], "acme");
    assert_eq!(issue["project_slug"], "web");
    assert_eq!(issue["labels"], serde_json::json!(["bug", "ui"]));
    assert_eq!(issue["assignee"], ADMIN_EMAIL);
    assert_eq!(
        issue["description"], DESCRIPTION,
        "--description-stdin drops the final newline"
    );
    let other = create(&server, "acme", "Docs typo", &[]);
    let other = other["id"].as_i64().expect("the second issue's id");
    assert_eq!(
        json(&server, &["issues", "get", &other.to_string()])["external_id"],
        "#2"
    );

    let list = json(&server, &["issues", "list"]);
    assert_eq!(ids(&list), [other, id], "newest first: {list}");
    assert_eq!(list[1]["external_id"], "#1");
    let out = server.cli(&["issues", "list"], None);
    assert_success(&out, "issues list (table)");
    let table = text(&out.stdout);
    let mut lines = table.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(header[..3], ["ID", "EXTERNAL", "PROJECT"], "{table}");
    let row = lines.find(|l| l.contains("Login page")).expect("a row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[..4], [sid, "#1", "acme/web", "open"], "{table}");

    let got = json(&server, &["issues", "get", sid]);
    assert_eq!(got["title"], "Login page crashes");

    let updated = json(
        &server,
        &[
            "issues",
            "update",
            sid,
            "--title",
            "Login crashes on submit",
        ],
    );
    assert_eq!(updated["title"], "Login crashes on submit");
    assert_eq!(
        updated["labels"], issue["labels"],
        "labels left as they were"
    );
    assert_eq!(updated["description"], DESCRIPTION, "description unchanged");

    let first = json(
        &server,
        &["issues", "comment", sid, "--body", "First look."],
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("body.md");
    std::fs::write(&file, "Second look.\n").expect("write the body file");
    let file = file.display().to_string();
    let second = json(&server, &["issues", "comment", sid, "--body-file", &file]);
    assert_eq!(second["body"], "Second look.");
    assert_eq!(first["issue_id"], id);
    let c1 = first["id"].as_i64().expect("the comment's id").to_string();
    let edited = json(
        &server,
        &[
            "issues",
            "modify-comment",
            sid,
            &c1,
            "--body",
            "It is the frobnicator.",
        ],
    );
    assert_eq!(edited["id"], first["id"]);
    assert_eq!(edited["body"], "It is the frobnicator.");

    let view = json(&server, &["issues", "view", sid]);
    assert_eq!(view["issue"]["id"], id, "{view}");
    let comments = view["comments"].as_array().expect("comments is an array");
    assert_eq!(comments.len(), 2, "two comments: {view}");
    assert_eq!(
        comments[0]["body"], "It is the frobnicator.",
        "oldest first"
    );
    assert_eq!(comments[1]["body"], "Second look.");
    let out = server.cli(&["issues", "view", sid], None);
    assert_success(&out, "issues view (table)");
    let shown = text(&out.stdout);
    for part in [
        "Login crashes on submit",
        DESCRIPTION,
        "It is the frobnicator.",
    ] {
        assert!(shown.contains(part), "view shows {part:?}: {shown}");
    }

    let unassigned = json(&server, &["issues", "assign", sid, "--unassign"]);
    assert_eq!(unassigned["assignee"], Value::Null);
    let out = server.cli(&["issues", "assign", sid, "--assignee", ADMIN_EMAIL], None);
    assert_confirmation(&out, ADMIN_EMAIL, "assign in table mode");
    let out = server.cli(
        &["issues", "assign", sid, "--assignee", "nobody@example.com"],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unknown assignee is invalid input"
    );
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );

    let closed = json(&server, &["issues", "close", sid]);
    assert_eq!(closed["status"], "closed");
    assert!(
        closed["closed_at"].is_string(),
        "closed_at is set: {closed}"
    );
    assert_eq!(
        listed(&server, &[]),
        [other],
        "the default list is open issues"
    );
    assert_eq!(listed(&server, &["--status", "closed"]), [id]);
    let mut all = listed(&server, &["--status", "all"]);
    all.sort_unstable();
    assert_eq!(all, [id, other], "--status all has both");

    let out = server.cli(&["issues", "reopen", sid], None);
    assert_confirmation(&out, "Reopened issue", "reopen in table mode");
    assert_eq!(json(&server, &["issues", "get", sid])["status"], "open");

    assert_eq!(listed(&server, &["--search", "frobnicator"]), [id]);
    assert_eq!(listed(&server, &["--search", "zebra"]), Vec::<i64>::new());
    assert_eq!(listed(&server, &["--label", "ui"]), [id]);
    assert_eq!(listed(&server, &["--label", "nosuch"]), Vec::<i64>::new());
    assert_eq!(
        listed(&server, &["--project", "web", "--provider", "native"]).len(),
        2
    );
    assert_eq!(listed(&server, &["--assignee", ADMIN_EMAIL]), [id]);

    let cleared = json(&server, &["issues", "update", sid, "--labels", ""]);
    assert_eq!(
        cleared["labels"],
        serde_json::json!([]),
        "--labels \"\" clears"
    );

    let out = server.cli(&["issues", "get", "999999"], None);
    assert_not_found(&out, "an unknown issue id");
}

#[test]
fn a_member_sees_only_their_tenants_issues() {
    let server = ServerProcess::start();
    tenant_with_web(&server, "acme");
    tenant_with_web(&server, "other");
    let secret = create(&server, "acme", "Acme only", &["--label", "internal"]);
    let secret = secret["id"].as_i64().expect("an id").to_string();

    let member = "member@example.com";
    let args = [
        "users",
        "create",
        "--email",
        member,
        "--role",
        "member",
        "--password-stdin",
    ];
    let user = json_of(
        server.command(&args),
        Some("member-password-1234\n"),
        "users create",
    );
    let user_id = user["id"].as_i64().expect("the member's id").to_string();
    let out = server.cli(
        &["tenants", "members", "add", "other", "--user", &user_id],
        None,
    );
    assert_success(&out, "tenants members add other");
    let data = server.data_dir.display().to_string();
    let out = server.cli_offline(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--email",
            member,
        ],
        None,
    );
    assert_success(&out, "admin create-api-key for the member");
    let key = text(&out.stdout).trim().to_owned();
    let as_member = |args: &[&str]| {
        let mut cmd = server.command(args);
        cmd.env("AIOPS_API_KEY", &key);
        cmd
    };

    let empty = json_of(
        as_member(&["issues", "list", "--status", "all"]),
        None,
        "list",
    );
    assert_eq!(ids(&empty), Vec::<i64>::new(), "nothing of acme: {empty}");
    let out = run(as_member(&["issues", "get", &secret]), None);
    assert_not_found(&out, "another tenant's issue");
    let out = run(
        as_member(&["issues", "comment", &secret, "--body", "hi"]),
        None,
    );
    assert_not_found(&out, "commenting on another tenant's issue");

    let args = ["issues", "create", "--project", "web", "--tenant", "other"];
    let mine = json_of(
        as_member(&[&args[..], &["--title", "Ours"]].concat()),
        None,
        "issues create as the member",
    );
    assert_eq!(mine["tenant_slug"], "other");
    let seen = json_of(as_member(&["issues", "list"]), None, "list as the member");
    let mine = mine["id"].as_i64().expect("an id").to_string();
    assert_eq!(ids(&seen), [mine.parse::<i64>().unwrap()]);

    let theirs = json(&server, &["issues", "comment", &mine, "--body", "admin"]);
    let theirs = theirs["id"].as_i64().expect("an id").to_string();
    let args = ["issues", "modify-comment", &mine, &theirs, "--body", "x"];
    let out = run(as_member(&args), None);
    assert_eq!(
        out.status.code(),
        Some(3),
        "only the author edits a comment"
    );
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}
