//! The Telegram adapter against the fake Bot API: updates to events, mentions, offsets,
//! MarkdownV2 that shows exactly the text, chunking, edits, buttons, 429, a bad token.

use std::time::Duration;

use aiops_core::CoreError;
use aiops_core::chat::channel::{Button, ChatChannel, ChatEvent};
use aiops_fakes::Fault;
use aiops_fakes::telegram::{self, BOT_USERNAME};
use aiops_trackers::chat::telegram::Telegram;

const TOKEN: &str = "123456789:AAtestTOKENtestTOKENtestTOKENtest01";

fn open(fake: &aiops_fakes::Fake<telegram::TelegramState>) -> Telegram {
    Telegram::open(Some(fake.url()), TOKEN, Duration::from_secs(1))
        .unwrap_or_else(|e| panic!("getMe against the fake: {e}"))
}

#[test]
fn updates_become_events_and_the_offset_confirms_them() {
    let fake = telegram::start(TOKEN);
    let bot = open(&fake);
    assert_eq!(bot.username(), BOT_USERNAME);
    let (m1, m2, m3) = {
        let mut s = fake.state();
        let m1 = s.user_message(
            -100,
            42,
            "alice",
            &format!("İ👋 @{BOT_USERNAME} list all"),
            None,
        );
        let m2 = s.user_message(-100, 42, "alice", "just chatting", None);
        let m3 = s.user_message(-100, 42, "alice", "show 3", Some(1001));
        s.user_message(42, 42, "alice", "status", None);
        (m1, m2, m3)
    };
    let got = bot
        .receive(None, Duration::from_secs(1))
        .expect("getUpdates");
    let msgs: Vec<_> = got
        .events
        .iter()
        .map(|e| match e {
            ChatEvent::Message(m) => (m.message_id.clone(), m.text.clone(), m.addressed, m.group),
            other => panic!("only messages were sent: {other:?}"),
        })
        .collect();
    assert_eq!(
        msgs,
        vec![
            (m1.to_string(), "İ👋  list all".into(), true, true),
            (m2.to_string(), "just chatting".into(), false, true),
            (m3.to_string(), "show 3".into(), true, true),
            ((m3 + 1).to_string(), "status".into(), true, false),
        ],
        "mention stripped; a reply to the bot is addressed; 1:1 always"
    );
    assert_eq!(got.events[0].key(), "update/1");
    assert_eq!(got.cursor.as_deref(), Some("5"));
    // The next poll confirms them: they are gone, and the cursor stays.
    let again = bot
        .receive(got.cursor.as_deref(), Duration::from_secs(0))
        .expect("poll");
    assert!(again.events.is_empty());
    assert_eq!(again.cursor.as_deref(), Some("5"));
    let s = fake.state();
    let (_, body) = s
        .calls
        .iter()
        .rfind(|(m, _)| m == "getUpdates")
        .expect("a poll");
    assert_eq!(body["offset"], 5);
    assert_eq!(body["timeout"], 0);
    assert_eq!(
        body["allowed_updates"],
        serde_json::json!(["message", "callback_query", "message_reaction"])
    );
    assert!(s.pending.is_empty(), "confirmed updates are dropped");
}

