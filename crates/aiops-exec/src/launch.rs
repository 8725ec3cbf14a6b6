//! A session's private directory (`<data>/sessions/<id>/`, 0700) and the launcher that
//! runs in its tmux pane.
//!
//! Secrets (the session key, tool credentials) must not appear in tmux arguments (the
//! process list shows them) or be typed into the pane, so the server writes the command
//! and its environment to `launch.json` (0600). The pane runs `aiops sessions run --dir
//! <dir>`, which reads and deletes that file, waits until the transcript pipe is in
//! place (`ready`), runs the command with exactly that environment, and records its exit
//! status in `exit` before reporting it — so a status survives a server that is down.
//! The transcript (`transcript.log`, rotated to `transcript.1.log` at
//! [`TRANSCRIPT_ROTATE_BYTES`]) is written by `aiops sessions record`, fed by tmux
//! `pipe-pane`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub const LAUNCH_FILE: &str = "launch.json";
pub const READY_FILE: &str = "ready";
pub const EXIT_FILE: &str = "exit";
pub const TRANSCRIPT_FILE: &str = "transcript.log";
pub const TRANSCRIPT_OLD_FILE: &str = "transcript.1.log";
/// The transcript is rotated at this size, so at most twice this is kept.
pub const TRANSCRIPT_ROTATE_BYTES: u64 = 4 * 1024 * 1024;
/// How long the launcher waits for the transcript pipe before starting anyway.
const READY_WAIT: Duration = Duration::from_secs(3);

/// Variables the launched command inherits from the pane besides its own: what a
/// terminal program needs to find itself, its user and its terminal.
const PASSED: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TERM",
    "TMUX",
    "TMUX_PANE",
    "COLORTERM",
];

/// What `launch.json` holds.
#[derive(Serialize, Deserialize)]
pub struct LaunchFile {
    pub session_id: i64,
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub dir: PathBuf,
}

impl std::fmt::Debug for LaunchFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The environment holds the session key.
        f.debug_struct("LaunchFile")
            .field("session_id", &self.session_id)
            .field("argv", &self.argv)
            .field("env", &format_args!("<{} variables>", self.env.len()))
            .finish()
    }
}

impl LaunchFile {
    /// The value of `key` in the command's environment.
    pub fn var(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Creates the session's private directory.
pub fn session_dir(root: &Path, session_id: i64) -> std::io::Result<PathBuf> {
    let dir = root.join(session_id.to_string());
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(&dir)?;
    Ok(dir)
}

/// Writes `name` in `dir` readable by the owner only (created 0600, then renamed into
/// place so no reader sees half a file).
pub fn write_private(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))
}

/// Reads and deletes `launch.json` (the secrets it holds live on only in memory).
pub fn take_launch_file(dir: &Path) -> std::io::Result<LaunchFile> {
    let path = dir.join(LAUNCH_FILE);
    let text = std::fs::read(&path)?;
    std::fs::remove_file(&path)?;
    serde_json::from_slice(&text)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Waits (at most a few seconds) for the server to say the transcript pipe is on.
pub fn wait_ready(dir: &Path) {
    let deadline = Instant::now() + READY_WAIT;
    while !dir.join(READY_FILE).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs the command in the pane's terminal with exactly the environment it was given
/// (plus [`PASSED`]); returns its exit status (128 + signal when killed by one).
pub fn run_command(launch: &LaunchFile) -> std::io::Result<i32> {
    let (program, args) = launch
        .argv
        .split_first()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"))?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).env_clear().current_dir(&launch.dir);
    for key in PASSED {
        if let Some(v) = std::env::var_os(key) {
            cmd.env(key, v);
        }
    }
    for (k, v) in &launch.env {
        cmd.env(k, v);
    }
    let status = cmd.status()?;
    #[cfg(unix)]
    if let Some(sig) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return Ok(128 + sig);
    }
    Ok(status.code().unwrap_or(1))
}

pub fn record_exit(dir: &Path, code: i32) -> std::io::Result<()> {
    write_private(dir, EXIT_FILE, code.to_string().as_bytes())
}

pub fn recorded_exit(dir: &Path) -> Option<i32> {
    std::fs::read_to_string(dir.join(EXIT_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Appends everything from `input` to the transcript in `dir`, rotating at
/// [`TRANSCRIPT_ROTATE_BYTES`]. Returns at end of input (the pane closed).
pub fn record(dir: &Path, mut input: impl Read) -> std::io::Result<()> {
    let path = dir.join(TRANSCRIPT_FILE);
    let open = |p: &Path| {
        let mut o = std::fs::OpenOptions::new();
        o.append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        o.open(p)
    };
    let mut file = open(&path)?;
    let mut size = file.metadata()?.len();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if size + n as u64 > TRANSCRIPT_ROTATE_BYTES {
            std::fs::rename(&path, dir.join(TRANSCRIPT_OLD_FILE))?;
            file = open(&path)?;
            size = 0;
        }
        file.write_all(&buf[..n])?;
        size += n as u64;
    }
}

/// The transcript (older part first), lossily decoded; `truncated` when the rotated part
/// exists (older output was dropped).
pub fn read_transcript(dir: &Path) -> (String, bool) {
    let old = std::fs::read(dir.join(TRANSCRIPT_OLD_FILE)).ok();
    let new = std::fs::read(dir.join(TRANSCRIPT_FILE)).unwrap_or_default();
    let truncated = old.is_some();
    let mut bytes = old.unwrap_or_default();
    bytes.extend_from_slice(&new);
    (String::from_utf8_lossy(&bytes).into_owned(), truncated)
}
