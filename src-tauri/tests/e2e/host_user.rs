//! The Unix user test session hosts log in as (issue 23): when the tests run as root,
//! `aiops-host`, made when missing, with a plain `/bin/sh` and no rc files — as a
//! dedicated account on a build box would be, and apart from the server account's
//! dotfiles; otherwise the current user. Its `~/.gitconfig` trusts every repository
//! (`safe.directory = *`): the tests' origins sit on the same disk, owned by root, where
//! a real host would reach them over the network.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{text, wait_until};

/// The Unix user a session host logs in as when the tests run as root.
const HOST_USER: &str = "aiops-host";

/// Who test hosts log in as: [`HOST_USER`] (made ready) when the tests run as root, else
/// the current user.
pub fn host_login() -> String {
    if aiops_exec::sandbox::runs_as_root() {
        ensure_user(HOST_USER);
        HOST_USER.to_owned()
    } else {
        aiops_fakes::sshd::current_user()
    }
}

/// `login` exists and may log in with a key: made (`useradd`) when missing, its
/// password set to `*` (no password, yet not locked: sshd without PAM refuses a locked
/// account's keys). Tests in other processes may do the same at once: retried until
/// it holds.
fn ensure_user(login: &str) {
    let exists = || {
        Command::new("id")
            .arg("-u")
            .arg(login)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let ready = wait_until(Duration::from_secs(30), || {
        if !exists() {
            let _ = Command::new("useradd")
                .args(["--create-home", "--shell", "/bin/sh", login])
                .output();
        }
        exists()
            && Command::new("usermod")
                .args(["--password", "*", login])
                .output()
                .is_ok_and(|o| o.status.success())
    });
    assert!(ready, "useradd/usermod {login} (package passwd)");
    let home = home_of(login);
    let config = home.join(".gitconfig");
    // Written aside and renamed: another test process may read it meanwhile.
    let tmp = home.join(format!(".gitconfig.{}", std::process::id()));
    std::fs::write(&tmp, "[safe]\n\tdirectory = *\n").unwrap();
    chown(&tmp, login);
    std::fs::rename(&tmp, &config).unwrap();
}

/// Lets `login` use, as the test's host user, what the test made as root: `dir` (where
/// its sshd's `authorized_keys` and the host's root are) entered, the repository
/// `origin` in `repo_dir` cloned and pushed to. Nothing for the current user.
pub fn share(login: &str, dir: &Path, repo_dir: &Path, origin: &Path) {
    if login == aiops_fakes::sshd::current_user() {
        return;
    }
    open_up(dir);
    open_up(repo_dir);
    let out = Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(origin)
        .output()
        .expect("chmod");
    assert!(out.status.success(), "chmod: {}", text(&out.stderr));
}

/// `login`'s home, as the password database says.
pub fn home_of(login: &str) -> PathBuf {
    let out = Command::new("getent")
        .args(["passwd", login])
        .output()
        .expect("getent");
    let line = text(&out.stdout);
    PathBuf::from(line.trim().split(':').nth(5).expect("a passwd line"))
}

/// `chown -R login: path`.
pub fn chown(path: &Path, login: &str) {
    let out = Command::new("chown")
        .arg("-R")
        .arg(format!("{login}:"))
        .arg(path)
        .output()
        .expect("chown");
    assert!(out.status.success(), "chown: {}", text(&out.stderr));
}

/// `dir` readable and enterable by everyone (a temp dir is 0700).
pub fn open_up(dir: &Path) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Tool `standin` set to a copy of the stand-in agent in `dir`, which the host's user can
/// read wherever this checkout is.
pub fn standin_in(server: &crate::common::ServerProcess, dir: &Path) {
    let agent = dir.join("standin-agent.sh");
    std::fs::copy(crate::sessions::standin_agent(), &agent).unwrap();
    let cmd = [
        "tools",
        "set",
        "standin",
        "--command",
        agent.to_str().unwrap(),
    ];
    crate::common::assert_success(&server.cli(&cmd, None), "tools set standin");
}
