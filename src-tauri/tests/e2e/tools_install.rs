//! AI tool management (issue 17) end to end: `aiops tools install` of a real agent CLI
//! from the real npm registry into the server's managed prefix, then a session whose
//! command is that tool's `--version`, run inside the sandbox by name — so the install is
//! on the sessions' PATH and visible in their sandbox. Also what is refused (unknown
//! tools, tools without a recipe, bad versions, members) and that cancelling an install
//! stops npm (against a local "registry" that never answers).
//!
//! Aider is installed for real too, with pip into a venv of the system Python.
//!
//! The install tests need the registries; where one does not answer (`npm ping`, `pip
//! index versions`), the test says so on stderr and skips. They reuse the download
//! caches (`npm_config_cache`, else `~/.npm`, which `scripts/install-deps` fills;
//! `PIP_CACHE_DIR`, else `~/.cache/pip`), so a warm CI machine downloads nothing.

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, run_within, text, wait_until};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state};
use crate::trackers::{Member, id_of};

/// Longest a real install may take (a cold cache downloads Codex's platform binary).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(900);

/// The npm cache `scripts/install-deps` filled: `npm_config_cache`, else `~/.npm`.
fn npm_cache() -> String {
    std::env::var("npm_config_cache").unwrap_or_else(|_| {
        format!(
            "{}/.npm",
            std::env::var("HOME").expect("HOME for the npm cache")
        )
    })
}

/// Whether the npm registry answers within seconds (`npm ping`); the reason when not.
fn registry_unreachable() -> Option<String> {
    let mut cmd = Command::new("npm");
    cmd.args(["ping", "--fetch-retries=0", "--fetch-timeout=10000"])
        .env("npm_config_cache", npm_cache())
        .stdin(Stdio::null());
    let out = run_within(cmd, None, Duration::from_secs(30));
    (!out.status.success()).then(|| {
        format!(
            "npm ping failed ({}): {}",
            out.status,
            text(&out.stderr).lines().last().unwrap_or("")
        )
    })
}

/// `aiops ARGS` as the admin, allowed [`INSTALL_TIMEOUT`].
fn long_cli(server: &ServerProcess, args: &[&str]) -> std::process::Output {
    run_within(server.command(args), None, INSTALL_TIMEOUT)
}

fn status_of(server: &ServerProcess, name: &str) -> Value {
    let all = json(server, &["tools", "status"]);
    all.as_array()
        .expect("tools status is a list")
        .iter()
        .find(|s| s["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("tools status lists {name}: {all}"))
}

#[test]
fn installing_codex_puts_a_working_version_on_every_sessions_path() {
    if let Some(why) = registry_unreachable() {
        eprintln!(
            "SKIPPED installing_codex_puts_a_working_version_on_every_sessions_path: the npm \
             registry is not reachable from this machine ({why})"
        );
        return;
    }
    let version = pinned("CODEX_VERSION");
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start_with(true, &[("npm_config_cache", &npm_cache())]);
    project_on(&server, &repo);

    let out = long_cli(
        &server,
        &["tools", "install", "codex", "--version", &version],
    );
    assert_success(
        &out,
        "aiops tools install codex --version (follows the job)",
    );
    let progress = text(&out.stderr);
    assert!(
        progress.contains(&format!("npm install @openai/codex@{version}")),
        "the job's output streams to the CLI: {progress}"
    );
    let installed = text(&out.stdout);
    assert!(
        installed.contains(&format!("codex-cli {version}")) && installed.contains("managed"),
        "the CLI ends with the tool's status: {installed}"
    );

    let bin = server.data_dir.join("tools/bin/codex");
    let st = status_of(&server, "codex");
    assert_eq!(st["installed"], true, "{st}");
    assert_eq!(
        st["source"], "managed",
        "found in aiops's prefix first: {st}"
    );
    assert_eq!(st["path"], bin.display().to_string(), "{st}");
    assert_eq!(st["version"], format!("codex-cli {version}"), "{st}");
    assert!(
        st["latest"].is_string(),
        "the registry's newest version is known (npm answered ping): {st}"
    );
    let jobs = json(
        &server,
        &["system", "jobs", "list", "--kind", "tool_install"],
    );
    assert_eq!(jobs[0]["state"], "succeeded", "{jobs}");
    assert_eq!(jobs[0]["subject"], "codex", "{jobs}");
    let audit = json(&server, &["audit", "list", "--action", "tool.install"]);
    assert_eq!(
        audit[0]["target_id"], "codex",
        "the install is audited: {audit}"
    );

    // A session whose command is `codex --version`, looked up by name on the session's
    // PATH, inside the sandbox (which shows none of the data dir but `tools/`).
    version_in_a_session(&server, "codex", &format!("codex-cli {version}"));
}

/// Starts a session whose command is `PROGRAM --version` (by name, so from the session's
/// PATH, sandboxed where bubblewrap works) and checks it printed `expected` and exited 0.
/// The tool sets a `PATH` of its own: the managed tools still come first.
fn version_in_a_session(server: &ServerProcess, program: &str, expected: &str) {
    let tool = format!("{program}-version");
    let out = server.cli(
        &[
            "tools",
            "set",
            &tool,
            "--command",
            program,
            "--env",
            "PATH=/usr/bin:/bin",
            "--",
            "--version",
        ],
        None,
    );
    assert_success(&out, "tools set PROGRAM-version");
    let issue = id_of(&demo_issue(server, &format!("Which {program} is there?")));
    let started = json(
        server,
        &["issues", "work", &issue, "--tool", &tool, "--no-attach"],
    );
    let id = started["id"].as_i64().unwrap();
    let exited = wait_state(server, id, "exited");
    assert_eq!(
        exited["exit_code"], 0,
        "{program} --version ran in the session: {exited}"
    );
    if aiops_exec::sandbox::mechanism().is_some() {
        assert_eq!(exited["sandbox"], "bubblewrap", "{exited}");
    }
    let mut logs = String::new();
    let shown = wait_until(Duration::from_secs(10), || {
        let out = server.cli(&["sessions", "logs", &id.to_string()], None);
        logs = text(&out.stdout);
        logs.contains(expected)
    });
    assert!(shown, "the pane printed `{expected}`: {logs}");
}

/// The pinned version of `NAME` in scripts/lib/agents.sh.
fn pinned(name: &str) -> String {
    let sh = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/lib/agents.sh"),
    )
    .expect("scripts/lib/agents.sh");
    sh.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} in agents.sh"))
        .trim()
        .to_owned()
}

