//! The attach command in a PTY on the server's host, over SSH (ssh2, bundled libssh2):
//! what the desktop app uses for a remote server, as `ssh -t user@host 'tmux attach …'`
//! would, without a child process and with the keystroke latency of the SSH link alone.
//!
//! [`connect`] is the blocking part, in the order `ssh` does it: TCP (no Nagle: a
//! keystroke is a few bytes that must not wait), the SSH handshake, the host key against
//! `known_hosts` ([`super::known_hosts`]) **before** any credential is sent, then the
//! credentials in turn. Its errors say which step failed, because the caller acts on the
//! difference: no server or no usable credential (try another transport), an unknown host
//! (ask the user), a changed or revoked host key (refuse), a passphrase (ask for it).
//! [`SshSession::attach`] then opens the PTY channel, runs the command and hands the
//! session to one thread (`ssh_pump.rs`).

use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ssh2::Session;

use super::known_hosts::{self, HostKey, HostStatus, KnownHostsFiles};
use super::{Attached, Screen};

/// libssh2's `LIBSSH2_ERROR_FILE`: the key file could not be used (unreadable, or a
/// wrong passphrase).
const ERROR_FILE: i32 = -16;

/// Where to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// A name or an address (`AttachInfo.host`).
    pub host: String,
    pub port: u16,
    pub user: String,
}

/// A key file's passphrase; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(String);

impl Passphrase {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the keychain that keeps it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// One way to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshCredential {
    /// The identities of the ssh-agent at `SSH_AUTH_SOCK`.
    Agent,
    /// A private key file (OpenSSH or PEM format); its passphrase when it has one.
    KeyFile {
        path: PathBuf,
        passphrase: Option<Passphrase>,
    },
}

/// Everything [`connect`] needs.
#[derive(Debug, Clone)]
pub struct Connect {
    pub target: SshTarget,
    /// Tried in this order, except that a key file still waiting for its passphrase
    /// goes last (an agent may hold the same key).
    pub credentials: Vec<SshCredential>,
    pub known_hosts: KnownHostsFiles,
    /// Bound on the TCP connect to each address of the host. Short is kind: a port that
    /// drops packets (a firewalled 22) costs this long before another transport is tried.
    pub connect_timeout: Duration,
    /// Bound on each blocking step of the handshake and the login.
    pub timeout: Duration,
}

/// The host and the key it showed, for a prompt or a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownKey {
    pub host: String,
    pub port: u16,
    pub key: HostKey,
}

#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// No SSH server answered there: name not resolved, refused, no route, timed out,
    /// or the handshake failed.
    #[error("cannot reach an SSH server at {host}:{port}: {message}")]
    Unreachable {
        host: String,
        port: u16,
        message: String,
    },
    /// Not in `known_hosts`: the user decides whether to trust the key (first use).
    #[error("the SSH host key of {} is not known", known_hosts::host_name(&.0.host, .0.port))]
    UnknownHost(ShownKey),
    /// `known_hosts` holds another key of this type for the host.
    #[error(
        "the SSH host key of {} has CHANGED (it is now {}): someone may be intercepting \
         the connection, or the server was reinstalled. Check with its administrator, then \
         remove the old line from ~/.ssh/known_hosts",
        known_hosts::host_name(&.0.host, .0.port), .0.key.fingerprint()
    )]
    ChangedHost(ShownKey),
    #[error("the SSH host key of {} is revoked in known_hosts", known_hosts::host_name(&.0.host, .0.port))]
    RevokedHost(ShownKey),
    /// A known_hosts file could not be read, so the host cannot be checked.
    #[error("{0}")]
    KnownHosts(#[from] known_hosts::KnownHostsError),
    /// The key file needs its passphrase (`wrong`: the one given did not open it).
    #[error("the key {} needs {}", path.display(), if *wrong { "its right passphrase" } else { "its passphrase" })]
    Passphrase { path: PathBuf, wrong: bool },
    /// The server accepted none of the credentials (or there were none to try).
    #[error("{user}@{host} accepted no credential: {tried}")]
    NoCredential {
        user: String,
        host: String,
        tried: String,
    },
    /// The session failed after login (channel, PTY, the command).
    #[error("SSH: {0}")]
    Session(String),
}

/// A logged-in SSH session, ready for [`SshSession::attach`].
pub struct SshSession {
    session: Session,
    /// The socket's descriptor, which `session` owns; the pump polls it.
    fd: std::os::fd::RawFd,
}

impl std::fmt::Debug for SshSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SshSession")
    }
}

/// Connects, checks the host key and logs in (see the module doc). Blocking: call it off
/// any async worker.
pub fn connect(c: &Connect) -> Result<SshSession, SshError> {
    let SshTarget { host, port, user } = &c.target;
    let unreachable = |message: String| SshError::Unreachable {
        host: host.clone(),
        port: *port,
        message,
    };
    let tcp = tcp(host, *port, c.connect_timeout).map_err(unreachable)?;
    let _ = tcp.set_nodelay(true);
    let fd = tcp.as_raw_fd();
    let mut session = Session::new().map_err(|e| SshError::Session(e.to_string()))?;
    session.set_tcp_stream(tcp);
    session.set_timeout(c.timeout.as_millis().try_into().unwrap_or(u32::MAX));
    session
        .handshake()
        .map_err(|e| unreachable(format!("SSH handshake: {}", e.message())))?;

    let (blob, _) = session
        .host_key()
        .ok_or_else(|| unreachable("the server showed no host key".into()))?;
    let shown = ShownKey {
        host: host.clone(),
        port: *port,
        key: HostKey::from_blob(blob)?,
    };
    match known_hosts::check(&c.known_hosts, host, *port, &shown.key)? {
        HostStatus::Known => {}
        HostStatus::Unknown => return Err(SshError::UnknownHost(shown)),
        HostStatus::Changed => return Err(SshError::ChangedHost(shown)),
        HostStatus::Revoked => return Err(SshError::RevokedHost(shown)),
    }

    let mut tried = Vec::new();
    let (ready, locked): (Vec<_>, Vec<_>) = c.credentials.iter().partition(|cr| match cr {
        SshCredential::KeyFile {
            path,
            passphrase: None,
        } => !key_is_encrypted(path),
        _ => true,
    });
    for credential in ready {
        if login(&session, user, credential, &mut tried)? {
            return Ok(SshSession { session, fd });
        }
    }
    if let Some(SshCredential::KeyFile { path, .. }) = locked.first() {
        return Err(SshError::Passphrase {
            path: path.clone(),
            wrong: false,
        });
    }
    if tried.is_empty() {
        tried.push("none given".into());
    }
    Err(SshError::NoCredential {
        user: user.clone(),
        host: host.clone(),
        tried: tried.join("; "),
    })
}

