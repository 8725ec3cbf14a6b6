//! The session sandbox from the attacker's side (issue 14): a member's session runs a
//! hostile script that tries to reach what no agent may — the data dir, another user's
//! session, worktree and base clone, the tmux socket, the server account's home, another
//! pane's processes, the git config aiops itself obeys — and must still do an agent's
//! work. The same script without the sandbox (an admin's audited `--no-sandbox`) reaches
//! it all, which proves the sandbox is what stops it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, run, sqlite, text};
use crate::sessions::{demo_issue, project_on, seeded_repo, tmux, wait_state};
use crate::trackers::{Member, id_of};

/// Whether bubblewrap works here (the test environment installs it; a machine without
/// user namespaces cannot run this test at all, and says so).
fn sandbox_works() -> bool {
    aiops_exec::sandbox::mechanism().is_some()
}

/// What hostile-agent.sh recorded: probe name → `got` or `denied`.
fn probes(worktree: &Path) -> BTreeMap<String, String> {
    let out = std::fs::read_to_string(worktree.join("probe.out")).expect("probe.out");
    assert!(out.ends_with("done\n"), "the script ran to its end: {out}");
    out.lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// What the script may not reach: every probe of it that reads or writes outside.
const READS: &[&str] = &[
    "secret_key",
    "database",
    "list_sessions",
    "other_hook",
    "tmux_socket",
    "other_worktree",
    "other_base",
    "real_ssh",
    "abstract_socket",
];

/// Each of `names` in `got` is `want` ("got" or "denied"), else a failure saying `why`.
fn assert_probes(got: &BTreeMap<String, String>, names: &[&str], want: &str, why: &str) {
    for probe in names {
        assert_eq!(
            got.get(*probe).map(String::as_str),
            Some(want),
            "{why}: `{probe}` {want}: {got:?}"
        );
    }
}

struct Scene {
    server: ServerProcess,
    _repo: tempfile::TempDir,
    mona: Member,
    /// The admin's live shell session: another user's session, worktree and process.
    other: Value,
    real_home: PathBuf,
    /// An abstract Unix socket listening outside, as an X11 display's does.
    _abstract: std::os::unix::net::UnixListener,
}

/// A server, project `acme/demo`, member mona, the admin's live `shell` session, a key
/// in the server account's `~/.ssh`, and the tool `hostile` pointed at all of it.
fn scene() -> Scene {
    scene_with(&[])
}

/// [`scene`] with extra `aiops serve` environment.
fn scene_with(env: &[(&str, &str)]) -> Scene {
    let (repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start_with(true, env);
    project_on(&server, &repo);
    let mona = Member::create(&server, "mona@example.com");
    let other_issue = id_of(&demo_issue(&server, "The admin's own work"));
    let other = json(
        &server,
        &["issues", "work", &other_issue, "--tool", "shell"],
    );
    let other = wait_state(&server, other["id"].as_i64().unwrap(), "running");
    let pid = tmux(
        &server,
        &[
            "display-message",
            "-p",
            "-t",
            other["tmux_target"].as_str().unwrap(),
            "#{pane_pid}",
        ],
    );
    assert_success(&pid, "the other pane's pid");
    let real_home = server.data_dir.parent().unwrap().join("home");
    std::fs::create_dir_all(real_home.join(".ssh")).unwrap();
    std::fs::write(real_home.join(".ssh/id_ed25519"), "PRIVATE KEY\n").unwrap();
    let other_wt = PathBuf::from(other["worktree_path"].as_str().unwrap());
    let other_base = other_wt.parent().unwrap().parent().unwrap().join("repo");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/fixtures/hostile-agent.sh")
        .display()
        .to_string();
    let env = [
        ("PROBE_DATA", server.data_dir.clone()),
        ("PROBE_OTHER_WT", other_wt),
        ("PROBE_OTHER_BASE", other_base),
        ("PROBE_REAL_HOME", real_home.clone()),
    ]
    .map(|(k, v)| format!("{k}={}", v.display()));
    let mut args = vec!["tools", "set", "hostile", "--command", &script];
    let name = format!("aiops-sandbox-probe-{}-{}", std::process::id(), other["id"]);
    let addr =
        <std::os::unix::net::SocketAddr as std::os::linux::net::SocketAddrExt>::from_abstract_name(
            &name,
        )
        .unwrap();
    let listener = std::os::unix::net::UnixListener::bind_addr(&addr).expect("an abstract socket");
    let abstract_name = format!("PROBE_ABSTRACT={name}");
    let other_session = format!("PROBE_OTHER_SESSION={}", other["id"]);
    let other_pid = format!("PROBE_OTHER_PID={}", text(&pid.stdout).trim());
    for kv in env
        .iter()
        .chain([&other_session, &other_pid, &abstract_name])
    {
        args.extend(["--env", kv]);
    }
    assert_success(&server.cli(&args, None), "tools set hostile");
    Scene {
        server,
        _repo: repo_dir,
        mona,
        other,
        real_home,
        _abstract: listener,
    }
}

/// Starts `hostile` on a new issue with `extra` arguments (as mona, else as the admin),
/// waits for it to exit, and returns the session and what it recorded.
fn run_hostile(
    s: &Scene,
    title: &str,
    as_mona: bool,
    extra: &[&str],
) -> (Value, BTreeMap<String, String>) {
    let issue = id_of(&demo_issue(&s.server, title));
    let args = [&["issues", "work", &issue, "--tool", "hostile"][..], extra].concat();
    let started = if as_mona {
        crate::common::json_of(s.mona.command(&s.server, &args), None, "issues work")
    } else {
        json(&s.server, &args)
    };
    let id = started["id"].as_i64().unwrap();
    let ended = wait_state(&s.server, id, "exited");
    let worktree = PathBuf::from(ended["worktree_path"].as_str().unwrap());
    (ended, probes(&worktree))
}

#[test]
fn a_hostile_session_reaches_nothing_outside_its_worktree_but_does_its_work() {
    if !sandbox_works() {
        panic!("bubblewrap does not work on this machine: scripts/install-deps installs it");
    }
    let s = scene();
    let (session, got) = run_hostile(&s, "Injected", true, &[]);
    assert_eq!(session["sandbox"], "bubblewrap", "{session}");
    assert_probes(&got, READS, "denied", "the sandbox stops it");
    let escapes = ["write_outside", "signal_other", "git_pointer", "git_config"];
    assert_probes(&got, &escapes, "denied", "the sandbox stops it");
    let work = ["edit", "commit", "comment", "http", "home", "nested"];
    assert_probes(&got, &work, "got", "a sandboxed agent can still do it");
    // This test's data dir lives under /tmp, which is private inside the sandbox: the
    // script's write may land in that tmpfs, but never in the real data dir.
    assert!(
        !s.server.data_dir.join("pwned").exists(),
        "write_data reached the data dir: {got:?}"
    );
    assert!(!s.real_home.join("pwned").exists());
    let worktree = PathBuf::from(session["worktree_path"].as_str().unwrap());
    let config = std::fs::read_to_string(
        worktree
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("repo/.git/config"),
    )
    .unwrap();
    assert!(!config.contains("fsmonitor"), "git config untouched");
    let home = s
        .server
        .data_dir
        .join("homes")
        .join(session["user_id"].to_string());
    assert!(
        home.join(".tool-state").is_file() && home.join(".profile").is_file(),
        "the member's tool home is $HOME, seeded on first use"
    );
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&home).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o700, "the tool home is private");
    let issue = session["issue_id"].to_string();
    let comments = s.server.cli(&["issues", "view", &issue], None);
    assert!(
        text(&comments.stdout).contains("comment from the sandbox"),
        "the session key still works from inside: {}",
        text(&comments.stdout)
    );
    let other = crate::sessions::session(&s.server, s.other["id"].as_i64().unwrap());
    assert_eq!(
        other["state"], "running",
        "the other pane was not signalled"
    );

    // aiops's own git in that worktree runs outside the sandbox: what the agent planted
    // (a nested repository whose config names a program) must not run there.
    let id = session["id"].to_string();
    let args = [
        "git",
        "status",
        "demo",
        "--tenant",
        "acme",
        "--session",
        &id,
    ];
    let status = run(s.mona.command(&s.server, &args), None);
    assert_success(&status, "git status of the hostile session's worktree");
    assert!(
        !s.real_home.join("escaped").exists(),
        "aiops's git ran a program the agent's nested repository named"
    );
}

