//! Who may do what with sessions: a session's own key reaches only its session, its issue
//! and (to read) its project's issues;
//! members never see each other's sessions; `--yolo`, unknown or missing tools and the
//! per-user limit are refused with one clear line.

use std::path::Path;

use crate::common::{ServerProcess, assert_success, json, run, text, wait_until};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state};
use crate::trackers::{Member, id_of};

fn probe_agent() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/fixtures/probe-agent.sh")
        .display()
        .to_string()
}

fn issue(server: &ServerProcess, title: &str) -> String {
    id_of(&demo_issue(server, title))
}

/// A failed command: non-zero exit and one `error:` line saying `words`.
fn assert_refused(out: &std::process::Output, words: &str, what: &str) {
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{what}: refused");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "{what}: one line: {stderr:?}"
    );
    assert!(stderr.contains(words), "{what}: says `{words}`: {stderr:?}");
}

#[test]
fn a_session_key_reaches_only_its_session_and_issue() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let agent = probe_agent();
    assert_success(
        &server.cli(&["tools", "set", "probe", "--command", &agent], None),
        "tools set",
    );
    let id = issue(&server, "Probe me");
    issue(&server, "Someone else's issue");
    // Issue id + 2: in another project of the tenant.
    let repo_url = repo.display().to_string();
    let out = server.cli(
        &[
            "projects",
            "create",
            "--name",
            "other",
            "--repo-url",
            &repo_url,
            "--tenant",
            "acme",
        ],
        None,
    );
    assert_success(&out, "projects create other");
    let out = server.cli(
        &[
            "issues",
            "create",
            "--project",
            "acme/other",
            "--title",
            "Elsewhere",
        ],
        None,
    );
    assert_success(&out, "an issue in the other project");
    let s = json(&server, &["issues", "work", &id, "--tool", "probe"]);
    let sid = s["id"].as_i64().unwrap();
    let exited = wait_state(&server, sid, "exited");
    assert_eq!(exited["exit_code"], 0, "{exited}");
    let probe =
        std::fs::read_to_string(Path::new(s["worktree_path"].as_str().unwrap()).join("probe.out"))
            .expect("the probe's results");
    let why =
        std::fs::read_to_string(Path::new(s["worktree_path"].as_str().unwrap()).join("probe.log"))
            .unwrap_or_default();
    let lines: Vec<&str> = probe.lines().collect();
    assert_eq!(
        lines,
        [
            "comment ok",
            "get-issue ok",
            "project-issue ok",
            "list-issues ok",
            "other-project-issue refused",
            "close-project-issue refused",
            "kill-own-session refused",
            "report-waiting ok",
            "list-users refused",
            "done",
        ],
        "the session key's reach; the refusals said:\n{why}"
    );
    let comments = json(&server, &["issues", "view", &id]);
    assert!(
        comments.to_string().contains("progress from the agent"),
        "the agent's comment is on the issue: {comments}"
    );
}