/// The first address of `host` that accepts a TCP connection within `timeout`.
fn tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
    let addrs = (host, port).to_socket_addrs().map_err(|e| e.to_string())?;
    let mut last = format!("`{host}` has no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// Tries one credential; `Ok(true)` once logged in. What failed goes to `tried`; a key
/// file whose passphrase is wrong is an error at once (the user must type it again).
fn login(
    session: &Session,
    user: &str,
    credential: &SshCredential,
    tried: &mut Vec<String>,
) -> Result<bool, SshError> {
    match credential {
        SshCredential::KeyFile { path, passphrase } => {
            let pass = passphrase.as_ref().map(|p| p.0.as_str());
            match session.userauth_pubkey_file(user, None, path, pass) {
                Ok(()) => return Ok(session.authenticated()),
                Err(e) if e.code() == ssh2::ErrorCode::Session(ERROR_FILE) => {
                    if key_is_encrypted(path) {
                        return Err(SshError::Passphrase {
                            path: path.clone(),
                            wrong: true,
                        });
                    }
                    tried.push(format!("{}: cannot use the key file", path.display()));
                }
                Err(e) => tried.push(format!("{}: {}", path.display(), e.message())),
            }
        }
        SshCredential::Agent => {
            let found = agent_login(session, user);
            match found {
                Ok(true) => return Ok(true),
                Ok(false) => tried.push("ssh-agent: no key was accepted".into()),
                Err(e) => tried.push(format!("ssh-agent: {}", e.message())),
            }
        }
    }
    Ok(false)
}

fn agent_login(session: &Session, user: &str) -> Result<bool, ssh2::Error> {
    let mut agent = session.agent()?;
    agent.connect()?;
    agent.list_identities()?;
    for identity in agent.identities()? {
        if agent.userauth(user, &identity).is_ok() && session.authenticated() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the private key file at `path` is protected by a passphrase: an OpenSSH key
/// (`openssh-key-v1`) whose cipher is not `none`, or a PEM key with `ENCRYPTED` in its
/// header. A file that cannot be read or parsed counts as not encrypted (libssh2 then
/// says what is wrong with it).
pub fn key_is_encrypted(path: &Path) -> bool {
    let mut text = String::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_string(&mut text));
    if read.is_err() {
        return false;
    }
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || text.contains("Proc-Type: 4,ENCRYPTED")
    {
        return true;
    }
    let Some(body) = text
        .split("-----BEGIN OPENSSH PRIVATE KEY-----")
        .nth(1)
        .and_then(|rest| rest.split("-----END OPENSSH PRIVATE KEY-----").next())
    else {
        return false;
    };
    use base64::Engine;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64) else {
        return false;
    };
    // "openssh-key-v1\0", then the cipher name as an SSH string.
    let Some(rest) = bytes.strip_prefix(b"openssh-key-v1\0") else {
        return false;
    };
    let cipher = rest.get(..4).and_then(|l| {
        let len = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
        rest.get(4..4 + len)
    });
    cipher.is_some_and(|c| c != b"none")
}

impl SshSession {
    /// Opens a session channel with a PTY of `cols` × `rows` cells (`TERM` =
    /// `xterm-256color`), runs `command` there (each word quoted for the remote shell,
    /// see [`super::shell_command`]) and streams its output to `screen` from a thread of
    /// its own until it ends or the returned handle is dropped (the channel closes: sshd
    /// hangs up the PTY, tmux detaches, the session stays). `read_only` drops input.
    pub fn attach(
        self,
        command: &[String],
        cols: u16,
        rows: u16,
        read_only: bool,
        screen: Arc<dyn Screen>,
    ) -> Result<Attached, SshError> {
        let line = super::shell_command(command).map_err(|e| SshError::Session(e.to_string()))?;
        let session_err =
            |what: &str, e: ssh2::Error| SshError::Session(format!("{what}: {}", e.message()));
        let mut channel = self
            .session
            .channel_session()
            .map_err(|e| session_err("opening a channel", e))?;
        // A PTY merges stderr already; anything still sent apart must not fill the window.
        channel
            .handle_extended_data(ssh2::ExtendedData::Merge)
            .map_err(|e| session_err("merging stderr", e))?;
        channel
            .request_pty(
                "xterm-256color",
                None,
                Some((cols.into(), rows.into(), 0, 0)),
            )
            .map_err(|e| session_err("requesting a PTY", e))?;
        channel
            .exec(&line)
            .map_err(|e| session_err("running the attach command", e))?;
        super::ssh_pump::start(self.session, channel, self.fd, read_only, screen)
            .map_err(|e| SshError::Session(format!("cannot start the terminal thread: {e}")))
    }
}