#[test]
fn without_the_sandbox_the_same_script_reaches_it_all_and_only_admins_may_ask() {
    if !sandbox_works() {
        panic!("bubblewrap does not work on this machine: scripts/install-deps installs it");
    }
    let s = scene();
    let issue = id_of(&demo_issue(&s.server, "Please no sandbox"));
    let out = run(
        s.mona.command(
            &s.server,
            &[
                "issues",
                "work",
                &issue,
                "--tool",
                "hostile",
                "--no-sandbox",
            ],
        ),
        None,
    );
    assert!(
        !out.status.success(),
        "a member may not turn the sandbox off"
    );
    assert!(
        text(&out.stderr).contains("only admins may start a session without the sandbox"),
        "{}",
        text(&out.stderr)
    );
    let (session, got) = run_hostile(&s, "Unsandboxed", false, &["--no-sandbox"]);
    assert_eq!(session["sandbox"], "none");
    let why = "unsandboxed it succeeds, so the sandbox is what stops it";
    assert_probes(&got, READS, "got", why);
    let get = s
        .server
        .cli(&["sessions", "get", &session["id"].to_string()], None);
    assert!(
        text(&get.stdout).contains("UNSANDBOXED"),
        "`sessions get` says so: {}",
        text(&get.stdout)
    );
    let audited = sqlite(
        &s.server.data_dir.join("aiops.db"),
        &format!(
            "SELECT count(*) FROM audit_log WHERE action = 'session.start' AND target_id = '{}' \
             AND json_extract(detail, '$.no_sandbox') = 1",
            session["id"]
        ),
    );
    assert_eq!(audited, "1", "the unsandboxed start is in the audit log");
}