#[test]
fn posts_show_exactly_the_text_chunked_with_buttons_on_the_last() {
    let fake = telegram::start(TOKEN);
    let bot = open(&fake);
    let tricky = "v1.2 (beta) - done! a_b*c [x] ~y~ >q #1 +2 =3 |p| {k} \\ `code.x` end.";
    let id = bot.post("-100", Some("7"), tricky, &[]).expect("send");
    let s = fake.state();
    let m = &s.messages[&id.parse::<i64>().expect("numeric id")];
    assert_eq!(
        m.text,
        tricky.replace('`', ""),
        "MarkdownV2 shows the text as written"
    );
    assert_eq!(m.reply_to, Some(7));
    drop(s);
    let long = "word ".repeat(1700);
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
    let last = bot.post("-100", None, &long, &buttons).expect("send long");
    let s = fake.state();
    let sent = s.chat(-100);
    assert_eq!(
        sent.len(),
        4,
        "the tricky one, then 8500 chars in 3 messages"
    );
    assert!(sent[1..].iter().all(|m| m.text.chars().count() <= 4096));
    let words: usize = sent[1..]
        .iter()
        .map(|m| m.text.split_whitespace().count())
        .sum();
    assert_eq!(words, 1700, "no word lost or cut");
    assert_eq!(sent[3].message_id.to_string(), last);
    assert!(sent[1].buttons.is_empty() && sent[2].buttons.is_empty());
    assert_eq!(sent[3].buttons, vec!["c:1", "x:1"]);
}

#[test]
fn edits_acknowledgements_and_the_same_text_again() {
    let fake = telegram::start(TOKEN);
    let bot = open(&fake);
    let id = bot
        .post(
            "-100",
            None,
            "…",
            &[Button {
                label: "✅".into(),
                data: "c:1".into(),
            }],
        )
        .expect("send");
    bot.update("-100", &id, "Hello.", &[]).expect("edit");
    bot.update("-100", &id, "Hello.", &[])
        .expect("the same text again is fine");
    let s = fake.state();
    let m = &s.messages[&id.parse::<i64>().expect("id")];
    assert_eq!(m.history, vec!["…", "Hello."]);
    assert!(m.buttons.is_empty(), "the edit removed the buttons");
    drop(s);
    bot.acknowledge("cb9", "Created.")
        .expect("answerCallbackQuery");
    bot.react("-100", &id, "👀").expect("setMessageReaction");
    assert_eq!(fake.state().answered["cb9"], "Created.");
}

#[test]
fn callback_queries_become_choices() {
    let fake = telegram::start(TOKEN);
    let bot = open(&fake);
    let id = bot.post("-100", None, "preview", &[]).expect("send");
    let cb = fake.state().press(-100, 42, id.parse().expect("id"), "c:9");
    let got = bot.receive(None, Duration::from_secs(1)).expect("poll");
    match got.events.as_slice() {
        [ChatEvent::Choice(c)] => {
            assert_eq!(
                (c.chat_id.as_str(), c.message_id.as_str()),
                ("-100", id.as_str())
            );
            assert_eq!((c.user_id.as_str(), c.data.as_str()), ("42", "c:9"));
            assert_eq!(c.callback_id, cb);
        }
        other => panic!("one choice expected, got {other:?}"),
    }
}

#[test]
fn a_429_is_waited_out_as_retry_after_says() {
    let fake = telegram::start(TOKEN);
    let bot = open(&fake);
    fake.fail_next(Fault::new(
        429,
        r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"#,
    ));
    bot.post("-100", None, "hi", &[])
        .expect("sent after the wait");
    let sends: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/sendMessage"))
        .map(|r| r.status)
        .collect();
    assert_eq!(sends, vec![429, 200], "one refused, one retried");
    assert_eq!(fake.state().chat(-100).len(), 1, "sent once");
}

#[test]
fn a_wrong_token_is_a_clear_error_without_the_token() {
    let fake = telegram::start(TOKEN);
    let other = "123456789:AAotherTOKENotherTOKENotherTOKEN99";
    let Err(err) = Telegram::open(Some(fake.url()), other, Duration::from_secs(1)) else {
        panic!("a wrong token must be refused");
    };
    let text = err.to_string();
    assert!(matches!(err, CoreError::Upstream(_)), "{err:?}");
    assert!(text.contains("refused the bot token (401)"), "{text}");
    assert!(!text.contains("AAother"), "the token never appears: {text}");
    assert!(Telegram::open(Some(fake.url()), "not a token", Duration::from_secs(1)).is_err());
}

