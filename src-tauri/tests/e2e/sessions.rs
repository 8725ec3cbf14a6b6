//! `aiops issues work` end to end: real git (a local bare repository), real tmux on the
//! server's own socket, and a stand-in agent script that works through the same paths a
//! real agent does (the context file, git, the hook command).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, run, runtime, text, wait_until};

/// Longest a session may take to reach a state.
const STATE_TIMEOUT: Duration = Duration::from_secs(30);

pub fn standin_agent() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/fixtures/standin-agent.sh")
        .display()
        .to_string()
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Seed")
        .env("GIT_AUTHOR_EMAIL", "seed@example.com")
        .env("GIT_COMMITTER_NAME", "Seed")
        .env("GIT_COMMITTER_EMAIL", "seed@example.com");
    let out = run(cmd, None);
    assert_success(&out, &format!("git {args:?}"));
    text(&out.stdout)
}

/// A bare repository whose `main` has one commit with `README.md` and `AGENTS.md`.
pub fn seeded_repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temp dir for the repo");
    let bare = dir.path().join("demo.git");
    let work = dir.path().join("seed");
    let out = run(
        {
            let mut c = Command::new("git");
            c.args(["init", "--quiet", "--bare", "--initial-branch=main"])
                .arg(&bare);
            c
        },
        None,
    );
    assert_success(&out, "git init --bare");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(work.join("README.md"), "# demo\n").unwrap();
    std::fs::write(work.join("AGENTS.md"), "Repository rule: run the tests.\n").unwrap();
    git(&work, &["add", "README.md", "AGENTS.md"]);
    git(&work, &["commit", "--quiet", "-m", "seed"]);
    git(&work, &["push", "--quiet", bare.to_str().unwrap(), "main"]);
    (dir, bare)
}

/// Tenant `acme`, project `demo` on `repo`, and the stand-in agent as tool `standin`.
pub fn project_on(server: &ServerProcess, repo: &Path) {
    let out = server.cli(&["tenants", "create", "--name", "acme"], None);
    assert_success(&out, "tenants create acme");
    let repo = repo.display().to_string();
    let out = server.cli(
        &[
            "projects",
            "create",
            "--name",
            "demo",
            "--repo-url",
            &repo,
            "--tenant",
            "acme",
        ],
        None,
    );
    assert_success(&out, "projects create demo on a local bare repository");
    let agent = standin_agent();
    let out = server.cli(&["tools", "set", "standin", "--command", &agent], None);
    assert_success(&out, "tools set standin");
}

/// A native issue titled `title` in `acme/demo` (see [`project_on`]).
pub fn demo_issue(server: &ServerProcess, title: &str) -> Value {
    json(
        server,
        &[
            "issues",
            "create",
            "--project",
            "demo",
            "--tenant",
            "acme",
            "--title",
            title,
        ],
    )
}

/// `aiops issues work` on `issue` (as [`demo_issue`] returns it) with `tool`: the session.
pub fn work(server: &ServerProcess, issue: &Value, tool: &str) -> Value {
    json(
        server,
        &["issues", "work", &issue["id"].to_string(), "--tool", tool],
    )
}

pub fn session(server: &ServerProcess, id: i64) -> Value {
    json(server, &["sessions", "get", &id.to_string()])
}

/// Waits until session `id` is in `state`; panics with the last answer otherwise.
pub fn wait_state(server: &ServerProcess, id: i64, state: &str) -> Value {
    let mut last = Value::Null;
    let reached = wait_until(STATE_TIMEOUT, || {
        last = session(server, id);
        last["state"] == state
    });
    assert!(
        reached,
        "session {id} should become {state} within {STATE_TIMEOUT:?}; last: {last}\nserver stderr:\n{}",
        server.stderr()
    );
    last
}