#[test]
fn an_admin_moves_a_users_tool_home_and_the_sandbox_follows() {
    if !sandbox_works() {
        panic!("bubblewrap does not work on this machine: scripts/install-deps installs it");
    }
    let s = scene();
    let mona_id = json(&s.server, &["users", "list"])
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "mona@example.com")
        .map(|u| u["id"].to_string())
        .expect("mona in the user list");
    let moved = s.server.data_dir.parent().unwrap().join("mona-tools");
    let moved_text = moved.display().to_string();
    let args = ["users", "update", &mona_id, "--tool-home", &moved_text];
    let out = run(s.mona.command(&s.server, &args), None);
    assert!(
        !out.status.success() && text(&out.stderr).contains("forbidden"),
        "a member may not move tool homes: {}",
        text(&out.stderr)
    );
    let out = s.server.cli(
        &["users", "update", &mona_id, "--tool-home", "relative/x"],
        None,
    );
    assert!(
        !out.status.success() && text(&out.stderr).contains("absolute path"),
        "{}",
        text(&out.stderr)
    );
    let user = json(&s.server, &args);
    assert_eq!(user["tool_home"], moved_text);
    let (_, got) = run_hostile(&s, "In the moved home", true, &[]);
    assert_probes(&got, &["home"], "got", "the moved home is writable");
    assert!(
        moved.join(".tool-state").is_file(),
        "the session's $HOME is the moved tool home"
    );
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&moved).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o700, "created private");
}

