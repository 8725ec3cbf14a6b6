//! Running one child process: argv only (never a shell string), a cleared environment
//! plus what the caller allows, a deadline after which the child is killed, and output
//! captured with stderr passed through the redactor before it can reach a user or a log.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

/// Most bytes kept of a child's stdout or stderr; the rest is dropped (and said so).
pub const MAX_OUTPUT_BYTES: usize = 8 * 1024 * 1024;

/// Environment variables passed through from aiops's own environment when present: what
/// a program needs to find itself and its user, nothing that changes its behaviour.
const INHERITED: &[&str] = &[
    "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME",
];

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The program is not installed (or not on `PATH`).
    #[error("`{program}` is not installed or not on PATH")]
    NotFound { program: String },
    #[error("`{program}` could not be started: {message}")]
    Spawn { program: String, message: String },
    #[error("`{program}` did not finish within {secs} s and was stopped")]
    Timeout { program: String, secs: u64 },
    /// Exit status other than 0; `stderr` is redacted and trimmed.
    #[error("`{program}` failed (exit {code:?}): {stderr}")]
    Failed {
        program: String,
        code: Option<i32>,
        stderr: String,
    },
}

/// What a finished child printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    /// Redacted.
    pub stderr: String,
}

/// A command to run: program, arguments, working directory, environment, deadline.
#[derive(Debug, Clone)]
pub struct Spec {
    program: String,
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    env: Vec<(String, OsString)>,
    timeout: Duration,
}

impl Spec {
    pub fn new(program: &str, timeout: Duration) -> Self {
        Self {
            program: program.to_owned(),
            args: Vec::new(),
            dir: None,
            env: Vec::new(),
            timeout,
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_owned());
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Self {
        self.env.push((key.to_owned(), value.into()));
        self
    }

    /// Runs to completion; `Failed` on a non-zero exit.
    pub fn run(&self) -> Result<Output, ExecError> {
        self.run_with_input(None)
    }

    /// Runs with `input` on stdin (e.g. a commit message), to completion.
    pub fn run_with_input(&self, input: Option<&[u8]>) -> Result<Output, ExecError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .env_clear()
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for key in INHERITED {
            if let Some(v) = std::env::var_os(key) {
                cmd.env(key, v);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ExecError::NotFound {
                program: self.program.clone(),
            },
            _ => ExecError::Spawn {
                program: self.program.clone(),
                message: e.to_string(),
            },
        })?;
        // Readers on their own threads, so a child filling one pipe cannot deadlock us.
        let out = child.stdout.take().map(reader);
        let err = child.stderr.take().map(reader);
        if let (Some(mut stdin), Some(bytes)) = (child.stdin.take(), input) {
            use std::io::Write;
            // A child that exits without reading its input is judged by its exit status.
            let _ = stdin.write_all(bytes);
        }
        let status = match child.wait_timeout(self.timeout) {
            Ok(Some(status)) => status,
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExecError::Timeout {
                    program: self.program.clone(),
                    secs: self.timeout.as_secs(),
                });
            }
            Err(e) => {
                return Err(ExecError::Spawn {
                    program: self.program.clone(),
                    message: e.to_string(),
                });
            }
        };
        let stdout = out
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        let stderr = err
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        let stderr = aiops_core::redact::redact(stderr.trim()).into_owned();
        if !status.success() {
            return Err(ExecError::Failed {
                program: self.program.clone(),
                code: status.code(),
                stderr,
            });
        }
        Ok(Output { stdout, stderr })
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut pipe)
            .take(MAX_OUTPUT_BYTES as u64)
            .read_to_end(&mut buf);
        // Drain the rest so the child never blocks on a full pipe.
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Runs `argv` attached to this process's terminal (stdin, stdout and stderr inherited)
/// and returns its exit status: for `tmux attach` and `ssh -t`, which the user drives.
/// The environment is aiops's own (the user's terminal settings, `SSH_AUTH_SOCK`).
pub fn interactive(argv: &[String]) -> Result<i32, ExecError> {
    let (program, args) = argv.split_first().ok_or_else(|| ExecError::Spawn {
        program: String::new(),
        message: "no program".into(),
    })?;
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ExecError::NotFound {
                program: program.clone(),
            },
            _ => ExecError::Spawn {
                program: program.clone(),
                message: e.to_string(),
            },
        })?;
    Ok(status.code().unwrap_or(1))
}

/// `ssh -t [-p PORT] -- <destination> <remote command>` (`-p` off port 22): ssh joins the remote command into one
/// string for the remote user's shell, so each argument is shell-quoted here and arrives
/// as exactly one word. `destination` (`user@host`) must not start with `-`.
pub fn ssh_argv(destination: &str, port: u16, remote: &[String]) -> Result<Vec<String>, ExecError> {
    let bad = |message: &str| ExecError::Spawn {
        program: "ssh".into(),
        message: message.into(),
    };
    if destination.is_empty()
        || destination.starts_with('-')
        || destination.contains(char::is_whitespace)
    {
        return Err(bad("the SSH destination is not user@host"));
    }
    let quoted =
        shell_words(remote).ok_or_else(|| bad("the remote command contains a NUL byte"))?;
    let mut argv = vec!["ssh".to_owned(), "-t".to_owned()];
    if port != 22 {
        argv.extend(["-p".to_owned(), port.to_string()]);
    }
    argv.extend(["--".to_owned(), destination.to_owned()]);
    argv.push(quoted);
    Ok(argv)
}

/// `argv` as one line a POSIX shell reads back as the same words; None when an argument
/// holds a NUL byte (no shell word can).
pub fn shell_words(argv: &[String]) -> Option<String> {
    let quoted = argv
        .iter()
        .map(|a| shlex::try_quote(a).map(std::borrow::Cow::into_owned))
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    Some(quoted.join(" "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_remote_command_arrives_as_the_same_words() {
        let argv = super::ssh_argv(
            "aiops@example.com",
            22,
            &[
                "tmux".into(),
                "-S".into(),
                "/data dir/$(id)/tmux.sock".into(),
                "=aiops-1-x".into(),
            ],
        )
        .unwrap();
        assert_eq!(argv[..4], ["ssh", "-t", "--", "aiops@example.com"]);
        assert_eq!(argv[4], "tmux -S '/data dir/$(id)/tmux.sock' '=aiops-1-x'");
        assert!(super::ssh_argv("-oProxyCommand=x", 22, &[]).is_err());
        let other = super::ssh_argv("build@10.0.0.5", 2222, &["true".into()]).unwrap();
        assert_eq!(
            other[..6],
            ["ssh", "-t", "-p", "2222", "--", "build@10.0.0.5"]
        );
    }
}
