//! Opening and creating files *beneath* a directory without following any symlink.
//!
//! A project's setup files are copied from a user's base clone into each new worktree.
//! Both trees hold whatever anyone with push access committed, so a symlink anywhere on
//! the way (the file itself or a directory above it, on the source or the destination
//! side) could read a file outside the clone (`.env -> /etc/shadow`) or write one
//! (`conf -> ~/.ssh`). Every component is therefore resolved relative to an open
//! directory and a symlink is refused, never followed:
//!
//! - Linux ≥ 5.6: one `openat2(2)` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS` (see the
//!   openat2(2) man page: `ELOOP` for a symlink on the path, `EXDEV` for an escape).
//! - Elsewhere, or where the kernel answers `ENOSYS`/`EPERM` (older kernels, seccomp
//!   filters, sandboxes such as gVisor): a walk that opens each component with
//!   `openat(…, O_NOFOLLOW)` relative to the directory opened before it. Equally
//!   race-free (no path is looked up twice), one call per component.
//!
//! Files are opened with `O_NONBLOCK` so a FIFO planted in the clone cannot hang the
//! server; anything but a regular file is refused after `fstat`.

use std::ffi::OsStr;
use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path};

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

#[derive(Debug, thiserror::Error)]
pub enum BeneathError {
    /// Absolute, `..`, `.` or empty: never inside the directory.
    #[error("`{0}` is not a relative path inside the directory")]
    NotRelative(String),
    /// A symlink (or an escape) on the way; it was not followed.
    #[error("`{0}` leads through a symlink; symlinks are not followed")]
    Symlink(String),
    #[error("`{0}` is not a regular file")]
    NotAFile(String),
    #[error("`{0}` does not exist")]
    Missing(String),
    /// The destination is the source itself (copying would truncate it).
    #[error("`{0}` is the same file as its source")]
    SameFile(String),
    #[error("`{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Opens `root` itself (the trusted starting point; symlinks above it are the
/// operator's business) as a directory handle.
pub fn open_root(root: &Path) -> std::io::Result<OwnedFd> {
    rustix::fs::open(
        root,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(std::io::Error::from)
}

/// The normal components of `rel`; `NotRelative` for anything else.
fn components(rel: &str) -> Result<Vec<&OsStr>, BeneathError> {
    let mut out = Vec::new();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(n) => out.push(n),
            _ => return Err(BeneathError::NotRelative(rel.to_owned())),
        }
    }
    if out.is_empty() || rel.contains('\0') {
        return Err(BeneathError::NotRelative(rel.to_owned()));
    }
    Ok(out)
}

