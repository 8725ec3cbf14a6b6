use std::cell::RefCell;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use aiops_core::jobs::JobContext;
use aiops_core::sessions::install::{Installer, Layout, Manager};

use super::ToolInstaller;

/// A job context that records lines and reports cancelled once `cancel_on` was printed.
struct Ctx {
    lines: RefCell<Vec<String>>,
    cancel_on: &'static str,
}

impl JobContext for Ctx {
    fn line(&self, text: &str) {
        self.lines.borrow_mut().push(text.to_owned());
    }
    fn cancelled(&self) -> bool {
        self.lines.borrow().iter().any(|l| l == self.cancel_on)
    }
}

fn installer(dir: &Path) -> ToolInstaller {
    ToolInstaller::new(Layout::new(dir))
}

fn var<'a>(env: &'a [(String, std::ffi::OsString)], key: &str) -> Option<&'a std::ffi::OsStr> {
    env.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_os_str())
}

#[test]
fn package_managers_get_aiops_own_home_and_no_pip_config() {
    let dir = tempfile::tempdir().unwrap();
    let inst = installer(dir.path());
    for m in [Some(Manager::Npm), Some(Manager::Pip), None] {
        let env = inst.env(m);
        assert_eq!(
            var(&env, "HOME"),
            Some(inst.layout().home().as_os_str()),
            "never the server account's home (its ~/.npmrc, pip.conf): {m:?}"
        );
    }
    let pip = inst.env(Some(Manager::Pip));
    assert_eq!(var(&pip, "PIP_CONFIG_FILE"), Some("/dev/null".as_ref()));
    let npm = inst.env(Some(Manager::Npm));
    assert_eq!(
        var(&npm, "npm_config_update_notifier"),
        Some("false".as_ref())
    );
    assert!(
        var(&npm, "npm_config_cache").is_some(),
        "npm always has a cache outside the prefix sessions see"
    );
}

#[test]
fn find_prefers_the_managed_bin_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let inst = installer(dir.path());
    let bin = inst.layout().bin();
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("sh"), "#!/bin/sh\n").unwrap();
    let (path, managed) = inst.find("sh").expect("sh is found");
    assert!(managed && path == bin.join("sh"), "{}", path.display());
    let (_, managed) = inst.find("true").expect("true is on PATH");
    assert!(!managed, "found on the server's PATH");
    let abs = bin.join("sh").display().to_string();
    assert_eq!(inst.find(&abs).map(|(_, m)| m), Some(true));
    assert_eq!(inst.find("aiops-no-such-program"), None);
}

#[test]
fn a_cancelled_install_kills_the_package_managers_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let inst = installer(dir.path());
    let pid_file = dir.path().join("grandchild.pid");
    // A "package manager" whose own child would outlive a plain kill of it.
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg("sleep 300 & echo $! > \"$1\"; echo started; wait")
        .arg("sh")
        .arg(&pid_file);
    let ctx = Ctx {
        lines: RefCell::default(),
        cancel_on: "started",
    };
    let at = Instant::now();
    let out = inst.stream(cmd, "fake install", &ctx);
    assert_eq!(out, Err("cancelled".to_owned()));
    assert!(at.elapsed() < Duration::from_secs(10), "stopped at once");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        // A zombie reaped by init is gone; one not yet reaped shows state Z.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_or(true, |s| s.split_whitespace().nth(2) == Some("Z"))
    });
    assert!(gone, "the package manager's child {pid} was killed too");
    let lines = ctx.lines.borrow();
    assert_eq!(lines[0], "$ fake install", "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with("cancelled")),
        "{lines:?}"
    );
}

#[test]
fn a_failing_install_reports_its_status_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let inst = installer(dir.path());
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "echo 'npm error 404 Not Found' >&2; exit 3"]);
    let ctx = Ctx {
        lines: RefCell::default(),
        cancel_on: "never",
    };
    let err = inst.stream(cmd, "npm install x", &ctx).unwrap_err();
    assert!(
        err.contains("npm install x failed") && err.contains('3'),
        "{err}"
    );
    assert!(
        ctx.lines
            .borrow()
            .iter()
            .any(|l| l == "npm error 404 Not Found"),
        "stderr lines reach the job"
    );
}
