//! The Slack adapter (polling) against the fake Web API: the start mark, mentions and
//! DMs, threads (replies to the parent, follow-ups read with `conversations.replies`),
//! mrkdwn escaping, ✅/❌ as reactions, 🎫 as a ticket, ephemeral notices, users, 429, a
//! refused token. Socket Mode: `slack_socket.rs`.

use std::time::Duration;

use aiops_core::chat::channel::{Button, ChatChannel, ChatEvent};
use aiops_fakes::Fault;
use aiops_fakes::slack::{self, BOT_USER, SlackState};
use aiops_trackers::chat::slack::Slack;

const TOKEN: &str = "xoxb-1-test-token";

fn setup() -> (aiops_fakes::Fake<SlackState>, Slack) {
    let fake = slack::start(TOKEN);
    {
        let mut s = fake.state();
        s.user_message("C1", "U1", "old news");
        s.channels.insert("D9".into(), Vec::new());
        s.users
            .insert("U1".into(), ("alice".into(), "alice@example.com".into()));
    }
    let bot = Slack::open(Some(fake.url()), TOKEN, &["C1".into(), "D9".into()])
        .unwrap_or_else(|e| panic!("auth.test against the fake: {e}"));
    (fake, bot)
}

fn messages(got: &[ChatEvent]) -> Vec<(String, String, bool, bool)> {
    got.iter()
        .filter_map(|e| match e {
            ChatEvent::Message(m) => {
                Some((m.chat_id.clone(), m.text.clone(), m.addressed, m.group))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_first_poll_marks_the_start_then_new_messages_are_events() {
    let (fake, bot) = setup();
    assert_eq!(bot.bot_user(), BOT_USER);
    let first = bot.receive(None, Duration::ZERO).expect("poll");
    assert!(
        first.events.is_empty(),
        "history before the bot is not answered"
    );
    {
        let mut s = fake.state();
        s.user_message("C1", "U1", &format!("<@{BOT_USER}> list &lt;all&gt;"));
        s.user_message("C1", "U1", "chatter");
        s.user_message("D9", "U1", "status");
    }
    let got = bot
        .receive(first.cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    assert_eq!(
        messages(&got.events),
        vec![
            ("C1".into(), "list <all>".into(), true, true),
            ("C1".into(), "chatter".into(), false, true),
            ("D9".into(), "status".into(), true, false),
        ]
    );
    assert_eq!(got.events[0].key(), "C1/1765000000.000200");
    let again = bot
        .receive(got.cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    assert!(again.events.is_empty(), "each message once");
    let s = fake.state();
    let (_, q) = s
        .calls
        .iter()
        .rfind(|(m, p)| m == "conversations.history" && p["channel"] == "C1")
        .expect("a history call");
    assert_eq!(
        q["oldest"], "1764996400.000300",
        "an hour before the newest seen, for reactions on recent messages"
    );
    assert_eq!(q["inclusive"], "false");
}

#[test]
fn replies_go_to_the_thread_escaped_and_previews_take_reactions() {
    let (fake, bot) = setup();
    let cursor = bot.receive(None, Duration::ZERO).expect("poll").cursor;
    let asked = fake.state().user_message("C1", "U1", "q");
    bot.post("C1", Some(&asked), "a <b> & c", &[])
        .expect("post");
    let buttons = [
        Button {
            label: "✅".into(),
            data: "c:1".into(),
        },
        Button {
            label: "❌".into(),
            data: "x:1".into(),
        },
    ];
    let preview = bot
        .post("C1", Some(&asked), "New issue", &buttons)
        .expect("preview");
    {
        let s = fake.state();
        let sent = s.bot_messages("C1");
        assert_eq!(sent[0]["text"], "a &lt;b&gt; &amp; c");
        assert_eq!(sent[0]["thread_ts"], asked.as_str());
        assert!(sent[1]["text"].as_str().unwrap_or("").contains("react ✅"));
        let names: Vec<&str> = sent[1]["reactions"]
            .as_array()
            .expect("the bot's own reactions")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert_eq!(names, ["white_check_mark", "x"]);
    }
    fake.state().react("C1", &preview, "white_check_mark", "U1");
    let got = bot
        .receive(cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    let choices: Vec<_> = got
        .events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Choice(c) => Some((c.user_id.clone(), c.data.clone(), c.message_id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(choices, vec![("U1".into(), "c:1".into(), preview.clone())]);
    let got = bot
        .receive(got.cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    assert!(got.events.is_empty(), "a reaction is one choice");
    bot.acknowledge("C1|U1", "Created.").expect("ephemeral");
    bot.update("C1", &preview, "✅ Created", &[])
        .expect("update");
    fake.state().react("C1", &preview, "x", "U1");
    bot.receive(got.cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    let s = fake.state();
    assert_eq!(
        s.count("reactions.get"),
        2,
        "answered previews are no longer read"
    );
    assert_eq!(
        s.ephemeral,
        vec![("C1".into(), "U1".into(), "Created.".into())]
    );
    let updated = s.bot_messages("C1");
    assert_eq!(updated[1]["text"], "✅ Created");
}

#[test]
fn users_resolve_with_their_email() {
    let (_fake, bot) = setup();
    let who = bot
        .resolve_user("C1", "U1")
        .expect("users.info")
        .expect("known");
    assert_eq!(
        (who.name.as_str(), who.email.as_deref()),
        ("alice", Some("alice@example.com"))
    );
    assert_eq!(
        bot.resolve_user("C1", "U404").expect("not found is None"),
        None
    );
}

#[test]
fn a_429_is_waited_out_and_a_bad_token_is_named() {
    let (fake, bot) = setup();
    fake.fail_next(
        Fault::new(429, r#"{"ok":false,"error":"ratelimited"}"#).header("retry-after", "1"),
    );
    bot.post("C1", None, "hi", &[])
        .expect("sent after the wait");
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/chat.postMessage")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![429, 200]);
    let err = match Slack::open(Some(fake.url()), "xoxb-wrong", &["C1".into()]) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a wrong token must be refused"),
    };
    assert!(
        err.contains("refused the bot token (invalid_auth)"),
        "{err}"
    );
    assert!(Slack::open(Some(fake.url()), "not-a-bot-token", &["C1".into()]).is_err());
    assert!(
        Slack::open(Some(fake.url()), TOKEN, &[]).is_err(),
        "polling needs channels"
    );
}

#[test]
fn a_burst_longer_than_a_page_arrives_whole_and_in_order() {
    let (fake, bot) = setup();
    let cursor = bot.receive(None, Duration::ZERO).expect("poll").cursor;
    {
        let mut s = fake.state();
        for i in 0..250 {
            s.user_message("C1", "U1", &format!("<@{BOT_USER}> n{i}"));
        }
    }
    let got = bot
        .receive(cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    let texts: Vec<String> = messages(&got.events).into_iter().map(|m| m.1).collect();
    let want: Vec<String> = (0..250).map(|i| format!("n{i}")).collect();
    assert_eq!(texts, want);
    let pages = fake
        .state()
        .calls
        .iter()
        .filter(|(m, p)| {
            m == "conversations.history" && p["channel"] == "C1" && p.get("latest").is_some()
        })
        .count();
    assert_eq!(pages, 2, "three pages of 100: the first without latest");
}

#[test]
fn replies_name_the_parent_and_follow_ups_in_the_thread_are_read() {
    let (fake, bot) = setup();
    let cursor = bot.receive(None, Duration::ZERO).expect("poll").cursor;
    let parent = fake
        .state()
        .user_message("C1", "U1", &format!("<@{BOT_USER}> what is up?"));
    let got = bot
        .receive(cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    assert_eq!(messages(&got.events).len(), 1);
    bot.post("C1", Some(&parent), "all good", &[])
        .expect("answer");
    let follow = fake
        .state()
        .user_reply("C1", &parent, "U1", &format!("<@{BOT_USER}> list"));
    fake.state().user_reply("C1", &parent, "U1", "thanks");
    let got = bot
        .receive(got.cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    assert_eq!(
        messages(&got.events),
        vec![
            ("C1".into(), "list".into(), true, true),
            ("C1".into(), "thanks".into(), false, true),
        ],
        "thread follow-ups come from conversations.replies, not history"
    );
    assert_eq!(got.events[0].key(), format!("C1/{follow}"));
    // Answering the follow-up (a reply) goes to the thread's parent.
    let answer = bot
        .post("C1", Some(&follow), "open issues: none", &[])
        .expect("post");
    let s = fake.state();
    let sent = s.bot_messages("C1");
    assert!(
        sent.iter().all(|m| m["thread_ts"] == parent.as_str()),
        "{sent:#?}"
    );
    assert!(sent.iter().any(|m| m["ts"] == answer.as_str()));
    let (_, q) = s
        .calls
        .iter()
        .find(|(m, _)| m == "conversations.replies")
        .expect("the thread was read");
    assert_eq!(q["ts"], parent.as_str());
    assert_eq!(
        q["oldest"],
        parent.as_str(),
        "replies after the one answered"
    );
    assert_eq!(q["channel"], "C1");
    assert_eq!(s.thread("C1", &parent)[0]["reply_count"], 4);
}

#[test]
fn a_late_ticket_reaction_on_a_recent_message_is_one_ticket() {
    let (fake, bot) = setup();
    // A 🎫 already there when the bot starts is history.
    fake.state()
        .react("C1", "1765000000.000100", "ticket", "U1");
    let cursor = bot.receive(None, Duration::ZERO).expect("poll").cursor;
    let said = fake
        .state()
        .user_message("C1", "U1", "The login page &lt;500s&gt;");
    let got = bot
        .receive(cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    assert_eq!(got.events.len(), 1, "the message itself (not addressed)");
    // Two polls later someone reacts 🎫 on it.
    let got = bot
        .receive(got.cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    assert!(got.events.is_empty());
    fake.state().react("C1", &said, "ticket", "U2");
    let got = bot
        .receive(got.cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    let tickets: Vec<_> = got
        .events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Ticket(t) => Some((
                t.key.clone(),
                t.user_id.clone(),
                t.message_id.clone(),
                t.text.clone(),
                t.group,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        tickets,
        vec![(
            format!("C1/{said}/ticket/U2"),
            "U2".into(),
            said.clone(),
            Some("The login page <500s>".into()),
            true
        )]
    );
    let again = bot
        .receive(got.cursor.as_deref(), Duration::ZERO)
        .expect("poll");
    assert!(again.events.is_empty(), "each (message, reactor) once");
}
