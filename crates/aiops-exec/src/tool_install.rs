//! [`ToolInstaller`]: core's [`Installer`] port on this machine. Runs npm and pip (there
//! is no library for either that installs what their CLIs do) and a tool's `--version`.
//!
//! Each child gets a cleared environment: the server's `PATH`, locale, proxies and CA
//! bundles, the registry and cache settings of its own package manager when the server's
//! environment has them (`npm_config_registry`, `npm_config_cache`, `PIP_INDEX_URL`,
//! `PIP_CACHE_DIR`, …, so CI can point at a mirror and reuse downloads), and `HOME` in
//! aiops's cache (`Layout::home`), so the server account's `~/.npmrc`, pip config and
//! dotfiles play no part; pip reads no config file at all (`PIP_CONFIG_FILE=/dev/null`).
//! npm installs with `--prefix` (never `-g`), pip into a venv: nothing goes global.
//!
//! Installs stream their output line by line to the job, run in their own process group
//! and are killed (the whole group: npm's and pip's children too) when the job is
//! cancelled or runs past [`INSTALL_TIMEOUT`]. One install runs at a time: two npm runs
//! in one prefix would trample each other.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aiops_core::jobs::JobContext;
use aiops_core::sessions::install::{
    self, InstallPlan, Installer, Layout, Manager, PYTHONS, first_line,
};

use crate::process::Spec;

/// Longest an install may take.
pub const INSTALL_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// Longest a `--version` may take (Aider imports a lot before it answers).
const VERSION_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest a registry query may take: `tools status` must not hang on a dead registry.
const REGISTRY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a registry's answer is reused; a failure is retried sooner.
const LATEST_TTL: Duration = Duration::from_secs(10 * 60);
const LATEST_FAILED_TTL: Duration = Duration::from_secs(60);

