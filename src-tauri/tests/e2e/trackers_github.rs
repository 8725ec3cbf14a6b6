//! GitHub end to end: a live `aiops serve` synced from the fake GitHub and driven by the
//! CLI. Every verb of the parity table with its effect at GitHub, the cost of sync
//! (requests per run, `304`s, comments only for changed issues), personal tokens, a
//! refused token, deletions upstream, and the token never leaking.

use aiops_fakes::github::{self, GitHubState};
use aiops_fakes::{Fake, Fault};

use crate::common::json_of;
use crate::common::{run, text};
use crate::trackers::{Member, id_of, linked};

const REPO: &str = "acme/web";
const TOKEN: &str = "ghp_e2eIntegrationToken0123456789abcdef";

fn fake_with(n: usize) -> Fake<GitHubState> {
    let fake = github::start();
    {
        let mut s = fake.state();
        s.add_token(TOKEN, "aiops-bot");
        s.add_user("octocat");
        s.add_repo(REPO);
        s.seed_issues(REPO, n);
    }
    fake
}

fn list_requests(fake: &Fake<GitHubState>) -> usize {
    fake.count("GET", &format!("/repos/{REPO}/issues")) - comment_requests(fake)
}

fn comment_requests(fake: &Fake<GitHubState>) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/comments"))
        .count()
}

#[test]
fn sync_costs_one_request_per_page_then_a_304_then_only_the_changes() {
    let fake = fake_with(5_000);
    let l = linked("github", fake.url(), TOKEN, None, REPO);

    let first = &l.sync()[0];
    assert_eq!(first["issues_seen"], 5_000, "{first}");
    assert_eq!(first["issues_created"], 5_000, "{first}");
    let lists = list_requests(&fake);
    assert!(
        lists <= 51,
        "50 pages of 100 (+1 to learn the ETag): {lists} list requests"
    );
    assert_eq!(comment_requests(&fake), 0, "no issue has comments yet");
    assert_eq!(
        first["requests"], lists as u64,
        "the run records its requests"
    );

    fake.clear_requests();
    let second = &l.sync()[0];
    let seen = fake.requests();
    assert_eq!(
        seen.len(),
        1,
        "an unchanged repository costs one request: {seen:?}"
    );
    assert_eq!(seen[0].status, 304, "answered Not Modified");
    assert!(seen[0].headers.contains_key("if-none-match"));
    assert_eq!(second["issues_seen"], 0, "{second}");

    {
        let mut s = fake.state();
        for n in [7, 1_234, 4_321] {
            s.add_comment(REPO, n, "octocat", &format!("comment on {n}"));
        }
    }
    fake.clear_requests();
    let third = &l.sync()[0];
    assert_eq!(list_requests(&fake), 1, "one page of changes");
    assert_eq!(
        comment_requests(&fake),
        3,
        "comments of the 3 changed issues only"
    );
    assert_eq!(third["comments_fetched"], 3, "{third}");
    assert_eq!(third["issues_updated"], 3, "{third}");
    let viewed = l.json(&["issues", "view", &id_of(&l.issue("#1234"))]);
    assert_eq!(viewed["comments"][0]["body"], "comment on 1234", "{viewed}");
    assert_eq!(viewed["comments"][0]["author"], "octocat");
}

#[test]
fn every_verb_of_the_parity_table_reaches_github() {
    let fake = fake_with(3);
    let l = linked("github", fake.url(), TOKEN, None, REPO);
    l.sync();
    let listed = l.json(&[
        "issues",
        "list",
        "--project",
        &l.project,
        "--provider",
        "github",
    ]);
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    let out = l.cli(&["issues", "list", "--project", &l.project]);
    let first = text(&out.stdout)
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let row: Vec<&str> = first.split_whitespace().collect();
    assert!(
        row.len() > 2 && row[0].parse::<i64>().is_ok() && row[1].starts_with('#'),
        "id, then external id: {first}"
    );

    let created = l.json(&[
        "issues",
        "create",
        "--project",
        &l.project,
        "--title",
        "Crash on save",
        "--description",
        "It **crashes**.",
        "--label",
        "bug",
        "--assignee",
        "octocat",
    ]);
    assert_eq!(
        created["provider"], "github",
        "created at the project's tracker: {created}"
    );
    assert_eq!(created["external_id"], "#4");
    let id = id_of(&created);
    let at_github = |f: &dyn Fn(&aiops_fakes::github::FakeIssue)| {
        f(fake.state().issue(REPO, 4).expect("#4 at GitHub"));
    };
    at_github(&|i| {
        assert_eq!(i.title, "Crash on save");
        assert_eq!(i.body.as_deref(), Some("It **crashes**."));
        assert_eq!(i.labels, ["bug"]);
        assert_eq!(i.assignee(), Some("octocat"));
        assert_eq!(i.author, "aiops-bot", "the integration token acted");
    });

    let got = l.json(&["issues", "get", &id]);
    assert_eq!(got["title"], "Crash on save");
    let updated = l.json(&[
        "issues",
        "update",
        &id,
        "--title",
        "Crash on save (v2)",
        "--labels",
        "bug,ui",
    ]);
    assert_eq!(
        updated["labels"],
        serde_json::json!(["bug", "ui"]),
        "{updated}"
    );
    at_github(&|i| {
        assert_eq!(i.title, "Crash on save (v2)");
        assert_eq!(i.labels, ["bug", "ui"]);
    });

    let closed = l.json(&["issues", "close", &id]);
    assert_eq!(closed["status"], "closed");
    at_github(&|i| assert_eq!(i.state, "closed"));
    let reopened = l.json(&["issues", "reopen", &id]);
    assert_eq!(reopened["status"], "open");
    at_github(&|i| assert_eq!(i.state, "open"));

    let comment = l.json(&["issues", "comment", &id, "--body", "Looking into it."]);
    let cid = id_of(&comment);
    assert_eq!(comment["body"], "Looking into it.");
    let edited = l.json(&[
        "issues",
        "modify-comment",
        &id,
        &cid,
        "--body",
        "Fixed in main.",
    ]);
    assert_eq!(edited["body"], "Fixed in main.");
    at_github(&|i| {
        assert_eq!(i.comments.len(), 1);
        assert_eq!(i.comments[0].body, "Fixed in main.");
    });

    let unassigned = l.json(&["issues", "assign", &id, "--unassign"]);
    assert!(unassigned["assignee"].is_null(), "{unassigned}");
    at_github(&|i| assert_eq!(i.assignee(), None));
    let assigned = l.json(&["issues", "assign", &id, "--assignee", "octocat"]);
    assert_eq!(assigned["assignee"], "octocat");

    let view = l.json(&["issues", "view", &id]);
    assert_eq!(view["comments"].as_array().map(Vec::len), Some(1), "{view}");
    l.assert_secret_nowhere(TOKEN);
}

