//! The interpreter against an in-memory channel, state and ops ([`fakes`]): parsing,
//! rules, permissions, preview/confirm/expire, idempotency, redaction.

pub(in crate::chat) mod fakes;
mod follow;

use self::fakes::{FakeModel, Sent, World, t0};
use super::channel::ChatEvent;
use super::command::{Command, ListScope, parse};
use super::interpret::Outcome;
use super::{chunks, first_line};

#[test]
fn parses_commands() {
    assert_eq!(parse("help"), Command::Help);
    assert_eq!(parse(""), Command::Help);
    assert_eq!(parse("/list@aiops_bot all"), Command::List(ListScope::All));
    assert_eq!(
        parse("LIST web"),
        Command::List(ListScope::Project("web".into()))
    );
    assert_eq!(parse("list"), Command::List(ListScope::Default));
    assert_eq!(parse("show #12"), Command::Show(12));
    assert_eq!(parse("close 3"), Command::Close(3));
    assert_eq!(parse("close x"), Command::Usage("usage: close <id>"));
    assert_eq!(parse("delete 4"), Command::Delete(4));
    assert_eq!(
        parse("issue in acme/web Login fails\nsteps"),
        Command::Issue {
            project: Some("acme/web".into()),
            text: "Login fails\nsteps".into()
        }
    );
    assert_eq!(
        parse("create the build is red"),
        Command::Issue {
            project: None,
            text: "the build is red".into()
        }
    );
    assert_eq!(
        parse("issue"),
        Command::Usage("usage: issue [in <project>] <text>")
    );
    assert_eq!(parse("ask why?"), Command::Ask("why?".into()));
    assert_eq!(
        parse("why is CI red?"),
        Command::Ask("why is CI red?".into())
    );
    assert_eq!(parse("sessions"), Command::Sessions);
    assert_eq!(parse("status"), Command::Status);
}

#[test]
fn chunks_split_at_lines_and_keep_everything() {
    let text = "a".repeat(150) + "\n" + &"b".repeat(150);
    let parts = chunks(&text, 200);
    assert_eq!(parts, vec!["a".repeat(150), "b".repeat(150)]);
    let long = "x".repeat(450);
    let parts = chunks(&long, 200);
    assert_eq!(
        parts
            .iter()
            .map(std::string::String::len)
            .collect::<Vec<_>>(),
        vec![200, 200, 50]
    );
    assert_eq!(chunks("", 10), vec![String::new()]);
    assert_eq!(first_line("\n  Title here \nbody", 120), "Title here");
    assert_eq!(first_line("abcdef", 4), "abc…");
}

#[test]
fn issue_preview_confirm_creates_once_as_the_mapped_user() {
    // No model: the message is the issue.
    let w = World::with_model(None);
    let text = w.reply(&w.msg("100", "issue Login fails\nafter the update"));
    assert!(
        text.contains("New issue in acme/web:\nLogin fails"),
        "{text}"
    );
    assert_eq!(w.state.previews.borrow().len(), 1, "a preview is stored");
    // Somebody else's ✅ does nothing.
    w.run(&w.press("200", "c:1"), t0());
    assert_eq!(
        w.channel.take(),
        vec![Sent::Ack(
            "Only the person who proposed this issue can answer it.".into()
        )]
    );
    let press = w.press("100", "c:1");
    w.run(&press, t0());
    let sent = w.channel.take();
    assert!(
        matches!(&sent[0], Sent::Update { message, text } if message == "m1" && text.starts_with("✅ Created 1 · #1 Login fails")),
        "{sent:?}"
    );
    let issues = w.ops.issues.borrow().clone();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].author.as_deref(), Some("alice@example.com"));
    assert_eq!(issues[0].description, "Login fails\nafter the update");
    // The same delivery again, and a second press: nothing more is created.
    assert!(matches!(w.run(&press, t0()), Outcome::Duplicate));
    w.run(&w.press("100", "c:1"), t0());
    assert_eq!(
        w.channel.take(),
        vec![Sent::Ack(
            "This preview was already answered or has expired.".into()
        )]
    );
    assert_eq!(w.ops.issues.borrow().len(), 1, "one ✅ creates one issue");
    // `list` shows it, `close` closes it.
    let list = w.reply(&w.msg("100", "list"));
    assert!(list.contains("1 · #1 Login fails (acme/web)"), "{list}");
    let closed = w.reply(&w.msg("100", "close 1"));
    assert!(closed.starts_with("Closed 1 · #1"), "{closed}");
    assert_eq!(
        w.reply(&w.msg("100", "list")),
        "No open issues in acme/web."
    );
}