#[test]
fn users_resolve_through_get_chat_member() {
    let fake = telegram::start(TOKEN);
    let bot = open(&fake);
    fake.state().user_message(-100, 42, "alice", "hello", None);
    let who = bot.resolve_user("-100", "42").expect("getChatMember");
    assert_eq!(who.map(|p| p.name).as_deref(), Some("@alice"));
    assert_eq!(
        bot.resolve_user("-100", "43").expect("not found is None"),
        None
    );
    let s = fake.state();
    let (_, body) = s
        .calls
        .iter()
        .rfind(|(m, _)| m == "getChatMember")
        .expect("a call");
    assert_eq!(body, &serde_json::json!({"chat_id": -100, "user_id": 43}));
}

#[test]
fn commands_for_another_bot_and_bots_own_messages_are_not_for_this_one() {
    let fake = telegram::start(TOKEN);
    let bot = open(&fake);
    {
        let mut s = fake.state();
        s.user_message(-100, 42, "alice", "/list@other_bot", None);
        s.user_message(-100, 42, "alice", "/list", None);
        s.user_message(-100, 42, "alice", &format!("/list@{BOT_USERNAME}"), None);
        // The fake marks only mentions; Telegram marks commands as `bot_command`.
        for u in &mut s.pending {
            let text = u["message"]["text"].as_str().unwrap_or("").to_owned();
            let len = text.encode_utf16().count();
            u["message"]["entities"] =
                serde_json::json!([{"type": "bot_command", "offset": 0, "length": len}]);
        }
    }
    let got = bot.receive(None, Duration::from_secs(1)).expect("poll");
    let addressed: Vec<bool> = got
        .events
        .iter()
        .map(|e| match e {
            ChatEvent::Message(m) => m.addressed,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(addressed, vec![false, true, true]);
}

#[test]
fn a_writing_hand_reaction_is_a_ticket_with_the_remembered_text() {
    let fake = telegram::start(TOKEN);
    let bot = open(&fake);
    let seen = fake
        .state()
        .user_message(-100, 42, "alice", "Deploys hang at 90%", None);
    bot.receive(None, Duration::from_secs(1))
        .expect("first poll");
    {
        let mut s = fake.state();
        s.react(-100, 43, "bob", seen, "👍");
        s.react(-100, 43, "bob", seen, telegram_ticket());
        s.react(-100, 43, "bob", 9999, telegram_ticket());
    }
    let got = bot
        .receive(Some("2"), Duration::from_secs(1))
        .expect("second poll");
    let tickets: Vec<_> = got
        .events
        .iter()
        .map(|e| match e {
            ChatEvent::Ticket(t) => (
                t.message_id.clone(),
                t.user_id.clone(),
                t.user_name.clone(),
                t.text.clone(),
            ),
            other => panic!("only reactions were sent: {other:?}"),
        })
        .collect();
    assert_eq!(
        tickets,
        vec![
            (
                seen.to_string(),
                "43".into(),
                "@bob".into(),
                Some("Deploys hang at 90%".into())
            ),
            ("9999".into(), "43".into(), "@bob".into(), None),
        ],
        "👍 is not a ticket; a message the bot never saw has no text"
    );
    let asked = fake.state().calls.last().cloned().expect("a call");
    assert_eq!(
        asked.1["allowed_updates"],
        serde_json::json!(["message", "callback_query", "message_reaction"]),
        "reactions must be asked for by name"
    );
}

#[test]
fn without_asking_for_reactions_none_are_delivered() {
    let fake = telegram::start(TOKEN);
    let mut s = fake.state();
    s.react(-100, 43, "bob", 1, telegram_ticket());
    s.user_message(-100, 42, "alice", "hi", None);
    let allowed: Vec<bool> = s.history.clone().iter().map(|u| s.allowed(u)).collect();
    assert_eq!(
        allowed,
        vec![false, true],
        "the default kinds leave reactions out"
    );
}

fn telegram_ticket() -> &'static str {
    aiops_trackers::chat::telegram::TICKET_EMOJI
}
