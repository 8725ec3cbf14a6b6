//! Keeps a pane's terminal open until tmux has been told that the pane's process died,
//! so that tmux's `pane-died` hook fires even for a launcher killed outright.
//!
//! Why: tmux (3.3a, built with libutempter as Debian and Ubuntu ship it) removes the
//! utmp record when a pane's terminal closes, and libutempter runs its helper with
//! `SIGCHLD` set to `SIG_DFL` — which discards the signal. When the pane's process is
//! the last holder of the terminal, its terminal closes in `exit_files`, a moment before
//! the kernel sends its parent `SIGCHLD`; if tmux is inside the helper by then, the
//! signal is lost, the process stays an unreaped zombie, tmux never learns its status,
//! and with `remain-on-exit` it never runs `pane-died` (traced with the kernel's
//! signal_generate event: the launcher's `SIGCHLD` to tmux had result "ignored" while
//! tmux's utempter child ran). A multithreaded launcher makes the window wide: its
//! sandbox dies (`--die-with-parent`) when the main thread dies, its last thread later.
//!
//! The fix: the launcher forks a guard that holds the terminal (its stdio) and waits on
//! a pidfd for the launcher. A pidfd is signalled in the same kernel critical section
//! that sends the parent its `SIGCHLD`, so the terminal closes only after tmux has the
//! signal. The guard leaves the foreground process group (keys never signal it) and
//! holds nothing else. Linux only; elsewhere, or without pidfds (Linux < 5.3), no guard.

/// Forks the guard; the caller carries on. Call it before the pane's command starts.
pub fn hold_terminal_until_exit() {
    #[cfg(target_os = "linux")]
    linux::fork_guard();
}

#[cfg(target_os = "linux")]
mod linux {
    pub fn fork_guard() {
        // SAFETY: plain syscalls. The child of a multithreaded parent may only make
        // async-signal-safe calls: it never allocates, locks or returns, and leaves with
        // `_exit`.
        unsafe {
            let parent = libc::getpid();
            match libc::fork() {
                0 => guard(parent),
                -1 => eprintln!(
                    "aiops: cannot fork the terminal guard ({}); a killed launcher may go unreported until the next reconcile",
                    std::io::Error::last_os_error()
                ),
                _ => {}
            }
        }
    }

    /// The guard's whole life: hold stdio (the pane's terminal) until `parent` has died
    /// and its parent (tmux) has been signalled.
    unsafe fn guard(parent: libc::pid_t) -> ! {
        unsafe {
            // Out of the foreground process group: Ctrl-C, Ctrl-\ and Ctrl-Z typed into
            // the pane are for the tool, never for the guard; and nothing it holds but
            // the terminal.
            libc::setpgid(0, 0);
            for sig in [
                libc::SIGINT,
                libc::SIGQUIT,
                libc::SIGTSTP,
                libc::SIGTTIN,
                libc::SIGTTOU,
                libc::SIGPIPE,
            ] {
                libc::signal(sig, libc::SIG_IGN);
            }
            if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
                for fd in 3..1024 {
                    libc::close(fd);
                }
            }
            let pidfd = libc::syscall(libc::SYS_pidfd_open, parent, 0u32) as libc::c_int;
            // No pidfds, or the launcher died already (we were reparented): no wait.
            if pidfd < 0 || libc::getppid() != parent {
                libc::_exit(0);
            }
            let mut fds = libc::pollfd {
                fd: pidfd,
                events: libc::POLLIN,
                revents: 0,
            };
            while libc::poll(&mut fds, 1, -1) < 0 && *libc::__errno_location() == libc::EINTR {}
            libc::_exit(0)
        }
    }
}
