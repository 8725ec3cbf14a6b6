//! Sessions on a session host (issue 23): a real `sshd` on a free loopback port (its own
//! host key), logged into as another Unix user when the tests run as root
//! ([`crate::host_user`]), is the host, with its own root — workspaces, tool homes, the copied aiops
//! binary and its own tmux server (`<root>/tmux.sock`) — apart from the control plane's
//! data dir. A project pinned to it starts its sessions there: the worktree is on the
//! host's root (not in the data dir), the pane is in the host's tmux, the stand-in agent
//! reports `waiting` and its exit through its launcher there, the browser terminal types
//! into it through the server's SSH bridge, `sessions send` types into another, the
//! transcript is read from there, and kill ends it there. A project whose pin
//! matches no usable host refuses new sessions with the reason, or runs them locally.

use std::path::{Path, PathBuf};

use aiops_fakes::sshd::{Sshd, current_user, keygen};
use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, runtime, text};
use crate::host_user::{chown, host_login, share, standin_in};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state};
use crate::terminal::Term;

/// A host's tmux server (`<root>/tmux.sock`), killed when the test ends: it outlives
/// the control plane and the host's sshd.
pub struct HostTmux(pub PathBuf);

impl Drop for HostTmux {
    fn drop(&mut self) {
        kill_tmux(&self.0);
    }
}

/// Kills the tmux server of the host whose root is `root`.
pub fn kill_tmux(root: &Path) {
    let _ = std::process::Command::new("tmux")
        .arg("-S")
        .arg(root.join("tmux.sock"))
        .arg("kill-server")
        .output();
}

struct World {
    server: ServerProcess,
    sshd: Sshd,
    _tmux: HostTmux,
    _dir: tempfile::TempDir,
    _repo: tempfile::TempDir,
    /// The host's root as given (`<tmp>/host-root`).
    root: PathBuf,
}

/// A server with project `acme/demo` and host `build-1` (added, its key confirmed,
/// tested) whose root is `<tmp>/host-root`.
fn world() -> World {
    world_with(&[])
}

/// [`world`] with the server's environment `env` added.
fn world_with(env: &[(&str, &str)]) -> World {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_with(true, env);
    let (repo, path) = seeded_repo();
    project_on(&server, &path);
    let login = host_login();
    share(&login, dir.path(), repo.path(), &path);
    let root = dir.path().join("host-root");
    std::fs::create_dir_all(&root).unwrap();
    chown(&root, &login);
    standin_in(&server, dir.path());
    let sshd = add_host_as(&server, dir.path(), &login, root.to_str().unwrap());
    World {
        server,
        sshd,
        _tmux: HostTmux(root.clone()),
        _dir: dir,
        _repo: repo,
        root,
    }
}

/// Host `build-1` (label `big`) on a new sshd with its files in `dir`: added with a new
/// SSH key of the admin's, its host key confirmed, tested. Returns the sshd and the
/// host's root (`<dir>/host-root`).
pub fn add_host(server: &ServerProcess, dir: &Path) -> (Sshd, PathBuf) {
    let root = dir.join("host-root");
    let sshd = add_host_as(server, dir, &current_user(), root.to_str().unwrap());
    (sshd, root)
}

/// Host `build-1` (label `big`) on a new sshd with its files in `dir`, logged into as
/// `login`, whose root is `root` (relative: in `login`'s home). Added with a new SSH
/// key of the admin's, its host key confirmed, tested.
pub fn add_host_as(server: &ServerProcess, dir: &Path, login: &str, root: &str) -> Sshd {
    let user_key = dir.join("host_login");
    keygen(&user_key, "");
    let authorized = dir.join("authorized_keys");
    std::fs::copy(user_key.with_extension("pub"), &authorized).unwrap();
    let sshd = Sshd::start(dir, &authorized);
    let key = user_key.to_str().unwrap();
    json(
        server,
        &[
            "ssh-keys",
            "add",
            "--name",
            "hosts",
            "--private-key-file",
            key,
        ],
    );
    let ssh = format!("{login}@127.0.0.1:{}", sshd.port);
    let out = server.cli(
        &[
            "hosts", "add", "build-1", "--ssh", &ssh, "--root", root, "--labels", "big",
        ],
        None,
    );
    assert_success(&out, "hosts add");
    let _ = server.cli(&["hosts", "test", "build-1"], None);
    let known = format!("[127.0.0.1]:{}", sshd.port);
    json(
        server,
        &["known-hosts", "confirm", &known, &sshd.host_fingerprint()],
    );
    let tested = json(server, &["hosts", "test", "build-1"]);
    assert_eq!(tested["last_check"]["ok"], true, "{tested}");
    sshd
}

