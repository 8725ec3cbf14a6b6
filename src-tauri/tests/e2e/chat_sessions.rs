//! A Telegram bot beyond questions (issue 18): ✍ on someone's message proposes it as an
//! issue, confirmed by whoever reacted; `work <id> standin` starts a session as the
//! mapped user, and the chat hears when it waits for its user and when it ends.

/// The ticket reaction on Telegram (`aiops_trackers::chat::telegram::TICKET_EMOJI`).
const TICKET_EMOJI: &str = "✍";
use crate::chat_telegram::{ALICE, GROUP, WAIT, issues, setup};
use crate::common::{assert_success, json, wait_until};
use crate::sessions::{demo_issue, wait_state};

#[test]
fn a_writing_hand_on_a_message_makes_it_an_issue_by_whoever_reacted() {
    let w = setup();
    // A plain group message, not for the bot: it reads it but does not answer.
    let plain = w.telegram.state().user_message(
        GROUP,
        7777,
        "carol",
        "Deploys hang at 90% since Monday",
        None,
    );
    // A second update after it, so the first is surely handled before the reaction.
    let status = w.say(ALICE, "status");
    w.reply(status, "status", |m| m.text.starts_with("You act as"));
    assert!(
        w.telegram
            .state()
            .chat(GROUP)
            .iter()
            .all(|m| m.reply_to != Some(plain)),
        "a message that does not address the bot gets no answer"
    );
    w.telegram
        .state()
        .react(GROUP, ALICE, "alice", plain, TICKET_EMOJI);
    let preview = w.reply(plain, "preview of the reacted message", |m| {
        !m.buttons.is_empty()
    });
    assert!(
        preview.text.contains("Deploys hang at 90% since Monday"),
        "{preview:?}"
    );
    let confirm = preview.buttons[0].clone();
    let cb = w
        .telegram
        .state()
        .press(GROUP, ALICE, preview.message_id, &confirm);
    assert!(wait_until(WAIT, || {
        w.telegram.state().answered.get(&cb).map(String::as_str) == Some("Created.")
    }));
    let created = issues(&w.server);
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(
        created[0]["author"], "alice@example.com",
        "the reactor's issue"
    );
    let asked = w.telegram.state().calls.clone();
    let polls: Vec<_> = asked.iter().filter(|(m, _)| m == "getUpdates").collect();
    assert!(
        polls.iter().all(|(_, b)| b["allowed_updates"]
            .to_string()
            .contains("message_reaction")),
        "every poll asks for reactions"
    );
}

#[test]
fn work_from_the_chat_starts_a_session_and_reports_waiting_and_exit() {
    let w = setup();
    let issue = demo_issue(&w.server, "Chat work");
    let id = issue["id"].as_i64().expect("an issue id");
    let m = w.say(ALICE, &format!("work {id} standin"));
    let started = w.reply(m, "work", |m| m.text.starts_with("Started session"));
    let session: i64 = started
        .text
        .trim_start_matches("Started session ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a session id in {started:?}"));
    let s = json(&w.server, &["sessions", "get", &session.to_string()]);
    assert_eq!(s["user"], "alice@example.com", "the mapped user's session");
    assert_eq!(s["issue_id"], id);
    assert!(
        started.text.contains(&format!("/sessions/{session}")),
        "a link to it: {started:?}"
    );

    // The stand-in agent asks for review: the chat hears it, under the work answer.
    wait_state(&w.server, session, "waiting");
    let notes = |needle: &str| {
        w.telegram
            .state()
            .chat(GROUP)
            .into_iter()
            .filter(|x| x.reply_to == Some(started.message_id) && x.text.contains(needle))
            .count()
    };
    assert!(
        wait_until(WAIT, || notes("is waiting for you") == 1),
        "the waiting note: {:#?}",
        w.telegram.state().chat(GROUP)
    );
    // Nobody deletes an issue a session works on.
    let out = w.server.cli(&["issues", "delete", &id.to_string()], None);
    assert!(!out.status.success());
    assert!(
        crate::common::text(&out.stderr).contains("kill it first"),
        "{}",
        crate::common::text(&out.stderr)
    );
    let out = w
        .server
        .cli(&["sessions", "send", &session.to_string(), "0"], None);
    assert_success(&out, "sessions send");
    wait_state(&w.server, session, "exited");
    assert!(
        wait_until(WAIT, || notes("exited (code 0)") == 1),
        "the exit note: {:#?}",
        w.telegram.state().chat(GROUP)
    );
    assert_eq!(notes("is waiting for you"), 1, "each change is told once");
}

#[test]
fn delete_from_the_chat_is_for_the_tenants_admins() {
    let w = setup();
    let issue = demo_issue(&w.server, "Duplicate report");
    let id = issue["id"].to_string();
    let m = w.say(ALICE, &format!("delete {id}"));
    let refused = w.reply(m, "a member's delete", |m| {
        m.text.starts_with("Cannot do that")
    });
    assert!(refused.text.contains("delete issues"), "{refused:?}");
    assert_eq!(issues(&w.server).len(), 1, "still there");
    const BOSS: i64 = 9001;
    let out = w.server.cli(
        &[
            "telegram",
            "map-user",
            "ops",
            "--chat-user",
            &BOSS.to_string(),
            "--user",
            crate::common::ADMIN_EMAIL,
        ],
        None,
    );
    assert_success(&out, "map the admin");
    let m = w.say(BOSS, &format!("delete #{id}"));
    w.reply(m, "the admin's delete", |m| {
        m.text == format!("Deleted issue {id}.")
    });
    assert!(issues(&w.server).is_empty(), "gone");
}
