//! Automation through Semaphore, against a fake built from Semaphore's API description:
//! templates, a run with every override (the exact task body checked at the fake),
//! following to success and to failure, the task timeout, stop, the issue comment, and
//! tenant isolation from the attacker's side.

use aiops_fakes::Fake;
use aiops_fakes::semaphore::{SemaphoreState, TemplateScript};
use serde_json::{Value, json};

use crate::common::{ServerProcess, assert_success, json, run, text, wait_until};
use crate::sessions::{project_on, seeded_repo};
use crate::trackers::Member;

const TOKEN: &str = "semaphore-api-token-for-tests";

fn template(id: i64, name: &str, outcome: &'static str) -> TemplateScript {
    TemplateScript {
        id,
        name: name.into(),
        playbook: format!("{name}.yml"),
        allow_override_args: true,
        lines: vec![
            format!("PLAY [{name}] ****"),
            "TASK [ping] ****".into(),
            "ok: [web1]".into(),
        ],
        outcome,
    }
}

/// A server with tenant `acme`, an issue in project `demo`, and target `staging` on a
/// fake Semaphore (project 1: templates 1 deploy (succeeds), 2 broken (fails), 3 slow
/// (never ends)).
fn setup(extra: &[&str]) -> (ServerProcess, Fake<SemaphoreState>, tempfile::TempDir) {
    let fake = aiops_fakes::semaphore::start();
    {
        let mut s = fake.state();
        s.add_project(TOKEN, "ops", 1, "Infrastructure");
        s.add_template(1, template(1, "deploy", "success"));
        s.add_template(1, template(2, "broken", "error"));
        s.add_template(1, template(3, "slow", "hang"));
    }
    let (repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let mut args = vec![
        "automation",
        "targets",
        "create",
        "--tenant",
        "acme",
        "--name",
        "staging",
        "--kind",
        "semaphore",
        "--base-url",
        fake.url(),
        "--project-id",
        "1",
        "--token-stdin",
        "--poll-interval",
        "1",
    ];
    args.extend_from_slice(extra);
    let out = server.cli(&args, Some(&format!("{TOKEN}\n")));
    assert_success(&out, "automation targets create");
    (server, fake, repo_dir)
}

fn run_json(server: &ServerProcess, id: i64) -> Value {
    json(server, &["automation", "runs", "get", &id.to_string()])
}

#[test]
fn a_template_runs_with_every_override_and_its_result_lands_on_the_issue() {
    let (server, fake, _repo) = setup(&[]);
    let t = json(&server, &["automation", "targets", "get", "staging"]);
    assert_eq!(t["has_token"], true);
    assert!(
        !t.to_string().contains(TOKEN),
        "the token never comes back: {t}"
    );
    let templates = json(&server, &["automation", "templates", "staging"]);
    let names: Vec<&str> = templates
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["deploy", "broken", "slow"]);
    let listed = fake.requests();
    let list = listed
        .iter()
        .find(|r| r.path == "/api/project/1/templates")
        .unwrap();
    assert_eq!(list.param("sort").as_deref(), Some("name"));
    assert_eq!(
        list.headers["authorization"].to_str().unwrap(),
        format!("Bearer {TOKEN}")
    );

    let issue = json(
        &server,
        &[
            "issues",
            "create",
            "--project",
            "demo",
            "--tenant",
            "acme",
            "--title",
            "Ship it",
        ],
    );
    let issue_id = issue["id"].to_string();
    let out = server.cli(
        &[
            "automation",
            "run",
            "staging",
            "--template",
            "1",
            "--limit",
            "web1",
            "--tags",
            "deploy,db",
            "--skip-tags",
            "slow",
            "--check",
            "--diff",
            "--extra-vars",
            r#"{"version": "1.2.3"}"#,
            "--issue",
            &issue_id,
            "--follow",
        ],
        None,
    );
    assert_success(&out, "automation run --follow");
    let log = text(&out.stdout);
    for line in [
        "PLAY [deploy]",
        "TASK [ping]",
        "ok: [web1]",
        "Semaphore task 1 queued",
    ] {
        assert!(log.contains(line), "the log shows `{line}`:\n{log}");
    }
    assert!(
        text(&out.stderr).contains("succeeded"),
        "{}",
        text(&out.stderr)
    );
    let body = fake.state().tasks[0].body.clone();
    assert_eq!(
        body,
        json!({
            "template_id": 1, "debug": false, "dry_run": true, "diff": true,
            "message": body["message"], "environment": "{\"version\":\"1.2.3\"}",
            "limit": "web1", "arguments": "[\"--tags\",\"deploy,db\",\"--skip-tags\",\"slow\"]",
        }),
        "the exact task body"
    );
    assert!(body["message"].as_str().unwrap().starts_with("aiops run #"));

    let runs = json(
        &server,
        &["automation", "runs", "list", "--issue", &issue_id],
    );
    let r = &runs.as_array().unwrap()[0];
    assert_eq!(r["state"], "succeeded", "{r}");
    assert_eq!(r["remote_task_id"], 1);
    let view = json(&server, &["issues", "view", &issue_id]);
    let c = view["comments"].as_array().unwrap().last().unwrap()["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        c.contains("succeeded")
            && c.contains("check mode")
            && c.contains(&format!("/automation/runs/{}", r["id"])),
        "the issue says how it went, with a link: {c}"
    );
}

