//! Jira issues end to end: every verb of the parity table through the real CLI against a
//! live `aiops serve` whose integration points at a local fake Jira Cloud, each checked
//! in the fake's own state (descriptions stored as ADF, closing and reopening through
//! workflow transitions); comments attributed to the member's personal token; a token
//! Jira refuses; and a project of 250 issues synced in full, each once.

use std::collections::BTreeSet;

use aiops_fakes::Fake;
use aiops_fakes::jira::{FakeIssue, JiraState};
use serde_json::{Value, json};

use crate::common::json_of;
use crate::common::{ADMIN_EMAIL, assert_success, text};
use crate::trackers::{Linked, Member, assert_error_line, id_of, linked};

/// The integration's API token; Jira knows it as `aiops-bot`'s (email below).
const TOKEN: &str = "ATATT-integration-7rKd2WbQ9xNz";
const BOT: &str = "aiops-bot";
const BOT_EMAIL: &str = "aiops-bot@example.com";
/// A member's personal API token; Jira knows it as `mallory`'s
/// (`mallory@example.com`, also the member's aiops email).
const MEMBER_TOKEN: &str = "ATATT-personal-Lp5cHs3Jm8Ve";
const MEMBER: &str = "mallory";
const MEMBER_EMAIL: &str = "mallory@example.com";
const KEY: &str = "WEB";

/// A fake Jira with both tokens and project `WEB` holding `WEB-1..=n` (`Issue i` /
/// `Body i`, To Do), `WEB-1` with one comment by alice.
fn jira(n: usize) -> Fake<JiraState> {
    let fake = aiops_fakes::jira::start();
    {
        let mut st = fake.state();
        st.add_token(TOKEN, BOT);
        st.add_token(MEMBER_TOKEN, MEMBER);
        st.seed_issues(KEY, n);
        if n > 0 {
            st.add_comment(KEY, 1, "alice", "Seen on staging too.");
        }
    }
    fake
}

/// The fake's issue `WEB-number`, as it is now.
fn remote(fake: &Fake<JiraState>, number: u64) -> FakeIssue {
    fake.state()
        .issue(KEY, number)
        .cloned()
        .unwrap_or_else(|| panic!("the fake Jira has {KEY}-{number}"))
}

fn linked_jira(fake: &Fake<JiraState>, token: &str) -> Linked {
    linked("jira", fake.url(), token, Some(BOT_EMAIL), KEY)
}

