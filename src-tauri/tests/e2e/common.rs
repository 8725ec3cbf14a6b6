//! A real `aiops serve` child process on a throwaway data dir, and the CLI run against it.
//!
//! Every process gets an environment without inherited `AIOPS_*` variables and with its
//! own `HOME`, `XDG_CONFIG_HOME` and `AIOPS_CONFIG_DIR`, so nothing reads or writes the
//! real user's config, keychain or data. Nothing here sleeps and hopes: each wait polls a
//! condition under a deadline and fails with a message that says what did not happen.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use aiops_client::{Client, Credential, Secret};

/// The binary under test.
pub const AIOPS: &str = env!("CARGO_BIN_EXE_aiops");
/// The first admin every [`ServerProcess::start`] creates.
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct-horse-battery-staple";
/// Longest a server may take to print its listening line.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest one CLI invocation, or a graceful stop, may take.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);
/// What `aiops serve` prints first.
const LISTENING: &str = "aiops serve: listening on ";

/// A running `aiops serve` on its own data dir; killed (SIGKILL) on drop.
pub struct ServerProcess {
    /// `http://127.0.0.1:PORT` (`https://` with a TLS certificate) of the current child.
    pub url: String,
    /// An API key with scopes read, write, admin; empty when started without an admin.
    pub admin_key: String,
    /// `<tmp>/data`: `aiops.db`, `logs/`, …
    pub data_dir: PathBuf,
    /// Extra environment of `aiops serve` (e.g. `AIOPS_LOG_LEVEL`), kept for restarts.
    serve_env: Vec<(String, String)>,
    /// Extra environment of every CLI run against it (e.g. `SSL_CERT_FILE`).
    cli_env: Vec<(String, String)>,
    child: Option<Child>,
    /// The child's stdout after the listening line, one line per message.
    stdout: Option<Receiver<String>>,
    /// How many children this data dir has seen; names their stderr files.
    starts: u32,
    /// The binary `aiops serve` runs from, when not the build's own (an update test
    /// replaces it).
    serve_bin: Option<PathBuf>,
    tmp: tempfile::TempDir,
}

impl ServerProcess {
    /// A server whose data dir already holds the admin `ADMIN_EMAIL` and an admin key.
    pub fn start() -> Self {
        Self::start_with(true, &[])
    }

    /// A server on an empty data dir (it prints the setup URL).
    pub fn start_fresh() -> Self {
        Self::start_with(false, &[])
    }

    /// `with_admin`: create the admin and its key first. `env`: extra `aiops serve` env.
    pub fn start_with(with_admin: bool, env: &[(&str, &str)]) -> Self {
        let mut server = Self::blank(env, String::new(), None);
        if with_admin {
            server.create_admin();
        }
        server.spawn();
        server
    }

    /// Like [`start_with`] (with an admin), `aiops serve` running from `bin`.
    pub fn start_from_binary(bin: &Path, env: &[(&str, &str)]) -> Self {
        let mut server = Self::blank(env, String::new(), Some(bin.to_owned()));
        server.create_admin();
        server.spawn();
        server
    }

    /// A server on a data dir that `prepare` fills first (e.g. with a restored backup),
    /// used with `admin_key` (a key stored in what `prepare` put there).
    pub fn start_prepared(admin_key: &str, prepare: impl FnOnce(&Path)) -> Self {
        let mut server = Self::blank(&[], admin_key.to_owned(), None);
        prepare(&server.data_dir);
        server.spawn();
        server
    }

    fn blank(env: &[(&str, &str)], admin_key: String, serve_bin: Option<PathBuf>) -> Self {
        let tmp = tempfile::tempdir().expect("a temp dir for the server");
        Self {
            url: String::new(),
            admin_key,
            data_dir: tmp.path().join("data"),
            serve_env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            cli_env: Vec::new(),
            child: None,
            stdout: None,
            starts: 0,
            serve_bin,
            tmp,
        }
    }

    fn create_admin(&mut self) {
        let data = self.data_dir.display().to_string();
        let out = self.cli_offline(
            &[
                "admin",
                "create-admin",
                "--data-dir",
                &data,
                "--email",
                ADMIN_EMAIL,
                "--password-stdin",
            ],
            Some(&format!("{ADMIN_PASSWORD}\n")),
        );
        assert_success(&out, "aiops admin create-admin on an empty data dir");
        let out = self.cli_offline(
            &[
                "admin",
                "create-api-key",
                "--data-dir",
                &data,
                "--email",
                ADMIN_EMAIL,
                "--scopes",
                "read,write,admin",
            ],
            None,
        );
        assert_success(&out, "aiops admin create-api-key for the admin");
        let key = text(&out.stdout).trim().to_owned();
        assert!(
            key.starts_with("aiops_") && !key.contains(char::is_whitespace),
            "create-api-key prints exactly the key on stdout, got {key:?}"
        );
        self.admin_key = key;
    }

