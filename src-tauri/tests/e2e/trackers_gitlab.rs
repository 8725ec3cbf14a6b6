//! GitLab issues end to end: every verb of the parity table through the real CLI against
//! a live `aiops serve` whose integration points at a local fake GitLab, each checked
//! in the fake's own state (the provider-side effect, not only aiops's copy); comments
//! attributed to the member's personal token; and a token GitLab refuses.
//!
//! The member and error-line helpers here are shared with `trackers_jira`.

use aiops_fakes::Fake;
use aiops_fakes::gitlab::{FakeIssue, FakeNote, GitLabState};
use serde_json::{Value, json};

use crate::common::json_of;
use crate::common::{ADMIN_EMAIL, assert_success, text};
use crate::trackers::{Linked, Member, assert_error_line, id_of, linked};

/// The integration's token; GitLab knows it as `aiops-bot`'s.
const TOKEN: &str = "glpat-integration-4Hx9TqL2mZ8v";
const BOT: &str = "aiops-bot";
/// A member's personal token; GitLab knows it as `mallory`'s.
const MEMBER_TOKEN: &str = "glpat-personal-Vq3nR7wY1kP0";
const MEMBER: &str = "mallory";
const PROJECT: &str = "acme/web";

/// A fake GitLab with both tokens, users `alice` and `bob`, and `acme/web` holding
/// `#1..=#n` (`Issue i` / `Body i`), `#1` with one comment by alice.
fn gitlab(n: usize) -> Fake<GitLabState> {
    let fake = aiops_fakes::gitlab::start();
    {
        let mut st = fake.state();
        st.add_token(TOKEN, BOT);
        st.add_token(MEMBER_TOKEN, MEMBER);
        st.add_user("alice");
        st.add_user("bob");
        st.seed_issues(PROJECT, n);
        st.add_comment(PROJECT, 1, "alice", "Seen on staging too.");
    }
    fake
}

/// The fake's issue `#iid`, as it is now.
fn remote(fake: &Fake<GitLabState>, iid: u64) -> FakeIssue {
    fake.state()
        .issue(PROJECT, iid)
        .cloned()
        .unwrap_or_else(|| panic!("the fake GitLab has {PROJECT}#{iid}"))
}

/// The user notes (comments) of `#iid` at the fake, system notes left out.
fn user_notes(fake: &Fake<GitLabState>, iid: u64) -> Vec<FakeNote> {
    remote(fake, iid).comments().into_iter().cloned().collect()
}

/// The aiops id of the inbox issue `external`.
fn aiops_id(l: &Linked, external: &str) -> String {
    id_of(&l.issue(external))
}

