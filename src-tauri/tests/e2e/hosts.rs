//! Session hosts (issue 23) against a real `sshd` on a free loopback port, its own host
//! key, as the remote host: added with one of the admin's SSH keys, refused until its
//! host key is confirmed, then tested (ssh, tmux, git, bubblewrap, the sandbox, with
//! versions), drained and removed, on the command line and in Admin → Session hosts;
//! members may do none of it; bad input is refused before anything is stored or sent.

use aiops_fakes::sshd::{Sshd, current_user, keygen};

use crate::common::{ServerProcess, assert_success, json, text};
use crate::trackers::Member;

#[test]
fn hosts_are_added_confirmed_tested_drained_and_removed_by_admins_only() {
    let dir = tempfile::tempdir().unwrap();
    let user_key = dir.path().join("host_login");
    keygen(&user_key, "");
    let authorized = dir.path().join("authorized_keys");
    std::fs::copy(user_key.with_extension("pub"), &authorized).unwrap();
    let sshd = Sshd::start(dir.path(), &authorized);
    let server = ServerProcess::start();
    let ssh = format!("{}@127.0.0.1:{}", current_user(), sshd.port);
    let root = dir.path().join("host-root");
    let add = |name: &str, ssh: &str| {
        server.cli(
            &[
                "hosts",
                "add",
                name,
                "--ssh",
                ssh,
                "--root",
                root.to_str().unwrap(),
                "--labels",
                "gpu,big",
                "--capacity",
                "2",
            ],
            None,
        )
    };

    // aiops logs in with one of the admin's keys: without one, a clear refusal.
    let out = add("build-1", &ssh);
    assert!(
        !out.status.success() && text(&out.stderr).contains("aiops ssh-keys add"),
        "{}",
        text(&out.stderr)
    );
    let key = json(
        &server,
        &[
            "ssh-keys",
            "add",
            "--name",
            "hosts",
            "--private-key-file",
            user_key.to_str().unwrap(),
        ],
    );
    let out = add("build-1", &ssh);
    assert_success(&out, "hosts add");
    let host = json(&server, &["hosts", "get", "build-1"]);
    assert_eq!(
        (&host["port"], &host["capacity"], &host["key_id"]),
        (
            &serde_json::json!(sshd.port),
            &serde_json::json!(2),
            &key["id"]
        ),
        "{host}"
    );
    assert_eq!(host["labels"], serde_json::json!(["gpu", "big"]));
    assert!(host["last_check"].is_null() && host["draining"] == false);

    // Bad input is refused and stores nothing.
    for (name, ssh, says) in [
        ("build-1", ssh.as_str(), "exists already"),
        ("Build 2", ssh.as_str(), "a-z"),
        ("build-2", "root@-oProxyCommand=touch", "plain name"),
        ("build-2", "no-user-here", "user@host"),
    ] {
        let out = add(name, ssh);
        assert!(
            !out.status.success() && text(&out.stderr).contains(says),
            "{name} {ssh}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(
        json(&server, &["hosts", "list"]).as_array().unwrap().len(),
        1
    );

    // First contact: the host key is recorded as pending and the test refused with it.
    let out = server.cli(&["hosts", "test", "build-1"], None);
    let err = text(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("not confirmed")
            && err.contains(&sshd.host_fingerprint()),
        "{err}"
    );
    let known = format!("[127.0.0.1]:{}", sshd.port);
    json(
        &server,
        &["known-hosts", "confirm", &known, &sshd.host_fingerprint()],
    );

    // The test logs in and reports what the host has, with versions.
    let tested = json(&server, &["hosts", "test", "build-1"]);
    let check = &tested["last_check"];
    let item = |name: &str| {
        check["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {check}"))
    };
    assert_eq!(check["ok"], true, "{check}");
    assert!(
        item("tmux")["version"]
            .as_str()
            .unwrap()
            .starts_with("tmux ")
    );
    assert!(
        item("git")["version"]
            .as_str()
            .unwrap()
            .starts_with("git version")
    );
    assert_eq!(item("sandbox")["ok"], true, "{check}");
    assert!(
        sshd.log_text().contains("Accepted publickey"),
        "logged in with the key"
    );
    // The same in the browser: Admin → Session hosts.
    crate::web_ui::spec(
        &server,
        "session_hosts",
        &[&crate::web_ui::ADMIN[..], &[("AIOPS_HOST", "build-1")]].concat(),
    );
    let table = server.cli(&["-o", "table", "hosts", "test", "build-1"], None);
    assert_success(&table, "hosts test (table)");
    assert!(
        text(&table.stdout).contains("tmux"),
        "{}",
        text(&table.stdout)
    );

    // A host that refuses the login: the test says so, with ssh's words.
    std::fs::write(&authorized, "").unwrap();
    let out = server.cli(&["hosts", "test", "build-1"], None);
    assert!(!out.status.success(), "a refused login fails the test");
    let failed = json(&server, &["hosts", "get", "build-1"]);
    assert_eq!(failed["last_check"]["ok"], false, "{failed}");
    let ssh_item = &failed["last_check"]["items"][0];
    assert!(
        ssh_item["name"] == "ssh"
            && ssh_item["detail"]
                .as_str()
                .unwrap()
                .contains("Permission denied"),
        "{failed}"
    );

    // Members: nothing about hosts, not even the list.
    assert_success(
        &server.cli(&["tenants", "create", "--name", "acme"], None),
        "tenant",
    );
    let mona = Member::create(&server, "mona@example.com");
    for args in [
        &["hosts", "list"][..],
        &["hosts", "drain", "1"],
        &["hosts", "test", "1"],
        &["hosts", "remove", "1"],
    ] {
        let out = crate::common::run(mona.command(&server, args), None);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }

    let drained = json(&server, &["hosts", "drain", "build-1"]);
    assert_eq!(drained["draining"], true);
    let back = json(&server, &["hosts", "drain", "build-1", "--undo"]);
    assert_eq!(back["draining"], false);
    let updated = json(
        &server,
        &[
            "hosts",
            "update",
            "build-1",
            "--capacity",
            "6",
            "--labels",
            "big",
        ],
    );
    assert_eq!(
        (&updated["capacity"], &updated["labels"]),
        (&serde_json::json!(6), &serde_json::json!(["big"]))
    );
    assert_success(&server.cli(&["hosts", "remove", "build-1"], None), "remove");
    let out = server.cli(&["hosts", "get", "build-1"], None);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}
