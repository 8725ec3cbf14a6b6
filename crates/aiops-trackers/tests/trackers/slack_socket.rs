//! The Slack adapter in Socket Mode against the fake: `apps.connections.open` with the
//! app-level token only, every envelope acknowledged, a fresh connection after
//! `disconnect`, thread replies to the parent, ✅ and 🎫 reactions pushed as events.

use std::time::{Duration, Instant};

use aiops_core::chat::channel::{Button, ChatChannel, ChatEvent};
use aiops_fakes::slack::{self, BOT_USER, SlackState};
use aiops_trackers::chat::slack::{Slack, check_app_token};

const TOKEN: &str = "xoxb-1-test-token";
const APP: &str = "xapp-1-A0FAKEAPP-test";
const WAIT: Duration = Duration::from_secs(10);

fn setup() -> (aiops_fakes::Fake<SlackState>, Slack) {
    let fake = slack::start_socket(TOKEN, APP);
    fake.state().channels.insert("C1".into(), Vec::new());
    let bot = Slack::open_socket(Some(fake.url()), TOKEN, APP, &["C1".into()])
        .unwrap_or_else(|e| panic!("auth.test against the fake: {e}"));
    assert!(bot.socket_mode());
    (fake, bot)
}

/// Receives until `n` events came (or fails after [`WAIT`]).
fn events(bot: &Slack, n: usize) -> Vec<ChatEvent> {
    let deadline = Instant::now() + WAIT;
    let mut out = Vec::new();
    while out.len() < n {
        assert!(Instant::now() < deadline, "only {out:#?} within {WAIT:?}");
        let got = bot
            .receive(None, Duration::from_millis(200))
            .expect("receive");
        assert_eq!(got.cursor, None, "Socket Mode has no cursor");
        out.extend(got.events);
    }
    out
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !ok() {
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        std::thread::yield_now();
    }
}

#[test]
fn every_envelope_is_acked_and_a_disconnect_opens_a_fresh_connection() {
    let (fake, bot) = setup();
    let ts = fake
        .state()
        .socket_message("C1", "U1", &format!("<@{BOT_USER}> hi"), None);
    // `message` and `app_mention` of one message: two events with one key.
    let got = events(&bot, 2);
    assert_eq!(got[0].key(), format!("C1/{ts}"));
    assert_eq!(got[1].key(), got[0].key());
    let ChatEvent::Message(m) = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!((m.text.as_str(), m.addressed, m.group), ("hi", true, true));
    wait_until("both envelopes acked", || {
        fake.state().socket.unacked().is_empty()
    });

    fake.state().socket.disconnect();
    let next = fake.state().socket_message("C1", "U1", "chatter", None);
    let got = events(&bot, 1);
    assert_eq!(got[0].key(), format!("C1/{next}"));
    wait_until("acked on the new connection", || {
        fake.state().socket.unacked().is_empty()
    });
    let s = fake.state();
    assert_eq!(
        s.socket.opened, 2,
        "a fresh apps.connections.open after disconnect"
    );
    assert_eq!(s.socket.connections, 2);
    assert_eq!(s.socket.acks.len(), 3, "{:?}", s.socket.acks);
    drop(s);
    let opens: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/apps.connections.open")
        .collect();
    assert_eq!(opens.len(), 2);
    for r in opens {
        assert_eq!(r.method, "POST");
        let auth = r.headers.get("authorization").and_then(|v| v.to_str().ok());
        assert_eq!(
            auth,
            Some(format!("Bearer {APP}").as_str()),
            "the app token"
        );
    }
    let replies = fake.count("POST", "/api/chat.postMessage");
    assert_eq!(replies, 0);
}

