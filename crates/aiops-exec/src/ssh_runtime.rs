//! The session runtime over SSH (issue 23), control plane side: [`SshRuntime`] is the
//! [`Runtime`] of one session host. Each call runs `<root>/bin/aiops host-runtime` there
//! over OpenSSH with the call as JSON on stdin ([`crate::host_rpc`]); the host runs it
//! with its own `TmuxRuntime`.
//!
//! [`SshRuntime::connect`] readies the host: it resolves the root (relative roots are in
//! the SSH user's home) and copies this aiops binary to `<root>/bin/aiops` when the copy
//! there is not this one (an id of the binary is kept beside it), so the launcher, the
//! hooks and the transcript recorder on the host are the control plane's own. The host
//! must run the same OS and architecture (`hosts test` shows `uname`).
//!
//! SSH: aiops's key and the host's confirmed keys only, no ssh config, no agent, a
//! deadline per call ([`crate::ssh`]); the key files live as long as the runtime, since
//! a terminal attach (`ssh -t … tmux attach`) outlives the call that built it.
//!
//! One connection per host: the first call opens an OpenSSH control master
//! (ssh_config(5) `ControlMaster auto`, its socket in the runtime's private 0700
//! directory) that the following calls and terminals share, so a call costs a channel,
//! not a handshake. It goes after [`IDLE_SECS`] unused, when the runtime drops (`ssh -O
//! exit`), or when the host stops answering keep-alives (`ServerAliveInterval`), and
//! the next call connects again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiops_core::hosts::SshTarget;
use aiops_core::ports::{
    LaunchPlan, OneShot, OneShotOutput, OneShots, PaneInfo, Prepared, Runtime, WorkspacePlan,
    WorktreeInfo,
};
use aiops_core::ssh::{KeySource, SshMaterial};
use aiops_core::{CoreError, CoreResult};
use aiops_types::Transcript;

use crate::host_rpc::{Call, Reply, decode, unit};
use crate::process::{ExecError, Spec};
use crate::ssh::SshFiles;

/// Longest one call may take: a clone of a big repository, a setup command.
const CALL_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest the binary copy may take.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest a quick call (the root, the binary's id) may take.
const QUICK: Duration = Duration::from_secs(30);
/// How long the shared connection outlives its last use, in seconds.
const IDLE_SECS: u32 = 120;
/// Keep-alive interval of the shared connection, in seconds; two missed ones end it.
const KEEPALIVE_SECS: u32 = 5;

pub struct SshRuntime {
    name: String,
    target: SshTarget,
    files: SshFiles,
    /// The host's root, absolute.
    root: PathBuf,
    /// The host's `PATH` as the SSH login has it.
    path: String,
    mechanism: std::sync::OnceLock<Option<&'static str>>,
}

/// `material` with its key as text (a key file of this machine is read), as it must be to
/// travel to a host.
pub(crate) fn inline(material: &SshMaterial) -> CoreResult<SshMaterial> {
    Ok(match &material.key {
        KeySource::Path(p) => SshMaterial {
            key: KeySource::Inline(zeroize::Zeroizing::new(
                std::fs::read_to_string(p).map_err(|e| CoreError::Internal(format!("{p}: {e}")))?,
            )),
            known_hosts: material.known_hosts.clone(),
        },
        KeySource::Inline(_) => material.clone(),
    })
}

/// `text` as one word for a POSIX shell.
fn quote(text: &str) -> CoreResult<String> {
    shlex::try_quote(text)
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| CoreError::invalid("root", "a path with a NUL byte"))
}

impl SshRuntime {
    /// Connects to host `name` at `target` with `material`, resolves `root` there and
    /// makes `<root>/bin/aiops` this binary (`local_bin`, whose id is `binary_id`).
    /// Errors: `Upstream` with ssh's words when the host does not answer.
    pub fn connect(
        name: &str,
        target: SshTarget,
        material: &SshMaterial,
        root: &str,
        local_bin: &Path,
        binary_id: &str,
    ) -> CoreResult<Self> {
        let material = inline(material)?;
        let files = crate::ssh::files(&material)
            .map_err(|e| CoreError::Internal(format!("ssh files: {e}")))?;
        let mut rt = Self {
            name: name.to_owned(),
            target,
            files,
            root: PathBuf::new(),
            path: String::new(),
            mechanism: std::sync::OnceLock::new(),
        };
        let resolved = rt.remote(
            &format!(
                "umask 077 && mkdir -p {r} && cd {r} && pwd -P && printf '%s\\n' \"$PATH\"",
                r = quote(root)?
            ),
            None,
            QUICK,
        )?;
        let mut lines = resolved.lines();
        let abs = lines.next().unwrap_or_default().trim();
        rt.path = lines.next().unwrap_or_default().trim().to_owned();
        if !abs.starts_with('/') {
            return Err(CoreError::Upstream(format!(
                "host {name}: the root {root} did not resolve to a path ({abs})"
            )));
        }
        rt.root = PathBuf::from(abs);
        rt.install(local_bin, binary_id)?;
        Ok(rt)
    }

