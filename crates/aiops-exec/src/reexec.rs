//! Restarting the server in place: the process replaces itself with the same binary and
//! arguments (`execv`), handing its listening socket to the new image so connections
//! that arrive meanwhile wait in the socket's backlog instead of being refused.
//!
//! The socket crosses as an inherited file descriptor named by `AIOPS_LISTEN_FD` (the
//! convention of systemd's socket activation, `sd_listen_fds(3)`, with our own variable:
//! we are not activated by systemd). Sessions are not affected: they live in tmux.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The environment variable naming the inherited listening socket.
pub const LISTEN_FD: &str = "AIOPS_LISTEN_FD";

fn set_cloexec(fd: RawFd, on: bool) -> std::io::Result<()> {
    // SAFETY: fcntl on a descriptor we own; F_GETFD/F_SETFD touch only its flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let flags = if on {
        flags | libc::FD_CLOEXEC
    } else {
        flags & !libc::FD_CLOEXEC
    };
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, flags) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Replaces this process with a fresh run of the same executable and arguments,
/// passing `listener` on. Returns only on failure.
pub fn reexec(listener: OwnedFd) -> std::io::Error {
    let fd = listener.as_raw_fd();
    if let Err(e) = set_cloexec(fd, false) {
        return e;
    }
    let exe = match current_exe() {
        Ok(p) => p,
        Err(e) => return e,
    };
    let cstr = |s: &std::ffi::OsStr| {
        use std::os::unix::ffi::OsStrExt;
        CString::new(s.as_bytes()).map_err(std::io::Error::other)
    };
    let args: Result<Vec<CString>, _> = std::env::args_os().map(|a| cstr(&a)).collect();
    let (Ok(path), Ok(args)) = (cstr(exe.as_os_str()), args) else {
        return std::io::Error::other("an argument holds a NUL byte");
    };
    // The new image reads the variable at start; the process has one thread that
    // matters here (the runtime is shut down), so the write races nothing.
    // SAFETY: see above; set_var's hazard is a concurrent getenv in another thread.
    unsafe { std::env::set_var(LISTEN_FD, fd.to_string()) };
    let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    // SAFETY: path and argv are NUL-terminated C strings kept alive across the call.
    unsafe { libc::execv(path.as_ptr(), argv.as_ptr()) };
    let e = std::io::Error::last_os_error();
    std::mem::forget(listener); // keep it open for a caller that falls back
    e
}

/// This process's executable as a path to run again. After an update renamed a new
/// binary over it, Linux's `/proc/self/exe` names the replaced file `… (deleted)`; the
/// path without that suffix is where the new one now is.
pub fn current_exe() -> std::io::Result<std::path::PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(
        match exe.to_str().and_then(|s| s.strip_suffix(" (deleted)")) {
            Some(live) => std::path::PathBuf::from(live),
            None => exe,
        },
    )
}

/// The listening socket handed over by [`reexec`], if this process was started so:
/// checked to be a listening TCP socket and made close-on-exec again, so sessions and
/// git never inherit it.
pub fn inherited_listener() -> Option<std::net::TcpListener> {
    let fd: RawFd = std::env::var(LISTEN_FD).ok()?.trim().parse().ok()?;
    if fd < 3 {
        return None;
    }
    let mut ty: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `ty`.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TYPE,
            (&raw mut ty).cast(),
            &mut len,
        )
    };
    if rc != 0 || ty != libc::SOCK_STREAM {
        return None;
    }
    set_cloexec(fd, true).ok()?;
    // SAFETY: the descriptor was handed to this process to own, and is a stream socket.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let l = std::net::TcpListener::from(owned);
    l.set_nonblocking(true).ok()?;
    Some(l)
}