#[test]
fn thread_replies_arrive_as_events_and_answers_go_to_the_parent() {
    let (fake, bot) = setup();
    let parent = fake.state().user_message("C1", "U1", "root");
    let reply =
        fake.state()
            .socket_message("C1", "U1", &format!("<@{BOT_USER}> list"), Some(&parent));
    let got = events(&bot, 1);
    let ChatEvent::Message(m) = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!(
        (m.message_id.as_str(), m.text.as_str()),
        (reply.as_str(), "list")
    );
    let first = bot
        .post("C1", Some(&reply), "none open", &[])
        .expect("post");
    // The overflow of an edit replies to the bot's own reply: still the parent.
    bot.post("C1", Some(&first), "more", &[]).expect("post");
    let s = fake.state();
    let sent = s.bot_messages("C1");
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter().all(|m| m["thread_ts"] == parent.as_str()),
        "{sent:#?}"
    );
    assert_eq!(
        s.count("conversations.replies"),
        0,
        "no polling in Socket Mode"
    );
    assert_eq!(s.count("conversations.history"), 0);
}

#[test]
fn reactions_come_as_choices_and_tickets_with_the_text() {
    let (fake, bot) = setup();
    let said = fake
        .state()
        .socket_message("C1", "U1", "Disk full on db-1", None);
    events(&bot, 1);
    fake.state().socket_react("C1", &said, "ticket", "U2");
    let got = events(&bot, 1);
    let ChatEvent::Ticket(t) = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!(t.key, format!("C1/{said}/ticket/U2"));
    assert_eq!(t.text.as_deref(), Some("Disk full on db-1"));
    assert_eq!(
        (t.user_id.as_str(), t.message_id.as_str()),
        ("U2", said.as_str())
    );
    {
        let s = fake.state();
        let (_, q) = s
            .calls
            .iter()
            .find(|(m, _)| m == "conversations.history")
            .expect("the text was fetched");
        assert_eq!(q["latest"], said.as_str());
        assert_eq!(q["inclusive"], "true");
        assert_eq!(q["limit"], "1");
    }

    // A 🎫 on a thread reply reads the thread.
    let reply = fake
        .state()
        .socket_message("C1", "U1", "and db-2", Some(&said));
    events(&bot, 1);
    fake.state().socket_react("C1", &reply, "ticket", "U2");
    let got = events(&bot, 1);
    let ChatEvent::Ticket(t) = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!(t.text.as_deref(), Some("and db-2"));
    assert_eq!(fake.state().count("conversations.replies"), 1);

    // ✅ on a pending preview is a choice, without reactions.get.
    let buttons = [
        Button {
            label: "✅".into(),
            data: "c:9".into(),
        },
        Button {
            label: "❌".into(),
            data: "x:9".into(),
        },
    ];
    let preview = bot
        .post("C1", Some(&said), "New issue", &buttons)
        .expect("preview");
    fake.state()
        .socket_react("C1", &preview, "white_check_mark", "U1");
    let got = events(&bot, 1);
    let ChatEvent::Choice(c) = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!((c.data.as_str(), c.user_id.as_str()), ("c:9", "U1"));
    assert_eq!(fake.state().count("reactions.get"), 0);
    wait_until("all acked", || fake.state().socket.unacked().is_empty());
}

#[test]
fn only_the_app_token_opens_a_socket() {
    let fake = slack::start_socket(TOKEN, APP);
    check_app_token(Some(fake.url()), APP).expect("the app token works");
    assert!(
        check_app_token(Some(fake.url()), TOKEN).is_err(),
        "a bot token is not an app token"
    );
    let err = check_app_token(Some(fake.url()), "xapp-1-wrong")
        .expect_err("a wrong app token")
        .to_string();
    assert!(
        err.contains("refused the app-level token (invalid_auth)"),
        "{err}"
    );
    assert!(!err.contains("xapp-1-wrong"), "{err}");
    // The fake answers as Slack does when the bot token asks for a socket.
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let body: serde_json::Value = agent
        .post(format!("{}/api/apps.connections.open", fake.url()))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send_empty()
        .expect("fake reachable")
        .body_mut()
        .read_json()
        .expect("json");
    assert_eq!(body["error"], "not_allowed_token_type");
}