impl World {
    fn pin(&self, host: &str, fallback: &str) {
        let out = self.server.cli(
            &[
                "projects",
                "update",
                "acme/demo",
                "--session-host",
                host,
                "--host-fallback",
                fallback,
            ],
            None,
        );
        assert_success(&out, "projects update --session-host");
    }

    fn work(&self, title: &str, extra: &[&str]) -> std::process::Output {
        let issue = demo_issue(&self.server, title);
        let id = issue["id"].to_string();
        let mut args = vec!["issues", "work", &id, "--tool", "standin", "--no-attach"];
        args.extend(extra);
        self.server.cli(&args, None)
    }

    /// `tmux -S <root>/tmux.sock list-sessions` on the host.
    fn host_tmux(&self) -> String {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(self.root.join("tmux.sock"))
            .args(["list-sessions", "-F", "#{session_name}"])
            .output()
            .expect("tmux");
        text(&out.stdout)
    }
}

fn session_of(out: &std::process::Output) -> Value {
    assert_success(out, "issues work");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("issues work -o json: {e}\n{}", text(&out.stdout)));
    v
}

#[test]
fn a_pinned_project_runs_its_session_on_the_host_end_to_end() {
    let w = world();
    w.pin("build-1", "refuse");
    let out = w.work("Runs remotely", &["-o", "json"]);
    let started = session_of(&out);
    let id = started["id"].as_i64().expect("a session id");
    assert_eq!(started["host"], "build-1", "{started}");
    let worktree = PathBuf::from(started["worktree_path"].as_str().unwrap());
    let root = std::fs::canonicalize(&w.root).unwrap();
    assert!(
        worktree.starts_with(root.join("workspaces")) && worktree.join(".git").exists(),
        "the worktree is on the host's root: {}",
        worktree.display()
    );
    assert!(
        !w.server.data_dir.join("workspaces").join("1").exists(),
        "nothing in the control plane's workspaces"
    );
    assert!(
        Path::new(&root.join("bin/aiops")).is_file(),
        "the control plane's binary was copied to the host"
    );
    let tmux_name = started["tmux_target"]
        .as_str()
        .unwrap()
        .trim_start_matches('=');
    assert!(
        w.host_tmux().lines().any(|l| l == tmux_name),
        "the pane is in the host's tmux: {}",
        w.host_tmux()
    );

    // The stand-in reports `waiting` through its launcher on the host. The browser
    // terminal reaches its pane through the server's SSH bridge: it shows the question,
    // and what is typed there is echoed; Enter answers it and the session exits.
    let waiting = wait_state(&w.server, id, "waiting");
    assert_eq!(waiting["detail"], "stand-in agent asks for review");
    runtime().block_on(async {
        let mut t = Term::open(&w.server, id, &w.server.admin_key, "?cols=100&rows=30")
            .await
            .unwrap_or_else(|code| panic!("terminal to the host's pane: HTTP {code}"));
        let at = t.wait_for(0, "exit status?").await;
        t.type_text("0").await;
        let at = t.wait_for(at, "exit status? 0").await;
        t.type_text("\r").await;
        // The agent exits: the host's tmux shows its dead pane through the bridge.
        t.wait_for(at, "Pane is dead").await;
    });
    let exited = wait_state(&w.server, id, "exited");
    assert_eq!(exited["exit_code"], 0, "{exited}");
    let logs = w.server.cli(&["sessions", "logs", &id.to_string()], None);
    assert_success(&logs, "sessions logs");
    assert!(
        text(&logs.stdout).contains("stand-in agent: committed on aiops/"),
        "the transcript is read from the host: {}",
        text(&logs.stdout)
    );

    // `--host local` overrides the pin; kill ends a host's pane there.
    let out = w.work("Runs here", &["--host", "local", "-o", "json"]);
    let local = session_of(&out);
    assert!(local["host"].is_null(), "{local}");
    let out = w.work("Killed there", &["-o", "json"]);
    let remote = session_of(&out);
    let rid = remote["id"].to_string();
    wait_state(&w.server, remote["id"].as_i64().unwrap(), "waiting");
    let out = w.server.cli(&["hosts", "remove", "build-1"], None);
    assert!(
        !out.status.success() && text(&out.stderr).contains("live session(s) run on host build-1"),
        "a host with live sessions stays: {}",
        text(&out.stderr)
    );
    let out = w.server.cli(&["sessions", "send", &rid, "7"], None);
    assert_success(&out, "sessions send");
    let screen = || {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(w.root.join("tmux.sock"))
            .args(["capture-pane", "-p", "-t"])
            .arg(format!("{}:", remote["tmux_target"].as_str().unwrap()))
            .output()
            .expect("tmux capture-pane");
        text(&out.stdout)
    };
    assert!(
        crate::common::wait_until(std::time::Duration::from_secs(30), || screen()
            .contains("exit status? 7")),
        "sent text reaches the host's pane: {}",
        screen()
    );
    let out = w.server.cli(&["sessions", "kill", &rid], None);
    assert_success(&out, "sessions kill");
    let name = remote["tmux_target"]
        .as_str()
        .unwrap()
        .trim_start_matches('=');
    assert!(
        !w.host_tmux().lines().any(|l| l == name),
        "its pane is gone from the host"
    );
}

