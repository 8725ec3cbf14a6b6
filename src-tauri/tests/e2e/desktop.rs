//! The desktop window, driven through WebDriver: tauri-driver (on free ports) starts the
//! real `aiops` binary with Debian's WebKitWebDriver, and `tests/e2e/desktop/*.cjs` drive
//! it. Needs a display: the test command runs the suite under `scripts/headless` (Xvfb,
//! a private D-Bus session and an unlocked throwaway keyring).

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{AIOPS, ServerProcess, run_within, text};
use crate::sessions::{demo_issue, project_on, seeded_repo};

/// Longest a desktop spec may run: a debug WebKit window on a loaded 2-core machine.
const SPEC_TIMEOUT: Duration = Duration::from_secs(180);

/// tauri-driver, killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
    log: std::path::PathBuf,
    /// The environment the app gets, which its specs see too.
    env: Vec<(String, String)>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Starts tauri-driver with `env` (which the app it launches inherits) and waits until it
/// accepts connections. The app never sees the user's ssh-agent (`SSH_AUTH_SOCK`).
pub fn driver(dir: &Path, env: &[(&str, &str)]) -> Driver {
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "no DISPLAY: run the desktop tests under scripts/headless (scripts/test does)"
    );
    let (port, native) = (free_port(), free_port());
    let log = dir.join("tauri-driver.log");
    let mut cmd = Command::new("tauri-driver");
    cmd.args([
        "--port",
        &port.to_string(),
        "--native-port",
        &native.to_string(),
    ])
    .env_remove("SSH_AUTH_SOCK")
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(&log).unwrap())
    .stderr(std::fs::File::create(dir.join("tauri-driver.err")).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd
        .spawn()
        .expect("tauri-driver (scripts/install-deps installs it)");
    let d = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        log,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver never listened on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    d
}

