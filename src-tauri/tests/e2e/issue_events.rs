//! Every issue write path appends its event once (issue 20): the API on a native issue,
//! a tracker sync (new, changed and closed upstream), a comment pushed to the
//! tracker, and the workflow verbs. Read straight from the event log.

use aiops_fakes::github;

use crate::common::{assert_success, json, sqlite};
use crate::trackers::{id_of, linked};

const REPO: &str = "acme/web";
const TOKEN: &str = "ghp_e2eEventsToken0123456789abcdef012";

/// `(kind, issue id)` of every issue event after event `after`, oldest first.
fn events(db: &std::path::Path, after: i64) -> Vec<(String, i64)> {
    let out = sqlite(
        db,
        &format!(
            "SELECT kind || ' ' || json_extract(payload, '$.issue.id') FROM events
             WHERE kind LIKE 'issue.%' AND id > {after} ORDER BY id"
        ),
    );
    out.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, id) = l.split_once(' ').unwrap();
            (k.to_owned(), id.parse().unwrap())
        })
        .collect()
}

fn last(db: &std::path::Path) -> i64 {
    sqlite(db, "SELECT ifnull(max(id), 0) FROM events")
        .parse()
        .unwrap()
}

fn kinds(v: &[(String, i64)]) -> Vec<&str> {
    v.iter().map(|(k, _)| k.as_str()).collect()
}

#[test]
fn every_issue_write_path_emits_its_event_once() {
    let fake = github::start();
    {
        let mut s = fake.state();
        s.add_token(TOKEN, "aiops-bot");
        s.add_user("octocat");
        s.add_repo(REPO);
        s.seed_issues(REPO, 3);
    }
    let l = linked("github", fake.url(), TOKEN, None, REPO);
    let db = l.server.data_dir.join("aiops.db");

    l.sync();
    assert_eq!(
        kinds(&events(&db, 0)),
        ["issue.created"; 3],
        "one per new issue"
    );
    let gh2 = id_of(&l.issue("#2")).parse::<i64>().unwrap();
    let gh3 = id_of(&l.issue("#3")).parse::<i64>().unwrap();

    let mark = last(&db);
    fake.state().touch(REPO, 2);
    l.sync();
    assert_eq!(
        events(&db, mark),
        [("issue.updated".to_owned(), gh2)],
        "only the changed one"
    );

    let mark = last(&db);
    fake.state().close_issue(REPO, 3);
    l.sync();
    assert_eq!(
        events(&db, mark),
        [("issue.closed".to_owned(), gh3)],
        "closed upstream"
    );

    let mark = last(&db);
    let out = l.cli(&["issues", "comment", &gh2.to_string(), "pushed to GitHub"]);
    assert_success(&out, "issues comment on a GitHub issue");
    assert_eq!(events(&db, mark), [("issue.commented".to_owned(), gh2)]);

    // The API on a native issue.
    let mark = last(&db);
    let native = json(
        &l.server,
        &[
            "issues",
            "create",
            "--project",
            "web",
            "--tenant",
            "acme",
            "--title",
            "Native",
        ],
    );
    let n = id_of(&native);
    for args in [
        vec!["issues", "update", &n, "--title", "Native, renamed"],
        vec!["issues", "comment", &n, "a note"],
        vec!["workflow", "progress", &n, "-m", "half done"],
        vec!["issues", "close", &n],
        vec!["issues", "reopen", &n],
    ] {
        assert_success(&l.cli(&args), &args.join(" "));
    }
    let got = events(&db, mark);
    assert_eq!(
        kinds(&got),
        [
            "issue.created",
            "issue.updated",
            "issue.commented",
            "issue.commented",
            "issue.closed",
            "issue.updated"
        ],
        "{got:?}"
    );
    assert!(got.iter().all(|(_, id)| id.to_string() == n));
}

#[test]
fn deleting_a_native_issue_emits_its_event_and_never_reuses_its_number() {
    let fake = github::start();
    {
        let mut s = fake.state();
        s.add_token(TOKEN, "aiops-bot");
        s.add_repo(REPO);
        s.seed_issues(REPO, 1);
    }
    let l = linked("github", fake.url(), TOKEN, None, REPO);
    let db = l.server.data_dir.join("aiops.db");
    l.sync();
    let native = |title: &str| {
        json(
            &l.server,
            &[
                "issues",
                "create",
                "--project",
                "web",
                "--tenant",
                "acme",
                "--title",
                title,
                "--provider",
                "native",
            ],
        )
    };
    let first = native("Doomed");
    let n = id_of(&first);
    assert_eq!(first["external_id"], "#1");
    let out = l.cli(&["issues", "comment", &n, "a note that goes too"]);
    assert_success(&out, "issues comment");

    // A member who does not administer the tenant may not.
    let member = crate::trackers::Member::create(&l.server, "m@example.com");
    let out = member
        .command(&l.server, &["issues", "delete", &n])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        crate::common::text(&out.stderr).contains("delete issues"),
        "{}",
        crate::common::text(&out.stderr)
    );

    let mark = last(&db);
    assert_success(&l.cli(&["issues", "delete", &n]), "issues delete");
    assert_eq!(
        events(&db, mark),
        [("issue.deleted".to_owned(), n.parse().unwrap())]
    );
    let gone = l.cli(&["issues", "get", &n]);
    assert!(!gone.status.success(), "the issue is gone");
    assert_eq!(
        sqlite(
            &db,
            &format!("SELECT count(*) FROM issue_comments WHERE issue_id = {n}")
        ),
        "0",
        "its comments went with it"
    );
    assert_eq!(
        native("Next")["external_id"],
        "#2",
        "a deleted issue's number is not given again"
    );

    // A GitHub issue is GitHub's to delete.
    let gh1 = id_of(&l.issue("#1"));
    let out = l.cli(&["issues", "delete", &gh1]);
    assert!(!out.status.success());
    assert!(
        crate::common::text(&out.stderr).contains("lives at github: delete it there"),
        "{}",
        crate::common::text(&out.stderr)
    );
}