#[test]
fn work_on_a_native_issue_runs_the_agent_in_its_worktree_and_streams_its_states() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    // A title no shell, git or tmux name may see raw.
    let title = "Fix $(touch /tmp/aiops-canary); rm -rf ~ -- --upload-pack=x \u{e9}t\u{e9}";
    let issue = demo_issue(&server, title);
    let issue_id = issue["id"].as_i64().unwrap().to_string();
    let out = server.cli(
        &[
            "issues",
            "comment",
            &issue_id,
            "--body",
            "Please keep the README short.",
        ],
        None,
    );
    assert_success(&out, "issues comment");

    let started = json(&server, &["issues", "work", &issue_id, "--tool", "standin"]);
    let id = started["id"].as_i64().expect("the session's id");
    for key in [
        "id",
        "issue_id",
        "project_id",
        "user",
        "tool",
        "state",
        "exit_code",
        "branch",
        "worktree_path",
        "tmux_target",
        "created_at",
        "updated_at",
    ] {
        assert!(
            started.get(key).is_some(),
            "sessions JSON has `{key}`: {started}"
        );
    }
    let branch = started["branch"].as_str().unwrap().to_owned();
    assert!(
        branch.starts_with("aiops/1-fix-touch-tmp-aiops-canary-rm-rf")
            && branch
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/-".contains(c)),
        "the branch is derived safely from the title: {branch}"
    );
    let tmux = started["tmux_target"].as_str().unwrap();
    assert!(
        tmux.starts_with(&format!("=aiops-{id}-"))
            && tmux[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)),
        "the tmux name is generated from a small alphabet: {tmux}"
    );
    let worktree = PathBuf::from(started["worktree_path"].as_str().unwrap());
    assert!(
        worktree.starts_with(server.data_dir.join("workspaces")),
        "the worktree lives under the data dir's workspaces: {}",
        worktree.display()
    );

    let context = std::fs::read_to_string(worktree.join("AGENTS.override.md"))
        .expect("the context file in the worktree");
    assert!(
        context.contains("Repository rule: run the tests."),
        "the repo's AGENTS.md is included"
    );
    assert!(
        context.contains("Fix $(touch /tmp/aiops-canary)"),
        "the title is in the block"
    );
    assert!(
        context.contains("Please keep the README short."),
        "comments are in the block"
    );
    assert!(context.contains(&branch), "the branch is in the block");

    let waiting = wait_state(&server, id, "waiting");
    assert_eq!(waiting["detail"], "stand-in agent asks for review");
    let out = server.cli(&["sessions", "send", &id.to_string(), "0"], None);
    assert_success(&out, "sessions send");
    let exited = wait_state(&server, id, "exited");
    assert_eq!(
        exited["exit_code"], 0,
        "the agent's exit status is recorded: {exited}"
    );
    assert!(
        !Path::new("/tmp/aiops-canary").exists(),
        "the title never ran"
    );

    // The agent's commit is on the issue branch; the context file never is.
    let log = git(&worktree, &["log", "--format=%s", "-1", &branch]);
    assert_eq!(log.trim(), "Resolve the issue (stand-in agent)");
    let tracked = git(&worktree, &["ls-files"]);
    assert!(
        !tracked.contains("AGENTS.override.md"),
        "the context file is not committed"
    );
    let status = git(&worktree, &["status", "--porcelain"]);
    assert!(
        status.trim().is_empty(),
        "the context file is excluded, not untracked: {status:?}"
    );

    // The events, replayed from the start, show every state in order.
    let client = server.admin_client();
    let mut states = Vec::new();
    let follow = client.follow_events(Some(0), |e| {
        if e.kind == "session.state" && e.payload["id"] == id {
            states.push(e.payload["state"].as_str().unwrap_or("").to_owned());
        }
        states.last().is_none_or(|s| s != "exited")
    });
    runtime()
        .block_on(async { tokio::time::timeout(STATE_TIMEOUT, follow).await })
        .expect("the event stream delivers the exit")
        .expect("the event stream");
    assert_eq!(states, ["starting", "running", "waiting", "exited"]);

    // The transcript has what the agent printed; the session's key died with it.
    let logs = server.cli(&["sessions", "logs", &id.to_string()], None);
    assert_success(&logs, "sessions logs");
    assert!(
        text(&logs.stdout).contains("stand-in agent: committed on aiops/1-"),
        "the transcript records the pane: {}",
        text(&logs.stdout)
    );
    let live_keys = crate::common::sqlite(
        &server.data_dir.join("aiops.db"),
        &format!("SELECT count(*) FROM api_keys WHERE session_id = {id} AND revoked_at IS NULL"),
    );
    assert_eq!(
        live_keys, "0",
        "the session key is revoked when the session ends"
    );

    // Working on it again, even after a rename, starts a new session in the same worktree.
    let out = server.cli(&["issues", "update", &issue_id, "--title", "Renamed"], None);
    assert_success(&out, "issues update --title");
    let again = json(&server, &["issues", "work", &issue_id, "--tool", "standin"]);
    assert_ne!(again["id"], id);
    assert_eq!(again["worktree_path"], started["worktree_path"]);
    assert_eq!(again["branch"], started["branch"]);
}

