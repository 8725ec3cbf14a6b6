//! Terminal attach against real tmux sessions on private sockets: the local PTY here, the
//! SSH PTY (feature `ssh`) through a throwaway sshd on a free loopback port. Each
//! transport runs the same scenarios (`attach/scenarios.rs`); the SSH one also checks
//! what only SSH has: host keys, credentials, passphrases.

#[path = "attach/scenarios.rs"]
mod scenarios;
#[cfg(feature = "ssh")]
#[path = "attach/ssh.rs"]
mod ssh;
#[path = "attach/support.rs"]
mod support;

use std::sync::Arc;

use aiops_exec::attach::{LocalOptions, Screen, Terminal, local};

fn start_local(a: support::Attach, screen: Arc<dyn Screen>) -> Box<dyn Terminal> {
    let options = LocalOptions {
        read_only: a.read_only,
        raw: false,
    };
    let attached = local(&a.argv, a.cols, a.rows, options, screen);
    Box::new(attached.expect("tmux attach starts in a local PTY"))
}

#[test]
fn local_types_resizes_and_detaches() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios::types_resizes_and_detaches(tmp.path(), &start_local);
}

#[test]
fn local_output_pauses_without_acks_and_resumes_with_them() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios::output_pauses_without_acks_and_resumes_with_them(tmp.path(), &start_local);
}

#[test]
fn local_read_only_gone_screens_and_killed_sessions() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios::read_only_gone_screens_and_killed_sessions(tmp.path(), &start_local);
}

#[test]
fn local_a_paste_larger_than_the_window_arrives_whole() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios::a_paste_larger_than_the_window_arrives_whole(tmp.path(), &start_local);
}

#[test]
fn local_refuses_an_empty_command() {
    let screen: Arc<dyn Screen> = support::Recorder::new();
    let no_argv: &[String] = &[];
    assert!(local(no_argv, 80, 24, LocalOptions::default(), screen).is_err());
}