/// Maps an errno of a lookup beneath the root to the error a user can act on.
fn lookup_err(rel: &str, e: Errno) -> BeneathError {
    match e {
        Errno::LOOP | Errno::XDEV | Errno::NOTDIR => BeneathError::Symlink(rel.to_owned()),
        Errno::NOENT => BeneathError::Missing(rel.to_owned()),
        other => BeneathError::Io {
            path: rel.to_owned(),
            source: other.into(),
        },
    }
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// `openat2(root, rel, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, or `None` when this
/// kernel (or sandbox) does not offer it.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn openat2(
    root: BorrowedFd<'_>,
    rel: &str,
    flags: OFlags,
    mode: Mode,
) -> Option<Result<OwnedFd, Errno>> {
    use rustix::fs::ResolveFlags;
    match rustix::fs::openat2(
        root,
        rel,
        flags,
        mode,
        ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS,
    ) {
        Err(Errno::NOSYS | Errno::PERM) => None,
        r => Some(r),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn openat2(_: BorrowedFd<'_>, _: &str, _: OFlags, _: Mode) -> Option<Result<OwnedFd, Errno>> {
    None
}

/// The component walk: each directory opened `O_NOFOLLOW` relative to the one before,
/// the last component with `flags | O_NOFOLLOW`. With `create_dirs`, missing
/// directories are made (`mkdirat`, mode 0777 less the umask, as `mkdir -p` does).
pub fn walk(
    root: BorrowedFd<'_>,
    rel: &str,
    flags: OFlags,
    mode: Mode,
    create_dirs: bool,
) -> Result<OwnedFd, BeneathError> {
    let parts = components(rel)?;
    let (last, dirs) = parts.split_last().expect("components() is never empty");
    let dir = open_dirs(root, rel, dirs, create_dirs)?;
    let at = dir.as_ref().map_or(root, AsFd::as_fd);
    rustix::fs::openat(at, *last, flags | OFlags::NOFOLLOW, mode).map_err(|e| lookup_err(rel, e))
}

/// The folder `dirs` (components of `rel`) beneath `root`, each opened `O_NOFOLLOW`
/// relative to the one before, made when missing and `create`; `None` for `root` itself.
fn open_dirs(
    root: BorrowedFd<'_>,
    rel: &str,
    dirs: &[&OsStr],
    create: bool,
) -> Result<Option<OwnedFd>, BeneathError> {
    let mut dir: Option<OwnedFd> = None;
    for name in dirs {
        let at = dir.as_ref().map_or(root, AsFd::as_fd);
        let next = match rustix::fs::openat(at, *name, DIR_FLAGS, Mode::empty()) {
            Err(Errno::NOENT) if create => {
                match rustix::fs::mkdirat(at, *name, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(lookup_err(rel, e)),
                }
                rustix::fs::openat(at, *name, DIR_FLAGS, Mode::empty())
            }
            r => r,
        };
        dir = Some(next.map_err(|e| lookup_err(rel, e))?);
    }
    Ok(dir)
}

/// Opens `rel` beneath `root` (openat2, else the walk) with `flags`.
fn open(
    root: BorrowedFd<'_>,
    rel: &str,
    flags: OFlags,
    mode: Mode,
) -> Result<OwnedFd, BeneathError> {
    components(rel)?;
    match openat2(root, rel, flags | OFlags::NOFOLLOW, mode) {
        Some(r) => r.map_err(|e| lookup_err(rel, e)),
        None => walk(root, rel, flags, mode, false),
    }
}

/// The regular file `rel` beneath `root`, open for reading.
pub fn open_file(root: BorrowedFd<'_>, rel: &str) -> Result<File, BeneathError> {
    let fd = open(
        root,
        rel,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let file = File::from(fd);
    let meta = file.metadata().map_err(|source| BeneathError::Io {
        path: rel.to_owned(),
        source,
    })?;
    if !meta.is_file() {
        return Err(BeneathError::NotAFile(rel.to_owned()));
    }
    Ok(file)
}

/// Copies the regular file `rel` from beneath `from` to the same path beneath `to`,
/// creating missing directories there and keeping the permission bits. Refuses a
/// symlink anywhere on either path and a destination that is the source itself (by
/// device and inode, checked before anything is truncated).
pub fn copy(from: BorrowedFd<'_>, to: BorrowedFd<'_>, rel: &str) -> Result<u64, BeneathError> {
    let io = |source| BeneathError::Io {
        path: rel.to_owned(),
        source,
    };
    let mut src = open_file(from, rel)?;
    let meta = src.metadata().map_err(io)?;
    // An existing destination: never a symlink (O_NOFOLLOW), never the source itself.
    match walk(
        to,
        rel,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
        true,
    ) {
        Ok(fd) => {
            let existing = File::from(fd).metadata().map_err(io)?;
            if (existing.dev(), existing.ino()) == (meta.dev(), meta.ino()) {
                return Err(BeneathError::SameFile(rel.to_owned()));
            }
            if !existing.is_file() {
                return Err(BeneathError::NotAFile(rel.to_owned()));
            }
        }
        Err(BeneathError::Missing(_)) => {}
        Err(e) => return Err(e),
    }
    let perm = Mode::from_raw_mode(meta.mode() & 0o777);
    let dst = walk(
        to,
        rel,
        OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC,
        perm,
        true,
    )?;
    rustix::fs::fchmod(&dst, perm).map_err(|e| io(e.into()))?;
    std::io::copy(&mut src, &mut File::from(dst)).map_err(io)
}

// What aiops reads and writes in a session's working copy from outside its sandbox (the
// context file, Claude Code's hook settings, `aiops git cat`) goes through the same
// resolution: an agent that swaps a folder or file for a symlink between a check and an
// open would otherwise steer that read or write anywhere the server may go.

impl From<BeneathError> for std::io::Error {
    fn from(e: BeneathError) -> Self {
        match e {
            BeneathError::Io { source, .. } => source,
            BeneathError::Missing(_) => std::io::Error::new(std::io::ErrorKind::NotFound, e),
            other => std::io::Error::new(std::io::ErrorKind::InvalidInput, other),
        }
    }
}

fn rel_str(rel: &Path) -> Result<&str, BeneathError> {
    rel.to_str()
        .ok_or_else(|| BeneathError::NotRelative(rel.display().to_string()))
}

/// Opens the regular file `rel` beneath the folder `root` for reading (see
/// [`open_file`]).
pub fn open_in(root: &Path, rel: &Path) -> std::io::Result<File> {
    let dir = open_root(root)?;
    Ok(open_file(dir.as_fd(), rel_str(rel)?)?)
}

/// At most `max` bytes of the regular file `root/rel`; `None` when it is missing, not a
/// regular file, behind a symlink or larger than `max`.
pub fn read_small(root: &Path, rel: &Path, max: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let f = open_in(root, rel).ok()?;
    if f.metadata().ok()?.len() > max {
        return None;
    }
    let mut bytes = Vec::new();
    f.take(max).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Replaces `root/rel` with `bytes` (permission bits `mode`), creating missing folders,
/// never following a symlink: the content goes to a fresh file (`O_CREAT | O_EXCL`) in
/// the same folder, renamed over the target with renameat(2), which replaces a symlink
/// there instead of writing through it.
pub fn write(root: &Path, rel: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    let text = rel_str(rel)?;
    let parts = components(text)?;
    let (last, dirs) = parts.split_last().expect("components() is never empty");
    let root_fd = open_root(root)?;
    let dir = open_dirs(root_fd.as_fd(), text, dirs, true)?.unwrap_or(root_fd);
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(last);
    tmp_name.push(format!(".aiops-{}.tmp", std::process::id()));
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let perm = Mode::from_raw_mode(mode);
    let tmp = match rustix::fs::openat(&dir, &tmp_name, flags, perm) {
        // Left by a crash (or planted): remove the name, never what it points at.
        Err(Errno::EXIST) => {
            rustix::fs::unlinkat(&dir, &tmp_name, rustix::fs::AtFlags::empty())?;
            rustix::fs::openat(&dir, &tmp_name, flags, perm)?
        }
        r => r?,
    };
    let mut f = File::from(tmp);
    let done = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .and_then(|()| Ok(rustix::fs::renameat(&dir, &tmp_name, &dir, *last)?));
    if done.is_err() {
        let _ = rustix::fs::unlinkat(&dir, &tmp_name, rustix::fs::AtFlags::empty());
    }
    done
}

#[cfg(test)]
#[path = "beneath_tests.rs"]
mod tests;