#[test]
fn every_verb_of_the_parity_table_reaches_gitlab() {
    let fake = gitlab(3);
    let l = linked("gitlab", fake.url(), TOKEN, None, PROJECT);
    let runs = l.sync();
    assert_eq!(runs.len(), 1, "one run for one integration: {runs:?}");
    assert_eq!(runs[0]["issues_created"], 3, "{}", runs[0]);

    // list: the seeded issues, aiops's id first and GitLab's number beside it.
    let list = l.json(&["issues", "list", "--project", &l.project]);
    let mut externals: Vec<&str> = list
        .as_array()
        .expect("an array")
        .iter()
        .map(|i| i["external_id"].as_str().expect("an external id"))
        .collect();
    externals.sort_unstable();
    assert_eq!(externals, ["#1", "#2", "#3"], "{list}");
    let first = l.issue("#1");
    let id = id_of(&first);
    assert_eq!(first["provider"], "gitlab");
    let out = l.cli(&["issues", "list", "--project", &l.project]);
    assert_success(&out, "issues list (table)");
    let table = text(&out.stdout);
    let row = table
        .lines()
        .find(|r| r.contains("Issue 1"))
        .expect("a row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells[..4],
        [id.as_str(), "#1", "acme/web", "open"],
        "{table}"
    );

    // get and view: the tracker's fields and comments.
    let got = l.json(&["issues", "get", &id]);
    assert_eq!(got["title"], "Issue 1");
    assert_eq!(got["description"], "Body 1");
    assert_eq!(got["status"], "open");
    let url = got["url"].as_str().expect("a web url");
    assert!(url.ends_with("/acme/web/-/issues/1"), "{url}");
    let view = l.json(&["issues", "view", &id]);
    assert_eq!(view["issue"]["external_id"], "#1", "{view}");
    assert_eq!(
        view["comments"][0]["body"], "Seen on staging too.",
        "{view}"
    );
    assert_eq!(view["comments"][0]["author"], "alice", "{view}");
    let out = l.cli(&["issues", "view", &id]);
    assert_success(&out, "issues view (table)");
    let shown = text(&out.stdout);
    for part in ["#1 Issue 1", "Body 1", "by alice", "Seen on staging too."] {
        assert!(shown.contains(part), "view shows {part:?}: {shown}");
    }

    // create: title, description, labels and assignee land at GitLab.
    let created = l.json(&[
        "issues",
        "create",
        "--project",
        &l.project,
        "--provider",
        "gitlab",
        "--title",
        "Export button does nothing",
        "--description",
        "Clicking **Export** shows no file.",
        "--label",
        "ui",
        "--label",
        "bug",
        "--assignee",
        "alice",
    ]);
    assert_eq!(created["external_id"], "#4", "{created}");
    assert_eq!(created["provider"], "gitlab");
    assert_eq!(created["labels"], json!(["bug", "ui"]));
    assert_eq!(created["assignee"], "alice");
    assert_eq!(created["author"], BOT, "created with the integration token");
    let new = id_of(&created);
    let at = remote(&fake, 4);
    assert_eq!(at.title, "Export button does nothing");
    assert_eq!(at.body, "Clicking **Export** shows no file.");
    assert_eq!(at.labels, ["bug", "ui"]);
    assert_eq!(at.assignees, ["alice"]);
    assert_eq!(at.author, BOT);

    // update: title, description and labels.
    let updated = l.json(&[
        "issues",
        "update",
        &new,
        "--title",
        "Export fails silently",
        "--description",
        "No file, no error.",
        "--labels",
        "backend,bug",
    ]);
    assert_eq!(updated["id"], created["id"], "{updated}");
    assert_eq!(updated["title"], "Export fails silently");
    assert_eq!(updated["description"], "No file, no error.");
    assert_eq!(updated["labels"], json!(["backend", "bug"]));
    let at = remote(&fake, 4);
    assert_eq!(at.title, "Export fails silently");
    assert_eq!(at.body, "No file, no error.");
    assert_eq!(at.labels, ["backend", "bug"]);

    // close and reopen.
    let closed = l.json(&["issues", "close", &new]);
    assert_eq!(closed["status"], "closed", "{closed}");
    assert!(closed["closed_at"].is_string(), "{closed}");
    let at = remote(&fake, 4);
    assert_eq!(at.state, "closed");
    assert!(at.closed_at.is_some(), "GitLab stamped closed_at");
    let reopened = l.json(&["issues", "reopen", &new]);
    assert_eq!(reopened["status"], "open", "{reopened}");
    assert_eq!(remote(&fake, 4).state, "opened");

    // comment and modify-comment: the same GitLab note, edited.
    let comment = l.json(&["issues", "comment", &id, "--body", "Looking into it."]);
    assert_eq!(comment["body"], "Looking into it.", "{comment}");
    assert_eq!(comment["author"], BOT);
    assert_eq!(comment["issue_id"], first["id"]);
    let notes = user_notes(&fake, 1);
    assert_eq!(notes.len(), 2, "alice's and ours: {notes:?}");
    let note = notes[1].clone();
    assert_eq!(
        (note.body.as_str(), note.author.as_str()),
        ("Looking into it.", BOT)
    );
    let cid = id_of(&comment);
    let edited = l.json(&[
        "issues",
        "modify-comment",
        &id,
        &cid,
        "--body",
        "Fixed by !12.",
    ]);
    assert_eq!(edited["id"], comment["id"], "{edited}");
    assert_eq!(edited["body"], "Fixed by !12.");
    let notes = user_notes(&fake, 1);
    assert_eq!(notes.len(), 2, "edited, not added: {notes:?}");
    assert_eq!(
        (notes[1].id, notes[1].body.as_str()),
        (note.id, "Fixed by !12.")
    );

    // assign: a GitLab username, an aiops user's email through their recorded login,
    // and unassign.
    let assigned = l.json(&["issues", "assign", &id, "--assignee", "alice"]);
    assert_eq!(assigned["assignee"], "alice", "{assigned}");
    assert_eq!(remote(&fake, 1).assignees, ["alice"]);
    let cred = l.json(&["credentials", "set", &l.integration, "--login", "bob"]);
    assert_eq!(cred["login"], "bob", "{cred}");
    assert_eq!(cred["has_token"], false, "{cred}");
    let mapped = l.json(&["issues", "assign", &id, "--assignee", ADMIN_EMAIL]);
    assert_eq!(mapped["assignee"], "bob", "{mapped}");
    assert_eq!(remote(&fake, 1).assignees, ["bob"]);
    let unassigned = l.json(&["issues", "assign", &id, "--unassign"]);
    assert_eq!(unassigned["assignee"], Value::Null, "{unassigned}");
    assert!(
        remote(&fake, 1).assignees.is_empty(),
        "unassigned at GitLab"
    );

    // A later sync brings nothing twice.
    l.sync();
    let all = l.json(&["issues", "list", "--project", &l.project, "--status", "all"]);
    assert_eq!(all.as_array().map(Vec::len), Some(4), "{all}");
    assert_eq!(aiops_id(&l, "#4"), new, "the created issue kept its id");

    l.assert_secret_nowhere(TOKEN);
}