#[test]
fn every_verb_of_the_parity_table_reaches_jira() {
    let fake = jira(3);
    let l = linked_jira(&fake, TOKEN);
    let runs = l.sync();
    assert_eq!(runs.len(), 1, "one run for one integration: {runs:?}");
    assert_eq!(runs[0]["issues_created"], 3, "{}", runs[0]);

    // list: the seeded issues, aiops's id first and Jira's key beside it.
    let list = l.json(&["issues", "list", "--project", &l.project]);
    let keys: BTreeSet<&str> = list
        .as_array()
        .expect("an array")
        .iter()
        .map(|i| i["external_id"].as_str().expect("an external id"))
        .collect();
    assert_eq!(keys, BTreeSet::from(["WEB-1", "WEB-2", "WEB-3"]), "{list}");
    let first = l.issue("WEB-1");
    let id = id_of(&first);
    assert_eq!(first["provider"], "jira");
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
        [id.as_str(), "WEB-1", "acme/web", "open"],
        "{table}"
    );
    assert!(row.contains("(To Do)"), "Jira's own status shown: {row}");

    // get and view: the tracker's fields (ADF read back as Markdown) and comments.
    let got = l.json(&["issues", "get", &id]);
    assert_eq!(got["title"], "Issue 1");
    assert_eq!(got["description"], "Body 1");
    assert_eq!(got["status"], "open");
    assert_eq!(got["provider_status"], "To Do");
    let url = got["url"].as_str().expect("a web url");
    assert!(url.ends_with("/browse/WEB-1"), "{url}");
    let view = l.json(&["issues", "view", &id]);
    assert_eq!(view["issue"]["external_id"], "WEB-1", "{view}");
    assert_eq!(
        view["comments"][0]["body"], "Seen on staging too.",
        "{view}"
    );
    assert_eq!(view["comments"][0]["author"], "alice", "{view}");
    let out = l.cli(&["issues", "view", &id]);
    assert_success(&out, "issues view (table)");
    let shown = text(&out.stdout);
    for part in [
        "WEB-1 Issue 1",
        "Body 1",
        "by alice",
        "Seen on staging too.",
    ] {
        assert!(shown.contains(part), "view shows {part:?}: {shown}");
    }

    // create: summary, description (as ADF), labels and assignee land at Jira.
    let created = l.json(&[
        "issues",
        "create",
        "--project",
        &l.project,
        "--provider",
        "jira",
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
    assert_eq!(created["external_id"], "WEB-4", "{created}");
    assert_eq!(created["provider"], "jira");
    assert_eq!(created["labels"], json!(["bug", "ui"]));
    assert_eq!(created["assignee"], "alice");
    assert_eq!(created["author"], BOT, "created with the integration token");
    assert_eq!(created["description"], "Clicking **Export** shows no file.");
    let new = id_of(&created);
    let at = remote(&fake, 4);
    assert_eq!(at.title, "Export button does nothing");
    let doc = at.body.clone().expect("a description");
    assert_eq!(
        (doc["type"].as_str(), doc["version"].as_u64()),
        (Some("doc"), Some(1))
    );
    assert_eq!(doc["content"][0]["type"], "paragraph", "{doc}");
    assert!(
        doc.to_string().contains(r#""type":"strong""#),
        "bold as a mark: {doc}"
    );
    assert_eq!(at.body_text(), "Clicking Export shows no file.");
    assert_eq!(at.labels, ["bug", "ui"]);
    assert_eq!(at.assignee.as_deref(), Some("alice"));
    assert_eq!(at.author, BOT);

    // update: summary, description and labels.
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
    assert_eq!(at.body_text(), "No file, no error.");
    assert_eq!(
        at.body.as_ref().map(|d| d["type"].clone()),
        Some(json!("doc"))
    );
    assert_eq!(at.labels, ["backend", "bug"]);

    // close and reopen go through the workflow.
    let closed = l.json(&["issues", "close", &new]);
    assert_eq!(closed["status"], "closed", "{closed}");
    assert_eq!(closed["provider_status"], "Done", "{closed}");
    assert!(closed["closed_at"].is_string(), "{closed}");
    let at = remote(&fake, 4);
    assert_eq!((at.state.as_str(), at.category()), ("Done", "done"));
    assert_eq!(at.transitions, ["Done"], "through the Done transition");
    assert!(at.resolved_at.is_some(), "Jira set the resolution date");
    let reopened = l.json(&["issues", "reopen", &new]);
    assert_eq!(reopened["status"], "open", "{reopened}");
    assert_eq!(reopened["closed_at"], Value::Null, "{reopened}");
    let at = remote(&fake, 4);
    assert_eq!(at.state, "To Do");
    assert_eq!(at.transitions, ["Done", "Reopen Issue"]);

    // comment and modify-comment: the same Jira comment, edited.
    let comment = l.json(&["issues", "comment", &id, "--body", "Looking into it."]);
    assert_eq!(comment["body"], "Looking into it.", "{comment}");
    assert_eq!(comment["author"], BOT);
    assert_eq!(comment["issue_id"], first["id"]);
    let on = remote(&fake, 1).comments;
    assert_eq!(on.len(), 2, "alice's and ours: {on:?}");
    assert_eq!(on[1].body_text(), "Looking into it.");
    assert_eq!(on[1].author, BOT);
    assert_eq!(on[1].body["type"], "doc", "comments travel as ADF");
    let cid = id_of(&comment);
    let edited = l.json(&[
        "issues",
        "modify-comment",
        &id,
        &cid,
        "--body",
        "Fixed by WEB-9.",
    ]);
    assert_eq!(edited["id"], comment["id"], "{edited}");
    assert_eq!(edited["body"], "Fixed by WEB-9.");
    let after = remote(&fake, 1).comments;
    assert_eq!(after.len(), 2, "edited, not added: {after:?}");
    assert_eq!(after[1].id, on[1].id);
    assert_eq!(after[1].body_text(), "Fixed by WEB-9.");

    // assign: an accountId, an aiops user's email through their recorded accountId,
    // and unassign.
    let assigned = l.json(&["issues", "assign", &id, "--assignee", "alice"]);
    assert_eq!(assigned["assignee"], "alice", "{assigned}");
    assert_eq!(remote(&fake, 1).assignee.as_deref(), Some("alice"));
    let cred = l.json(&["credentials", "set", &l.integration, "--login", "bob"]);
    assert_eq!(
        (&cred["login"], &cred["has_token"]),
        (&json!("bob"), &json!(false))
    );
    let mapped = l.json(&["issues", "assign", &id, "--assignee", ADMIN_EMAIL]);
    assert_eq!(mapped["assignee"], "bob", "{mapped}");
    assert_eq!(remote(&fake, 1).assignee.as_deref(), Some("bob"));
    let unassigned = l.json(&["issues", "assign", &id, "--unassign"]);
    assert_eq!(unassigned["assignee"], Value::Null, "{unassigned}");
    assert_eq!(remote(&fake, 1).assignee, None, "unassigned at Jira");

    // A later sync brings nothing twice.
    l.sync();
    let all = l.json(&["issues", "list", "--project", &l.project, "--status", "all"]);
    assert_eq!(all.as_array().map(Vec::len), Some(4), "{all}");
    assert_eq!(
        id_of(&l.issue("WEB-4")),
        new,
        "the created issue kept its id"
    );

    l.assert_secret_nowhere(TOKEN);
}

#[test]
fn a_members_personal_jira_token_signs_their_comments() {
    let fake = jira(1);
    let l = linked_jira(&fake, TOKEN);
    l.sync();
    let id = id_of(&l.issue("WEB-1"));
    let member = Member::create(&l.server, MEMBER_EMAIL);
    member.set_token(&l.server, &l.integration, MEMBER_TOKEN);

    let theirs = l.json(&["issues", "comment", &id, "--body", "Triaged."]);
    assert_eq!(theirs["author"], BOT, "{theirs}");

    // A Jira API token only works with its owner's email (Basic auth), not with the
    // integration's: the member's token must go out with the member's email.
    let test = member.command(&l.server, &["integrations", "test", &l.integration]);
    let test = json_of(test, None, "integrations test as the member");
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

    let on = remote(&fake, 1).comments;
    let by = |body: &str| {
        on.iter()
            .find(|c| c.body_text() == body)
            .map(|c| c.author.clone())
            .unwrap_or_else(|| panic!("Jira has the comment {body:?}: {on:?}"))
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
fn a_token_jira_refuses_fails_sync_and_test_with_one_line() {
    let fake = jira(2);
    let revoked = "ATATT-revoked-Qm6tB1vF4yKc";
    let l = linked_jira(&fake, revoked);
    let name = "jira-cloud";
    let renamed = l.json(&["integrations", "update", &l.integration, "--name", name]);
    assert_eq!(renamed["name"], name, "{renamed}");

    let out = l.cli(&["issues", "sync", "--integration", &l.integration]);
    assert_error_line(&out, name, revoked, "issues sync with a refused token");
    assert!(
        fake.requests().iter().any(|r| r.status == 401),
        "Jira was asked and said 401"
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
fn two_hundred_fifty_jira_issues_sync_into_the_inbox_once_each() {
    let fake = jira(250);
    let l = linked_jira(&fake, TOKEN);
    let runs = l.sync();
    assert_eq!(runs[0]["issues_created"], 250, "{}", runs[0]);
    let pages = fake.state().searches.len();
    assert!(pages > 1, "the search was paged ({pages} pages)");

    let all = l.json(&[
        "issues",
        "list",
        "--project",
        &l.project,
        "--status",
        "all",
        "--all",
    ]);
    let all = all.as_array().expect("an array");
    assert_eq!(all.len(), 250, "every issue, each once");
    let keys: BTreeSet<String> = all
        .iter()
        .map(|i| i["external_id"].as_str().expect("a key").to_owned())
        .collect();
    let want: BTreeSet<String> = (1..=250).map(|n| format!("{KEY}-{n}")).collect();
    assert_eq!(keys, want, "WEB-1..=WEB-250, no duplicates");
    let ids: BTreeSet<i64> = all.iter().filter_map(|i| i["id"].as_i64()).collect();
    assert_eq!(ids.len(), 250, "distinct aiops ids");

    // A second sync finds nothing new and still holds 250.
    let again = l.sync();
    assert_eq!(again[0]["issues_created"], 0, "{}", again[0]);
    let count = l.json(&[
        "issues",
        "list",
        "--project",
        &l.project,
        "--status",
        "all",
        "--all",
    ]);
    assert_eq!(count.as_array().map(Vec::len), Some(250));
}
