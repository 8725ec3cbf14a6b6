//! A throwaway OpenSSH server for tests: `/usr/sbin/sshd -D -e -f <cfg>` on 127.0.0.1 and
//! a free port, with a host key generated for it and public-key logins only, from the
//! keys in the `authorized_keys` file the test gives. Not a fake: the real sshd, so SSH
//! clients are tested against what they meet in production.
//!
//! The tests run as root (`PermitRootLogin prohibit-password`), `UsePAM no` and
//! `StrictModes no` let it accept keys in a temp dir, and `/run/sshd` (its privilege
//! separation directory) is created when missing. Killed when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest sshd may take to say it listens.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running sshd; killed (and reaped) on drop.
pub struct Sshd {
    child: Child,
    /// Its loopback port.
    pub port: u16,
    /// The host key's private file; the public one is beside it (`.pub`).
    pub host_key: PathBuf,
    /// Its log (`-e`: everything sshd says, e.g. `Accepted publickey for …`).
    pub log: PathBuf,
    config: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Every process below `pid` (its children, theirs, …), from `/proc/*/task/*/children`.
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let tasks = std::fs::read_dir(format!("/proc/{p}/task"))
            .into_iter()
            .flatten();
        for task in tasks.flatten() {
            let list = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            for child in list.split_whitespace().filter_map(|c| c.parse().ok()) {
                out.push(child);
                todo.push(child);
            }
        }
    }
    out
}

/// `ssh-keygen`: a new Ed25519 key at `path` (and `path.pub`), with `passphrase` ("" for
/// none). Panics when ssh-keygen fails.
pub fn keygen(path: &Path, passphrase: &str) {
    let out = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            passphrase,
            "-C",
            "aiops-test",
            "-f",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("ssh-keygen (package openssh-client)");
    assert!(
        out.status.success(),
        "ssh-keygen -f {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `SHA256:…` fingerprint `ssh-keygen -lf` prints for the public key file `public`.
pub fn fingerprint(public: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(public)
        .output()
        .expect("ssh-keygen -l");
    assert!(out.status.success(), "ssh-keygen -lf {}", public.display());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("ssh-keygen -l prints `bits fingerprint comment (type)`")
        .to_owned()
}

impl Sshd {
    /// Starts sshd with its files in `dir` (config, host key, pid file, log), accepting
    /// the keys of `authorized_keys`. Retries on another port when the one picked was
    /// taken in the meantime; panics with sshd's log when it never listens.
    pub fn start(dir: &Path, authorized_keys: &Path) -> Sshd {
        std::fs::create_dir_all("/run/sshd").expect("create /run/sshd (sshd's privsep dir)");
        let host_key = dir.join("sshd_host_key");
        if !host_key.exists() {
            keygen(&host_key, "");
        }
        let mut last_log = String::new();
        for attempt in 0..3 {
            let port = free_port();
            let log = dir.join(format!("sshd-{attempt}.log"));
            let config = dir.join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
                     StrictModes no\nPermitRootLogin prohibit-password\nPidFile {}\n",
                    host_key.display(),
                    authorized_keys.display(),
                    dir.join("sshd.pid").display()
                ),
            )
            .expect("write sshd_config");
            let mut sshd = Sshd {
                child: spawn(&config, &log),
                port,
                host_key: host_key.clone(),
                log,
                config,
            };
            match sshd.wait_listening() {
                Ok(()) => return sshd,
                Err(said) => last_log = said,
            }
        }
        panic!("sshd never listened; its log:\n{last_log}");
    }

    /// Waits for sshd to say it listens (its own words, not a connect: another program
    /// may hold a port we picked); its log when it exits or never does.
    fn wait_listening(&mut self) -> Result<(), String> {
        let listening = format!("Server listening on 127.0.0.1 port {}", self.port);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let said = self.log_text();
            if said.contains(&listening) {
                return Ok(());
            }
            let exited = self.child.try_wait().ok().flatten().is_some();
            if exited || Instant::now() > deadline {
                return Err(said);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops sshd (the host goes down: connections are refused).
    /// Its connections go too: sshd serves each in processes of its own that outlive the
    /// listener, and a client's shared connection (`ControlMaster`) would otherwise
    /// still reach a host that is down. The commands they ran are left to end as they
    /// would on a host whose SSH went away (a login shell killed midway can leave its rc
    /// files' lock files behind).
    pub fn stop(&mut self) {
        let below: Vec<u32> = descendants(self.child.id())
            .into_iter()
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .is_ok_and(|c| c.starts_with("sshd"))
            })
            .collect();
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in below {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .output();
        }
    }

    /// Starts it again on the same port, with the same host key (the host is back).
    /// Panics with its log when it does not listen (the port was taken meanwhile).
    pub fn restart(&mut self) {
        self.stop();
        self.log = self.log.with_extension("again.log");
        self.child = spawn(&self.config, &self.log);
        if let Err(said) = self.wait_listening() {
            panic!(
                "sshd did not listen again on {}; its log:\n{said}",
                self.port
            );
        }
    }

    /// What sshd has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The host key's public file.
    pub fn host_public(&self) -> PathBuf {
        self.host_key.with_extension("pub")
    }

    /// The host key's `SHA256:…` fingerprint, as `ssh-keygen -lf` prints it.
    pub fn host_fingerprint(&self) -> String {
        fingerprint(&self.host_public())
    }

    /// The host key's base64 blob (the second field of its `.pub` line).
    pub fn host_key_base64(&self) -> String {
        let line = std::fs::read_to_string(self.host_public()).expect("read the host key");
        line.split_whitespace()
            .nth(1)
            .expect("`type base64 comment`")
            .to_owned()
    }
}

fn spawn(config: &Path, log: &Path) -> Child {
    Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("sshd log file"))
        .spawn()
        .expect("start /usr/sbin/sshd (package openssh-server)")
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    l.local_addr().expect("its address").port()
}

/// The login name of this process's user (`id -un`), for `user@127.0.0.1`.
pub fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
