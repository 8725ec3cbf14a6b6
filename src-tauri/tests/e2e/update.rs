//! `aiops system update-and-restart` against a local release server: a release signed
//! with another key, and one whose binary does not match its signed sum, are refused
//! and the old binary keeps running; the signed release replaces the binary and the
//! server comes back on the new version.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::common::{AIOPS, ServerProcess, assert_success, runtime, text};

/// Files served at `http://127.0.0.1:PORT/<name>`; replaceable while serving.
type Files = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A plain HTTP/1.1 file server on a free loopback port (a stand-in for a release CDN).
fn serve(files: Files) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let files = files.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    return;
                }
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                        break;
                    }
                }
                let path = first
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .trim_start_matches('/');
                let body = files
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|(n, _)| n == path)
                    .map(|(_, b)| b.clone());
                let (status, body) = match body {
                    Some(b) => ("200 OK", b),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    url
}

fn sha256(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("b");
    std::fs::write(&f, bytes).unwrap();
    let out = std::process::Command::new("sha256sum")
        .arg(&f)
        .output()
        .unwrap();
    text(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// This build's binary with its version bumped (same length, so nothing moves).
fn newer_binary() -> (Vec<u8>, String) {
    let current = env!("CARGO_PKG_VERSION");
    let last = current.chars().last().unwrap();
    assert!(
        last.is_ascii_digit() && last != '9',
        "bumpable version {current}"
    );
    let next = format!("{}9", &current[..current.len() - 1]);
    let old = std::fs::read(AIOPS).unwrap();
    let needle = current.as_bytes();
    let mut out = Vec::with_capacity(old.len());
    let mut i = 0;
    while i < old.len() {
        if old[i..].starts_with(needle) {
            out.extend_from_slice(next.as_bytes());
            i += needle.len();
        } else {
            out.push(old[i]);
            i += 1;
        }
    }
    (out, next)
}

fn sign(kp: &minisign::KeyPair, data: &[u8]) -> Vec<u8> {
    minisign::sign(
        Some(&kp.pk),
        &kp.sk,
        std::io::Cursor::new(data),
        Some("aiops test release"),
        None,
    )
    .unwrap()
    .to_string()
    .into_bytes()
}

fn manifest(version: &str, url: &str, sum: &str) -> Vec<u8> {
    let target = format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS);
    serde_json::to_vec(&serde_json::json!({
        "version": version,
        "assets": [{"target": target, "url": url, "sha256": sum}],
    }))
    .unwrap()
}

fn copy_of_aiops(dir: &Path) -> PathBuf {
    let bin = dir.join("aiops");
    std::fs::copy(AIOPS, &bin).unwrap();
    bin
}

#[test]
fn a_signed_release_replaces_the_binary_and_a_tampered_one_is_refused() {
    let trusted = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let other = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let (new_bin, new_version) = newer_binary();
    let files: Files = Arc::default();
    let base = serve(files.clone());
    let set = |name: &str, body: Vec<u8>| {
        let mut f = files.lock().unwrap();
        f.retain(|(n, _)| n != name);
        f.push((name.to_owned(), body));
    };
    set("aiops-new", new_bin.clone());

    let install = tempfile::tempdir().unwrap();
    let bin = copy_of_aiops(install.path());
    let old_sum = sha256(&std::fs::read(&bin).unwrap());
    let manifest_url = format!("{base}/manifest.json");
    let key = trusted.pk.to_base64();
    let server = ServerProcess::start_from_binary(
        &bin,
        &[
            ("AIOPS_UPDATE_URL", &manifest_url),
            ("AIOPS_UPDATE_PUBLIC_KEY", &key),
        ],
    );
    let client = server.admin_client();
    let version = || runtime().block_on(client.system_status()).unwrap().version;
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));

    let good = manifest(
        &new_version,
        &format!("{base}/aiops-new"),
        &sha256(&new_bin),
    );
    // 1. Signed by a key the server does not trust.
    set("manifest.json", good.clone());
    set("manifest.json.minisig", sign(&other, &good));
    let out = server.cli(&["system", "update-and-restart"], None);
    assert!(!out.status.success(), "an untrusted signature must fail");
    assert!(
        text(&out.stderr).contains("does not verify"),
        "{}",
        text(&out.stderr)
    );
    // 2. Trusted signature, but the binary served is not the one it names.
    let mut tampered = new_bin.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    set("aiops-new", tampered);
    set("manifest.json.minisig", sign(&trusted, &good));
    let out = server.cli(&["system", "update-and-restart"], None);
    assert!(
        !out.status.success(),
        "a binary that fails its sum must be refused"
    );
    assert!(
        text(&out.stderr).contains("sha256"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        sha256(&std::fs::read(&bin).unwrap()),
        old_sum,
        "the binary is untouched"
    );
    assert_eq!(
        version(),
        env!("CARGO_PKG_VERSION"),
        "the old binary keeps running"
    );
    let leftovers: Vec<_> = std::fs::read_dir(install.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no half-downloaded file is left beside the binary"
    );

    // 3. The real thing.
    set("aiops-new", new_bin.clone());
    let out = server.cli(&["system", "update-and-restart"], None);
    if !out.status.success() {
        panic!(
            "update-and-restart failed: {}\nserver:\n{}",
            text(&out.stderr),
            server.stderr()
        );
    }
    assert!(
        text(&out.stdout).contains(&new_version),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        version(),
        new_version,
        "the server came back on the new version"
    );
    assert_eq!(sha256(&std::fs::read(&bin).unwrap()), sha256(&new_bin));
    // Running the newest already: nothing to do.
    let out = server.cli(&["system", "update"], None);
    assert_success(&out, "a second update");
    assert!(
        text(&out.stdout).contains("up to date"),
        "{}",
        text(&out.stdout)
    );

    // `aiops update` does the same for a binary with no server, where it runs.
    let cli_dir = tempfile::tempdir().unwrap();
    let cli_bin = copy_of_aiops(cli_dir.path());
    let self_update = || {
        let mut cmd = std::process::Command::new(&cli_bin);
        cmd.args(["update", "--manifest-url", &manifest_url])
            .env("AIOPS_UPDATE_PUBLIC_KEY", &key)
            .env("HOME", cli_dir.path());
        crate::common::run(cmd, None)
    };
    let out = self_update();
    assert_success(&out, "aiops update of a standalone binary");
    assert!(
        text(&out.stderr).contains(&format!("to {new_version}")),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(sha256(&std::fs::read(&cli_bin).unwrap()), sha256(&new_bin));
    let out = self_update();
    assert_success(&out, "aiops update when already the newest");
    assert!(
        text(&out.stderr).contains("up to date"),
        "{}",
        text(&out.stderr)
    );
}
