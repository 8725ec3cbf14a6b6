//! The desktop's terminal of a remote server over SSH, driven through WebDriver
//! (`tests/e2e/desktop/ssh.cjs`): a separately started `aiops serve` with a live `shell`
//! session, a throwaway sshd on a free loopback port accepting a test key, and the app
//! signed in to the server (its key in the headless keyring) with that port and key
//! file in its settings and `HOME` in a temp dir, so `~/.ssh/known_hosts` is the test's.
//!
//! First: the unknown host is shown with sshd's fingerprint and trusted, the key file's
//! passphrase is asked for and remembered (in the keychain), and typing runs over SSH;
//! the host key lands in known_hosts; closing the tab detaches and the session runs on. Then an `https://` server whose SSH port is closed: the terminal falls back to
//! the `wss:` WebSocket and says so.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use aiops_client::Secret;
use aiops_client::key_store::Keychain;
use aiops_fakes::sshd::{Sshd, current_user, keygen};

use crate::common::{ServerProcess, json, text, wait_until};
use crate::desktop::{driver, spec};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state};

/// The test key's passphrase.
const PASSPHRASE: &str = "correct horse";

/// A `shell` session on `server` for an issue titled `title`, once in `state`; its id.
fn shell_session(server: &ServerProcess, repo: &Path, title: &str, state: &str) -> i64 {
    project_on(server, repo);
    let issue = demo_issue(server, title)["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let started = json(server, &["issues", "work", &issue, "--tool", "shell"]);
    let id = started["id"].as_i64().unwrap();
    wait_state(server, id, state);
    id
}

/// `desktop.toml` in `config` with `server` as the active connection and `ssh` as its
/// SSH table, and the server's key in the OS keychain (removed when the guard drops).
fn signed_in(config: &Path, server: &ServerProcess, ssh: &str) -> KeychainEntry {
    let url = &server.url;
    let dir = config.join("aiops");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("desktop.toml"),
        format!(
            "version = 1\nactive = \"{url}\"\n\n[[connections]]\nid = \"{url}\"\nname = \"Test\"\n\
             kind = \"remote\"\nurl = \"{url}\"\n\n[connections.ssh]\n{ssh}"
        ),
    )
    .unwrap();
    Keychain
        .set(url, &Secret::new(server.admin_key.clone()))
        .expect("the headless session's keyring (run under scripts/headless)");
    KeychainEntry(url.clone())
}

struct KeychainEntry(String);

impl Drop for KeychainEntry {
    fn drop(&mut self) {
        let _ = Keychain.delete(&self.0);
    }
}

/// The clients attached to `server`'s tmux sessions.
fn tmux_clients(server: &ServerProcess) -> String {
    let out = Command::new("tmux")
        .arg("-S")
        .arg(server.data_dir.join("tmux.sock"))
        .args(["list-clients", "-F", "#{client_name}"])
        .output()
        .unwrap();
    text(&out.stdout)
}

#[test]
fn an_ssh_terminal_asks_to_trust_the_host_and_for_the_key_passphrase_then_types_over_ssh() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    let title = "Attach over SSH";
    let session = shell_session(&server, &repo, title, "running");

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_test");
    keygen(&key, PASSPHRASE);
    let authorized = dir.path().join("authorized_keys");
    std::fs::copy(key.with_extension("pub"), &authorized).unwrap();
    let sshd_dir = dir.path().join("sshd");
    std::fs::create_dir_all(&sshd_dir).unwrap();
    let sshd = Sshd::start(&sshd_dir, &authorized);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let config = dir.path().join("config");
    let _key = signed_in(
        &config,
        &server,
        &format!(
            "port = {}\nuser = \"{}\"\nkey_file = \"{}\"\n",
            sshd.port,
            current_user(),
            key.display()
        ),
    );

    let d = driver(
        dir.path(),
        &[
            ("AIOPS_CONFIG_DIR", config.to_str().unwrap()),
            ("HOME", home.to_str().unwrap()),
        ],
    );
    spec(
        &d,
        Some(&server),
        "ssh",
        &[
            ("AIOPS_ISSUE_TITLE", title),
            ("AIOPS_SESSION", &session.to_string()),
            ("AIOPS_TRANSPORT", "ssh"),
            ("AIOPS_HOST_FINGERPRINT", &sshd.host_fingerprint()),
            ("AIOPS_KEY_PASSPHRASE", PASSPHRASE),
        ],
    );
    let account = format!("ssh-key:{}", key.display());
    let kept = Command::new("secret-tool")
        .args(["lookup", "service", "aiops", "username", &account])
        .output()
        .expect("secret-tool (package libsecret-tools)");
    let _ = Command::new("secret-tool")
        .args(["clear", "service", "aiops", "username", &account])
        .status();
    assert_eq!(
        text(&kept.stdout).trim(),
        PASSPHRASE,
        "Remember kept the passphrase in the keychain under {account}"
    );

    let known = home.join(".ssh/known_hosts");
    let lines = std::fs::read_to_string(&known).expect("trusting the host wrote known_hosts");
    assert!(
        lines.contains(&format!(
            "[127.0.0.1]:{} ssh-ed25519 {}",
            sshd.port,
            sshd.host_key_base64()
        )),
        "the trusted host key is in known_hosts:\n{lines}"
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&known), mode(&home.join(".ssh"))), (0o600, 0o700));
    let log = sshd.log_text();
    assert!(
        log.contains(&format!("Accepted publickey for {}", current_user())),
        "the terminal logged in over SSH with the test key:\n{log}"
    );
    // The spec closed the tab: the client detached, the session runs on.
    let detached = wait_until(Duration::from_secs(30), || tmux_clients(&server).is_empty());
    assert!(
        detached,
        "a tmux client is still attached: {}",
        tmux_clients(&server)
    );
    wait_state(&server, session, "running");
}

#[test]
fn an_https_server_without_ssh_gets_a_wss_terminal_and_says_so() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, tls_key) = crate::tls::self_signed(certs.path());
    let (_repo_dir, repo) = seeded_repo();
    let mut server = ServerProcess::start_with(
        true,
        &[("AIOPS_TLS_CERT", &cert), ("AIOPS_TLS_KEY", &tls_key)],
    );
    server.set_cli_env("SSL_CERT_FILE", &cert);
    let title = "Attach over wss";
    // `starting` only: the launcher in the pane cannot report `running` to a server whose
    // certificate only this test trusts; its shell starts all the same.
    let session = shell_session(&server, &repo, title, "starting");

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_test");
    keygen(&key, "");
    // A port nothing listens on: SSH is tried and not possible.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let config = dir.path().join("config");
    let _key = signed_in(
        &config,
        &server,
        &format!(
            "port = {port}\nuser = \"{}\"\nkey_file = \"{}\"\n",
            current_user(),
            key.display()
        ),
    );
    let d = driver(
        dir.path(),
        &[
            ("AIOPS_CONFIG_DIR", config.to_str().unwrap()),
            ("HOME", home.to_str().unwrap()),
            // The server's certificate is the only root the app trusts (API and wss).
            ("SSL_CERT_FILE", &cert),
        ],
    );
    spec(
        &d,
        Some(&server),
        "ssh",
        &[
            ("AIOPS_ISSUE_TITLE", title),
            ("AIOPS_SESSION", &session.to_string()),
            ("AIOPS_TRANSPORT", "websocket"),
        ],
    );
    assert!(
        !home.join(".ssh/known_hosts").exists(),
        "no host was trusted"
    );
}