/// Passed to every child from the server's environment, when set.
const PASSED: &[&str] = &[
    "PATH",
    "LANG",
    "LC_ALL",
    "USER",
    "LOGNAME",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// Passed to npm (and the programs it installs) when set.
const NPM_PASSED: &[&str] = &[
    "npm_config_registry",
    "NPM_CONFIG_REGISTRY",
    "npm_config_cache",
    "NPM_CONFIG_CACHE",
    "NODE_EXTRA_CA_CERTS",
];

/// Passed to pip when set.
const PIP_PASSED: &[&str] = &[
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_TRUSTED_HOST",
    "PIP_FIND_LINKS",
    "PIP_CERT",
    "PIP_CACHE_DIR",
    "PIP_DEFAULT_TIMEOUT",
    "REQUESTS_CA_BUNDLE",
];

type Latest = HashMap<(Manager, String), (Instant, Result<String, String>)>;

pub struct ToolInstaller {
    layout: Layout,
    latest: Mutex<Latest>,
    /// Held by the running install.
    one: Mutex<()>,
}

impl ToolInstaller {
    pub fn new(layout: Layout) -> Self {
        Self {
            layout,
            latest: Mutex::default(),
            one: Mutex::new(()),
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The environment of a child of `manager` (None: a tool's `--version`).
    fn env(&self, manager: Option<Manager>) -> Vec<(String, OsString)> {
        let mut env: Vec<(String, OsString)> = Vec::new();
        let from_server = |env: &mut Vec<(String, OsString)>, keys: &[&str]| {
            for k in keys {
                if let Some(v) = std::env::var_os(k) {
                    env.push(((*k).to_owned(), v));
                }
            }
        };
        from_server(&mut env, PASSED);
        env.push(("HOME".into(), self.layout.home().into()));
        env.push(("TMPDIR".into(), std::env::temp_dir().into()));
        match manager {
            Some(Manager::Npm) | None => {
                from_server(&mut env, NPM_PASSED);
                let has_cache = env
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("npm_config_cache"));
                if !has_cache {
                    env.push(("npm_config_cache".into(), self.layout.npm_cache().into()));
                }
                for (k, v) in [
                    ("npm_config_update_notifier", "false"),
                    ("npm_config_fund", "false"),
                    ("npm_config_audit", "false"),
                    ("npm_config_progress", "false"),
                ] {
                    env.push((k.into(), v.into()));
                }
            }
            Some(Manager::Pip) => {}
        }
        if manager == Some(Manager::Pip) {
            from_server(&mut env, PIP_PASSED);
            if !env.iter().any(|(k, _)| k == "PIP_CACHE_DIR") {
                env.push(("PIP_CACHE_DIR".into(), self.layout.pip_cache().into()));
            }
            for (k, v) in [
                ("PIP_CONFIG_FILE", "/dev/null"),
                ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
                ("PIP_NO_INPUT", "1"),
                ("PYTHONDONTWRITEBYTECODE", "1"),
            ] {
                env.push((k.into(), v.into()));
            }
        }
        env
    }

    fn spec(&self, program: &str, manager: Option<Manager>, timeout: Duration) -> Spec {
        let mut s = Spec::new(program, timeout);
        for (k, v) in self.env(manager) {
            s = s.env(&k, v);
        }
        s
    }

    fn command(&self, program: &Path, manager: Manager) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear().envs(self.env(Some(manager)));
        cmd
    }

    /// The interpreter a venv is made from: the first of [`PYTHONS`] that exists.
    fn python(&self) -> Option<PathBuf> {
        PYTHONS.iter().find_map(|p| crate::runtime::find_program(p))
    }

    fn query_latest(&self, manager: Manager, package: &str) -> Result<String, String> {
        let _ = std::fs::create_dir_all(self.layout.home());
        match manager {
            Manager::Npm => {
                let out = self
                    .spec("npm", Some(manager), REGISTRY_TIMEOUT)
                    .args(["view", "--fetch-retries=0", "--fetch-timeout=8000", "--"])
                    .args([package, "version"])
                    .run()
                    .map_err(|e| note(&e))?;
                install::parse_npm_view(&out.stdout)
                    .ok_or_else(|| format!("npm view printed no version for {package}"))
            }
            Manager::Pip => {
                // The tool's own venv has pip; else the system Python's.
                let venvs = std::fs::read_dir(self.layout.root.join("venv"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path().join("bin").join("python"));
                let python = venvs
                    .into_iter()
                    .find(|p| p.is_file())
                    .or_else(|| self.python())
                    .ok_or("no python3 to ask PyPI with")?;
                let out = Spec::new(&python.display().to_string(), REGISTRY_TIMEOUT);
                let mut out = out;
                for (k, v) in self.env(Some(manager)) {
                    out = out.env(&k, v);
                }
                let out = out
                    .args(["-m", "pip", "index", "versions", "--timeout", "8"])
                    .args(["--retries", "0", "--", package])
                    .run()
                    .map_err(|e| note(&e))?;
                install::parse_pip_index(&out.stdout, package)
                    .ok_or_else(|| format!("pip index printed no version for {package}"))
            }
        }
    }

    /// Runs `cmd` to its end, each output line to `ctx`; kills its process group when
    /// the job is cancelled or the deadline passes.
    fn stream(&self, cmd: Command, what: &str, ctx: &dyn JobContext) -> Result<(), String> {
        ctx.line(&format!("$ {what}"));
        match crate::stream::run(cmd, what, ctx, INSTALL_TIMEOUT, Duration::ZERO) {
            Ok(e) if e.status.success() => Ok(()),
            Ok(e) => Err(format!("{what} failed ({})", e.status)),
            Err(crate::stream::Stopped::Cancelled) => {
                ctx.line(&format!("cancelled: {what} stopped"));
                Err("cancelled".into())
            }
            Err(crate::stream::Stopped::TimedOut(d)) => Err(format!(
                "{what} did not finish within {} s and was stopped",
                d.as_secs()
            )),
            Err(crate::stream::Stopped::Spawn(m)) => Err(m),
        }
    }

    fn install_npm(&self, plan: &InstallPlan, ctx: &dyn JobContext) -> Result<(), String> {
        let npm = crate::runtime::find_program("npm")
            .ok_or("npm is not installed on the server (not on PATH)")?;
        let mut cmd = self.command(&npm, Manager::Npm);
        cmd.current_dir(&plan.prefix)
            .arg("install")
            .arg("--prefix")
            .arg(&plan.prefix)
            .args(["--save-exact", "--no-audit", "--no-fund", "--loglevel=http"])
            .arg("--")
            .arg(plan.spec());
        self.stream(cmd, &format!("npm install {}", plan.spec()), ctx)
    }

    fn install_pip(&self, plan: &InstallPlan, ctx: &dyn JobContext) -> Result<(), String> {
        let venv_python = plan.prefix.join("bin").join("python");
        if !venv_python.is_file() {
            let python = self
                .python()
                .ok_or("python3 is not installed on the server (needed for a venv)")?;
            let mut cmd = self.command(&python, Manager::Pip);
            cmd.args(["-m", "venv", "--"]).arg(&plan.prefix);
            self.stream(
                cmd,
                &format!("{} -m venv {}", python.display(), plan.prefix.display()),
                ctx,
            )?;
        }
        let mut cmd = self.command(&venv_python, Manager::Pip);
        cmd.args([
            "-m",
            "pip",
            "install",
            "--upgrade",
            "--progress-bar",
            "off",
            "--",
        ])
        .arg(plan.spec());
        self.stream(cmd, &format!("pip install {}", plan.spec()), ctx)
    }

    /// Points `bin/<program>` at the installed program (replaced in one rename).
    fn link(&self, plan: &InstallPlan) -> Result<(), String> {
        if !plan.program.is_file() {
            return Err(format!(
                "the install finished but {} is not there",
                plan.program.display()
            ));
        }
        let name = plan.link.file_name().ok_or("no program name")?;
        let tmp = self
            .layout
            .bin()
            .join(format!(".{}.tmp", name.to_string_lossy()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(plan.link_target(), &tmp)
            .and_then(|()| std::fs::rename(&tmp, &plan.link))
            .map_err(|e| format!("could not link {}: {e}", plan.link.display()))
    }
}

impl Installer for ToolInstaller {
    fn find(&self, program: &str) -> Option<(PathBuf, bool)> {
        if program.contains('/') {
            let p = Path::new(program);
            return p
                .is_file()
                .then(|| (p.to_owned(), p.starts_with(&self.layout.root)));
        }
        let managed = self.layout.bin().join(program);
        if managed.is_file() {
            return Some((managed, true));
        }
        crate::runtime::find_program(program).map(|p| (p, false))
    }

    fn version(&self, path: &Path) -> Result<String, String> {
        let mut spec = self.spec(&path.display().to_string(), None, VERSION_TIMEOUT);
        // What sessions see: the managed bin first (an npm tool's `node` lookup too).
        let base = std::env::var("PATH").ok();
        spec = spec.env(
            "PATH",
            install::session_path(&self.layout.bin(), base.as_deref()),
        );
        let _ = std::fs::create_dir_all(self.layout.home());
        let out = spec.arg("--version").run().map_err(|e| note(&e))?;
        first_line(&out.stdout)
            .or_else(|| first_line(&out.stderr))
            .ok_or_else(|| "printed nothing".to_owned())
    }

    fn latest(&self, manager: Manager, package: &str) -> Result<String, String> {
        let key = (manager, package.to_owned());
        {
            let cache = self
                .latest
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((at, answer)) = cache.get(&key) {
                let ttl = if answer.is_ok() {
                    LATEST_TTL
                } else {
                    LATEST_FAILED_TTL
                };
                if at.elapsed() < ttl {
                    return answer.clone();
                }
            }
        }
        let answer = self.query_latest(manager, package);
        self.latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, (Instant::now(), answer.clone()));
        answer
    }

    fn install(&self, plan: &InstallPlan, ctx: &dyn JobContext) -> Result<(), String> {
        let _one = loop {
            match self.one.try_lock() {
                Ok(g) => break g,
                Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {
                    if ctx.cancelled() {
                        return Err("cancelled".into());
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        };
        for dir in [
            &self.layout.bin(),
            &plan.prefix,
            &self.layout.home(),
            &self.layout.npm_cache(),
            &self.layout.pip_cache(),
        ] {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
        }
        match plan.manager {
            Manager::Npm => self.install_npm(plan, ctx)?,
            Manager::Pip => self.install_pip(plan, ctx)?,
        }
        self.link(plan)?;
        // Forget the cached answer: the status after an install asks the registry again.
        self.latest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(plan.manager, plan.package.to_owned()));
        Ok(())
    }
}

/// A failed query as a status note: what the program said, on one line.
fn note(e: &crate::process::ExecError) -> String {
    match e {
        crate::process::ExecError::Failed {
            program, stderr, ..
        } => one_line(&format!(
            "{program}: {}",
            stderr.lines().next().unwrap_or("failed")
        )),
        other => one_line(&other.to_string()),
    }
}

/// The first line of an error, for a status note.
fn one_line(s: &str) -> String {
    let l = s.lines().next().unwrap_or("").trim();
    let mut out: String = l.chars().take(200).collect();
    if l.chars().count() > 200 {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[path = "tool_install_tests.rs"]
mod tests;
