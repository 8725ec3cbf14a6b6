//! `work` in a chat, and the notes its session's state changes send back there.

use aiops_types::SessionState;

use super::fakes::{Sent, World};
use crate::chat::command::{Command, parse};

#[test]
fn work_parses_an_id_and_an_optional_tool() {
    assert_eq!(parse("work 7"), Command::Work { id: 7, tool: None });
    assert_eq!(
        parse("/work #7 codex"),
        Command::Work {
            id: 7,
            tool: Some("codex".into())
        }
    );
    assert_eq!(parse("work"), Command::Usage("usage: work <id> [tool]"));
    assert_eq!(
        parse("work 7 codex now"),
        Command::Usage("usage: work <id> [tool]")
    );
}

#[test]
fn work_starts_as_the_mapped_user_and_the_chat_hears_waiting_and_exit_once_each() {
    let w = World::with_model(None);
    w.reply(&w.msg("100", "issue Login fails"));
    w.run(&w.press("100", "c:1"), super::fakes::t0());
    w.channel.take();
    let text = w.reply(&w.msg("100", "work 1"));
    assert!(
        text.starts_with("Started session 101 (claude) on Login fails: running."),
        "{text}"
    );
    assert!(text.contains("https://aiops.test/sessions/101"), "{text}");
    assert!(
        text.contains("assigned to you"),
        "the notes are passed on: {text}"
    );
    let interp = w.interp();
    assert_eq!(interp.follow_sessions().unwrap(), 0, "nothing changed yet");
    let set = |state: SessionState, code: Option<i32>| {
        let mut started = w.ops.started.borrow_mut();
        let s = started.get_mut(&101).expect("started");
        s.state = state;
        s.exit_code = code;
    };
    set(SessionState::Waiting, None);
    assert_eq!(interp.follow_sessions().unwrap(), 1);
    assert_eq!(interp.follow_sessions().unwrap(), 0, "told once");
    let sent = w.channel.take();
    assert!(
        matches!(&sent[..], [Sent::Post { reply_to: Some(to), text, .. }]
            if to == "m1" && text.starts_with("Session 101 (claude, Login fails) is waiting for you.")),
        "the note replies to the work answer: {sent:?}"
    );
    set(SessionState::Running, None);
    assert_eq!(
        interp.follow_sessions().unwrap(),
        0,
        "running again is silent"
    );
    set(SessionState::Exited, Some(0));
    assert_eq!(interp.follow_sessions().unwrap(), 1);
    assert!(
        matches!(&w.channel.take()[..], [Sent::Post { text, .. }] if text == "Session 101 (claude, Login fails) exited (code 0)."),
    );
    assert!(
        w.state.watches.borrow().is_empty(),
        "an ended session is no longer followed"
    );
}

#[test]
fn work_needs_a_linked_user_who_sees_the_issue() {
    let w = World::with_model(None);
    let text = w.reply(&w.msg("999", "work 1"));
    assert!(text.contains("not linked"), "{text}");
    let text = w.reply(&w.msg("100", "work 42"));
    assert_eq!(text, "Cannot do that: issue 42 not found");
    assert!(w.state.watches.borrow().is_empty());
}
