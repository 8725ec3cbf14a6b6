//! Shipping an issue end to end against the fake GitHub and GitLab: an agent's work is
//! submitted (commit + comment on the tracker issue), pushed, opened as a pull / merge
//! request whose body links the issue, merged with each method (the fakes record the
//! bodies they received) with the branch deleted, and the issue completed (comment +
//! closed at the tracker).

use serde_json::{Value, json};

use crate::sessions::seeded_repo;
use crate::trackers::{Linked, id_of, linked};

/// What each fake has to offer the shared flow.
struct Host<'a> {
    /// Declares a branch the fake then knows (the fake models no commits).
    add_branch: &'a dyn Fn(&str),
    has_branch: &'a dyn Fn(&str) -> bool,
    /// The body (GitHub) / description (GitLab) the fake received for `number`.
    created_body: &'a dyn Fn(u64) -> String,
    /// (number, method) of every merge the fake performed, in order.
    merges: &'a dyn Fn() -> Vec<(u64, String)>,
    /// Comment bodies on the tracker issue #1, oldest first.
    comments: &'a dyn Fn() -> Vec<String>,
    issue_closed: &'a dyn Fn() -> bool,
}

fn git_pr(l: &Linked, args: &[&str]) -> Value {
    l.json(&[&["git"][..], args].concat())
}

/// The whole flow on a project linked to a code host whose issue `#1` exists.
fn ship(l: &Linked, host: &Host<'_>) {
    let (_repo_dir, bare) = seeded_repo();
    l.json(&[
        "projects",
        "update",
        &l.project,
        "--repo-url",
        bare.to_str().unwrap(),
    ]);
    l.sync();
    let issue = id_of(&l.issue("#1"));
    let s = l.json(&["issues", "work", &issue, "--tool", "shell"]);
    let sid = id_of(&s);
    let branch = s["branch"].as_str().unwrap().to_owned();
    let wt = std::path::PathBuf::from(s["worktree_path"].as_str().unwrap());
    std::fs::write(wt.join("fix.txt"), "fixed\n").unwrap();

    let submitted = l.json(&[
        "workflow", "submit", &issue, "-m", "Fix it", "--files", "fix.txt",
    ]);
    let sha = submitted["commit"]["head"].as_str().unwrap().to_owned();
    let at = ["web", "--tenant", "acme"];
    git_pr(l, &[&["push"][..], &at, &["--session", &sid]].concat());
    (host.add_branch)(&branch);

    let pr = git_pr(
        l,
        &[
            &["pr-create"][..],
            &at,
            &[
                "--title",
                "Fix it",
                "--source",
                &branch,
                "--issue",
                &issue,
                "--description",
                "The fix.",
            ],
        ]
        .concat(),
    );
    let first = pr["number"].as_u64().unwrap();
    assert_eq!(
        (pr["state"].as_str(), pr["target"].as_str()),
        (Some("open"), Some("main")),
        "{pr}"
    );
    assert_eq!(
        (host.created_body)(first),
        "The fix.\n\nCloses #1",
        "the issue is linked"
    );
    // The inbox row: the issue's live session and the pull request opened for it.
    let row = l.json(&["issues", "get", &issue]);
    assert_eq!(
        (&row["live_session"]["tool"], &row["live_session"]["state"]),
        (&json!("shell"), &json!("running")),
        "{row}"
    );
    assert_eq!(
        (
            &row["pull_request"]["number"],
            &row["pull_request"]["state"]
        ),
        (&json!(first), &json!("open")),
        "{row}"
    );

    // Two more, to merge with each method.
    let mut numbers = vec![first];
    for b in ["feature/squash", "feature/rebase"] {
        (host.add_branch)(b);
        let pr = git_pr(
            l,
            &[&["pr-create"][..], &at, &["--title", b, "--source", b]].concat(),
        );
        numbers.push(pr["number"].as_u64().unwrap());
    }
    let listed = l.json(&["prs", "list", "web", "--tenant", "acme"]);
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");
    assert!(
        listed[0].get("mergeable").is_none(),
        "lists do not say: {listed}"
    );
    let one = l.json(&["prs", "get", "web", "--tenant", "acme", &first.to_string()]);
    assert_eq!(
        (&one["state"], &one["mergeable"]),
        (&json!("open"), &json!(true)),
        "a single one says whether it merges: {one}"
    );
    // The project's merge method applies without --method: the last one is a rebase.
    let p = l.json(&["projects", "get", &l.project]);
    assert_eq!(p["merge_method"], "merge", "the default: {p}");
    let p = l.json(&["projects", "update", &l.project, "--merge-method", "rebase"]);
    assert_eq!(p["merge_method"], "rebase", "{p}");
    for (n, method) in numbers.iter().zip(["merge", "squash", "rebase"]) {
        let n = n.to_string();
        let how: &[&str] = match method {
            "rebase" => &[],
            m => &["--method", m],
        };
        let merged = git_pr(
            l,
            &[&["pr-merge"][..], &at, &[&n], how, &["--delete-branch"]].concat(),
        );
        assert_eq!(merged["state"], "merged", "{merged}");
    }
    let merges = (host.merges)();
    let want: Vec<(u64, String)> = numbers
        .iter()
        .zip(["merge", "squash", "rebase"])
        .map(|(n, m)| (*n, m.to_owned()))
        .collect();
    assert_eq!(merges, want);
    let row = l.json(&["issues", "get", &issue]);
    assert_eq!(
        row["pull_request"]["state"], "merged",
        "merged through aiops: {row}"
    );
    assert!(!(host.has_branch)(&branch) && !(host.has_branch)("feature/squash"));
    let again = l.cli(
        &[
            &["git", "pr-merge"][..],
            &at,
            &[&first.to_string(), "--method", "merge"],
        ]
        .concat(),
    );
    assert!(
        !again.status.success(),
        "a merged pull request is not merged twice"
    );
    assert!(
        crate::common::text(&again.stderr).starts_with("error: invalid_input"),
        "{}",
        crate::common::text(&again.stderr)
    );

    l.json(&[
        "workflow",
        "complete",
        &issue,
        "-m",
        "Shipped in the first pull request",
    ]);
    let comments = (host.comments)();
    let submit_line = format!("**Submitted** `{}` on `{branch}`: Fix it", &sha[..7]);
    assert!(comments.contains(&submit_line), "{comments:?}");
    assert_eq!(
        comments.last().map(String::as_str),
        Some("**Completed:** Shipped in the first pull request")
    );
    assert!((host.issue_closed)(), "complete closes the tracker issue");
    crate::common::assert_success(&l.cli(&["sessions", "kill", &sid]), "sessions kill");
    let row = l.json(&["issues", "get", &issue]);
    assert!(row["live_session"].is_null(), "no live session: {row}");
}