#[test]
fn session_sandbox_off_is_said_at_start_and_required_refuses_no_sandbox() {
    let s = scene_with(&[("AIOPS_SESSION_SANDBOX", "off")]);
    assert!(
        s.server
            .stderr()
            .contains("WARNING: session_sandbox = \"off\""),
        "the server says so at start: {}",
        s.server.stderr()
    );
    let (session, got) = run_hostile(&s, "Nobody sandboxed", true, &[]);
    assert_eq!(session["sandbox"], "none");
    assert_probes(
        &got,
        READS,
        "got",
        "session_sandbox = \"off\" sandboxes no one",
    );

    let (_repo, repo) = seeded_repo();
    let strict = ServerProcess::start_with(true, &[("AIOPS_SESSION_SANDBOX", "required")]);
    project_on(&strict, &repo);
    let issue = id_of(&demo_issue(&strict, "Strict"));
    let out = strict.cli(
        &["issues", "work", &issue, "--tool", "shell", "--no-sandbox"],
        None,
    );
    assert!(
        !out.status.success()
            && text(&out.stderr).contains("requires every session to be sandboxed"),
        "`required` refuses even an admin's --no-sandbox: {}",
        text(&out.stderr)
    );
    if sandbox_works() {
        let ok = json(&strict, &["issues", "work", &issue, "--tool", "shell"]);
        assert_eq!(ok["sandbox"], "bubblewrap");
    }
}

#[test]
fn yolo_as_root_outside_the_sandbox_is_refused_with_the_reason() {
    let (_repo, repo) = seeded_repo();
    let server = ServerProcess::start_with(
        true,
        &[
            ("AIOPS_SESSION_SANDBOX", "off"),
            ("AIOPS_ALLOW_YOLO", "true"),
        ],
    );
    project_on(&server, &repo);
    // A yolo-capable tool whose program exists everywhere (the check comes first anyway).
    let out = server.cli(
        &[
            "tools",
            "set",
            "yolo-sh",
            "--command",
            "sh",
            "--yolo-arg=-c",
            "--yolo-arg=exit 0",
        ],
        None,
    );
    crate::common::assert_success(&out, "tools set yolo-sh");
    let issue = id_of(&demo_issue(&server, "Yolo"));
    let out = server.cli(
        &["issues", "work", &issue, "--tool", "yolo-sh", "--yolo"],
        None,
    );
    if aiops_exec::sandbox::runs_as_root() {
        assert!(
            !out.status.success()
                && text(&out.stderr).contains("--yolo as root needs the session sandbox"),
            "a root server refuses yolo without the sandbox, and says why: {}",
            text(&out.stderr)
        );
    } else {
        crate::common::assert_success(&out, "yolo for a server that is not root");
    }
}

#[test]
fn the_same_hostile_session_on_a_session_host_reaches_nothing_either() {
    if !sandbox_works() {
        panic!("bubblewrap does not work on this machine: scripts/install-deps installs it");
    }
    let s = scene();
    let dir = tempfile::tempdir().unwrap();
    let (_sshd, root) = crate::hosts_sessions::add_host(&s.server, dir.path());
    let _tmux = crate::hosts_sessions::HostTmux(root.clone());
    crate::hosts_sessions::pin_demo(&s.server, "build-1");
    let (session, got) = run_hostile(&s, "Injected remotely", true, &[]);
    assert_eq!(session["host"], "build-1", "{session}");
    assert_eq!(session["sandbox"], "bubblewrap", "{session}");
    let worktree = PathBuf::from(session["worktree_path"].as_str().unwrap());
    assert!(
        worktree.starts_with(std::fs::canonicalize(&root).unwrap()),
        "it ran on the host: {}",
        worktree.display()
    );
    // The host's own sandbox: the control plane's data dir, the other user's session,
    // the server account's home — and the host's tmux socket and aiops files.
    assert_probes(&got, READS, "denied", "the host's sandbox stops it");
    let escapes = ["write_outside", "signal_other", "git_pointer", "git_config"];
    assert_probes(&got, &escapes, "denied", "the host's sandbox stops it");
    let work = ["edit", "commit", "comment", "http", "home", "nested"];
    assert_probes(
        &got,
        &work,
        "got",
        "a sandboxed agent on a host can still do it",
    );
    assert!(!s.server.data_dir.join("pwned").exists());
}
