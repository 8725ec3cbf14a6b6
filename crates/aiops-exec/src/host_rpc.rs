//! The session runtime over SSH (issue 23), host side: each [`Runtime`] call the control
//! plane makes for a session host travels as one JSON [`Call`] on the stdin of
//! `<root>/bin/aiops host-runtime --root <root>` run there over SSH (the control plane's
//! own binary, copied to the host), which runs it with the same [`TmuxRuntime`] a local
//! session uses — rooted at the host's root instead of the data dir — and prints one
//! JSON [`Reply`]. So git (argv only, `--end-of-options`, deadlines), the sandbox (the
//! host's own bubblewrap and `/etc`), tmux (aiops's socket there), the launcher and the
//! transcript behave on a host exactly as they do locally.
//!
//! A call may carry secrets (a launch's session key and tool credentials, a repository's
//! deploy key): they travel inside the SSH channel, on stdin, never in an argv.

use std::path::{Path, PathBuf};

use aiops_core::ports::{LaunchPlan, Runtime, WorkspacePlan};
use aiops_core::{CoreError, CoreResult};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::runtime::TmuxRuntime;

/// One runtime call.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Call {
    Prepare {
        plan: Box<WorkspacePlan>,
    },
    ReadText {
        dir: PathBuf,
        name: String,
    },
    WriteContext {
        dir: PathBuf,
        text: String,
    },
    CheckProgram {
        program: String,
    },
    SandboxMechanism,
    Launch {
        plan: Box<LaunchPlan>,
    },
    Panes,
    RecordedExit {
        session_id: i64,
    },
    Kill {
        session_id: i64,
        tmux_name: String,
    },
    Send {
        tmux_name: String,
        text: String,
        enter: bool,
    },
    Transcript {
        session_id: i64,
        tail: Option<u32>,
        raw: bool,
    },
    AttachCommand {
        tmux_name: String,
        read_only: bool,
    },
    Worktrees {
        base: PathBuf,
    },
    RemoveWorktree {
        base: PathBuf,
        path: PathBuf,
        force: bool,
    },
    /// A git verb on one of the host's working copies ([`crate::host_git`]).
    Git {
        ctx: Box<aiops_core::ports::GitContext>,
        verb: crate::host_git::GitOp,
    },
}

/// What a call returned: its value, or the error by kind and message.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Ok(Value),
    Err { kind: String, message: String },
}

impl Reply {
    pub(crate) fn of<T: Serialize>(r: CoreResult<T>) -> Self {
        match r {
            Ok(v) => Reply::Ok(serde_json::to_value(v).unwrap_or(Value::Null)),
            Err(e) => {
                let kind = match &e {
                    CoreError::Invalid { .. } => "invalid",
                    CoreError::Unauthorized(_) => "unauthorized",
                    CoreError::Forbidden(_) => "forbidden",
                    CoreError::NotFound(_) => "not_found",
                    CoreError::Conflict(_) => "conflict",
                    CoreError::RateLimited { .. } => "rate_limited",
                    CoreError::Upstream(_) => "upstream",
                    CoreError::Internal(_) => "internal",
                };
                Reply::Err {
                    kind: kind.into(),
                    message: e.to_string(),
                }
            }
        }
    }

    /// The value, or the error as the control plane's own kind (`host` names the host in
    /// internal errors, which go to the log).
    pub fn into_result(self, host: &str) -> CoreResult<Value> {
        match self {
            Reply::Ok(v) => Ok(v),
            Reply::Err { kind, message } => Err(match kind.as_str() {
                "invalid" => CoreError::Invalid {
                    field: None,
                    message,
                },
                "forbidden" | "unauthorized" => CoreError::Forbidden(message),
                "not_found" => CoreError::NotFound(message),
                "conflict" => CoreError::Conflict(message),
                "upstream" | "rate_limited" => CoreError::Upstream(message),
                _ => CoreError::Internal(format!("session host {host}: {message}")),
            }),
        }
    }
}