/// Whether PyPI answers (`pip index versions aider-chat` with the system Python).
fn pypi_unreachable() -> Option<String> {
    let mut cmd = Command::new("/usr/bin/python3");
    cmd.args(["-m", "pip", "index", "versions", "aider-chat"])
        .args([
            "--timeout",
            "10",
            "--retries",
            "0",
            "--disable-pip-version-check",
        ])
        .stdin(Stdio::null());
    let out = run_within(cmd, None, Duration::from_secs(40));
    (!out.status.success()).then(|| {
        format!(
            "pip index versions failed ({}): {}",
            out.status,
            text(&out.stderr).lines().last().unwrap_or("")
        )
    })
}

/// pip's download cache: `PIP_CACHE_DIR`, else pip's own default, so runs after the
/// first download nothing.
fn pip_cache() -> String {
    std::env::var("PIP_CACHE_DIR").unwrap_or_else(|_| {
        format!(
            "{}/.cache/pip",
            std::env::var("HOME").expect("HOME for the pip cache")
        )
    })
}

#[test]
fn installing_aider_makes_a_venv_of_the_system_python_that_runs_in_the_sandbox() {
    if let Some(why) = pypi_unreachable() {
        eprintln!(
            "SKIPPED installing_aider_makes_a_venv_of_the_system_python_that_runs_in_the_sandbox: \
             PyPI is not reachable from this machine ({why})"
        );
        return;
    }
    let version = pinned("AIDER_VERSION");
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start_with(true, &[("PIP_CACHE_DIR", &pip_cache())]);
    project_on(&server, &repo);
    let out = long_cli(
        &server,
        &["tools", "install", "aider", "--version", &version],
    );
    assert_success(&out, "aiops tools install aider --version");
    assert!(
        text(&out.stderr).contains(&format!("pip install aider-chat=={version}")),
        "{}",
        text(&out.stderr)
    );
    let venv_python = server.data_dir.join("tools/venv/aider/bin/python");
    let base = std::fs::canonicalize(&venv_python).expect("the venv's python");
    assert!(
        base.starts_with("/usr"),
        "the venv's interpreter is the system one the sandbox shows: {}",
        base.display()
    );
    let st = status_of(&server, "aider");
    assert_eq!(st["source"], "managed", "{st}");
    assert_eq!(st["version"], format!("aider {version}"), "{st}");
    version_in_a_session(&server, "aider", &format!("aider {version}"));
}

