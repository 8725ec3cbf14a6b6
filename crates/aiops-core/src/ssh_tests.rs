//! Which URLs name an SSH host, and what a private key of each kind gives (its public
//! line and fingerprint).

use super::*;

#[test]
fn ssh_hosts_come_from_ssh_and_scp_like_urls_only() {
    let h = |u| ssh_host(u).unwrap();
    let at = |name: &str, port| {
        Some(SshHost {
            name: name.into(),
            port,
        })
    };
    assert_eq!(
        h("ssh://git@example.com/acme/web.git"),
        at("example.com", 22)
    );
    assert_eq!(
        h("ssh://git@127.0.0.1:2222/srv/web.git"),
        at("127.0.0.1", 2222)
    );
    assert_eq!(h("git@github.com:acme/web.git"), at("github.com", 22));
    assert_eq!(h("https://github.com/acme/web.git"), None);
    assert_eq!(h("/srv/git/web.git"), None);
    for bad in [
        "ssh://-oProxyCommand=x/y",
        "ssh://git@host:0/x",
        "ssh://h:port/x",
        "a$b:c",
    ] {
        assert!(ssh_host(bad).is_err(), "{bad}");
    }
    assert_eq!(at("h", 2222).unwrap().known_hosts_name(), "[h]:2222");
    assert_eq!(at("h", 22).unwrap().known_hosts_name(), "h");
}

#[test]
fn private_keys_of_each_kind_give_their_public_line_and_fingerprint() {
    let key =
        PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519).unwrap();
    let text = key.to_openssh(LineEnding::LF).unwrap();
    let (line, fp) = describe_private(&text, "laptop").unwrap();
    assert!(
        line.starts_with("ssh-ed25519 ") && line.ends_with(" laptop"),
        "{line}"
    );
    assert_eq!(fp, key.fingerprint(HashAlg::Sha256).to_string());
    assert!(fp.starts_with("SHA256:"));
    // RSA and ECDSA keys as OpenSSH's own ssh-keygen writes them.
    let dir = std::env::temp_dir().join(format!("aiops-core-ssh-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for kind in ["rsa", "ecdsa"] {
        let path = dir.join(kind);
        let _ = std::fs::remove_file(&path);
        let made = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", kind, "-N", "", "-f"])
            .arg(&path)
            .status()
            .expect("ssh-keygen (openssh-client) is installed");
        assert!(made.success());
        let r = describe_private(&std::fs::read_to_string(&path).unwrap(), "x");
        assert!(r.is_ok(), "{kind}: {r:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(describe_private("not a key", "x").is_err());
}