#[test]
fn cancel_and_expiry() {
    let w = World::with_model(None);
    w.reply(&w.msg("100", "issue first"));
    w.run(&w.press("100", "x:1"), t0());
    assert!(
        matches!(&w.channel.take()[0], Sent::Update { text, .. } if text == "❌ Cancelled: first")
    );
    w.reply(&w.msg("100", "issue second"));
    let late = t0() + time::Duration::minutes(61);
    w.run(&w.press("100", "c:2"), late);
    assert!(
        matches!(&w.channel.take()[0], Sent::Update { text, .. } if text.starts_with("⌛ Expired"))
    );
    assert!(w.ops.issues.borrow().is_empty(), "nothing created");
}

#[test]
fn permissions_follow_the_mapped_user() {
    let w = World::new();
    // Unmapped: told how to link, nothing stored.
    let text = w.reply(&w.msg("999", "issue something"));
    assert!(
        text.contains("aiops telegram map-user ops --chat-user 999"),
        "{text}"
    );
    assert!(w.state.previews.borrow().is_empty());
    // A disabled user is treated as unmapped.
    let text = w.reply(&w.msg("300", "list"));
    assert!(text.contains("not linked"), "{text}");
    // Alice does not see project `secret`; bob (admin) does.
    let text = w.reply(&w.msg("100", "issue in secret leak"));
    assert_eq!(text, "Cannot do that: project `secret` not found");
    let text = w.reply(&w.msg("200", "issue in secret leak"));
    assert!(text.starts_with("New issue in acme/secret:"), "{text}");
    // delete: admins only.
    assert!(w.reply(&w.msg("100", "delete 1")).contains("only admins"));
    assert_eq!(w.reply(&w.msg("200", "delete 1")), "Deleted issue 1.");
    // help works unmapped.
    assert!(w.reply(&w.msg("999", "help")).starts_with("Commands:"));
}

#[test]
fn rules_decide_what_is_read() {
    let mut w = World::new();
    let mut e = w.msg("100", "list");
    if let ChatEvent::Message(m) = &mut e {
        m.chat_id = "-555".into();
    }
    assert!(
        matches!(w.run(&e, t0()), Outcome::Ignored(_)),
        "off the allow-list"
    );
    let mut e = w.msg("100", "list");
    if let ChatEvent::Message(m) = &mut e {
        m.group = false;
    }
    assert!(
        matches!(w.run(&e, t0()), Outcome::Ignored(_)),
        "1:1 while group-only"
    );
    let mut e = w.msg("100", "list");
    if let ChatEvent::Message(m) = &mut e {
        m.addressed = false;
    }
    assert!(
        matches!(w.run(&e, t0()), Outcome::Ignored(_)),
        "not addressed"
    );
    let mut e = w.msg("100", "AIOPS, status");
    if let ChatEvent::Message(m) = &mut e {
        m.addressed = false;
    }
    assert!(w.reply(&e).starts_with("You act as alice@example.com"));
    assert!(w.channel.take().is_empty());
    w.integration.group_only = false;
    let mut e = w.msg("100", "status");
    if let ChatEvent::Message(m) = &mut e {
        m.group = false;
        m.addressed = false;
    }
    assert!(
        w.reply(&e).starts_with("You act as"),
        "1:1 needs no mention"
    );
}