    /// The host's root (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The host's `PATH` as the SSH login has it (empty when it has none).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `<root>/bin/aiops`.
    pub fn aiops_bin(&self) -> PathBuf {
        self.root.join("bin").join("aiops")
    }

    /// ssh's options: the key files' and the shared connection's.
    fn options(&self) -> Vec<std::ffi::OsString> {
        let mut out = self.files.options();
        let mut control = std::ffi::OsString::from("ControlPath=");
        control.push(self.files.dir().join("mux"));
        out.extend(["-o".into(), control]);
        for o in [
            "ControlMaster=auto".to_owned(),
            format!("ControlPersist={IDLE_SECS}"),
            format!("ServerAliveInterval={KEEPALIVE_SECS}"),
            "ServerAliveCountMax=2".to_owned(),
        ] {
            out.extend(["-o".into(), o.into()]);
        }
        out
    }

    /// argv that runs a command on the host in a terminal: `ssh <options> -t -p PORT -l
    /// USER -- ADDRESS`; the command follows as one shell-quoted string.
    pub fn terminal_prefix(&self) -> Vec<String> {
        let mut argv = vec!["ssh".to_owned()];
        argv.extend(
            self.options()
                .into_iter()
                .map(|o| o.to_string_lossy().into_owned()),
        );
        argv.extend([
            "-t".to_owned(),
            "-p".to_owned(),
            self.target.port.to_string(),
            "-l".to_owned(),
            self.target.user.clone(),
            "--".to_owned(),
            self.target.address.clone(),
        ]);
        argv
    }

    /// Runs `command` (one shell string, its values quoted) on the host with `input` on
    /// stdin; its stdout.
    fn remote(&self, command: &str, input: Option<&[u8]>, timeout: Duration) -> CoreResult<String> {
        let out = Spec::new("ssh", timeout)
            .args(self.options())
            .args([
                "-T",
                "-p",
                &self.target.port.to_string(),
                "-l",
                &self.target.user,
            ])
            .args(["--", self.target.address.as_str(), command])
            .run_with_input(input);
        match out {
            Ok(o) => Ok(o.stdout),
            Err(ExecError::Failed { stderr, code, .. }) => Err(CoreError::Upstream(format!(
                "host {} ({}): {}",
                self.name,
                code.map_or_else(|| "killed".to_owned(), |c| format!("exit {c}")),
                stderr
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no message")
            ))),
            Err(ExecError::NotFound { .. }) => Err(CoreError::invalid(
                "ssh",
                "the `ssh` program (OpenSSH client) is not installed on the server",
            )),
            Err(e) => Err(CoreError::Upstream(format!("host {}: {e}", self.name))),
        }
    }

    /// Copies `local_bin` to `<root>/bin/aiops` unless the id beside it says it is there.
    fn install(&self, local_bin: &Path, binary_id: &str) -> CoreResult<()> {
        let bin = self.aiops_bin();
        let id_file = format!("{}.id", bin.display());
        let have = self.remote(
            &format!("cat {} 2>/dev/null || true", quote(&id_file)?),
            None,
            QUICK,
        )?;
        if have.trim() == binary_id {
            return Ok(());
        }
        let bytes = std::fs::read(local_bin)
            .map_err(|e| CoreError::Internal(format!("{}: {e}", local_bin.display())))?;
        let tmp = format!("{}.tmp", bin.display());
        let script = format!(
            "umask 077 && mkdir -p {dir} && cat > {tmp} && chmod 700 {tmp} && mv {tmp} {bin} \
             && printf '%s\\n' {id} > {id_file}",
            dir = quote(&self.root.join("bin").display().to_string())?,
            tmp = quote(&tmp)?,
            bin = quote(&bin.display().to_string())?,
            id = quote(binary_id)?,
            id_file = quote(&id_file)?,
        );
        self.remote(&script, Some(&bytes), UPLOAD_TIMEOUT)?;
        Ok(())
    }

    /// One runtime call on the host.
    pub(crate) fn call(&self, call: &Call) -> CoreResult<serde_json::Value> {
        let body = serde_json::to_vec(call).map_err(|e| CoreError::Internal(e.to_string()))?;
        let command = format!(
            "{} host-runtime --root {}",
            quote(&self.aiops_bin().display().to_string())?,
            quote(&self.root.display().to_string())?
        );
        let out = self.remote(&command, Some(&body), CALL_TIMEOUT)?;
        let reply: Reply = serde_json::from_str(out.trim()).map_err(|e| {
            CoreError::Internal(format!("host {} answered no runtime reply: {e}", self.name))
        })?;
        reply.into_result(&self.name)
    }
}

impl Drop for SshRuntime {
    /// Ends the shared connection (its socket's directory goes with the key files).
    fn drop(&mut self) {
        let _ = Spec::new("ssh", QUICK)
            .args(self.options())
            .args(["-O", "exit", "-p", &self.target.port.to_string()])
            .args(["-l", &self.target.user, "--", &self.target.address])
            .run_with_input(None);
    }
}

