//! A child process whose output a job follows line by line: stdout and stderr as they
//! come, stopped (its whole process group: package managers' and Ansible's children
//! too) when the job is cancelled or its deadline passes — `SIGTERM` first, `SIGKILL`
//! after a grace period.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use aiops_core::jobs::JobContext;

/// How a streamed command ended when it was not stopped.
#[derive(Debug)]
pub struct Ended {
    pub status: ExitStatus,
}

/// Why a streamed command did not end by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    Cancelled,
    TimedOut(Duration),
    /// It could not start (the message names the program).
    Spawn(String),
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cancelled => f.write_str("cancelled"),
            Self::TimedOut(d) => {
                write!(f, "did not finish within {} s and was stopped", d.as_secs())
            }
            Self::Spawn(m) => f.write_str(m),
        }
    }
}

/// Runs `cmd` (stdin closed, its own process group) to its end, each output line to
/// `ctx` (invalid UTF-8 replaced, trailing whitespace trimmed). Stops it on a cancel or
/// after `deadline`: `SIGTERM` to the group, `SIGKILL` after `grace`.
pub fn run(
    mut cmd: Command,
    what: &str,
    ctx: &dyn JobContext,
    deadline: Duration,
    grace: Duration,
) -> Result<Ended, Stopped> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| Stopped::Spawn(format!("could not start {what}: {e}")))?;
    let (tx, rx) = mpsc::channel::<String>();
    let pipes = [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    ];
    for pipe in pipes.into_iter().flatten() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(pipe);
            let mut buf = Vec::new();
            while matches!(r.read_until(b'\n', &mut buf), Ok(n) if n > 0) {
                let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
                buf.clear();
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let started = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => ctx.line(&line),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if ctx.cancelled() {
            stop(&mut child, grace);
            return Err(Stopped::Cancelled);
        }
        if started.elapsed() > deadline {
            stop(&mut child, grace);
            return Err(Stopped::TimedOut(deadline));
        }
    }
    // Both pipes closed: the child is exiting (a grandchild holding them open is
    // covered by the loop above, which ends only when they close).
    let status = child
        .wait()
        .map_err(|e| Stopped::Spawn(format!("{what}: {e}")))?;
    Ok(Ended { status })
}

/// `SIGTERM` to the group, then `SIGKILL` once `grace` has passed without an exit.
fn stop(child: &mut Child, grace: Duration) {
    let pid = rustix::process::Pid::from_child(child);
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::TERM);
    let until = Instant::now() + grace;
    while Instant::now() < until {
        if matches!(child.try_wait(), Ok(Some(_))) {
            // The leader is gone; its group may not be.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    let _ = child.kill();
    let _ = child.wait();
}