#[test]
fn answers_stream_by_edits_and_are_redacted() {
    let w = World::new();
    // Unmapped users may ask.
    w.run(&w.msg("999", "why is the build red?"), t0());
    let sent = w.channel.take();
    assert!(
        matches!(&sent[0], Sent::Post { text, reply_to, .. } if text == "…" && reply_to.as_deref() == Some("in1"))
    );
    let edits: Vec<&str> = sent[1..]
        .iter()
        .map(|s| match s {
            Sent::Update { text, .. } => text.as_str(),
            other => panic!("only edits follow, got {other:?}"),
        })
        .collect();
    assert!(edits.len() >= 3, "streamed by several edits: {edits:?}");
    for e in &edits {
        assert!(
            !e.contains("ghp_"),
            "no token or token prefix reaches the chat: {e}"
        );
    }
    assert_eq!(
        *edits.last().expect("a final edit"),
        "Hello there, the token is [REDACTED] ok"
    );
}

#[test]
fn long_answers_are_chunked() {
    let mut w = World::new();
    let long: &'static str = Box::leak(("word ".repeat(100)).into_boxed_str());
    w.model = Some(FakeModel(vec![long]));
    w.run(&w.msg("100", "ask tell me a lot"), t0());
    let sent = w.channel.take();
    let last_edit = sent.iter().rposition(|s| matches!(s, Sent::Update { .. }));
    let after: Vec<_> = sent[last_edit.expect("an edit") + 1..].to_vec();
    assert_eq!(
        after.len(),
        2,
        "500 chars in 200-char messages: one edit and two more posts"
    );
}

#[test]
fn a_nameless_author_is_named_by_the_platform() {
    let w = World::new();
    let mut e = w.msg("999", "list");
    if let ChatEvent::Message(m) = &mut e {
        m.user_name = String::new();
    }
    assert!(w.reply(&e).starts_with("@resolved999, you are not linked"));
}

#[test]
fn with_a_model_the_preview_is_its_title_and_description_above_the_message() {
    let w = World::with_model(Some(vec![
        "Safari login ",
        "fails\n\nThe login page fails.",
    ]));
    let text = w.reply(&w.msg("100", "issue login broken on safari"));
    assert!(
        text.starts_with(
            "New issue in acme/web:\nSafari login fails\n\nThe login page fails.\n\nFrom the chat:\n\n> login broken on safari"
        ),
        "{text}"
    );
    w.run(&w.press("100", "c:1"), t0());
    let issues = w.ops.issues.borrow().clone();
    assert_eq!(issues[0].title, "Safari login fails");
    assert!(
        issues[0].description.ends_with("> login broken on safari"),
        "{}",
        issues[0].description
    );
}

#[test]
fn a_ticket_reaction_proposes_the_message_as_an_issue_by_the_reactor() {
    let w = World::with_model(None);
    w.run(
        &w.ticket("100", "in7", Some("Deploys hang at 90%\nsince Monday")),
        t0(),
    );
    let sent = w.channel.take();
    assert!(
        matches!(&sent[..], [Sent::Post { reply_to: Some(to), text, .. }]
            if to == "in7" && text.contains("New issue in acme/web:\nDeploys hang at 90%")),
        "{sent:?}"
    );
    // Only the reactor confirms it; the issue is theirs.
    w.run(&w.press("200", "c:1"), t0());
    assert!(w.ops.issues.borrow().is_empty());
    w.channel.take();
    w.run(&w.press("100", "c:1"), t0());
    let issues = w.ops.issues.borrow().clone();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].author.as_deref(), Some("alice@example.com"));
    assert_eq!(issues[0].description, "Deploys hang at 90%\nsince Monday");
}

#[test]
fn a_ticket_reaction_by_an_unlinked_user_or_on_an_unread_message_creates_nothing() {
    let w = World::with_model(None);
    let text = w.reply(&w.ticket("999", "in7", Some("something")));
    assert!(text.contains("not linked to an aiops user"), "{text}");
    let text = w.reply(&w.ticket("100", "in8", None));
    assert!(text.starts_with("I cannot read that message"), "{text}");
    assert!(w.state.previews.borrow().is_empty(), "no preview stored");
    // Off the allow-list: not even a reply.
    let mut w = World::with_model(None);
    w.integration.allowed_chats = vec!["-555".into()];
    assert!(matches!(
        w.run(&w.ticket("100", "in7", Some("x")), t0()),
        Outcome::Ignored(_)
    ));
    assert!(w.channel.take().is_empty());
}
