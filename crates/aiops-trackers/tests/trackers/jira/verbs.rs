//! Every verb of the Jira provider and its effect inside the fake Jira.

use aiops_core::tracker::{NewRemoteIssue, RemoteIssuePatch, Target, Tracker, TrackerError};
use aiops_fakes::jira::FakeTransition;
use aiops_trackers::jira::Jira;
use aiops_types::IssueStatus;
use serde_json::Value;
use std::time::Duration;

use super::{LOGIN, PROJECT, TOKEN, connection, fake, open, target};

const DESCRIPTION: &str =
    "## Plan\n\n- **first** step\n- run `make test`\n\nSee [the docs](https://example.com/docs).";

/// Node types anywhere in an ADF tree.
fn node_types(node: &Value, out: &mut Vec<String>) {
    if let Some(t) = node.get("type").and_then(Value::as_str) {
        out.push(t.to_owned());
    }
    for kid in node
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        node_types(kid, out);
    }
}

#[test]
fn create_stores_adf_and_get_reads_it_back_as_markdown() {
    let fake = fake();
    let jira = open(&fake);
    let new = NewRemoteIssue {
        title: "Flaky login test".into(),
        description: DESCRIPTION.into(),
        labels: vec!["aiops".into(), "bug".into()],
        assignee: Some("bob".into()),
    };

    let created = jira.create_issue(&target(), &new).unwrap();

    assert_eq!(created.remote_id, "PROJ-1");
    assert_eq!(created.title, "Flaky login test");
    assert_eq!(created.description, DESCRIPTION, "Markdown survives ADF");
    assert_eq!(created.labels, ["aiops", "bug"]);
    assert_eq!(created.assignee.as_deref(), Some("bob"));
    assert_eq!(
        created.author.as_deref(),
        Some(LOGIN),
        "reporter is the token's owner"
    );
    assert_eq!(created.status, IssueStatus::Open);
    assert_eq!(fake.count("POST", "/rest/api/3/issue"), 1);
    assert_eq!(
        fake.count("GET", "/rest/api/3/issue/PROJ-1"),
        1,
        "read back"
    );

    let s = fake.state();
    let stored = s.issue(PROJECT, 1).expect("created in the fake");
    let body = stored.body.as_ref().expect("a description");
    assert_eq!(body["type"], "doc", "the fake holds ADF, not Markdown text");
    let mut types = Vec::new();
    node_types(body, &mut types);
    for t in ["heading", "bulletList", "listItem", "paragraph", "text"] {
        assert!(types.iter().any(|x| x == t), "{t} missing from {types:?}");
    }
    assert!(
        !body.to_string().contains("**"),
        "no Markdown syntax inside ADF"
    );
    assert_eq!(stored.labels, ["aiops", "bug"]);
    assert_eq!(stored.assignee.as_deref(), Some("bob"));
    drop(s);

    let got = jira.get_issue(&target(), "PROJ-1").unwrap();
    assert_eq!(got, created);
}

