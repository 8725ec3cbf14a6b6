//! git over ssh end to end: a throwaway `sshd` on a free loopback port serving a bare
//! repository, a user key registered with `aiops ssh-keys add`, the host key refused
//! until an admin confirms its fingerprint, then clone (by `issues work`), commit, push,
//! status and pull through it, and no key material left on disk afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;

use aiops_fakes::sshd::{Sshd, current_user, fingerprint, keygen};

use crate::common::{ServerProcess, assert_success, json, run, text};
use crate::sessions::{demo_issue, git, seeded_repo};

/// Every file under `dir` whose text holds a private key.
fn private_keys_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            } else if std::fs::read(&p)
                .is_ok_and(|b| String::from_utf8_lossy(&b).contains("PRIVATE KEY"))
            {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn clone_commit_push_and_pull_over_ssh_with_a_registered_key_and_a_confirmed_host() {
    let dir = tempfile::tempdir().unwrap();
    let user_key = dir.path().join("user_key");
    keygen(&user_key, "");
    let authorized = dir.path().join("authorized_keys");
    std::fs::copy(user_key.with_extension("pub"), &authorized).unwrap();
    let sshd = Sshd::start(dir.path(), &authorized);
    let host_fingerprint = sshd.host_fingerprint();
    let (_repo_dir, bare) = seeded_repo();
    let server_tmp = dir.path().join("server-tmp");
    std::fs::create_dir_all(&server_tmp).unwrap();
    let server = ServerProcess::start_with(true, &[("TMPDIR", server_tmp.to_str().unwrap())]);

    let user = current_user();
    let url = format!("ssh://{user}@127.0.0.1:{}{}", sshd.port, bare.display());
    assert_success(
        &server.cli(&["tenants", "create", "--name", "acme"], None),
        "tenant",
    );
    let out = server.cli(
        &[
            "projects",
            "create",
            "--name",
            "demo",
            "--repo-url",
            &url,
            "--tenant",
            "acme",
        ],
        None,
    );
    assert_success(&out, "project on an ssh:// URL");
    let issue = demo_issue(&server, "Over ssh");
    let id = issue["id"].to_string();

    // No key yet: a clear refusal.
    let out = server.cli(&["issues", "work", &id, "--tool", "shell"], None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("aiops ssh-keys add"),
        "{}",
        text(&out.stderr)
    );

    let key = json(
        &server,
        &[
            "ssh-keys",
            "add",
            "--name",
            "laptop",
            "--private-key-file",
            user_key.to_str().unwrap(),
        ],
    );
    assert_eq!(
        key["fingerprint"],
        fingerprint(&user_key.with_extension("pub"))
    );
    assert!(
        key.get("private_key").is_none()
            && key["public_key"]
                .as_str()
                .unwrap()
                .starts_with("ssh-ed25519 ")
    );

    // Unknown host: refused, its key recorded as pending with the fingerprint shown.
    let host = format!("[127.0.0.1]:{}", sshd.port);
    let out = server.cli(&["issues", "work", &id, "--tool", "shell"], None);
    let err = text(&out.stderr);
    assert!(
        !out.status.success() && err.contains("not confirmed"),
        "{err}"
    );
    assert!(
        err.contains(&host_fingerprint),
        "the refusal shows the fingerprint: {err}"
    );
    let hosts = json(&server, &["known-hosts", "list"]);
    assert_eq!(hosts[0]["host"], host.as_str());
    assert_eq!(hosts[0]["status"], "pending");
    let wrong = server.cli(&["known-hosts", "confirm", &host, "SHA256:not-it"], None);
    assert!(
        !wrong.status.success(),
        "a fingerprint that does not match is refused"
    );
    let confirmed = json(
        &server,
        &["known-hosts", "confirm", &host, &host_fingerprint],
    );
    assert_eq!(confirmed["status"], "trusted");

    // Clone over ssh, commit, push, status, pull.
    let s = json(&server, &["issues", "work", &id, "--tool", "shell"]);
    let sid = s["id"].to_string();
    let wt = PathBuf::from(s["worktree_path"].as_str().unwrap());
    let at = ["demo", "--tenant", "acme", "--session", sid.as_str()];
    std::fs::write(wt.join("ssh.txt"), "over ssh\n").unwrap();
    json(
        &server,
        &[&["git", "commit"][..], &at, &["-m", "Over ssh"]].concat(),
    );
    let status = json(&server, &[&["git", "status"][..], &at].concat());
    // A new issue branch starts from, and tracks, origin's default branch.
    assert_eq!(status["upstream"], "origin/main", "{status}");
    assert_eq!(status["ahead"], 1, "{status}");
    json(&server, &[&["git", "push"][..], &at].concat());
    let pushed = git(&bare, &["rev-parse", "refs/heads/aiops/1-over-ssh"]);
    assert_eq!(pushed.trim(), git(&wt, &["rev-parse", "HEAD"]).trim());
    let status = json(&server, &[&["git", "status"][..], &at].concat());
    assert_eq!(
        (status["ahead"].as_u64(), status["behind"].as_u64()),
        (Some(0), Some(0)),
        "{status}"
    );

    let other = dir.path().join("other");
    let mut clone = Command::new("git");
    clone
        .args(["clone", "--quiet", "--branch", "aiops/1-over-ssh"])
        .arg(&bare)
        .arg(&other);
    assert_success(&run(clone, None), "clone elsewhere");
    std::fs::write(other.join("more.txt"), "more\n").unwrap();
    git(&other, &["add", "more.txt"]);
    git(&other, &["commit", "--quiet", "-m", "More"]);
    git(&other, &["push", "--quiet", "origin", "aiops/1-over-ssh"]);
    let pulled = json(&server, &[&["git", "pull"][..], &at].concat());
    assert_eq!(
        pulled["head"].as_str().unwrap(),
        git(&other, &["rev-parse", "HEAD"]).trim()
    );

    // Nothing of the key is left: the per-command directories are gone, and no file of
    // the server's data or temp dirs holds a private key.
    let left: Vec<_> = std::fs::read_dir(&server_tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(
        left.iter().all(|p| !p
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("aiops-ssh-")),
        "{left:?}"
    );
    assert_eq!(private_keys_under(&server_tmp), Vec::<PathBuf>::new());
    assert_eq!(private_keys_under(&server.data_dir), Vec::<PathBuf>::new());
    assert_success(
        &server.cli(&["sessions", "kill", &sid], None),
        "kill the session",
    );
}
