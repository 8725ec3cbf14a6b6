//! Local automation runs: `ansible-playbook` in a working copy, inside the session
//! sandbox (the working copy read-only unless the run asked to write, the user's tool
//! home as `$HOME`, the network shared so the playbook reaches its hosts), its output
//! streamed to the run's job.
//!
//! Secrets reach the command as files of this run only: the vault password and the
//! user's SSH key are written 0600 in a private 0700 directory (removed when the run
//! ends, like git's ssh files) that the sandbox sees read-only. They are also redacted
//! from every output line, in case a playbook prints one.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use aiops_core::automation::local::{self, Overrides, RunFiles};
use aiops_core::jobs::JobContext;
use aiops_core::sessions::sandbox::SandboxPlan;
use aiops_core::ssh::KeySource;

use crate::ssh::write_private;
use crate::stream::{self, Stopped};

/// How long `ansible-playbook` has to exit after `SIGTERM` before `SIGKILL`.
const GRACE: Duration = Duration::from_secs(5);

/// One local run.
pub struct LocalRun<'a> {
    pub playbook: &'a str,
    pub inventory: Option<&'a str>,
    pub overrides: &'a Overrides,
    /// Working copy, base clone and tool home; `work_dir` is where it runs.
    pub plan: &'a SandboxPlan,
    /// The sandbox mechanism (`bubblewrap`, `seatbelt`), or None to run unsandboxed.
    pub mechanism: Option<&'a str>,
    pub writable: bool,
    pub vault_password: Option<&'a str>,
    pub private_key: Option<&'a KeySource>,
    pub timeout: Duration,
    /// Directories the sandbox shows read-only besides the system (the managed tools).
    pub read_only: &'a [PathBuf],
}

/// Hides exact secret values in lines before they reach the job.
struct Redacting<'a> {
    inner: &'a dyn JobContext,
    secrets: Vec<String>,
}

impl JobContext for Redacting<'_> {
    fn line(&self, text: &str) {
        let mut t = text.to_owned();
        for s in &self.secrets {
            t = t.replace(s.as_str(), "[redacted]");
        }
        self.inner.line(&t);
    }
    fn cancelled(&self) -> bool {
        self.inner.cancelled()
    }
}

/// Runs `r` to its end: `Ok(exit code)` when `ansible-playbook` exited by itself (0 is
/// success; 2 a failed host, 4 an unreachable one, per ansible-playbook(1)), `Err(one
/// line)` when it could not start, was cancelled or timed out.
pub fn run(r: &LocalRun<'_>, ctx: &dyn JobContext) -> Result<i32, String> {
    let dir = tempfile::Builder::new()
        .prefix("aiops-ansible-")
        .tempdir()
        .map_err(|e| format!("cannot make the run's private directory: {e}"))?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("cannot protect the run's private directory: {e}"))?;
    let mut secrets = Vec::new();
    let vault = match r.vault_password {
        Some(p) => {
            let path = dir.path().join("vault-password");
            write_private(&path, p)
                .map_err(|e| format!("cannot write the vault password file: {e}"))?;
            secrets.push(p.to_owned());
            Some(path)
        }
        None => None,
    };
    let key = match r.private_key {
        Some(KeySource::Inline(text)) => {
            let path = dir.path().join("key");
            write_private(&path, text)
                .map_err(|e| format!("cannot write the ssh key file: {e}"))?;
            Some(path)
        }
        Some(KeySource::Path(p)) => Some(PathBuf::from(p)),
        None => None,
    };
    let files = RunFiles {
        vault_password: vault.as_deref(),
        private_key: key.as_deref(),
    };
    let argv = local::argv(r.playbook, r.inventory, r.overrides, files);
    std::fs::create_dir_all(&r.plan.home)
        .map_err(|e| format!("cannot make the tool home {}: {e}", r.plan.home.display()))?;
    let mut extra: Vec<PathBuf> = r.read_only.to_vec();
    extra.push(dir.path().to_owned());
    if let Some(KeySource::Path(p)) = r.private_key {
        extra.push(PathBuf::from(p));
    }
    let full = match r.mechanism {
        Some(m) => wrap(m, r.plan, &extra, r.writable, &argv),
        None => argv.clone(),
    };
    let mut cmd = Command::new(&full[0]);
    cmd.args(&full[1..])
        .current_dir(&r.plan.work_dir)
        .env_clear()
        .envs(env(r.plan));
    let ctx = Redacting {
        inner: ctx,
        secrets,
    };
    ctx.line(&format!("$ {}", shown(&argv)));
    match stream::run(cmd, "ansible-playbook", &ctx, r.timeout, GRACE) {
        Ok(e) => Ok(e.status.code().unwrap_or(-1)),
        Err(Stopped::Cancelled) => {
            ctx.line("aiops: ansible-playbook stopped (cancelled)");
            Err("cancelled".into())
        }
        Err(Stopped::TimedOut(d)) => Err(format!(
            "timed out after {} s; ansible-playbook was stopped",
            d.as_secs()
        )),
        Err(Stopped::Spawn(m)) => Err(m),
    }
}

