use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use aiops_fakes::sshd::{fingerprint, keygen};

use super::*;

/// A fresh Ed25519 key made by `ssh-keygen` in `dir` under `name`; its `.pub` path too.
fn new_key(dir: &Path, name: &str) -> (HostKey, PathBuf) {
    let path = dir.join(name);
    keygen(&path, "");
    let public = path.with_extension("pub");
    let key = HostKey::from_openssh(&std::fs::read_to_string(&public).unwrap()).unwrap();
    (key, public)
}

/// Files in `dir` only (no system file), the user's under a `.ssh` that does not exist yet.
fn files(dir: &Path) -> KnownHostsFiles {
    KnownHostsFiles {
        user: dir.join("home/.ssh/known_hosts"),
        global: vec![dir.join("global_known_hosts")],
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn an_unknown_host_has_the_fingerprint_ssh_keygen_prints_and_once_trusted_it_matches() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = new_key(dir.path(), "host");
    let f = files(dir.path());
    assert_eq!(key.key_type(), "ssh-ed25519");
    assert_eq!(key.fingerprint(), fingerprint(&public));
    assert_eq!(
        check(&f, "127.0.0.1", 2222, &key).unwrap(),
        HostStatus::Unknown,
        "no file yet: unknown, not an error"
    );

    trust(&f, "127.0.0.1", 2222, &key).unwrap();
    assert_eq!(mode(&f.user), 0o600);
    assert_eq!(mode(f.user.parent().unwrap()), 0o700);
    let text = std::fs::read_to_string(&f.user).unwrap();
    assert_eq!(
        text,
        format!("[127.0.0.1]:2222 ssh-ed25519 {}\n", key.base64())
    );
    assert_eq!(
        check(&f, "127.0.0.1", 2222, &key).unwrap(),
        HostStatus::Known
    );
    // `ssh` reads the line the same way: ssh-keygen finds the host in it.
    let found = Command::new("ssh-keygen")
        .args(["-F", "[127.0.0.1]:2222", "-f"])
        .arg(&f.user)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&found.stdout).contains(&key.base64()),
        "ssh-keygen -F does not find the appended line: {found:?}"
    );
}

#[test]
fn another_key_of_the_same_type_is_a_change_and_of_another_type_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let (known, _) = new_key(dir.path(), "old");
    let (shown, _) = new_key(dir.path(), "new");
    let f = files(dir.path());
    trust(&f, "example.com", 22, &known).unwrap();
    assert_eq!(
        check(&f, "example.com", 22, &shown).unwrap(),
        HostStatus::Changed
    );
    assert_eq!(
        check(&f, "other.example.com", 22, &shown).unwrap(),
        HostStatus::Unknown,
        "another host's key says nothing about this one"
    );

    // The host is known by an ECDSA key only: an Ed25519 key is new, not a change.
    let ecdsa = dir.path().join("ecdsa");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ecdsa", "-N", "", "-f"])
        .arg(&ecdsa)
        .output()
        .unwrap();
    assert!(out.status.success());
    let ecdsa =
        HostKey::from_openssh(&std::fs::read_to_string(ecdsa.with_extension("pub")).unwrap())
            .unwrap();
    let g = KnownHostsFiles {
        user: dir.path().join("ecdsa_only"),
        global: vec![],
    };
    trust(&g, "example.com", 22, &ecdsa).unwrap();
    assert_eq!(
        check(&g, "example.com", 22, &shown).unwrap(),
        HostStatus::Unknown
    );
    assert_eq!(
        check(&g, "example.com", 22, &ecdsa).unwrap(),
        HostStatus::Known
    );
}

