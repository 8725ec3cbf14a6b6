//! Keystroke-echo latency of the desktop's SSH terminal transport, for
//! `scripts/bench/desktop-ssh.sh` (a benchmark, never a test): a throwaway sshd on a free
//! loopback port (`aiops_fakes::sshd`) and a private tmux session running `cat`; the
//! transport (`aiops_exec::attach::ssh`: ssh2 with its own poll thread) attaches to it
//! like the desktop app does, then N single keys are typed one at a time and each is
//! timed until its echo reaches the screen (client → sshd → PTY → tmux attach → tmux →
//! `cat`'s PTY echo → tmux → back). Prints the percentiles as a markdown table.
//!
//!   cargo run --release -p aiops-exec --features ssh --example ssh_echo -- [COUNT]
//!
//! Keys cycle through `fjkwxz`, letters that tmux's escape sequences and its status line
//! do not contain, so a chunk holding the key is its echo. Every chunk is acknowledged
//! (the transport's flow control). Needs sshd, ssh-keygen and tmux; runs as a user sshd
//! lets in with a key (root in CI containers).

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aiops_exec::attach::known_hosts::{self, KnownHostsFiles};
use aiops_exec::attach::ssh::{Connect, SshCredential, SshError, SshTarget, connect};
use aiops_exec::attach::{Attached, Screen, Terminal};
use aiops_exec::tmux::{NewSession, Tmux};
use aiops_fakes::sshd::{Sshd, current_user, keygen};

const KEYS: &[u8] = b"fjkwxz";
const WARMUP: usize = 20;
const PER_KEY: Duration = Duration::from_secs(5);
const SESSION: &str = "aiops-bench-echo";

type Error = Box<dyn std::error::Error>;

/// Output chunks to the measuring thread.
struct Chunks(mpsc::Sender<Vec<u8>>);

impl Screen for Chunks {
    fn output(&self, bytes: &[u8]) -> bool {
        self.0.send(bytes.to_vec()).is_ok()
    }
    fn ended(&self, code: u16, reason: &str) {
        eprintln!("ssh_echo: the terminal ended ({code}: {reason})");
    }
}

/// Stops the private tmux server however the run ends.
struct TmuxServer(Tmux);

impl Drop for TmuxServer {
    fn drop(&mut self) {
        let _ = self.0.kill_server();
    }
}

fn main() -> Result<(), Error> {
    let count: usize = std::env::args().nth(1).map_or(Ok(200), |n| n.parse())?;
    if count == 0 {
        return Err("COUNT must be at least 1".into());
    }
    let dir = tempfile::tempdir()?;
    let key = dir.path().join("id_bench");
    keygen(&key, "");
    let authorized = dir.path().join("authorized_keys");
    std::fs::copy(key.with_extension("pub"), &authorized)?;
    let sshd = Sshd::start(dir.path(), &authorized);
    let tmux = TmuxServer(Tmux::new(dir.path()));
    tmux.0.new_session(&NewSession {
        name: SESSION,
        dir: dir.path(),
        env: &[],
        command: &["cat".to_owned()],
        width: 200,
        height: 50,
    })?;
    let command: Vec<String> = tmux
        .0
        .attach_argv(SESSION, false)?
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();

    let c = Connect {
        target: SshTarget {
            host: "127.0.0.1".into(),
            port: sshd.port,
            user: current_user(),
        },
        credentials: vec![SshCredential::KeyFile {
            path: key,
            passphrase: None,
        }],
        known_hosts: KnownHostsFiles {
            user: dir.path().join("known_hosts"),
            global: vec![],
        },
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
    };
    // First contact: trust the key, as the user does at the prompt.
    let session = match connect(&c) {
        Err(SshError::UnknownHost(shown)) => {
            known_hosts::trust(&c.known_hosts, &shown.host, shown.port, &shown.key)?;
            connect(&c)?
        }
        other => other?,
    };
    let (tx, rx) = mpsc::channel();
    let screen: Arc<dyn Screen> = Arc::new(Chunks(tx));
    let attached = session.attach(&command, 200, 50, false, screen)?;
    let samples = measure(&attached, &rx, count)?;
    attached.input(vec![0x15]); // ^U: leave no typed line behind
    drop(attached);

    report(samples);
    Ok(())
}

/// Types `WARMUP + count` keys one at a time; the times of the last `count` echoes.
fn measure(
    attached: &Attached,
    rx: &mpsc::Receiver<Vec<u8>>,
    count: usize,
) -> Result<Vec<Duration>, Error> {
    // Let the first screen arrive (and be acked) before timing anything.
    let settle = Instant::now() + Duration::from_secs(2);
    while let Ok(chunk) = rx.recv_timeout(settle.saturating_duration_since(Instant::now())) {
        attached.ack(chunk.len() as u64);
    }
    let mut samples = Vec::with_capacity(count);
    for i in 0..WARMUP + count {
        let k = KEYS[i % KEYS.len()];
        let sent = Instant::now();
        attached.input(vec![k]);
        loop {
            let chunk = rx
                .recv_timeout(PER_KEY)
                .map_err(|_| format!("no echo of key {i} within {PER_KEY:?}"))?;
            let echoed = chunk.contains(&k);
            if echoed && i >= WARMUP {
                samples.push(sent.elapsed());
            }
            attached.ack(chunk.len() as u64);
            if echoed {
                break;
            }
        }
    }
    Ok(samples)
}

fn report(mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| format!("{:.2}", d.as_secs_f64() * 1000.0);
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!("| keys | p50 ms | p90 ms | p99 ms | max ms | mean ms |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {} | {} | {} |",
        samples.len(),
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(samples[samples.len() - 1]),
        ms(mean)
    );
}
