//! The SSH PTY against a real sshd (`aiops_fakes::sshd`) logging in as this user, whose
//! shell runs `tmux attach` on a private socket: the shared scenarios, then host keys,
//! credentials and passphrases.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aiops_exec::attach::known_hosts::{self, KnownHostsFiles};
use aiops_exec::attach::ssh::{
    Connect, Passphrase, SshCredential, SshError, SshSession, SshTarget, connect,
};
use aiops_exec::attach::{Screen, Terminal};
use aiops_fakes::sshd::{Sshd, current_user, keygen};

use super::scenarios;
use super::support::Attach;

/// An sshd accepting `user_key` (and `locked_key`, which has the passphrase `sesame`),
/// and how to connect to it with `user_key`, known_hosts empty.
struct Fixture {
    dir: tempfile::TempDir,
    sshd: Sshd,
    connect: Connect,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let user_key = dir.path().join("user_key");
    keygen(&user_key, "");
    let locked_key = dir.path().join("locked_key");
    keygen(&locked_key, "sesame");
    let authorized = dir.path().join("authorized_keys");
    let keys = [&user_key, &locked_key]
        .map(|k| std::fs::read_to_string(k.with_extension("pub")).unwrap())
        .concat();
    std::fs::write(&authorized, keys).unwrap();
    let sshd = Sshd::start(dir.path(), &authorized);
    let connect = Connect {
        target: SshTarget {
            host: "127.0.0.1".into(),
            port: sshd.port,
            user: current_user(),
        },
        credentials: vec![SshCredential::KeyFile {
            path: user_key,
            passphrase: None,
        }],
        known_hosts: KnownHostsFiles {
            user: dir.path().join("home/.ssh/known_hosts"),
            global: vec![],
        },
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(20),
    };
    Fixture { dir, sshd, connect }
}

impl Fixture {
    /// Trusts the host key the server shows on first contact.
    fn trusted(self) -> Self {
        match connect(&self.connect) {
            Err(SshError::UnknownHost(shown)) => {
                known_hosts::trust(
                    &self.connect.known_hosts,
                    &shown.host,
                    shown.port,
                    &shown.key,
                )
                .unwrap();
            }
            other => panic!("first contact: expected an unknown host, got {other:?}"),
        }
        self
    }

    fn with_credentials(&self, credentials: Vec<SshCredential>) -> Connect {
        Connect {
            credentials,
            ..self.connect.clone()
        }
    }

    /// An SSH terminal, for the shared scenarios.
    fn start(&self, a: Attach, screen: Arc<dyn Screen>) -> Box<dyn Terminal> {
        let session: SshSession = connect(&self.connect).expect("connect and log in");
        let attached = session.attach(&a.argv, a.cols, a.rows, a.read_only, screen);
        Box::new(attached.expect("the attach command runs in a remote PTY"))
    }
}

#[test]
fn ssh_an_unknown_host_shows_its_fingerprint_and_once_trusted_logs_in() {
    let f = fixture();
    let Err(SshError::UnknownHost(shown)) = connect(&f.connect) else {
        panic!("an empty known_hosts: the host is unknown");
    };
    assert_eq!(
        (shown.host.as_str(), shown.port),
        ("127.0.0.1", f.sshd.port)
    );
    assert_eq!(shown.key.key_type(), "ssh-ed25519");
    assert_eq!(
        shown.key.fingerprint(),
        f.sshd.host_fingerprint(),
        "the fingerprint is ssh-keygen -lf's"
    );
    assert!(
        !f.sshd.log_text().contains("Accepted"),
        "no credential is offered to an unverified host"
    );
    let f = f.trusted();
    connect(&f.connect).expect("a trusted host and an authorized key");
    assert!(
        f.sshd.log_text().contains("Accepted publickey"),
        "{}",
        f.sshd.log_text()
    );
}

#[test]
fn ssh_types_resizes_and_detaches() {
    let f = fixture().trusted();
    scenarios::types_resizes_and_detaches(f.dir.path(), &|a, s| f.start(a, s));
}

#[test]
fn ssh_output_pauses_without_acks_and_resumes_with_them() {
    let f = fixture().trusted();
    scenarios::output_pauses_without_acks_and_resumes_with_them(f.dir.path(), &|a, s| {
        f.start(a, s)
    });
}

#[test]
fn ssh_a_paste_larger_than_the_window_arrives_whole() {
    let f = fixture().trusted();
    scenarios::a_paste_larger_than_the_window_arrives_whole(f.dir.path(), &|a, s| f.start(a, s));
}

#[test]
fn ssh_read_only_gone_screens_and_killed_sessions() {
    let f = fixture().trusted();
    scenarios::read_only_gone_screens_and_killed_sessions(f.dir.path(), &|a, s| f.start(a, s));
}

#[test]
fn ssh_a_changed_host_key_is_refused_before_any_credential() {
    let f = fixture();
    let other = f.dir.path().join("other_host_key");
    keygen(&other, "");
    let line = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let key = known_hosts::HostKey::from_openssh(&line).unwrap();
    known_hosts::trust(&f.connect.known_hosts, "127.0.0.1", f.sshd.port, &key).unwrap();
    let err = connect(&f.connect).unwrap_err();
    let SshError::ChangedHost(shown) = &err else {
        panic!("expected a changed host key, got {err:?}");
    };
    assert_eq!(shown.key.fingerprint(), f.sshd.host_fingerprint());
    assert!(err.to_string().contains("CHANGED"), "{err}");
    assert!(!f.sshd.log_text().contains("Accepted"));
}

#[test]
fn ssh_credentials_passphrases_and_unreachable_servers() {
    let f = fixture().trusted();
    let stranger = f.dir.path().join("stranger_key");
    keygen(&stranger, "");
    let key = |path: &Path, pass: Option<&str>| SshCredential::KeyFile {
        path: path.to_owned(),
        passphrase: pass.map(Passphrase::new),
    };
    let locked = f.dir.path().join("locked_key");

    let err = connect(&f.with_credentials(vec![key(&stranger, None)])).unwrap_err();
    assert!(matches!(err, SshError::NoCredential { .. }), "{err:?}");
    let err = connect(&f.with_credentials(vec![])).unwrap_err();
    assert!(matches!(err, SshError::NoCredential { .. }), "{err:?}");

    assert!(aiops_exec::attach::ssh::key_is_encrypted(&locked));
    assert!(!aiops_exec::attach::ssh::key_is_encrypted(&stranger));
    // A locked key waits for the others: the stranger is tried (and refused) first.
    let err =
        connect(&f.with_credentials(vec![key(&locked, None), key(&stranger, None)])).unwrap_err();
    assert!(
        matches!(&err, SshError::Passphrase { path, wrong: false } if *path == locked),
        "{err:?}"
    );
    let err = connect(&f.with_credentials(vec![key(&locked, Some("wrong"))])).unwrap_err();
    assert!(
        matches!(err, SshError::Passphrase { wrong: true, .. }),
        "{err:?}"
    );
    connect(&f.with_credentials(vec![key(&locked, Some("sesame"))]))
        .expect("the right passphrase opens the key");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut nowhere = f.connect.clone();
    nowhere.target.port = port;
    let err = connect(&nowhere).unwrap_err();
    assert!(matches!(err, SshError::Unreachable { .. }), "{err:?}");
}