/// `prefix` (see [`SshRuntime::terminal_prefix`]) followed by `command` as the one
/// shell-quoted string the host's login shell runs.
pub fn terminal_argv(prefix: &[String], command: &[String]) -> CoreResult<Vec<std::ffi::OsString>> {
    if command.is_empty() {
        return Err(CoreError::Upstream(
            "the session host gave no attach command".into(),
        ));
    }
    let joined = shlex::try_join(command.iter().map(String::as_str))
        .map_err(|e| CoreError::Internal(format!("attach command: {e}")))?;
    let mut argv: Vec<std::ffi::OsString> = prefix.iter().map(Into::into).collect();
    argv.push(joined.into());
    Ok(argv)
}

impl OneShots for SshRuntime {
    fn run_once(&self, _run: &OneShot) -> CoreResult<OneShotOutput> {
        Err(CoreError::Conflict(
            "one-shot runs (the chat agent) happen on the control plane's machine only".into(),
        ))
    }

    fn forget_one_shot(&self, _dir: &Path, _home: &Path) -> CoreResult<()> {
        Ok(())
    }
}

impl Runtime for SshRuntime {
    fn prepare(&self, plan: &WorkspacePlan) -> CoreResult<Prepared> {
        decode(self.call(&Call::Prepare {
            plan: Box::new(plan.clone()),
        })?)
    }

    fn read_text(&self, dir: &Path, name: &str) -> Option<String> {
        let call = Call::ReadText {
            dir: dir.to_owned(),
            name: name.to_owned(),
        };
        self.call(&call).ok().and_then(|v| decode(v).ok()).flatten()
    }

    fn write_context(&self, dir: &Path, text: &str) -> CoreResult<()> {
        unit(self.call(&Call::WriteContext {
            dir: dir.to_owned(),
            text: text.to_owned(),
        })?)
    }

    fn check_program(&self, program: &str) -> CoreResult<()> {
        unit(self.call(&Call::CheckProgram {
            program: program.to_owned(),
        })?)
        .map_err(|e| match e {
            CoreError::Invalid { message, .. } => CoreError::Invalid {
                field: Some("tool"),
                message: message.replace("on the server", &format!("on host {}", self.name)),
            },
            e => e,
        })
    }

    fn sandbox_mechanism(&self) -> Option<&'static str> {
        *self.mechanism.get_or_init(|| {
            let found: Option<String> = self
                .call(&Call::SandboxMechanism)
                .ok()
                .and_then(|v| decode(v).ok())
                .flatten();
            match found.as_deref() {
                Some(crate::sandbox::BUBBLEWRAP) => Some(crate::sandbox::BUBBLEWRAP),
                Some(crate::sandbox::SEATBELT) => Some(crate::sandbox::SEATBELT),
                _ => None,
            }
        })
    }

    fn launch(&self, plan: &LaunchPlan) -> CoreResult<()> {
        unit(self.call(&Call::Launch {
            plan: Box::new(plan.clone()),
        })?)
    }

    fn panes(&self) -> CoreResult<Vec<PaneInfo>> {
        decode(self.call(&Call::Panes)?)
    }

    fn recorded_exit(&self, session_id: i64) -> Option<i32> {
        self.call(&Call::RecordedExit { session_id })
            .ok()
            .and_then(|v| decode(v).ok())
            .flatten()
    }

    fn kill(&self, session_id: i64, tmux_name: &str) -> CoreResult<()> {
        unit(self.call(&Call::Kill {
            session_id,
            tmux_name: tmux_name.to_owned(),
        })?)
    }

    fn send(&self, tmux_name: &str, text: &str, enter: bool) -> CoreResult<()> {
        unit(self.call(&Call::Send {
            tmux_name: tmux_name.to_owned(),
            text: text.to_owned(),
            enter,
        })?)
    }

    fn transcript(&self, session_id: i64, tail: Option<u32>, raw: bool) -> CoreResult<Transcript> {
        decode(self.call(&Call::Transcript {
            session_id,
            tail,
            raw,
        })?)
    }

    /// The tmux command on the host (what runs after `ssh -t`; see
    /// [`SshRuntime::terminal_prefix`]).
    fn attach_command(&self, tmux_name: &str, read_only: bool) -> Vec<String> {
        self.call(&Call::AttachCommand {
            tmux_name: tmux_name.to_owned(),
            read_only,
        })
        .ok()
        .and_then(|v| decode(v).ok())
        .unwrap_or_default()
    }

    fn worktrees(&self, base: &Path) -> CoreResult<Vec<WorktreeInfo>> {
        decode(self.call(&Call::Worktrees {
            base: base.to_owned(),
        })?)
    }

    fn remove_worktree(&self, base: &Path, path: &Path, force: bool) -> CoreResult<()> {
        unit(self.call(&Call::RemoveWorktree {
            base: base.to_owned(),
            path: path.to_owned(),
            force,
        })?)
    }
}
