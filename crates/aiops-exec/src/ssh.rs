//! ssh for git: the key and host keys of one command in a private temporary directory
//! (0700, files 0600, removed when the [`SshFiles`] guard drops), the `GIT_SSH_COMMAND`
//! that uses only them, and `ssh-keyscan` for first contact with a host.
//!
//! ssh options (ssh_config(5)): `-F /dev/null` (no user or system config),
//! `IdentitiesOnly=yes` with `-i` (only our key, never an agent's), `BatchMode=yes` (no
//! prompt), `StrictHostKeyChecking=yes` against our `known_hosts` only.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use aiops_core::ssh::{KeySource, SshMaterial};

use crate::process::{ExecError, Spec};

/// How long `ssh-keyscan` waits for a host, in seconds.
const SCAN_TIMEOUT_SECS: u64 = 10;

/// The files of one command over ssh; the directory goes when this drops.
pub struct SshFiles {
    _dir: tempfile::TempDir,
    known_hosts: std::path::PathBuf,
    key: std::path::PathBuf,
    /// The value for `GIT_SSH_COMMAND`.
    pub command: String,
}

impl SshFiles {
    /// The private directory holding them (0700).
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }

    /// `ssh`'s options for these files, before the destination (see the module doc).
    pub fn options(&self) -> Vec<std::ffi::OsString> {
        let mut out: Vec<std::ffi::OsString> = [
            "-F",
            "/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=30",
        ]
        .into_iter()
        .map(Into::into)
        .collect();
        let mut known = std::ffi::OsString::from("UserKnownHostsFile=");
        known.push(&self.known_hosts);
        out.extend(["-o".into(), known, "-i".into(), self.key.clone().into()]);
        out
    }
}

/// Writes `text` (ending in a newline) to the new file `path`, mode 0600.
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        f.write_all(b"\n")?;
    }
    f.sync_all()
}

/// Writes `material` for one command (in the system temp dir, `TMPDIR`).
pub fn files(material: &SshMaterial) -> std::io::Result<SshFiles> {
    let dir = tempfile::Builder::new().prefix("aiops-ssh-").tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
    let known = dir.path().join("known_hosts");
    write_private(&known, &material.known_hosts)?;
    let key = match &material.key {
        KeySource::Inline(text) => {
            let path = dir.path().join("key");
            write_private(&path, text)?;
            path
        }
        KeySource::Path(p) => p.into(),
    };
    let mut files = SshFiles {
        _dir: dir,
        known_hosts: known,
        key,
        command: String::new(),
    };
    // git runs GIT_SSH_COMMAND through the shell: every word is quoted.
    let mut command = String::from("ssh");
    for word in files.options() {
        let quoted = shlex::try_quote(&word.to_string_lossy())
            .map_err(|_| std::io::Error::other("a path with a NUL byte"))?
            .into_owned();
        command.push(' ');
        command.push_str(&quoted);
    }
    files.command = command;
    Ok(files)
}

/// Points `git` at `material` when there is some: writes its files and adds
/// `GIT_SSH_COMMAND`. Keep the returned guard until git is done: the files go with it.
pub fn apply(
    git: &mut crate::git::Git,
    material: Option<&SshMaterial>,
) -> std::io::Result<Option<SshFiles>> {
    let Some(material) = material else {
        return Ok(None);
    };
    let files = files(material)?;
    git.env
        .push(("GIT_SSH_COMMAND".into(), files.command.clone()));
    Ok(Some(files))
}

/// `ssh-keyscan -p <port> -- <host>`: the host's keys as `<type> <base64>` lines.
/// `host` must already be a plain name or address (see `aiops_core::ssh::ssh_host`).
pub fn scan(host: &str, port: u16) -> Result<Vec<String>, ExecError> {
    let out = Spec::new("ssh-keyscan", Duration::from_secs(SCAN_TIMEOUT_SECS + 5))
        .args([
            "-T",
            &SCAN_TIMEOUT_SECS.to_string(),
            "-p",
            &port.to_string(),
            "--",
            host,
        ])
        .run()?;
    Ok(out
        .stdout
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' ').map(|(_, key)| key.trim().to_owned()))
        .filter(|k| !k.is_empty())
        .collect())
}