/// Runs `call` on this machine with the runtime rooted at `root` (its sessions, tmux
/// socket, tool prefix and workspaces live there), `aiops_bin` being this binary.
pub fn serve(root: &Path, aiops_bin: PathBuf, call: Call) -> Reply {
    let rt = TmuxRuntime::new(root, aiops_bin);
    // Each call is its own process here, so the runtime's in-process lock cannot keep
    // two starts on one issue from racing on its worktree: a lock file does.
    let _one = match &call {
        Call::Prepare { .. } | Call::RemoveWorktree { .. } => match prepare_lock(root) {
            Ok(f) => Some(f),
            Err(e) => {
                return Reply::of::<()>(Err(CoreError::Internal(format!(
                    "{}: {e}",
                    root.join(PREPARE_LOCK).display()
                ))));
            }
        },
        _ => None,
    };
    match call {
        Call::Prepare { plan } => Reply::of(rt.prepare(&plan)),
        Call::ReadText { dir, name } => Reply::of(Ok(rt.read_text(&dir, &name))),
        Call::WriteContext { dir, text } => Reply::of(rt.write_context(&dir, &text)),
        Call::CheckProgram { program } => Reply::of(rt.check_program(&program)),
        Call::SandboxMechanism => Reply::of(Ok(rt.sandbox_mechanism())),
        Call::Launch { plan } => Reply::of(rt.launch(&plan)),
        Call::Panes => Reply::of(rt.panes()),
        Call::RecordedExit { session_id } => Reply::of(Ok(rt.recorded_exit(session_id))),
        Call::Kill {
            session_id,
            tmux_name,
        } => Reply::of(rt.kill(session_id, &tmux_name)),
        Call::Send {
            tmux_name,
            text,
            enter,
        } => Reply::of(rt.send(&tmux_name, &text, enter)),
        Call::Transcript {
            session_id,
            tail,
            raw,
        } => Reply::of(rt.transcript(session_id, tail, raw)),
        Call::AttachCommand {
            tmux_name,
            read_only,
        } => Reply::of(Ok(rt.attach_command(&tmux_name, read_only))),
        Call::Worktrees { base } => Reply::of(rt.worktrees(&base)),
        Call::RemoveWorktree { base, path, force } => {
            Reply::of(rt.remove_worktree(&base, &path, force))
        }
        Call::Git { ctx, verb } => crate::host_git::serve(&ctx, verb),
    }
}

/// The lock file under a host's root held while a worktree is prepared or removed.
const PREPARE_LOCK: &str = "prepare.lock";

/// `<root>/prepare.lock`, locked exclusively (flock: released when the file closes, so
/// also when the process dies).
fn prepare_lock(root: &Path) -> std::io::Result<std::fs::File> {
    std::fs::create_dir_all(root)?;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(root.join(PREPARE_LOCK))?;
    f.lock()?;
    Ok(f)
}

/// `aiops host-runtime`: reads one call from `input`, writes its reply to `output`.
/// Errors only when the call is not a call (the reply says every runtime error).
pub fn serve_stdio(
    root: &Path,
    aiops_bin: PathBuf,
    input: impl std::io::Read,
    mut output: impl std::io::Write,
) -> std::io::Result<()> {
    let call: Call = serde_json::from_reader(input)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    let reply = serve(root, aiops_bin, call);
    serde_json::to_writer(&mut output, &reply)?;
    output.flush()
}

/// A reply that is only a confirmation (`null`).
pub(crate) fn unit(v: Value) -> CoreResult<()> {
    match v {
        Value::Null => Ok(()),
        other => Err(CoreError::Internal(format!(
            "a session host answered {other} where nothing was expected"
        ))),
    }
}

/// Decodes a reply's value.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(v: Value) -> CoreResult<T> {
    serde_json::from_value(v.clone())
        .map_err(|e| CoreError::Internal(format!("a session host answered {}: {e}", json!(v))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A second preparation on the host waits for the first: the lock is the host's
    /// file, not a lock inside one process.
    #[test]
    fn the_prepare_lock_is_a_file_lock_not_a_process_one() {
        let root = tempfile::tempdir().unwrap();
        let first = prepare_lock(root.path()).unwrap();
        let again = std::fs::File::open(root.path().join(PREPARE_LOCK)).unwrap();
        assert!(
            matches!(again.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
            "held while the first call runs"
        );
        drop(first);
        again.try_lock().expect("free once it is done");
    }
}