#[test]
fn a_personal_token_makes_the_human_the_author() {
    let fake = fake_with(1);
    fake.state()
        .add_token("ghp_personalTokenOfMona0123456789", "mona");
    let l = linked("github", fake.url(), TOKEN, None, REPO);
    l.sync();
    let issue = id_of(&l.issue("#1"));

    let mona = Member::create(&l.server, "mona@example.com");
    let as_mona = |args: &[&str]| mona.command(&l.server, args);
    let cred = json_of(
        as_mona(&[
            "credentials",
            "set",
            &l.integration,
            "--token-stdin",
            "--login",
            "mona",
        ]),
        Some("ghp_personalTokenOfMona0123456789\n"),
        "credentials set",
    );
    assert_eq!(cred["has_token"], true);
    assert!(
        !cred.to_string().contains("ghp_personal"),
        "write-only: {cred}"
    );

    json_of(
        as_mona(&["issues", "comment", &issue, "--body", "from mona"]),
        None,
        "comment as mona",
    );
    l.json(&["issues", "comment", &issue, "--body", "from the admin"]);
    let comments = fake.state().issue(REPO, 1).expect("#1").comments.clone();
    let by = |body: &str| {
        comments
            .iter()
            .find(|c| c.body == body)
            .map(|c| c.author.clone())
    };
    assert_eq!(
        by("from mona").as_deref(),
        Some("mona"),
        "her own token acted"
    );
    assert_eq!(
        by("from the admin").as_deref(),
        Some("aiops-bot"),
        "no personal token: the integration's"
    );

    json_of(
        as_mona(&["issues", "assign", &issue, "--assignee", "mona@example.com"]),
        None,
        "assign by email",
    );
    assert_eq!(
        fake.state()
            .issue(REPO, 1)
            .and_then(|i| i.assignee().map(str::to_owned))
            .as_deref(),
        Some("mona")
    );
    l.assert_secret_nowhere("ghp_personalTokenOfMona0123456789");
}

#[test]
fn a_refused_token_marks_the_integration_unhealthy_and_names_it() {
    let fake = fake_with(2);
    let l = linked(
        "github",
        fake.url(),
        "ghp_revokedTokenNobodyKnows000",
        None,
        REPO,
    );
    let out = l.cli(&["issues", "sync", "--integration", &l.integration]);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed sync fails the command: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.contains("integration `github`") && stderr.contains("401"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("ghp_revoked"),
        "{stderr}"
    );
    let got = l.json(&["integrations", "get", &l.integration]);
    assert_eq!(got["healthy"], false, "{got}");

    let out = l.cli(&["integrations", "test", &l.integration]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
    l.assert_secret_nowhere("ghp_revokedTokenNobodyKnows000");
}

#[test]
fn a_rate_limited_page_is_retried_after_retry_after() {
    let fake = fake_with(2);
    let l = linked("github", fake.url(), TOKEN, None, REPO);
    fake.fail_next(
        Fault::new(
            429,
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        )
        .header("retry-after", "1"),
    );
    let run = &l.sync()[0];
    assert_eq!(run["issues_seen"], 2, "{run}");
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[0], 429, "{statuses:?}");
    assert_eq!(
        statuses[1], 200,
        "retried once after the wait: {statuses:?}"
    );
}

#[test]
fn an_issue_deleted_upstream_is_marked_not_kept_open() {
    let fake = fake_with(3);
    let l = linked("github", fake.url(), TOKEN, None, REPO);
    l.sync();
    fake.state().delete_issue(REPO, 2);
    let runs = l.json(&["issues", "sync", "--integration", &l.integration, "--full"]);
    assert_eq!(runs[0]["issues_removed"], 1, "{runs}");
    let gone = l.issue("#2");
    assert_eq!(gone["removed_upstream"], true, "{gone}");
    assert_eq!(gone["status"], "closed");
    let out = l.cli(&["issues", "list", "--project", &l.project, "--status", "all"]);
    assert!(
        text(&out.stdout).contains("removed upstream"),
        "{}",
        text(&out.stdout)
    );
    let out = l.cli(&["issues", "comment", &id_of(&gone), "--body", "x"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "read-only now: {}",
        text(&out.stderr)
    );
}

#[test]
fn unknown_issue_is_exit_4_with_one_line() {
    let fake = fake_with(1);
    let l = linked("github", fake.url(), TOKEN, None, REPO);
    let out = run(l.server.command(&["issues", "get", "999999"]), None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("issue 999999 not found"),
        "{stderr}"
    );
}