#[test]
fn a_key_for_port_22_says_nothing_about_another_port() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = new_key(dir.path(), "host");
    let (other, _) = new_key(dir.path(), "other");
    let f = files(dir.path());
    trust(&f, "10.0.0.5", 22, &other).unwrap();
    assert_eq!(
        check(&f, "10.0.0.5", 2200, &key).unwrap(),
        HostStatus::Unknown,
        "`ssh -p 2200` would look up [10.0.0.5]:2200 only"
    );
    assert_eq!(
        check(&f, "10.0.0.5", 22, &key).unwrap(),
        HostStatus::Changed
    );
}

#[test]
fn hashed_names_match_as_they_do_for_ssh() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = new_key(dir.path(), "host");
    let (other, _) = new_key(dir.path(), "other");
    let f = files(dir.path());
    trust(&f, "git.example.com", 2222, &key).unwrap();
    let out = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&f.user)
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen -H: {out:?}");
    let text = std::fs::read_to_string(&f.user).unwrap();
    assert!(
        text.starts_with("|1|") && !text.contains("git.example.com"),
        "{text}"
    );
    assert_eq!(
        check(&f, "git.example.com", 2222, &key).unwrap(),
        HostStatus::Known
    );
    assert_eq!(
        check(&f, "git.example.com", 2222, &other).unwrap(),
        HostStatus::Changed
    );
    assert_eq!(
        check(&f, "git.example.com", 22, &key).unwrap(),
        HostStatus::Unknown
    );
}

#[test]
fn lines_libssh2_cannot_read_are_skipped_and_revoked_keys_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = new_key(dir.path(), "host");
    let (revoked, _) = new_key(dir.path(), "revoked");
    let f = files(dir.path());
    // Before the host's line: a comment, garbage of the same type, a CA line, a wildcard.
    std::fs::write(
        &f.global[0],
        format!(
            "# comment\n\nbroken ssh-ed25519 !!!notbase64\n\
             @cert-authority *.example.com ssh-ed25519 {b}\n\
             *.example.com ssh-ed25519 {b}\n\
             @revoked * ssh-ed25519 {r}\n\
             h.example.com ssh-ed25519 {b}",
            b = key.base64(),
            r = revoked.base64()
        ),
    )
    .unwrap();
    assert_eq!(
        check(&f, "h.example.com", 22, &key).unwrap(),
        HostStatus::Known,
        "the system file is read, past the lines before"
    );
    assert_eq!(
        check(&f, "h.example.com", 22, &revoked).unwrap(),
        HostStatus::Revoked
    );
    assert_eq!(
        check(&f, "x.example.com", 22, &key).unwrap(),
        HostStatus::Unknown,
        "no wildcards (as libssh2)"
    );

    // The user's file without a final newline: trusting adds a line of its own.
    std::fs::create_dir_all(f.user.parent().unwrap()).unwrap();
    std::fs::write(&f.user, "# no newline at the end").unwrap();
    trust(&f, "h2.example.com", 22, &key).unwrap();
    let text = std::fs::read_to_string(&f.user).unwrap();
    assert!(
        text.ends_with(&format!("\nh2.example.com ssh-ed25519 {}\n", key.base64())),
        "{text}"
    );
    assert_eq!(
        check(&f, "h2.example.com", 22, &key).unwrap(),
        HostStatus::Known
    );
}

#[test]
fn a_file_that_cannot_be_read_is_an_error_not_an_unknown_host() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = new_key(dir.path(), "host");
    let f = KnownHostsFiles {
        // A directory where the file should be.
        user: dir.path().to_owned(),
        global: vec![],
    };
    assert!(matches!(
        check(&f, "h", 22, &key),
        Err(KnownHostsError::Read { .. })
    ));
}

#[test]
fn keys_that_are_not_keys_are_refused() {
    for line in [
        "",
        "ssh-ed25519",
        "ssh-ed25519 !!!",
        "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIE", // type and blob disagree / truncated
    ] {
        assert!(HostKey::from_openssh(line).is_err(), "{line:?}");
    }
    assert!(HostKey::from_blob(&[0, 0, 0, 200, b'a']).is_err());
}