#[test]
fn members_see_only_their_sessions_and_bad_starts_are_refused() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start_with(true, &[("AIOPS_MAX_SESSIONS_PER_USER", "2")]);
    project_on(&server, &repo);
    let mona = Member::create(&server, "mona@example.com");
    let as_mona = |args: &[&str]| run(mona.command(&server, args), None);

    let first = issue(&server, "First");
    let mine = json(&server, &["issues", "work", &first, "--tool", "shell"]);
    let admin_session = mine["id"].as_i64().unwrap().to_string();
    wait_state(&server, mine["id"].as_i64().unwrap(), "running");

    let out = as_mona(&["sessions", "get", &admin_session]);
    assert_refused(&out, "not found", "a member asks for the admin's session");
    let out = as_mona(&["sessions", "list", "--all-users"]);
    assert_refused(&out, "only admins", "a member lists every user's sessions");
    let out = as_mona(&["sessions", "kill", &admin_session]);
    assert_refused(&out, "not found", "a member kills the admin's session");
    let out = as_mona(&["-o", "json", "sessions", "list"]);
    assert_success(&out, "mona lists her sessions");
    assert_eq!(
        text(&out.stdout).trim(),
        "[]",
        "none of them are the admin's"
    );

    let second = issue(&server, "Second");
    let out = server.cli(&["issues", "work", &second, "--tool", "nosuch"], None);
    assert_refused(&out, "no tool `nosuch`", "an unknown tool");
    let out = server.cli(
        &[
            "tools",
            "set",
            "ghost",
            "--command",
            "aiops-no-such-program",
        ],
        None,
    );
    assert_success(&out, "tools set ghost");
    let out = server.cli(&["issues", "work", &second, "--tool", "ghost"], None);
    assert_refused(
        &out,
        "`aiops-no-such-program` is not installed",
        "a missing program",
    );
    let out = server.cli(
        &["issues", "work", &second, "--tool", "claude", "--yolo"],
        None,
    );
    assert_refused(
        &out,
        "--yolo is not allowed",
        "yolo without the admin's consent",
    );

    let two = json(&server, &["issues", "work", &second, "--tool", "shell"]);
    let third = issue(&server, "Third");
    let out = server.cli(&["issues", "work", &third, "--tool", "shell"], None);
    assert_refused(&out, "the limit is 2", "a third live session");
    // Working on the same issue with the same tool reuses the live session.
    let again = json(&server, &["issues", "work", &second, "--tool", "shell"]);
    assert_eq!(again["id"], two["id"], "reused, not a new session");

    // Killing one frees a place.
    let out = server.cli(&["sessions", "kill", &admin_session], None);
    assert_success(&out, "sessions kill");
    let killed = json(&server, &["sessions", "get", &admin_session]);
    assert_eq!(killed["state"], "killed");
    let dir = server.data_dir.join("sessions").join(&admin_session);
    assert!(
        dir.join("transcript.log").exists(),
        "the transcript stays for `sessions logs`"
    );
    assert!(
        !dir.join("hook.json").exists(),
        "the session key's file went with the session"
    );
    let gone = wait_until(std::time::Duration::from_secs(10), || {
        let target = killed["tmux_target"].as_str().unwrap();
        !crate::sessions::tmux(&server, &["has-session", "-t", target])
            .status
            .success()
    });
    assert!(gone, "the tmux session is gone");
    json(&server, &["issues", "work", &third, "--tool", "shell"]);

    // An admin may start a session as a member; a member may not as anyone else.
    let fourth = issue(&server, "Fourth");
    let for_mona = json(
        &server,
        &[
            "issues",
            "work",
            &fourth,
            "--tool",
            "shell",
            "--user",
            "mona@example.com",
        ],
    );
    assert_eq!(for_mona["user"], "mona@example.com", "{for_mona}");
    let out = as_mona(&["sessions", "get", &for_mona["id"].to_string()]);
    assert_success(&out, "mona sees the session started for her");
    let out = as_mona(&[
        "issues",
        "work",
        &fourth,
        "--tool",
        "shell",
        "--user",
        "admin@example.com",
    ]);
    assert_refused(
        &out,
        "only admins may start a session as another user",
        "a member as the admin",
    );
}