/// A server with a project on a seeded repository and one native issue titled `title`:
/// the repository's temp dir (keep it alive), the server and the issue's id.
fn server_with_issue(title: &str) -> (tempfile::TempDir, ServerProcess, String) {
    let (repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let issue = demo_issue(&server, title)["id"]
        .as_i64()
        .unwrap()
        .to_string();
    (repo_dir, server, issue)
}

#[test]
fn the_window_shows_the_servers_issues_attaches_terminals_and_javascript_never_sees_the_key() {
    let title = "Desktop sees this issue";
    let (_repo_dir, server, issue) = server_with_issue(title);
    let started = crate::common::json(&server, &["issues", "work", &issue, "--tool", "shell"]);
    let session = started["id"].as_i64().unwrap();
    crate::sessions::wait_state(&server, session, "running");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let d = driver(
        dir.path(),
        &[
            // Where the CLI (and so the desktop) finds its server and key.
            ("AIOPS_CONFIG_DIR", config.to_str().unwrap()),
            ("AIOPS_URL", &server.url),
            ("AIOPS_API_KEY", &server.admin_key),
        ],
    );
    spec(
        &d,
        Some(&server),
        "window",
        &[
            ("AIOPS_ISSUE_TITLE", title),
            ("AIOPS_SECRET", &server.admin_key),
            ("AIOPS_SESSION", &session.to_string()),
        ],
    );
}

/// Runs `tests/e2e/desktop/<name>.cjs` against the app through `d`; panics with its step
/// log, tauri-driver's and the server's output when it fails.
pub fn spec(d: &Driver, server: Option<&ServerProcess>, name: &str, env: &[(&str, &str)]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cmd = Command::new("node");
    cmd.arg(root.join(format!("tests/e2e/desktop/{name}.cjs")))
        .envs(d.env.iter().map(|(k, v)| (k, v)))
        .env("AIOPS_WEBDRIVER", &d.url)
        .env("AIOPS_APP", AIOPS);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run_within(cmd, None, SPEC_TIMEOUT);
    assert!(
        out.status.success(),
        "desktop spec {name} failed\n--- steps ---\n{}\n--- error ---\n{}\n--- tauri-driver ---\n{}\n--- server stderr ---\n{}",
        text(&out.stdout),
        text(&out.stderr),
        std::fs::read_to_string(&d.log).unwrap_or_default(),
        server.map(ServerProcess::stderr).unwrap_or_default()
    );
}

#[test]
fn signing_in_to_a_server_keeps_the_key_in_the_keychain_until_signing_out() {
    let title = "Seen after signing in";
    let (_repo_dir, server, _issue) = server_with_issue(title);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    // No CLI config and no key in the environment: the app starts signed out.
    let d = driver(
        dir.path(),
        &[
            ("AIOPS_CONFIG_DIR", config.to_str().unwrap()),
            // For the second connection, "This computer".
            ("AIOPS_DATA_DIR", dir.path().join("data").to_str().unwrap()),
        ],
    );
    spec(
        &d,
        Some(&server),
        "connect",
        &[
            ("AIOPS_URL", &server.url),
            ("AIOPS_EMAIL", crate::common::ADMIN_EMAIL),
            ("AIOPS_PASSWORD", crate::common::ADMIN_PASSWORD),
            ("AIOPS_ISSUE_TITLE", title),
        ],
    );
    let settings = std::fs::read_to_string(config.join("aiops/desktop.toml")).unwrap();
    assert!(
        !settings.contains(&server.url) && settings.contains("signed_out = true"),
        "signing out forgets the connection and is remembered:\n{settings}"
    );
    assert!(
        settings.contains("do_not_disturb = true"),
        "the toggle set on the account page is saved:\n{settings}"
    );
}

/// Starts dbus-monitor, writing the session bus's `Notify` calls to `log`.
fn monitor_notifications(log: &Path) -> Killed {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no session bus: run the desktop tests under scripts/headless (scripts/test does)"
    );
    Killed(
        Command::new("dbus-monitor")
            .args([
                "--session",
                "interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(std::fs::File::create(log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor (package dbus)"),
    )
}

#[test]
fn this_computer_runs_aiops_inside_the_app_from_first_start_to_a_notification() {
    let (_repo_dir, repo) = seeded_repo();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bus_log = dir.path().join("notifications.log");
    let _monitor = monitor_notifications(&bus_log);
    let d = driver(
        dir.path(),
        &[
            (
                "AIOPS_CONFIG_DIR",
                dir.path().join("config").to_str().unwrap(),
            ),
            ("AIOPS_DATA_DIR", data.to_str().unwrap()),
        ],
    );
    // The sessions of the app's control plane outlive it, as with `aiops serve`.
    struct StopTmux(std::path::PathBuf);
    impl Drop for StopTmux {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(&self.0)
                .arg("kill-server")
                .stderr(Stdio::null())
                .status();
        }
    }
    let _tmux = StopTmux(data.join("tmux.sock"));
    spec(
        &d,
        None,
        "local",
        &[
            ("AIOPS_REPO", repo.to_str().unwrap()),
            ("AIOPS_EMAIL", "me@example.com"),
            ("AIOPS_PASSWORD", "local-password-1"),
            ("AIOPS_BUS_LOG", bus_log.to_str().unwrap()),
        ],
    );
    // The app may take a moment to end after the WebDriver session does.
    let lock = std::fs::File::open(data.join("serve.lock")).expect("the data dir's lock file");
    let deadline = Instant::now() + Duration::from_secs(30);
    while lock.try_lock().is_err() {
        assert!(
            Instant::now() < deadline,
            "the app kept this computer's data dir locked after it ended"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `cmd` (the app, or a wrapper that runs it) signed in to `server` the way the CLI is
/// (`AIOPS_URL` / `AIOPS_API_KEY`), with its settings in `config` and its stderr in `log`.
fn signed_in_app(mut cmd: Command, config: &Path, server: &ServerProcess, log: &Path) -> Command {
    cmd.env("AIOPS_CONFIG_DIR", config)
        .env("AIOPS_URL", &server.url)
        .env("AIOPS_API_KEY", &server.admin_key)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    cmd
}

/// Waits until the app whose stderr is `log` follows the server's events.
fn wait_app_up(log: &Path) {
    wait_for_text(
        log,
        "notifications follow the events",
        "the app follows the event stream",
        String::new,
    );
}

/// Starts `shell` on `issue`, waits until it runs, and types `exit`; returns the
/// session's id.
fn shell_session_that_exits(server: &ServerProcess, issue: &str) -> i64 {
    let started = crate::common::json(server, &["issues", "work", issue, "--tool", "shell"]);
    let id = started["id"].as_i64().unwrap();
    crate::sessions::wait_state(server, id, "running");
    let out = server.cli(&["sessions", "send", &id.to_string(), "exit"], None);
    crate::common::assert_success(&out, "sessions send exit");
    id
}

/// Waits until `file` contains `needle`; panics with `why` and the file otherwise.
fn wait_for_text(file: &Path, needle: &str, why: &str, also: impl Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = std::fs::read_to_string(file).unwrap_or_default();
        if got.contains(needle) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{why}: `{needle}` never appeared in {}:\n{got}\n{}",
            file.display(),
            also()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_session_that_exits_raises_an_os_notification_naming_its_issue() {
    let title = "Notify me when the shell exits";
    let (_repo_dir, server, issue) = server_with_issue(title);

    let dir = tempfile::tempdir().unwrap();
    let bus_log = dir.path().join("notifications.log");
    let _monitor = monitor_notifications(&bus_log);
    let app_log = dir.path().join("app.err");
    let config = dir.path().join("config");
    let _app = Killed(
        signed_in_app(Command::new(AIOPS), &config, &server, &app_log)
            .spawn()
            .unwrap(),
    );
    let app_said = || std::fs::read_to_string(&app_log).unwrap_or_default();
    wait_app_up(&app_log);

    shell_session_that_exits(&server, &issue);
    wait_for_text(
        &bus_log,
        title,
        "an OS notification names the issue",
        || format!("--- app stderr ---\n{}", app_said()),
    );
    let log = std::fs::read_to_string(&bus_log).unwrap();
    assert!(
        log.contains("exited"),
        "the notification says what happened:\n{log}"
    );
    assert!(
        !app_said().contains("warning: OS notifications are unavailable"),
        "{}",
        app_said()
    );
    // Xvfb has no tray host: the app runs on without a tray and without a crash.
    assert!(!app_said().contains("internal error"), "{}", app_said());
}

#[test]
fn a_second_app_on_the_same_config_shows_the_first_and_exits() {
    let server = ServerProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let app_log = dir.path().join("app.err");
    let config = dir.path().join("config");
    let app = |log: &Path| signed_in_app(Command::new(AIOPS), &config, &server, log);
    let mut first = Killed(app(&app_log).spawn().unwrap());
    wait_app_up(&app_log);
    let second = run_within(app(&dir.path().join("second.err")), None, SPEC_TIMEOUT);
    assert!(
        second.status.success(),
        "the second app hands over and exits: {:?}\n{}",
        second.status,
        std::fs::read_to_string(dir.path().join("second.err")).unwrap_or_default()
    );
    assert!(
        first.0.try_wait().unwrap().is_none(),
        "the first app keeps running"
    );
}

/// A session bus with nothing to activate: no notification daemon, no tray host.
const BARE_BUS: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

#[test]
fn without_a_tray_host_or_a_notification_daemon_the_app_warns_once_each_and_runs_on() {
    let (_repo_dir, server, issue) = server_with_issue("Nobody shows this");
    let dir = tempfile::tempdir().unwrap();
    let bus = dir.path().join("bus.conf");
    std::fs::write(&bus, BARE_BUS).unwrap();
    let app_log = dir.path().join("app.err");
    let mut bare = Command::new("dbus-run-session");
    bare.arg(format!("--config-file={}", bus.display()))
        .arg("--")
        .arg(AIOPS);
    let mut app = Killed(
        signed_in_app(bare, &dir.path().join("config"), &server, &app_log)
            .spawn()
            .expect("dbus-run-session (package dbus)"),
    );
    let app_said = || std::fs::read_to_string(&app_log).unwrap_or_default();
    wait_app_up(&app_log);
    // Two sessions end: two notifications the app would raise, one warning.
    for _ in 0..2 {
        let id = shell_session_that_exits(&server, &issue);
        crate::sessions::wait_state(&server, id, "exited");
    }
    let warning = "warning: OS notifications are unavailable";
    wait_for_text(
        &app_log,
        warning,
        "one warning about notifications",
        String::new,
    );
    wait_for_text(
        &app_log,
        "aiops: warning: no tray host",
        "one warning about the tray",
        String::new,
    );
    let said = app_said();
    assert_eq!(said.matches(warning).count(), 1, "{said}");
    assert_eq!(said.matches("warning: no tray host").count(), 1, "{said}");
    assert!(!said.contains("internal error"), "{said}");
    assert!(
        app.0.try_wait().unwrap().is_none(),
        "the app keeps running:\n{said}"
    );
}
