//! Facts about this machine for `aiops system status`: the versions of the programs
//! sessions depend on (tmux, git) and the free space under the data dir.

use std::path::Path;
use std::time::Duration;

use crate::process::Spec;

/// The first line a program prints for its version flag (`tmux -V`, `git --version`),
/// or None when it is missing or says nothing within 5 s.
pub fn version(program: &str, flag: &str) -> Option<String> {
    let out = Spec::new(program, Duration::from_secs(5))
        .arg(flag)
        .run()
        .ok()?;
    out.stdout
        .lines()
        .next()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
}

/// Bytes available to this (unprivileged) process on the filesystem holding `path`
/// (statvfs's `f_bavail × f_frsize`), or None when it cannot be read.
pub fn disk_free(path: &Path) -> Option<u64> {
    let st = rustix::fs::statvfs(path).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}