#[test]
fn tool_credentials_reach_only_their_owners_sessions_and_never_the_transcript() {
    const MONA_KEY: &str = "sk-ant-api03-monaMonaMona0123456789abcdefghij";
    const ADMIN_KEY: &str = "sk-ant-api03-adminAdmin0123456789abcdefghijk";
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let agent = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/fixtures/env-agent.sh")
        .display()
        .to_string();
    // A tool of kind claude (whatever its name and program) gets the Anthropic credentials.
    let out = server.cli(
        &[
            "tools",
            "set",
            "envprobe",
            "--command",
            &agent,
            "--kind",
            "claude",
        ],
        None,
    );
    assert_success(&out, "tools set envprobe");
    let mona = Member::create(&server, "mona@example.com");
    let as_mona = |args: &[&str], stdin: Option<&str>| run(mona.command(&server, args), stdin);
    let out = as_mona(
        &["tools", "credentials", "set", "anthropic_api_key"],
        Some(MONA_KEY),
    );
    assert_success(&out, "mona stores her Anthropic key");
    assert!(!text(&out.stdout).contains(MONA_KEY), "write-only");
    let out = server.cli(
        &["tools", "credentials", "set", "anthropic_api_key"],
        Some(ADMIN_KEY),
    );
    assert_success(&out, "the admin stores theirs");
    let listed = as_mona(&["-o", "json", "tools", "credentials", "list"], None);
    assert_success(&listed, "tools credentials list");
    assert!(
        text(&listed.stdout).contains("anthropic_api_key")
            && !text(&listed.stdout).contains("sk-ant")
    );

    let run_as = |cmd: std::process::Command| -> serde_json::Value {
        crate::common::json_of(cmd, None, "issues work --tool envprobe")
    };
    let mona_issue = issue(&server, "Mona's task");
    let s = run_as(mona.command(
        &server,
        &["issues", "work", &mona_issue, "--tool", "envprobe"],
    ));
    wait_state(&server, s["id"].as_i64().unwrap(), "exited");
    let wt = Path::new(s["worktree_path"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(wt.join("anthropic.out")).unwrap(),
        MONA_KEY,
        "her key reached her session"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("codex.out"))
            .unwrap()
            .trim(),
        "none"
    );

    let admin_issue = issue(&server, "Admin's task");
    let a = json(
        &server,
        &["issues", "work", &admin_issue, "--tool", "envprobe"],
    );
    wait_state(&server, a["id"].as_i64().unwrap(), "exited");
    let wt = Path::new(a["worktree_path"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(wt.join("anthropic.out")).unwrap(),
        ADMIN_KEY,
        "not mona's"
    );

    // Codex gets its auth.json as a 0600 file in her own tool home's ~/.codex.
    const CODEX_AUTH: &str = r#"{"tokens": {"access_token": "codex-secret-for-mona-only"}}"#;
    let out = as_mona(
        &["tools", "credentials", "set", "codex_auth_json"],
        Some(CODEX_AUTH),
    );
    assert_success(&out, "mona stores her Codex auth.json");
    let out = server.cli(
        &[
            "tools",
            "set",
            "codexprobe",
            "--command",
            &agent,
            // The deprecated spelling still works.
            "--hooks",
            "codex",
        ],
        None,
    );
    assert_success(&out, "tools set codexprobe");
    let c = run_as(mona.command(
        &server,
        &["issues", "work", &mona_issue, "--tool", "codexprobe"],
    ));
    wait_state(&server, c["id"].as_i64().unwrap(), "exited");
    let wt = Path::new(c["worktree_path"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(wt.join("codex.out"))
            .unwrap()
            .trim(),
        "600"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("anthropic.out")).unwrap(),
        "",
        "codex gets no Anthropic key"
    );

    let logs = as_mona(&["sessions", "logs", &s["id"].to_string()], None);
    assert_success(&logs, "sessions logs");
    assert!(
        text(&logs.stdout).contains("the key is [REDACTED]"),
        "{}",
        text(&logs.stdout)
    );
    assert!(!text(&logs.stdout).contains(MONA_KEY));
    // Nothing aiops keeps (database, logs, session dirs) holds a key in clear text once
    // the sessions ended; the worktrees hold what the agents chose to write. Codex's
    // login is in mona's own tool home, as Codex keeps it, and nowhere else: not in the
    // admin's tool home, not in the server account's home.
    let workspaces = server.data_dir.join("workspaces");
    let mona_codex = server
        .data_dir
        .join("homes")
        .join(c["user_id"].to_string())
        .join(".codex/auth.json");
    let server_home = server.data_dir.parent().unwrap().join("home");
    std::fs::create_dir_all(&server_home).unwrap();
    let mut found = Vec::new();
    for file in crate::common::files_under(&server.data_dir)
        .into_iter()
        .chain(crate::common::files_under(&server_home))
        .filter(|f| !f.starts_with(&workspaces))
    {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let hay = String::from_utf8_lossy(&bytes);
        assert!(
            !hay.contains(MONA_KEY) && !hay.contains(ADMIN_KEY),
            "{} holds a tool key in clear text",
            file.display()
        );
        if hay.contains("codex-secret") {
            found.push(file);
        }
    }
    assert_eq!(
        found,
        [mona_codex],
        "Codex's login is in her tool home only"
    );
}
