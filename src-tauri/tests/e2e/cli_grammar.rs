//! The seed system's command grammar (issue 16), one table row per form, each run through
//! the real binary against a live server and checked by its effect: free text as an
//! argument or a flag, text after `--`, the issue from `AIOPS_ISSUE_ID`.

use std::path::Path;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, text};
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
pub(crate) fn run(
    server: &ServerProcess,
    args: &[String],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) {
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = server.command(&argv);
    cmd.envs(env.iter().copied());
    let out = crate::common::run(cmd, stdin);
    assert_success(&out, &args.join(" "));
}

pub(crate) fn last_comment(server: &ServerProcess, issue: &str) -> Value {
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
pub(crate) fn ids(rows: &Value) -> Vec<i64> {
    rows.as_array()
        .map(|a| a.iter().filter_map(|r| r["id"].as_i64()).collect())
        .unwrap_or_default()
}

/// How many rows a JSON array holds.
pub(crate) fn ids_len(rows: &Value) -> usize {
    rows.as_array().map_or(0, Vec::len)
}