/// `tmux -S <data>/tmux.sock ARGS` (the server's own tmux server).
pub fn tmux(server: &ServerProcess, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("tmux");
    cmd.arg("-S")
        .arg(server.data_dir.join("tmux.sock"))
        .args(args);
    run(cmd, None)
}

#[test]
fn sessions_outlive_a_killed_server_and_are_reconciled_at_start() {
    let (_repo_dir, repo) = seeded_repo();
    let mut server = ServerProcess::start();
    project_on(&server, &repo);
    let mut ids = Vec::new();
    for n in 1..=3 {
        let issue = demo_issue(&server, &format!("Task {n}"));
        let issue_id = issue["id"].as_i64().unwrap().to_string();
        let s = json(&server, &["issues", "work", &issue_id, "--tool", "shell"]);
        ids.push(s["id"].as_i64().unwrap());
    }
    let targets: Vec<String> = ids
        .iter()
        .map(|&id| {
            wait_state(&server, id, "running")["tmux_target"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();

    server.kill();
    // While the server is down, the third agent exits with 3: its launcher cannot report
    // that, but records it in the session's directory.
    let pane = format!("{}:", targets[2]);
    assert_success(
        &tmux(&server, &["send-keys", "-t", &pane, "-l", "exit 3"]),
        "type exit 3",
    );
    assert_success(
        &tmux(&server, &["send-keys", "-t", &pane, "Enter"]),
        "press Enter",
    );
    let exit_file = server.data_dir.join(format!("sessions/{}/exit", ids[2]));
    assert!(
        wait_until(STATE_TIMEOUT, || exit_file.exists()),
        "the launcher records the exit status while the server is down"
    );

    server.restart();
    let third = wait_state(&server, ids[2], "exited");
    assert_eq!(
        third["exit_code"], 3,
        "the recorded status is read back: {third}"
    );
    let live = json(&server, &["sessions", "list", "--live"]);
    let live_ids: Vec<i64> = live
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        live_ids,
        [ids[1], ids[0]],
        "the other two are still listed as live"
    );
    for (id, target) in ids.iter().zip(&targets).take(2) {
        assert_eq!(session(&server, *id)["state"], "running");
        assert_success(
            &tmux(&server, &["has-session", "-t", target]),
            "its tmux session is there",
        );
        let attach = json(&server, &["sessions", "get", &id.to_string()]);
        assert_eq!(attach["tmux_target"], target.as_str());
    }
    // And they can be attached through the restarted server: natively (what `aiops
    // sessions attach` runs over ssh or locally) and through the terminal WebSocket.
    runtime().block_on(async {
        let info = server.admin_client().session_attach(ids[0]).await.unwrap();
        let socket = server.data_dir.join("tmux.sock").display().to_string();
        assert_eq!(info.socket, socket, "{info:?}");
        assert_eq!(info.target, targets[0]);
        assert_eq!(info.host, "127.0.0.1");
        assert!(!info.read_only, "the owner may type");
        assert!(
            info.command.first().map(String::as_str) == Some("tmux")
                && info.command.contains(&"attach-session".to_owned())
                && info.command.last() == Some(&targets[0]),
            "{:?}",
            info.command
        );
        let mut t = crate::terminal::Term::open(&server, ids[0], &server.admin_key, "")
            .await
            .expect("the terminal of a session that outlived the server");
        t.type_text("echo still-$((20+1))\r").await;
        t.wait_for(0, "still-21").await;
    });
}

#[test]
fn work_on_a_github_issue_claims_it_and_writes_its_context() {
    use aiops_fakes::github;
    const TOKEN: &str = "ghp_e2eSessionsToken0123456789abcdef";
    let fake = github::start();
    {
        let mut s = fake.state();
        s.add_token(TOKEN, "aiops-bot");
        s.add_user("octocat");
        s.seed_issues("acme/web", 2);
        s.add_comment("acme/web", 2, "octocat", "Repro: open the page twice.");
    }
    let l = crate::trackers::linked("github", fake.url(), TOKEN, None, "acme/web");
    let (_repo_dir, repo) = seeded_repo();
    let repo = repo.display().to_string();
    assert_success(
        &l.cli(&["projects", "update", &l.project, "--repo-url", &repo]),
        "point the project at the local repository",
    );
    let agent = standin_agent();
    assert_success(
        &l.cli(&["tools", "set", "standin", "--command", &agent]),
        "tools set",
    );
    // The admin's GitHub login, so claiming can assign the issue to them upstream.
    let out = l.server.cli(
        &["credentials", "set", &l.integration, "--login", "octocat"],
        None,
    );
    assert_success(&out, "credentials set --login");
    l.sync();
    let issue = crate::trackers::id_of(&l.issue("#2"));

    let out = l.cli(&["issues", "work", &issue, "--tool", "standin", "-o", "json"]);
    assert_success(&out, "issues work on a GitHub issue");
    assert!(
        text(&out.stderr).contains("assigned to octocat"),
        "the claim is reported: {}",
        text(&out.stderr)
    );
    assert_eq!(
        fake.state().issue("acme/web", 2).unwrap().assignees,
        ["octocat"],
        "claimed at GitHub"
    );
    let started: Value = serde_json::from_slice(&out.stdout).expect("the session as JSON");
    let id = started["id"].as_i64().unwrap();
    assert_eq!(started["branch"], "aiops/2-issue-2");
    let worktree = PathBuf::from(started["worktree_path"].as_str().unwrap());
    let context = std::fs::read_to_string(worktree.join("AGENTS.override.md")).unwrap();
    assert!(context.contains("# Issue #2: Issue 2"), "{context}");
    assert!(context.contains("- provider: github"), "{context}");
    assert!(context.contains("Repro: open the page twice."), "{context}");
    assert!(
        context.contains("- #1 Issue 1"),
        "other open issues are listed: {context}"
    );

    wait_state(&l.server, id, "waiting");
    assert_success(
        &l.cli(&["sessions", "send", &id.to_string(), "0"]),
        "sessions send",
    );
    let exited = wait_state(&l.server, id, "exited");
    assert_eq!(exited["exit_code"], 0);
    let log = git(&worktree, &["log", "--format=%s", "-1", "aiops/2-issue-2"]);
    assert_eq!(log.trim(), "Resolve the issue (stand-in agent)");
}

#[test]
fn a_launcher_killed_outright_is_reported_by_tmux_pane_died() {
    let (_repo_dir, repo) = seeded_repo();
    // The periodic reconcile would also find the dead pane; keep it out of the race, so
    // only the hook can report (CI saw the 30 s tick win on a loaded machine).
    let server = ServerProcess::start_with(true, &[("AIOPS_SCHEDULER_TICK_SECS", "3600")]);
    project_on(&server, &repo);
    let issue = demo_issue(&server, "Crash");
    let s = work(&server, &issue, "shell");
    let id = s["id"].as_i64().unwrap();
    let target = wait_state(&server, id, "running")["tmux_target"]
        .as_str()
        .unwrap()
        .to_owned();
    // The pane's process is the launcher (`aiops sessions run`); SIGKILL gives it no
    // chance to record or report anything.
    let pid = text(&tmux(&server, &["list-panes", "-t", &target, "-F", "#{pane_pid}"]).stdout)
        .trim()
        .to_owned();
    let mut kill = Command::new("kill");
    kill.args(["-KILL", &pid]);
    assert_success(&run(kill, None), "kill -KILL the launcher");
    let failed = wait_state(&server, id, "failed");
    let hook_err = std::fs::read_to_string(
        server
            .data_dir
            .join("sessions")
            .join(id.to_string())
            .join("hook.err"),
    );
    assert_eq!(
        failed["detail"],
        "the launcher died without an exit status (tmux pane-died)",
        "reported by the hook, not by the periodic reconcile: {failed}\nthe hook's error: {hook_err:?}\nserver stderr:\n{}",
        server.stderr()
    );
}