#[test]
fn github_pull_requests_link_the_issue_merge_each_way_and_delete_the_branch() {
    use aiops_fakes::github;
    const TOKEN: &str = "ghp_e2ePullRequests0123456789abcdef";
    let fake = github::start();
    {
        let mut s = fake.state();
        s.add_token(TOKEN, "aiops-bot");
        s.add_repo("acme/web");
        s.seed_issues("acme/web", 1);
    }
    let l = linked("github", fake.url(), TOKEN, None, "acme/web");
    ship(
        &l,
        &Host {
            add_branch: &|b| fake.state().add_branch("acme/web", b),
            has_branch: &|b| fake.state().has_branch("acme/web", b),
            created_body: &|n| {
                let s = fake.state();
                s.pull("acme/web", n).unwrap().request.as_ref().unwrap()["body"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            },
            merges: &|| {
                let s = fake.state();
                s.merges()
                    .iter()
                    .map(|m| (m.number, m.method.clone()))
                    .collect()
            },
            comments: &|| {
                let s = fake.state();
                s.issue("acme/web", 1)
                    .unwrap()
                    .comments
                    .iter()
                    .map(|c| c.body.clone())
                    .collect()
            },
            issue_closed: &|| fake.state().issue("acme/web", 1).unwrap().state == "closed",
        },
    );
}

#[test]
fn gitlab_merge_requests_link_the_issue_merge_each_way_and_delete_the_branch() {
    use aiops_fakes::gitlab;
    const TOKEN: &str = "glpat-e2e-merge-requests-7Kq";
    let fake = gitlab::start();
    {
        let mut s = fake.state();
        s.add_token(TOKEN, "aiops-bot");
        s.seed_issues("acme/web", 1);
    }
    let l = linked("gitlab", fake.url(), TOKEN, None, "acme/web");
    ship(
        &l,
        &Host {
            add_branch: &|b| fake.state().add_branch("acme/web", b),
            has_branch: &|b| fake.state().has_branch("acme/web", b),
            created_body: &|n| {
                let s = fake.state();
                s.merge_request("acme/web", n)
                    .unwrap()
                    .request
                    .as_ref()
                    .unwrap()["description"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            },
            merges: &|| {
                let s = fake.state();
                let rebased: Vec<u64> = s.rebases.iter().map(|(_, iid)| *iid).collect();
                s.merges
                    .iter()
                    .map(|m| {
                        let method = if m.squash {
                            "squash"
                        } else if rebased.contains(&m.iid) {
                            "rebase"
                        } else {
                            "merge"
                        };
                        (m.iid, method.to_owned())
                    })
                    .collect()
            },
            comments: &|| {
                let s = fake.state();
                s.issue("acme/web", 1)
                    .unwrap()
                    .comments()
                    .iter()
                    .map(|c| c.body.clone())
                    .collect()
            },
            issue_closed: &|| fake.state().issue("acme/web", 1).unwrap().state == "closed",
        },
    );
}