#[test]
fn a_failing_task_reports_its_output_and_exits_non_zero() {
    let (server, _fake, _repo) = setup(&[]);
    let out = server.cli(
        &[
            "automation",
            "run",
            "staging",
            "--template",
            "2",
            "--follow",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("PLAY [broken]"),
        "its output: {}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("Semaphore task 1 failed"),
        "{}",
        text(&out.stderr)
    );
    // A template that does not exist is refused before anything is queued at Semaphore.
    let out = server.cli(
        &[
            "automation",
            "run",
            "staging",
            "--template",
            "99",
            "--follow",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("has no template 99"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_task_past_its_timeout_is_stopped_at_semaphore() {
    let (server, fake, _repo) = setup(&["--task-timeout", "10"]);
    let out = server.cli(
        &[
            "automation",
            "run",
            "staging",
            "--template",
            "3",
            "--follow",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("timed out after 10 s"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        fake.state().tasks[0].stop_force,
        Some(false),
        "stopped there"
    );
}

#[test]
fn a_run_is_stopped_on_request_and_its_log_says_so() {
    let (server, fake, _repo) = setup(&[]);
    let run = json(
        &server,
        &["automation", "run", "staging", "--template", "3"],
    );
    let id = run["id"].as_i64().unwrap();
    assert!(
        run["state"] == "queued" || run["state"] == "running",
        "answered at once, before the task ends: {run}"
    );
    assert!(
        wait_until(std::time::Duration::from_secs(30), || {
            fake.state()
                .tasks
                .first()
                .is_some_and(|t| t.output.len() >= 2)
        }),
        "the task runs at Semaphore"
    );
    let stopped = json(&server, &["automation", "runs", "stop", &id.to_string()]);
    assert_eq!(stopped["id"], id);
    assert!(
        wait_until(std::time::Duration::from_secs(30), || {
            run_json(&server, id)["state"] == "cancelled"
        }),
        "the run ends cancelled: {}",
        run_json(&server, id)
    );
    assert_eq!(fake.state().tasks[0].stop_force, Some(false));
    let out = server.cli(
        &["automation", "runs", "log", &id.to_string(), "--follow"],
        None,
    );
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("asked Semaphore to stop task 1"));
    let out = server.cli(&["automation", "runs", "stop", &id.to_string()], None);
    assert_eq!(out.status.code(), Some(1), "a second stop is a conflict");
    assert!(
        text(&out.stderr).contains("already ended"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn another_tenants_member_can_neither_see_nor_start_runs() {
    let (server, _fake, _repo) = setup(&[]);
    // The target lives in `acme`; mona belongs to `other` only.
    assert_success(
        &server.cli(&["tenants", "create", "--name", "other"], None),
        "tenant",
    );
    let run = json(
        &server,
        &["automation", "run", "staging", "--template", "1"],
    );
    let run_id = run["id"].to_string();
    let target_id = run["target_id"].to_string();
    let mona = Member::create_in(&server, "mona@example.com", "other");
    let as_mona = |args: &[&str]| run_cli(&server, &mona, args);
    for (args, what) in [
        (
            vec!["automation", "targets", "get", &target_id],
            "get the target",
        ),
        (
            vec!["automation", "templates", &target_id],
            "list its templates",
        ),
        (vec!["automation", "runs", "get", &run_id], "read a run"),
        (vec!["automation", "runs", "log", &run_id], "read its log"),
        (vec!["automation", "runs", "stop", &run_id], "stop a run"),
        (
            vec!["automation", "run", &target_id, "--template", "1"],
            "start a run",
        ),
    ] {
        let out = as_mona(&args);
        assert_eq!(
            out.status.code(),
            Some(4),
            "{what}: not found, exit 4: {}",
            text(&out.stderr)
        );
    }
    let out = as_mona(&["-o", "json", "automation", "runs", "list"]);
    assert_success(&out, "mona lists runs");
    assert_eq!(text(&out.stdout).trim(), "[]", "none of acme's");
    let out = as_mona(&["-o", "json", "automation", "targets", "list"]);
    assert_eq!(text(&out.stdout).trim(), "[]", "none of acme's targets");
    // The same through the API, with the key in a header as any client sends it.
    let url = format!("{}/api/v1/automation/runs/{run_id}/log", server.url);
    let status = crate::common::runtime().block_on(async {
        let resp = reqwest::Client::new()
            .get(&url)
            .bearer_auth(&mona.key)
            .send()
            .await
            .unwrap();
        resp.status().as_u16()
    });
    assert_eq!(status, 404);
    // A member of acme who is not its admin may run but not change the target.
    let ann = Member::create(&server, "ann@example.com");
    let out = run_cli(
        &server,
        &ann,
        &["automation", "targets", "delete", &target_id],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("only admins of tenant `acme`"));
}

fn run_cli(server: &ServerProcess, m: &Member, args: &[&str]) -> std::process::Output {
    run(m.command(server, args), None)
}