#[test]
fn a_members_personal_gitlab_token_signs_their_comments() {
    let fake = gitlab(1);
    let l = linked("gitlab", fake.url(), TOKEN, None, PROJECT);
    l.sync();
    let id = aiops_id(&l, "#1");
    let member = Member::create(&l.server, "mallory@example.com");
    member.set_token(&l.server, &l.integration, MEMBER_TOKEN);

    let test = json_of(
        member.command(&l.server, &["integrations", "test", &l.integration]),
        None,
        "integrations test as the member",
    );
    assert_eq!(test["ok"], true, "{test}");
    assert_eq!(test["credential"], "personal", "{test}");
    assert_eq!(test["identity"], MEMBER, "{test}");

    let args = [
        "issues",
        "comment",
        &id,
        "--body",
        "Reproduced on my machine.",
    ];
    let mine = json_of(member.command(&l.server, &args), None, "comment as member");
    assert_eq!(mine["author"], MEMBER, "{mine}");
    let theirs = l.json(&["issues", "comment", &id, "--body", "Triaged."]);
    assert_eq!(theirs["author"], BOT, "{theirs}");

    let notes = user_notes(&fake, 1);
    let by = |body: &str| {
        notes
            .iter()
            .find(|n| n.body == body)
            .map(|n| n.author.clone())
            .unwrap_or_else(|| panic!("GitLab has the note {body:?}: {notes:?}"))
    };
    assert_eq!(
        by("Reproduced on my machine."),
        MEMBER,
        "the member's own token"
    );
    assert_eq!(by("Triaged."), BOT, "no personal token: the integration's");

    l.assert_secret_nowhere(MEMBER_TOKEN);
    l.assert_secret_nowhere(TOKEN);
}

#[test]
fn a_token_gitlab_refuses_fails_sync_and_test_with_one_line() {
    let fake = gitlab(2);
    let revoked = "glpat-revoked-Zk4sW8dN2xQ6";
    let l = linked("gitlab", fake.url(), revoked, None, PROJECT);
    let name = "gitlab-prod";
    let renamed = l.json(&["integrations", "update", &l.integration, "--name", name]);
    assert_eq!(renamed["name"], name, "{renamed}");

    let out = l.cli(&["issues", "sync", "--integration", &l.integration]);
    assert_error_line(&out, name, revoked, "issues sync with a refused token");
    assert!(
        fake.requests().iter().any(|r| r.status == 401),
        "GitLab was asked and said 401"
    );
    let listed = l.json(&["issues", "list", "--project", &l.project, "--status", "all"]);
    assert_eq!(listed, json!([]), "nothing synced");

    let got = l.json(&["integrations", "get", &l.integration]);
    assert_eq!(got["healthy"], false, "{got}");
    assert!(got["health_error"].is_string(), "{got}");

    let out = l.cli(&["integrations", "test", &l.integration]);
    assert_error_line(
        &out,
        name,
        revoked,
        "integrations test with a refused token",
    );
    let out = l.cli(&["integrations", "test", &l.integration, "-o", "json"]);
    assert_error_line(&out, name, revoked, "integrations test -o json");
    let test: Value = serde_json::from_slice(&out.stdout).expect("the test result");
    assert_eq!(test["ok"], false, "{test}");
    assert_eq!(test["credential"], "integration", "{test}");

    l.assert_secret_nowhere(revoked);
}

#[test]
fn an_issue_deleted_at_gitlab_is_kept_read_only_after_a_full_sync() {
    let fake = gitlab(3);
    let l = linked("gitlab", fake.url(), TOKEN, None, PROJECT);
    l.sync();
    let gone = aiops_id(&l, "#2");
    fake.state().delete_issue(PROJECT, 2);

    let runs = l.json(&["issues", "sync", "--integration", &l.integration, "--full"]);
    assert_eq!(runs[0]["state"], "succeeded", "{runs}");
    assert_eq!(runs[0]["issues_removed"], 1, "{runs}");
    let got = l.json(&["issues", "get", &gone]);
    assert_eq!(got["removed_upstream"], true, "{got}");
    assert_eq!(got["status"], "closed", "{got}");
    let out = l.cli(&["issues", "comment", &gone, "--body", "Still there?"]);
    assert!(!out.status.success(), "a removed issue takes no comment");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.contains("read-only"), "{stderr:?}");
    assert_eq!(
        fake.count("POST", "/api/v4/projects"),
        0,
        "nothing sent to GitLab"
    );
}