    /// Starts `aiops serve` on the data dir and waits for its listening line.
    fn spawn(&mut self) {
        assert!(self.child.is_none(), "one server child at a time");
        self.starts += 1;
        let stderr_path = self.stderr_path();
        let stderr = std::fs::File::create(&stderr_path).expect("a file for the server's stderr");
        let mut cmd = self.base_command();
        if let Some(bin) = &self.serve_bin {
            let mut own = Command::new(bin);
            own.envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))));
            for (k, v) in cmd.get_envs() {
                if v.is_none() {
                    own.env_remove(k);
                }
            }
            cmd = own;
        }
        cmd.args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(&self.data_dir)
            .envs(self.serve_env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // A file, not a pipe: a debug-level server writes more than a pipe buffer holds.
            .stderr(Stdio::from(stderr));
        let mut child = cmd.spawn().expect("spawn aiops serve");
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        self.child = Some(child);
        let first = match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!(
                "aiops serve printed no listening line within {START_TIMEOUT:?}; stderr:\n{}",
                self.stderr()
            ),
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.as_mut().and_then(|c| c.wait().ok());
                panic!(
                    "aiops serve closed stdout before its listening line (exit {status:?}); stderr:\n{}",
                    self.stderr()
                )
            }
        };
        let url = first.strip_prefix(LISTENING).unwrap_or_else(|| {
            panic!("the first stdout line of aiops serve is `{LISTENING}URL`, got {first:?}")
        });
        // A server given a certificate (AIOPS_TLS_CERT) must listen on https, any other on http.
        let tls = self.serve_env.iter().any(|(k, _)| k == "AIOPS_TLS_CERT");
        let expected = if tls {
            "https://127.0.0.1:"
        } else {
            "http://127.0.0.1:"
        };
        assert!(
            url.starts_with(expected) && !url.ends_with(":0"),
            "the listening line names the bound loopback port as {expected}…, got {url:?}"
        );
        self.url = url.to_owned();
        self.stdout = Some(rx);
    }

    fn stderr_path(&self) -> PathBuf {
        self.tmp
            .path()
            .join(format!("serve-{}.stderr", self.starts))
    }

    /// What the current (or last) child wrote to stderr, for failure messages.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr_path()).unwrap_or_default()
    }

    /// The next line the server printed on stdout after the listening line.
    pub fn next_stdout_line(&self, timeout: Duration) -> String {
        let rx = self.stdout.as_ref().expect("a running server");
        rx.recv_timeout(timeout).unwrap_or_else(|e| {
            panic!(
                "expected another stdout line from aiops serve within {timeout:?}: {e}; stderr:\n{}",
                self.stderr()
            )
        })
    }

    /// The one-time setup token a server on an empty data dir prints (`…/setup#token=T`)
    /// as its next stdout line.
    pub fn setup_token(&self) -> String {
        let line = self.next_stdout_line(START_TIMEOUT);
        let token = line
            .split_once("/setup#token=")
            .map(|(_, rest)| {
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .unwrap_or_else(|| panic!("a fresh data dir prints a setup URL, got {line:?}"));
        assert!(!token.is_empty(), "the setup URL carries a token: {line:?}");
        token
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reap the child.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.stdout = None;
    }

    /// SIGTERM, then wait (bounded) for a clean exit; returns the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running server");
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("run kill(1)");
        assert!(sent.success(), "kill -TERM {} failed", child.id());
        let status = wait_for_exit(&mut child, PROCESS_TIMEOUT);
        self.stdout = None;
        status.unwrap_or_else(|| {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "aiops serve did not exit within {PROCESS_TIMEOUT:?} of SIGTERM; stderr:\n{}",
                self.stderr()
            )
        })
    }

    /// Starts a new `aiops serve` on the same data dir (after [`kill`](Self::kill) or
    /// [`terminate`](Self::terminate)); `url` changes to the new port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    fn base_command(&self) -> Command {
        isolated(self.tmp.path())
    }

    /// `$AIOPS_CONFIG_DIR` of every CLI run: `config.toml` lives in its `aiops/`.
    pub fn config_dir(&self) -> PathBuf {
        config_dir(self.tmp.path())
    }

    /// Sets `key=value` in the environment of every later CLI run against this server
    /// (e.g. `SSL_CERT_FILE` for a server with a self-signed certificate).
    pub fn set_cli_env(&mut self, key: &str, value: &str) {
        self.cli_env.push((key.to_owned(), value.to_owned()));
    }

    /// `aiops ARGS` with `AIOPS_URL` and the admin's `AIOPS_API_KEY` set; change the
    /// environment of the returned command as a test needs, then [`run`] it.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.base_command();
        cmd.args(args)
            .env("AIOPS_URL", &self.url)
            .envs(self.cli_env.iter().map(|(k, v)| (k, v)));
        if !self.admin_key.is_empty() {
            cmd.env("AIOPS_API_KEY", &self.admin_key);
        }
        cmd
    }

    /// Runs `aiops ARGS` as the admin against this server.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run(self.command(args), stdin)
    }

    /// Runs `aiops ARGS` without a server URL or key (admin commands, flags that exit).
    pub fn cli_offline(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = self.base_command();
        cmd.args(args);
        run(cmd, stdin)
    }

    /// An `aiops-client` authenticated with the admin key.
    pub fn admin_client(&self) -> Client {
        assert!(!self.admin_key.is_empty(), "this server has an admin key");
        Client::new(
            &self.url,
            Credential::ApiKey(Secret::new(self.admin_key.clone())),
        )
        .expect("a client of the server")
    }

    /// An `aiops-client` without credentials.
    pub fn public_client(&self) -> Client {
        Client::new(&self.url, Credential::None).expect("a client of the server")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
        // Sessions outlive the server by design: stop this data dir's own tmux server
        // (never anyone else's) so no pane survives the test.
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(self.data_dir.join("tmux.sock"))
            .arg("kill-server")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

#[path = "common_run.rs"]
mod run_helpers;
pub use run_helpers::*;