/// `argv` inside the sandbox; without `writable`, the working copy and its git data
/// are mounted read-only over the sandbox's read-write binds.
fn wrap(
    mechanism: &str,
    plan: &SandboxPlan,
    extra: &[PathBuf],
    writable: bool,
    argv: &[String],
) -> Vec<String> {
    let mut out = crate::sandbox::wrap(mechanism, plan, extra, argv);
    if !writable && mechanism == crate::sandbox::BUBBLEWRAP {
        let sep = out.iter().position(|a| a == "--").unwrap_or(out.len());
        let mut ro = Vec::new();
        for p in [plan.work_dir.clone(), plan.repo.join(".git")] {
            ro.extend([
                "--ro-bind-try".to_owned(),
                p.display().to_string(),
                p.display().to_string(),
            ]);
        }
        out.splice(sep..sep, ro);
    }
    out
}

/// The run's environment: nothing of the server's but a plain `PATH`; `$HOME` the
/// tool home; Ansible's temp folders there by absolute path (inside the sandbox the run
/// may be `nobody`, whose `~` from the password database is `/nonexistent`); unbuffered
/// Python so lines arrive as Ansible prints them; colours on (the log keeps ANSI
/// sequences and the UI renders them); no retry files.
fn env(plan: &SandboxPlan) -> Vec<(String, String)> {
    let tmp = plan.home.join(".ansible").join("tmp").display().to_string();
    vec![
        ("HOME".into(), plan.home.display().to_string()),
        ("ANSIBLE_LOCAL_TEMP".into(), tmp.clone()),
        ("ANSIBLE_REMOTE_TMP".into(), tmp),
        (
            "PATH".into(),
            "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin".into(),
        ),
        ("LANG".into(), "C.UTF-8".into()),
        ("PYTHONUNBUFFERED".into(), "1".into()),
        ("ANSIBLE_FORCE_COLOR".into(), "1".into()),
        ("ANSIBLE_RETRY_FILES_ENABLED".into(), "0".into()),
        ("ANSIBLE_HOST_KEY_CHECKING".into(), "True".into()),
        ("TMPDIR".into(), "/tmp".into()),
    ]
}

/// The command as shown in the log: the private directory's paths shortened.
fn shown(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.contains("aiops-ansible-") {
                Path::new(a)
                    .file_name()
                    .map(|f| format!("<{}>", f.to_string_lossy()))
                    .unwrap_or_default()
            } else if a.contains(' ') || a.contains('"') {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `ansible-playbook --version`'s first line (`ansible-playbook [core 2.14.18]`), or
/// why it cannot run here.
pub fn version() -> Result<String, String> {
    let out = crate::process::Spec::new("ansible-playbook", Duration::from_secs(30))
        .arg("--version")
        .env("ANSIBLE_NOCOLOR", "1")
        .run()
        .map_err(|e| {
            format!("ansible-playbook cannot run on the server: {e} (install ansible-core)")
        })?;
    out.stdout
        .lines()
        .next()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .ok_or_else(|| "ansible-playbook --version printed nothing".to_owned())
}