#[test]
fn create_refusals() {
    let fake = fake();
    let jira = open(&fake);
    let jql = Target {
        external: "jql:project = PROJ".into(),
    };
    let new = NewRemoteIssue {
        title: "x".into(),
        ..Default::default()
    };
    assert!(matches!(
        jira.create_issue(&jql, &new),
        Err(TrackerError::Invalid(_))
    ));
    assert_eq!(jira.requests(), 0, "a jql target cannot create, no request");

    let untitled = NewRemoteIssue::default();
    match jira.create_issue(&target(), &untitled) {
        Err(TrackerError::Invalid(m)) => {
            assert!(
                m.contains("You must specify a summary of the issue."),
                "{m}"
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    let created = jira
        .create_issue(&target(), &new)
        .expect("no description, no labels");
    assert_eq!(
        fake.state().issue(PROJECT, 1).unwrap().body,
        None,
        "null, not an empty doc"
    );
    assert_eq!(created.description, "");
}

#[test]
fn update_changes_only_the_given_fields() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 1);
    let jira = open(&fake);

    let patch = RemoteIssuePatch {
        title: Some("Renamed".into()),
        description: Some("Now *with* emphasis".into()),
        labels: Some(vec!["triaged".into()]),
    };
    let updated = jira.update_issue(&target(), "PROJ-1", &patch).unwrap();
    assert_eq!(updated.title, "Renamed");
    assert_eq!(updated.description, "Now *with* emphasis");
    assert_eq!(updated.labels, ["triaged"]);
    {
        let s = fake.state();
        let stored = s.issue(PROJECT, 1).unwrap();
        assert_eq!(stored.title, "Renamed");
        assert_eq!(stored.body_text(), "Now with emphasis");
        assert_eq!(stored.labels, ["triaged"], "labels replaced");
    }

    let relabel = RemoteIssuePatch {
        labels: Some(vec![]),
        description: Some(String::new()),
        ..Default::default()
    };
    let cleared = jira.update_issue(&target(), "PROJ-1", &relabel).unwrap();
    assert_eq!(cleared.title, "Renamed", "title untouched");
    assert!(cleared.labels.is_empty());
    assert_eq!(
        fake.state().issue(PROJECT, 1).unwrap().body,
        None,
        "description cleared"
    );

    fake.clear_requests();
    jira.update_issue(&target(), "PROJ-1", &RemoteIssuePatch::default())
        .unwrap();
    assert_eq!(fake.count("PUT", "/rest/api/3/issue"), 0, "nothing to send");
    assert_eq!(fake.requests().len(), 1, "just the read");
}

#[test]
fn close_and_reopen_take_the_default_transitions() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 1);
    let jira = open(&fake);

    let closed = jira
        .set_status(&target(), "PROJ-1", IssueStatus::Closed)
        .unwrap();
    assert_eq!(closed.status, IssueStatus::Closed);
    assert_eq!(closed.provider_status, "Done");
    assert!(closed.closed_at.is_some(), "resolutiondate");
    assert_eq!(
        fake.state().issue(PROJECT, 1).unwrap().transitions,
        ["Done"]
    );

    fake.clear_requests();
    let again = jira
        .set_status(&target(), "PROJ-1", IssueStatus::Closed)
        .unwrap();
    assert_eq!(again.status, IssueStatus::Closed);
    assert_eq!(
        fake.requests().len(),
        1,
        "already closed: one read, no transition"
    );

    let reopened = jira
        .set_status(&target(), "PROJ-1", IssueStatus::Open)
        .unwrap();
    assert_eq!(reopened.status, IssueStatus::Open);
    assert_eq!(reopened.provider_status, "To Do");
    assert_eq!(reopened.closed_at, None);
    assert_eq!(
        fake.state().issue(PROJECT, 1).unwrap().transitions,
        ["Done", "Reopen Issue"]
    );
}

#[test]
fn start_progress_takes_the_in_progress_transition() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 1);
    let jira = open(&fake);
    let moved = jira
        .start_progress(&target(), "PROJ-1")
        .unwrap()
        .expect("Jira offers Start Progress from To Do");
    assert_eq!(moved.provider_status, "In Progress");
    assert_eq!(moved.status, IssueStatus::Open, "in progress is still open");
    assert_eq!(
        fake.state().issue(PROJECT, 1).unwrap().transitions,
        ["Start Progress"]
    );
}

#[test]
fn configured_transition_names_are_tried_in_order() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 1);
    fake.state()
        .workflow
        .push(FakeTransition::new("51", "Ship It", "Done", &[]));
    let mut c = connection(&fake, TOKEN, Some("alice@example.com"));
    c.jira_close_transitions = vec!["Nope".into(), "ship it".into(), "Done".into()];
    c.jira_reopen_transitions = vec!["Nope".into()];
    let jira = Jira::open(&c, Duration::from_secs(10)).unwrap();

    jira.set_status(&target(), "PROJ-1", IssueStatus::Closed)
        .unwrap();
    // No configured reopen name matches: the transition into the `new` category is used.
    jira.set_status(&target(), "PROJ-1", IssueStatus::Open)
        .unwrap();

    assert_eq!(
        fake.state().issue(PROJECT, 1).unwrap().transitions,
        ["Ship It", "Reopen Issue"]
    );
}

