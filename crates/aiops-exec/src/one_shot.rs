//! [`Runtime::run_once`] on this machine: a tool run once outside tmux (the chat bot's
//! `agent` answer), with the same tool home preparation and the same sandbox as a
//! session's command, through [`crate::process`] (argv only, a cleared environment, a
//! deadline after which bubblewrap and everything under it is killed).
//!
//! [`Runtime::run_once`]: aiops_core::ports::Runtime::run_once

use std::path::{Path, PathBuf};

use aiops_core::ports::{OneShot, OneShotOutput, OneShots};
use aiops_core::{CoreError, CoreResult};

use crate::process::{ExecError, Spec};
use crate::runtime::TmuxRuntime;
use crate::sandbox;

impl OneShots for TmuxRuntime {
    fn run_once(&self, run: &OneShot) -> CoreResult<OneShotOutput> {
        let prefix = match (&run.sandbox, run.argv.first()) {
            (Some(sb), Some(program)) => self.install_prefix(program, &sb.repo),
            _ => Vec::new(),
        };
        run_in(run, &prefix)
    }

    fn forget_one_shot(&self, dir: &Path, home: &Path) -> CoreResult<()> {
        forget(dir, home)
    }
}

/// Most characters of stderr kept in the output.
const STDERR_TAIL: usize = 2000;

/// Runs `run`; `prefix` is what the sandbox must show read-only for the program (its
/// install prefix, from the runtime).
fn run_in(run: &OneShot, prefix: &[std::path::PathBuf]) -> CoreResult<OneShotOutput> {
    let io = |p: &Path, e: std::io::Error| CoreError::Internal(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(&run.dir).map_err(|e| io(&run.dir, e))?;
    crate::launch::seed_home(&run.home).map_err(|e| io(&run.home, e))?;
    crate::tool_home::prepare(&run.home, run.kind, &run.home_setup).map_err(|e| {
        CoreError::Conflict(format!(
            "could not prepare the tool home {}: {e}",
            run.home.display()
        ))
    })?;
    let mut argv = run.argv.clone();
    if let Some(plan) = &run.sandbox {
        let mechanism = sandbox::mechanism().ok_or_else(|| {
            CoreError::Conflict("the session sandbox no longer works on this machine".into())
        })?;
        argv = sandbox::wrap(mechanism, plan, prefix, &argv);
    }
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| CoreError::Internal("a one-shot run without a program".into()))?;
    let mut spec = Spec::new(program, run.timeout)
        .args(args)
        .dir(&run.dir)
        .env("HOME", run.home.as_os_str())
        .env("TERM", "dumb")
        .env("NO_COLOR", "1");
    for (k, v) in &run.env {
        spec = spec.env(k, v);
    }
    match spec.run() {
        Ok(out) => Ok(OneShotOutput {
            exit_code: Some(0),
            stdout: out.stdout,
            stderr: tail(&out.stderr),
        }),
        Err(ExecError::Failed { code, stderr, .. }) => Ok(OneShotOutput {
            exit_code: code,
            stdout: String::new(),
            stderr: tail(&stderr),
        }),
        Err(ExecError::NotFound { program }) => Err(CoreError::invalid(
            "tool",
            format!("`{program}` is not installed on the server (not found on PATH)"),
        )),
        Err(e @ ExecError::Timeout { .. }) => Err(CoreError::Upstream(e.to_string())),
        Err(e) => Err(CoreError::Internal(e.to_string())),
    }
}

/// The last [`STDERR_TAIL`] characters.
fn tail(text: &str) -> String {
    let n = text.chars().count();
    text.chars().skip(n.saturating_sub(STDERR_TAIL)).collect()
}

/// Removes `dir` and what it holds, and Claude Code's conversations of `dir` kept in
/// `home`; gone already is fine. The records are found before the folder goes: Claude
/// names them by its real (symlink-resolved) path.
fn forget(dir: &Path, home: &Path) -> CoreResult<()> {
    let records = crate::conversation::claude_folders(home, dir);
    for path in records.iter().map(PathBuf::as_path).chain([dir]) {
        match std::fs::remove_dir_all(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CoreError::Internal(format!("{}: {e}", path.display()))),
        }
    }
    Ok(())
}
