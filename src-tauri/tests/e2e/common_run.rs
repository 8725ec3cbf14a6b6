//! Running `aiops` and other programs from the e2e tests, and small helpers around
//! their output (re-exported by `common`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{AIOPS, PROCESS_TIMEOUT, ServerProcess};

/// `aiops` with no inherited `AIOPS_*` variables, and `HOME`, `XDG_*` and
/// `AIOPS_CONFIG_DIR` inside `root`.
pub fn isolated(root: &Path) -> Command {
    let mut cmd = Command::new(AIOPS);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AIOPS_") {
            cmd.env_remove(key);
        }
    }
    let home = root.join("home");
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("AIOPS_CONFIG_DIR", config_dir(root));
    cmd
}

pub(crate) fn config_dir(root: &Path) -> PathBuf {
    root.join("cli-config")
}

/// Runs `cmd` to completion (at most [`PROCESS_TIMEOUT`]) with `stdin` as its input.
pub fn run(cmd: Command, stdin: Option<&str>) -> Output {
    run_within(cmd, stdin, PROCESS_TIMEOUT)
}

/// [`run`] with another deadline (a browser spec takes longer than a CLI call).
pub fn run_within(mut cmd: Command, stdin: Option<&str>, timeout: Duration) -> Output {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let shown = format!("{cmd:?}");
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {shown}: {e}"));
    // Drain first: a child that writes before it reads must not block on a full pipe.
    let out = drain(child.stdout.take().expect("piped stdout"));
    let err = drain(child.stderr.take().expect("piped stderr"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        // A command that exits without reading is not this helper's failure.
        let _ = pipe.write_all(input.as_bytes());
    }
    let status = wait_for_exit(&mut child, timeout).unwrap_or_else(|| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{shown} did not finish within {timeout:?}")
    });
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// The child's exit status, or `None` if it is still running after `timeout`.
pub fn wait_for_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let mut status = None;
    wait_until(timeout, || {
        status = child.try_wait().expect("poll the child");
        status.is_some()
    });
    status
}

/// Polls `done` until it holds or `timeout` passes; says whether it held.
pub fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A current-thread runtime for a test's `aiops-client` calls.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit 0; otherwise fail with `what`, the status and both streams.
pub fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} should succeed; exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Whether `tool` runs here (`jq`, `sqlite3`, …); says so on stderr when it does not.
pub fn have_tool(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        eprintln!("note: `{tool}` is not on PATH; skipping the checks that use it");
    }
    found
}

/// One value from `sqlite3 DB SQL` (the first line of its output).
pub fn sqlite(db: &Path, sql: &str) -> String {
    let mut cmd = Command::new("sqlite3");
    cmd.arg("-batch").arg(db).arg(sql);
    let out = run(cmd, None);
    assert_success(&out, &format!("sqlite3 {} {sql:?}", db.display()));
    text(&out.stdout).trim().to_owned()
}

/// A bare git repository in a new temp dir (the dir lives as long as the guard).
pub fn bare_repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temp dir for the repo");
    let repo = dir.path().join("demo.git");
    let mut cmd = Command::new("git");
    cmd.args(["init", "--bare", "--quiet"]).arg(&repo);
    let out = run(cmd, None);
    assert_success(&out, "git init --bare");
    (dir, repo)
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let entry = entry.expect("a directory entry");
            let kind = entry.file_type().expect("its file type");
            if kind.is_dir() {
                todo.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// `cmd -o json`: exit 0 and one JSON document.
pub fn json_of(mut cmd: Command, stdin: Option<&str>, what: &str) -> Value {
    cmd.args(["-o", "json"]);
    let out = run(cmd, stdin);
    assert_success(&out, what);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "`{what} -o json`: one JSON document: {e}\n{}",
            text(&out.stdout)
        )
    })
}

/// `aiops ARGS -o json` as the admin.
pub fn json(server: &ServerProcess, args: &[&str]) -> Value {
    json_of(server.command(args), None, &args.join(" "))
}