#[test]
fn no_usable_transition_is_invalid_and_lists_the_offered_ones() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 1);
    fake.state().workflow.retain(|t| t.name != "Done");
    let jira = open(&fake);

    match jira.set_status(&target(), "PROJ-1", IssueStatus::Closed) {
        Err(TrackerError::Invalid(m)) => {
            assert!(m.contains("close PROJ-1"), "{m}");
            assert!(m.contains("available: Start Progress"), "{m}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(
        fake.count("POST", "/rest/api/3/issue/PROJ-1/transitions"),
        0
    );
    assert_eq!(fake.state().issue(PROJECT, 1).unwrap().state, "To Do");
}

#[test]
fn assign_and_unassign() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 1);
    let jira = open(&fake);

    let assigned = jira.assign(&target(), "PROJ-1", Some("bob")).unwrap();
    assert_eq!(assigned.assignee.as_deref(), Some("bob"));
    assert_eq!(
        fake.state().issue(PROJECT, 1).unwrap().assignee.as_deref(),
        Some("bob")
    );

    let unassigned = jira.assign(&target(), "PROJ-1", None).unwrap();
    assert_eq!(unassigned.assignee, None);
    assert_eq!(fake.state().issue(PROJECT, 1).unwrap().assignee, None);
    assert_eq!(fake.count("PUT", "/rest/api/3/issue/PROJ-1/assignee"), 2);
}

#[test]
fn comments_are_written_as_adf_and_edited() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 1);
    let jira = open(&fake);

    let added = jira
        .add_comment(&target(), "PROJ-1", "**Done** in `abc123`")
        .unwrap();
    assert_eq!(added.body, "**Done** in `abc123`");
    assert_eq!(added.author, LOGIN);
    {
        let s = fake.state();
        let stored = &s.issue(PROJECT, 1).unwrap().comments[0];
        assert_eq!(stored.body["type"], "doc", "ADF in the fake");
        assert_eq!(
            stored.body["content"][0]["content"][0]["marks"][0]["type"],
            "strong"
        );
        assert_eq!(stored.author, LOGIN);
    }

    let edited = jira
        .edit_comment(&target(), "PROJ-1", &added.remote_id, "Reverted")
        .unwrap();
    assert_eq!(edited.remote_id, added.remote_id);
    assert_eq!(edited.body, "Reverted");
    assert!(edited.updated_at > added.updated_at);
    assert_eq!(
        fake.state().issue(PROJECT, 1).unwrap().comments[0].body_text(),
        "Reverted"
    );
    assert_eq!(jira.get_issue(&target(), "PROJ-1").unwrap().comments, 1);

    assert!(matches!(
        jira.add_comment(&target(), "PROJ-1", "  "),
        Err(TrackerError::Invalid(_))
    ));
    assert!(matches!(
        jira.edit_comment(&target(), "PROJ-1", "999999", "x"),
        Err(TrackerError::NotFound(_))
    ));
}

#[test]
fn comments_are_read_across_pages_oldest_first() {
    let fake = fake();
    fake.state().seed_issues(PROJECT, 1);
    for i in 1..=120 {
        let author = if i % 2 == 0 { "bob" } else { "carol" };
        fake.state()
            .add_comment(PROJECT, 1, author, &format!("Comment {i}"));
    }
    let jira = open(&fake);

    let comments = jira.comments(&target(), "PROJ-1").unwrap();

    assert_eq!(comments.len(), 120);
    let bodies: Vec<String> = comments.iter().map(|c| c.body.clone()).collect();
    let want: Vec<String> = (1..=120).map(|i| format!("Comment {i}")).collect();
    assert_eq!(bodies, want);
    assert_eq!(comments[1].author, "bob");
    let pages = fake.requests();
    assert_eq!(pages.len(), 2, "100, then 20");
    assert_eq!(pages[0].param("startAt").as_deref(), Some("0"));
    assert_eq!(pages[1].param("startAt").as_deref(), Some("100"));
    assert_eq!(pages[0].param("maxResults").as_deref(), Some("100"));
    assert_eq!(pages[0].param("orderBy").as_deref(), Some("created"));
}
