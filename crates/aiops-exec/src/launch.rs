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
//! [`TRANSCRIPT_ROTATE_BYTES`]) and its rendered text (`rendered.log`, [`crate::render`])
//! are written by `aiops sessions record`, fed by tmux `pipe-pane`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::render::{RENDER_QUEUE_BYTES, RenderThread};

pub const LAUNCH_FILE: &str = "launch.json";
/// How tmux's `pane-died` hook reports: the API URL and the session key (0600; the key is
/// revoked when the session ends, so a leftover file opens nothing).
pub const HOOK_FILE: &str = "hook.json";
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
    /// The command is sandboxed: also keep it from abstract Unix sockets and signals
    /// outside it ([`crate::sandbox::scope_ipc`]).
    #[serde(default)]
    pub scope_ipc: bool,
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

/// What `hook.json` holds.
#[derive(Serialize, Deserialize)]
pub struct HookFile {
    pub session_id: i64,
    pub url: String,
    pub key: String,
    /// The tool's kind (`claude`, `codex`, `aider`, `generic`): which dialogs the
    /// recorder watches for. Empty in files written before it existed.
    #[serde(default)]
    pub kind: String,
    /// The prompt the recorder types at the tool's first input prompt, if any, and the
    /// tmux session it types into.
    #[serde(default)]
    pub typed_prompt: Option<String>,
    #[serde(default)]
    pub tmux_name: String,
}