#[test]
fn a_pin_no_host_can_take_refuses_or_falls_back_as_the_project_says() {
    let w = world();
    let out = w.server.cli(&["hosts", "drain", "build-1"], None);
    assert_success(&out, "hosts drain");
    w.pin("label:big", "refuse");
    let out = w.work("Nowhere to go", &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no session host can take this session: build-1 is draining"),
        "{}",
        text(&out.stderr)
    );
    w.pin("label:big", "local");
    let started = session_of(&w.work("Falls back", &["-o", "json"]));
    assert!(started["host"].is_null(), "ran locally: {started}");
    // A member may not override where the project's sessions run.
    let member = crate::trackers::Member::create(&w.server, "m@example.com");
    let issue = demo_issue(&w.server, "Mine, elsewhere");
    let id = issue["id"].to_string();
    let args = [
        "issues", "work", &id, "--tool", "standin", "--host", "local",
    ];
    let out = crate::common::run(member.command(&w.server, &args), None);
    assert!(
        !out.status.success() && text(&out.stderr).contains("--host"),
        "{}",
        text(&out.stderr)
    );
    let out = w.work("Unknown label", &["--host", "build-9"]);
    assert!(
        !out.status.success() && text(&out.stderr).contains("no session host `build-9`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_host_that_goes_down_shows_its_sessions_unreachable_then_reconciles_them() {
    // The scheduler checks hosts every second here (30 s by default).
    let mut w = world_with(&[("AIOPS_SCHEDULER_TICK_SECS", "1")]);
    w.pin("build-1", "refuse");
    let started = session_of(&w.work("Outlives its host", &["-o", "json"]));
    let id = started["id"].as_i64().unwrap();
    wait_state(&w.server, id, "waiting");

    // The host goes down.
    w.sshd.stop();
    let session = || json(&w.server, &["sessions", "get", &id.to_string()]);
    assert!(
        crate::common::wait_until(
            std::time::Duration::from_secs(30),
            || session()["host_unreachable"] == true
        ),
        "the session shows its host unreachable: {}",
        session()
    );
    assert_eq!(session()["state"], "waiting", "its last known state stays");
    // While it is unreachable its tmux goes too (no launcher left to report): only the
    // check after it is back can see that. (Killed only now: a check that had already
    // connected when sshd stopped may still finish.)
    let out = std::process::Command::new("tmux")
        .arg("-S")
        .arg(w.root.join("tmux.sock"))
        .arg("kill-server")
        .output()
        .expect("tmux kill-server");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let host = json(&w.server, &["hosts", "get", "build-1"]);
    assert!(host["unreachable_since"].is_string(), "{host}");
    let out = w.work("No host now", &[]);
    assert!(
        !out.status.success() && text(&out.stderr).contains("build-1 does not answer"),
        "a new session is refused with the reason: {}",
        text(&out.stderr)
    );

    // Back: the host answers, and the session whose pane vanished meanwhile is ended
    // by the check, as a local one would be after a restart.
    w.sshd.restart();
    let ended = wait_state(&w.server, id, "failed");
    assert_eq!(ended["detail"], "the tmux session is gone", "{ended}");
    assert_eq!(ended["host_unreachable"], false, "{ended}");
    let host = json(&w.server, &["hosts", "get", "build-1"]);
    assert!(host["unreachable_since"].is_null(), "{host}");
}

/// Pins project `acme/demo` to session host `host`.
pub fn pin_demo(server: &ServerProcess, host: &str) {
    let pin = ["projects", "update", "acme/demo", "--session-host", host];
    assert_success(&server.cli(&pin, None), "pin the project to the host");
}