#[test]
fn installs_are_refused_for_unknown_tools_generic_tools_bad_versions_and_members() {
    let server = ServerProcess::start();
    let refused = |args: &[&str], needle: &str| {
        let out = server.cli(args, None);
        let err = text(&out.stderr);
        assert!(
            !out.status.success() && err.contains(needle),
            "`aiops {}` is refused with `{needle}`: {err}",
            args.join(" ")
        );
    };
    refused(&["tools", "install", "nosuch"], "nosuch");
    refused(&["tools", "install", "shell"], "does not install");
    refused(
        &["tools", "install", "codex", "--version", "^1.0"],
        "not a version",
    );
    refused(
        &[
            "tools",
            "install",
            "codex",
            "--version=--registry=http://evil",
        ],
        "not a version",
    );
    refused(&["tools", "upgrade", "codex"], "not installed by aiops");
    // `/tools/status` is the installs' status: no tool may take that name (the router
    // answers 405 before core's check, which says `reserved`).
    refused(&["tools", "set", "status", "--command", "true"], "");
    let nothing = json(&server, &["system", "jobs", "list"]);
    assert_eq!(nothing, serde_json::json!([]), "nothing was queued");

    let out = server.cli(&["tenants", "create", "--name", "acme"], None);
    assert_success(&out, "tenants create acme");
    let mona = Member::create(&server, "mona@example.com");
    for args in [
        &["tools", "install", "codex"][..],
        &["tools", "upgrade", "codex"],
        &["tools", "status"],
    ] {
        let out = run_within(mona.command(&server, args), None, Duration::from_secs(60));
        assert!(
            !out.status.success() && text(&out.stderr).contains("admin"),
            "a member may not `{}`: {}",
            args.join(" "),
            text(&out.stderr)
        );
    }
}

/// A "registry" on loopback that accepts connections and never answers.
pub struct SilentRegistry {
    pub url: String,
    connections: Arc<AtomicUsize>,
    _held: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl SilentRegistry {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let held = Arc::new(Mutex::new(Vec::new()));
        let (c, h) = (connections.clone(), held.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                c.fetch_add(1, Ordering::SeqCst);
                let mut s = stream.try_clone().expect("clone");
                // Read the request so the client is sure it was sent, then say nothing.
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
                });
                h.lock().unwrap().push(stream);
            }
        });
        Self {
            url,
            connections,
            _held: held,
        }
    }
}

/// Processes working in `dir` (from /proc; npm runs in its prefix, and rewrites its
/// command line to `npm install`).
fn processes_in(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if std::fs::read_link(e.path().join("cwd")).is_ok_and(|cwd| cwd == dir) {
            let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            out.push(format!("{}: {cmd}", e.file_name().to_string_lossy()));
        }
    }
    out
}

#[test]
fn cancelling_an_install_stops_its_package_manager() {
    let registry = SilentRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_with(
        true,
        &[
            ("npm_config_registry", &registry.url),
            ("npm_config_cache", &cache.path().display().to_string()),
        ],
    );
    // The registry never answers: the status says so within its deadline, not hangs.
    let asked_at = std::time::Instant::now();
    let st = status_of(&server, "codex");
    assert!(
        asked_at.elapsed() < Duration::from_secs(30),
        "tools status gives up on a silent registry: {:?}",
        asked_at.elapsed()
    );
    assert!(
        st["latest"].is_null()
            && st["note"]
                .as_str()
                .unwrap_or("")
                .contains("newest version unknown"),
        "{st}"
    );

    // The status check above asked the registry too: wait for the install's own request.
    let before = registry.connections.load(Ordering::SeqCst);
    let job = json(&server, &["tools", "install", "codex", "--no-wait"]);
    let id = job["id"].as_i64().expect("the job's id").to_string();
    let prefix = server.data_dir.join("tools/npm");
    let asked = wait_until(Duration::from_secs(60), || {
        registry.connections.load(Ordering::SeqCst) > before
    });
    assert!(
        asked,
        "npm asked the (silent) registry; job: {}",
        json(&server, &["system", "jobs", "show", &id])
    );
    assert!(
        !processes_in(&prefix).is_empty(),
        "npm is running for the install"
    );
    // Its output reaches the job while npm waits in silence.
    let mut job = Value::Null;
    let shown = wait_until(Duration::from_secs(10), || {
        job = json(&server, &["system", "jobs", "show", &id]);
        job["progress"] == "$ npm install @openai/codex@latest"
    });
    assert!(shown, "the job shows the command it runs: {job}");

    let out = server.cli(&["system", "jobs", "cancel", &id], None);
    assert_success(&out, "system jobs cancel");
    let mut last = Value::Null;
    let ended = wait_until(Duration::from_secs(30), || {
        last = json(&server, &["system", "jobs", "show", &id]);
        last["state"] == "cancelled"
    });
    assert!(ended, "the install ends cancelled: {last}");
    let gone = wait_until(Duration::from_secs(10), || processes_in(&prefix).is_empty());
    assert!(
        gone,
        "npm was stopped with the job: {:?}",
        processes_in(&prefix)
    );
    let out = server.cli(&["system", "jobs", "show", &id, "-f"], None);
    assert!(
        !out.status.success() && text(&out.stderr).contains("cancelled"),
        "following a cancelled install exits non-zero: {}",
        text(&out.stderr)
    );
}