impl std::fmt::Debug for HookFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookFile")
            .field("session_id", &self.session_id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Reads `hook.json`.
pub fn read_hook_file(dir: &Path) -> std::io::Result<HookFile> {
    let bytes = std::fs::read(dir.join(HOOK_FILE))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Creates `dir` and its missing parents private to aiops's user (0700).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Creates the session's private directory.
pub fn session_dir(root: &Path, session_id: i64) -> std::io::Result<PathBuf> {
    let dir = root.join(session_id.to_string());
    private_dir(&dir)?;
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

/// Creates an aiops user's tool home (0700) on first use, with a minimal profile — never
/// a copy of the server account's dotfiles, so a slow or broken `~/.bashrc` of the host
/// cannot hang a pane. Files the user's tools wrote there later are kept.
pub fn seed_home(home: &Path) -> std::io::Result<()> {
    private_dir(home)?;
    let files: [(&str, &str); 2] = [
        (
            ".profile",
            "# The aiops tool home of one aiops user: $HOME of their sessions.\n\
             [ -n \"$BASH_VERSION\" ] && [ -f \"$HOME/.bashrc\" ] && . \"$HOME/.bashrc\"\n",
        ),
        (".bashrc", "PS1='\\w \\$ '\n"),
    ];
    for (name, text) in files {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        match o.open(home.join(name)) {
            Ok(mut f) => f.write_all(text.as_bytes())?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Removes the Codex `auth.json` that sessions of aiops before the tool homes kept in
/// their own folder (`<dir>/codex`); Codex's login now lives in the user's tool home.
pub fn forget_credentials(dir: &Path) {
    let _ = std::fs::remove_file(dir.join("codex").join("auth.json"));
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

/// Resets the pane's terminal (`ESC c`) before the command starts: tmux starts a
/// respawned command on a cleared screen without a byte on the pipe, so this is how the
/// recorder's emulator learns of it (it writes what the screen showed, then starts over;
/// see [`crate::render`]). On a new pane it changes nothing.
pub fn reset_terminal() {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(b"\x1bc").and_then(|()| out.flush());
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
    if launch.scope_ipc {
        // This thread's domain is what the command inherits; the launcher itself only
        // waits and reports over TCP afterwards.
        crate::sandbox::scope_ipc();
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

/// Longest run kept back waiting for a line end before it is written anyway (split at a
/// space or control byte, which no token contains).
const MAX_PENDING: usize = 16 * 1024;

/// Where pending output may be cut without cutting a token: after the last newline, else
/// before the last escape sequence or after the last carriage return or bell (a TUI that
/// redraws in place — a spinner, Codex's answer — may print no newline for a long
/// while, and no token holds those bytes), else (when too much is pending) after the
/// last space or control byte.
fn cut(pending: &[u8], end_of_input: bool) -> usize {
    if end_of_input {
        return pending.len();
    }
    if let Some(i) = pending.iter().rposition(|&b| b == b'\n') {
        return i + 1;
    }
    if let Some(i) = pending
        .iter()
        .rposition(|&b| b == 0x1b || b == b'\r' || b == 0x07)
    {
        return if pending[i] == 0x1b { i } else { i + 1 };
    }
    if pending.len() > MAX_PENDING {
        return pending
            .iter()
            .rposition(|&b| b.is_ascii_whitespace() || b.is_ascii_control())
            .map_or(pending.len(), |i| i + 1);
    }
    0
}

/// An append-only file of the session dir, 0600, moved to `old` (replacing it) when it
/// would pass [`TRANSCRIPT_ROTATE_BYTES`], so at most twice that is kept.
pub(crate) struct LogFile {
    path: PathBuf,
    old: PathBuf,
    file: std::fs::File,
    size: u64,
}

impl LogFile {
    pub(crate) fn open(dir: &Path, name: &str, old: &str) -> std::io::Result<Self> {
        let path = dir.join(name);
        let file = Self::create(&path)?;
        Ok(Self {
            size: file.metadata()?.len(),
            old: dir.join(old),
            path,
            file,
        })
    }

    fn create(path: &Path) -> std::io::Result<std::fs::File> {
        let mut o = std::fs::OpenOptions::new();
        o.append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        o.open(path)
    }

    pub(crate) fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.size + bytes.len() as u64 > TRANSCRIPT_ROTATE_BYTES {
            std::fs::rename(&self.path, &self.old)?;
            self.file = Self::create(&self.path)?;
            self.size = 0;
        }
        self.file.write_all(bytes)?;
        self.size += bytes.len() as u64;
        Ok(())
    }
}

/// Appends everything from `input` to the transcript in `dir`, redacted (secrets an agent
/// prints never reach the disk), rotating at [`TRANSCRIPT_ROTATE_BYTES`]. Output is
/// written a line at a time so a token split across reads is still seen whole. Also hands
/// it to the rendered log's own thread ([`crate::render`]), which never holds this one
/// back. Returns at end of input (the pane closed), once the rendered log has the last
/// screen.
pub fn record(dir: &Path, input: impl Read) -> std::io::Result<()> {
    record_watched(dir, input, None)
}

/// Like [`record`], also showing `watch` the pane's settled screen
/// ([`RenderThread::start_watched`]): how a session notices its tool is blocked.
pub fn record_watched(
    dir: &Path,
    mut input: impl Read,
    watch: Option<crate::render::ScreenWatch>,
) -> std::io::Result<()> {
    let mut raw = LogFile::open(dir, TRANSCRIPT_FILE, TRANSCRIPT_OLD_FILE)?;
    let mut rendered = RenderThread::start_watched(dir, RENDER_QUEUE_BYTES, watch)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let (n, done) = match input.read(&mut buf) {
            Ok(0) => (0, true),
            Ok(n) => (n, false),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        pending.extend_from_slice(&buf[..n]);
        let at = cut(&pending, done);
        if at > 0 {
            let chunk = String::from_utf8_lossy(&pending[..at]);
            raw.append(aiops_core::redact::redact(&chunk).as_bytes())?;
            pending.drain(..at);
        }
        rendered.feed(&buf[..n]);
        if done {
            return rendered.finish();
        }
    }
}

/// The log `name` (after its rotated part `old`), lossily decoded; `truncated` when the
/// rotated part exists (older output was dropped).
pub(crate) fn read_rotated(dir: &Path, name: &str, old: &str) -> (String, bool) {
    let old = std::fs::read(dir.join(old)).ok();
    let new = std::fs::read(dir.join(name)).unwrap_or_default();
    let truncated = old.is_some();
    let mut bytes = old.unwrap_or_default();
    bytes.extend_from_slice(&new);
    (String::from_utf8_lossy(&bytes).into_owned(), truncated)
}

/// The raw transcript (older part first), lossily decoded; `truncated` when the rotated
/// part exists (older output was dropped).
pub fn read_transcript(dir: &Path) -> (String, bool) {
    read_rotated(dir, TRANSCRIPT_FILE, TRANSCRIPT_OLD_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its chunks one read at a time, like a pipe.
    struct Chunks(Vec<Vec<u8>>);

    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let chunk = self.0.remove(0);
            buf[..chunk.len()].copy_from_slice(&chunk);
            Ok(chunk.len())
        }
    }

    #[test]
    fn a_secret_split_across_reads_is_redacted_in_the_transcript() {
        let dir = tempfile::tempdir().unwrap();
        let key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123";
        let (a, b) = key.split_at(10);
        let input = Chunks(vec![
            format!("\x1b[1mkey: {a}").into_bytes(),
            format!("{b}\r\nnext line\r\n").into_bytes(),
            b"no newline at the end".to_vec(),
        ]);
        record(dir.path(), input).unwrap();
        let (text, truncated) = read_transcript(dir.path());
        assert!(!truncated);
        assert!(
            !text.contains(a) || !text.contains(b),
            "the key leaked: {text:?}"
        );
        assert!(text.contains("key: [REDACTED]"), "{text:?}");
        assert!(
            text.ends_with("next line\r\nno newline at the end"),
            "nothing else is lost: {text:?}"
        );
    }

    #[test]
    fn output_redrawn_in_place_reaches_the_transcript_without_a_newline() {
        let dir = tempfile::tempdir().unwrap();
        let (reader, mut writer) = std::io::pipe().unwrap();
        let path = dir.path().to_owned();
        let recorder = std::thread::spawn(move || record(&path, reader));
        writer
            .write_all(b"\x1b[2K\x1b[1Gthinking\r\x1b[2K\x1b[1GFAKE-ANSWER-1\x1b[0m")
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !read_transcript(dir.path()).0.contains("FAKE-ANSWER-1") {
            assert!(
                Instant::now() < deadline,
                "the answer is held back until a newline"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(writer);
        recorder.join().unwrap().unwrap();
    }

    #[test]
    fn the_transcript_rotates_instead_of_growing() {
        let dir = tempfile::tempdir().unwrap();
        let line = format!("{}\n", "x".repeat(1023));
        let chunks = (0..(TRANSCRIPT_ROTATE_BYTES / 1024 + 10))
            .map(|_| line.clone().into_bytes())
            .collect();
        record(dir.path(), Chunks(chunks)).unwrap();
        let kept = std::fs::metadata(dir.path().join(TRANSCRIPT_FILE))
            .unwrap()
            .len()
            + std::fs::metadata(dir.path().join(TRANSCRIPT_OLD_FILE))
                .unwrap()
                .len();
        assert!(
            kept <= 2 * TRANSCRIPT_ROTATE_BYTES,
            "at most two files' worth: {kept}"
        );
        assert!(
            read_transcript(dir.path()).1,
            "older output dropped is reported"
        );
    }
}
