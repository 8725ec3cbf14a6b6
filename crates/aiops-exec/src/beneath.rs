//! Opening, reading and writing files inside a folder an agent can write, without ever
//! following a symlink.
//!
//! aiops reads and writes a session's working copy from outside its sandbox (the context
//! file, Claude Code's hook settings, `aiops git cat`), as the server's OS user. An agent
//! that swaps a folder or file for a symlink between aiops's check and its open would
//! otherwise steer that read or write anywhere the server may go (`secret.key`,
//! `aiops.toml`). So every component is opened relative to the folder before it with
//! `O_NOFOLLOW` (openat(2)); a symlink anywhere is `ELOOP`/`ENOTDIR`, never followed.
//! Writes go to a fresh file (`O_CREAT | O_EXCL`) renamed over the target with
//! renameat(2), which replaces a symlink instead of writing through it.

use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

fn cstr(name: &std::ffi::OsStr) -> std::io::Result<CString> {
    CString::new(name.as_bytes())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in a path"))
}

/// The plain names of `rel`; `..`, roots and prefixes are refused.
fn names(rel: &Path) -> std::io::Result<Vec<&std::ffi::OsStr>> {
    rel.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::Normal(n) => Ok(n),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a relative path without `..`", rel.display()),
            )),
        })
        .collect()
}

fn openat(
    dir: &OwnedFd,
    name: &std::ffi::OsStr,
    flags: i32,
    mode: u32,
) -> std::io::Result<OwnedFd> {
    let c = cstr(name)?;
    // SAFETY: `dir` is an open descriptor and `c` a NUL-terminated string that outlive
    // the call; a non-negative result is a new descriptor we own.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            c.as_ptr(),
            flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            mode,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by openat and is owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn open_root(root: &Path) -> std::io::Result<OwnedFd> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(root)?;
    Ok(file.into())
}

use std::os::unix::fs::OpenOptionsExt;

/// The folder `rel` under `root`, each component opened without following symlinks;
/// missing folders are created (0755) when `create`.
fn open_dir(root: &Path, rel: &[&std::ffi::OsStr], create: bool) -> std::io::Result<OwnedFd> {
    let mut dir = open_root(root)?;
    for name in rel {
        let flags = libc::O_RDONLY | libc::O_DIRECTORY;
        dir = match openat(&dir, name, flags, 0) {
            Err(e) if create && e.kind() == std::io::ErrorKind::NotFound => {
                let c = cstr(name)?;
                // SAFETY: as in `openat`.
                if unsafe { libc::mkdirat(dir.as_raw_fd(), c.as_ptr(), 0o755) } != 0 {
                    let e = std::io::Error::last_os_error();
                    if e.kind() != std::io::ErrorKind::AlreadyExists {
                        return Err(e);
                    }
                }
                openat(&dir, name, flags, 0)?
            }
            other => other?,
        };
    }
    Ok(dir)
}

/// Opens the regular file `root/rel` for reading; a symlink on the way or at the end is
/// an error (`ELOOP` or `ENOTDIR`), as is anything but a regular file.
pub fn open(root: &Path, rel: &Path) -> std::io::Result<File> {
    let parts = names(rel)?;
    let (last, dirs) = parts
        .split_last()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "an empty path"))?;
    let dir = open_dir(root, dirs, false)?;
    let file = File::from(openat(&dir, last, libc::O_RDONLY | libc::O_NONBLOCK, 0)?);
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", rel.display()),
        ));
    }
    Ok(file)
}

/// At most `max` bytes of `root/rel` (see [`open`]); `None` when it is missing, not a
/// regular file, behind a symlink or larger than `max`.
pub fn read_small(root: &Path, rel: &Path, max: u64) -> Option<Vec<u8>> {
    let f = open(root, rel).ok()?;
    if f.metadata().ok()?.len() > max {
        return None;
    }
    let mut bytes = Vec::new();
    f.take(max).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Replaces `root/rel` with `bytes` (mode `mode`), creating missing folders, never
/// following a symlink: the new content goes to a fresh temporary file in the same folder
/// that is then renamed over the target (an existing symlink there is replaced, not
/// followed).
pub fn write(root: &Path, rel: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let parts = names(rel)?;
    let (last, dirs) = parts
        .split_last()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "an empty path"))?;
    let dir = open_dir(root, dirs, true)?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(last);
    tmp_name.push(format!(".aiops-{}.tmp", std::process::id()));
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL;
    let tmp = match openat(&dir, &tmp_name, flags, mode) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Left by a crash (or planted): remove the name, never what it points at.
            unlink(&dir, &tmp_name)?;
            openat(&dir, &tmp_name, flags, mode)?
        }
        other => other?,
    };
    let mut f = File::from(tmp);
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    if let Err(e) = written {
        let _ = unlink(&dir, &tmp_name);
        return Err(e);
    }
    let (from, to) = (cstr(&tmp_name)?, cstr(last)?);
    // SAFETY: both descriptors are open folders and both names NUL-terminated.
    let r = unsafe { libc::renameat(dir.as_raw_fd(), from.as_ptr(), dir.as_raw_fd(), to.as_ptr()) };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        let _ = unlink(&dir, &tmp_name);
        return Err(e);
    }
    Ok(())
}

fn unlink(dir: &OwnedFd, name: &std::ffi::OsStr) -> std::io::Result<()> {
    let c = cstr(name)?;
    // SAFETY: as in `openat`.
    if unsafe { libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_a_planted_symlink_instead_of_following_it() {
        let tmp = tempfile::tempdir().unwrap();
        let (work, outside) = (tmp.path().join("work"), tmp.path().join("secret"));
        std::fs::create_dir(&work).unwrap();
        std::fs::write(&outside, "keep").unwrap();
        std::os::unix::fs::symlink(&outside, work.join("AGENTS.override.md")).unwrap();
        write(&work, Path::new("AGENTS.override.md"), b"context", 0o644).unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
        assert_eq!(
            std::fs::read_to_string(work.join("AGENTS.override.md")).unwrap(),
            "context"
        );
    }

    #[test]
    fn a_symlinked_folder_on_the_way_is_refused_for_reads_and_writes() {
        let tmp = tempfile::tempdir().unwrap();
        let (work, outside) = (tmp.path().join("work"), tmp.path().join("data"));
        std::fs::create_dir_all(&work).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("secret.key"), "k").unwrap();
        std::os::unix::fs::symlink(&outside, work.join(".claude")).unwrap();
        let rel = Path::new(".claude/settings.local.json");
        assert!(write(&work, rel, b"{}", 0o644).is_err());
        assert!(!outside.join("settings.local.json").exists());
        assert!(open(&work, Path::new(".claude/secret.key")).is_err());
        assert!(read_small(&work, Path::new(".claude/secret.key"), 10).is_none());
    }

    #[test]
    fn missing_folders_are_made_and_dot_dot_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), Path::new("a/b/c.txt"), b"x", 0o600).unwrap();
        assert_eq!(
            read_small(tmp.path(), Path::new("a/b/c.txt"), 10).unwrap(),
            b"x"
        );
        assert!(write(tmp.path(), Path::new("../escape"), b"x", 0o600).is_err());
        assert!(open(tmp.path(), Path::new("/etc/passwd")).is_err());
    }
}
