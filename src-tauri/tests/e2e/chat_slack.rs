//! A Slack bot end to end (issue 18) over the same interpreter as Telegram: a real
//! `aiops serve` polling a fake Slack Web API, answering from a fake Ollama. A mention is
//! answered in its thread; `issue` → preview → the author's ✅ reaction → the issue, as
//! the mapped user → `list`; an unmapped user is refused; a `429` + `Retry-After` is
//! waited out; the token never comes back.

use std::time::Duration;

use aiops_fakes::slack::{self, BOT_USER, SlackState};
use aiops_fakes::{Fake, Fault};
use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, wait_until};
use crate::sessions::{project_on, seeded_repo};
use crate::trackers::Member;

const TOKEN: &str = "xoxb-5550001-chatTESTslackTOKEN";
const CHANNEL: &str = "C0CHAT01";
/// Alice's DM with the bot.
const DM: &str = "D0ALICE1";
const WAIT: Duration = Duration::from_secs(30);

struct World {
    server: ServerProcess,
    slack: Fake<SlackState>,
    ollama: Fake<aiops_fakes::ollama::OllamaState>,
    _repo: tempfile::TempDir,
}

fn setup() -> World {
    let slack = slack::start(TOKEN);
    slack.state().channels.insert(CHANNEL.into(), Vec::new());
    slack.state().channels.insert(DM.into(), Vec::new());
    let ollama = aiops_fakes::ollama::start("tiny");
    let (repo, path) = seeded_repo();
    let server = ServerProcess::start_with(true, &[("AIOPS_CHAT_POLL_WAIT_SECS", "1")]);
    project_on(&server, &path);
    Member::create(&server, "alice@example.com");
    let out = server.cli(
        &[
            "slack",
            "create",
            "--tenant",
            "acme",
            "--name",
            "ops",
            "--token-stdin",
            "--api-url",
            slack.url(),
            "--channel",
            CHANNEL,
            "--channel",
            DM,
            "--project",
            "acme/demo",
            "--answer",
            "ollama",
            "--ollama-url",
            ollama.url(),
            "--model",
            "tiny",
        ],
        Some(&format!("{TOKEN}\n")),
    );
    assert_success(&out, "slack create");
    let out = server.cli(
        &[
            "slack",
            "map-user",
            "ops",
            "--chat-user",
            "U0ALICE",
            "--user",
            "alice@example.com",
        ],
        None,
    );
    assert_success(&out, "slack map-user");
    // What is in the channel before the bot's first poll is history, not a command.
    assert!(
        wait_until(WAIT, || slack.state().count("conversations.history") >= 2),
        "the bot polls its channel"
    );
    World {
        server,
        slack,
        ollama,
        _repo: repo,
    }
}

impl World {
    fn say(&self, user: &str, text: &str) -> String {
        let text = format!("<@{BOT_USER}> {text}");
        self.slack.state().user_message(CHANNEL, user, &text)
    }

    fn replies(&self, ts: &str) -> Vec<Value> {
        self.slack
            .state()
            .bot_messages(CHANNEL)
            .into_iter()
            .filter(|m| m["thread_ts"] == ts)
            .collect()
    }

    fn reply(&self, ts: &str, what: &str, done: impl Fn(&str) -> bool) -> Value {
        let ok = wait_until(WAIT, || {
            self.replies(ts)
                .iter()
                .any(|m| done(m["text"].as_str().unwrap_or("")))
        });
        assert!(
            ok,
            "{what}: no such reply in thread {ts}: {:#?}\nserver stderr:\n{}",
            self.slack.state().bot_messages(CHANNEL),
            self.server.stderr()
        );
        let replies = self.replies(ts);
        assert_eq!(replies.len(), 1, "{what}: one reply, got {replies:#?}");
        replies[0].clone()
    }
}

#[test]
fn a_slack_bot_answers_and_creates_issues_by_reaction_as_the_mapped_user() {
    let w = setup();
    let q = w.say("U0ALICE", "what is aiops?");
    let answer = w.reply(&q, "answer", |t| t == "You asked: what is aiops?");
    assert!(
        answer["edits"].as_u64().unwrap_or(0) >= 1,
        "edited into place: {answer}"
    );

    let m = w.say("U0MALLORY", "issue Delete prod");
    let refused = w.reply(&m, "unmapped", |t| t.contains("not linked"));
    let text = refused["text"].as_str().unwrap_or("");
    assert!(
        text.contains("aiops slack map-user ops --chat-user U0MALLORY"),
        "{text}"
    );

    // The model writes the issue's title and description.
    w.ollama.state().script.push_back(vec![
        "Safari login is broken\n\nThe login page fails in Safari.".into(),
    ]);
    let m = w.say("U0ALICE", "issue Login fails on Safari");
    let preview = w.reply(&m, "preview", |t| t.starts_with("New issue in acme/demo"));
    let ts = preview["ts"].as_str().expect("ts").to_owned();
    // Mallory's ✅ does nothing; alice's creates it, once.
    w.slack
        .state()
        .react(CHANNEL, &ts, "white_check_mark", "U0MALLORY");
    assert!(wait_until(WAIT, || !w.slack.state().ephemeral.is_empty()));
    w.slack
        .state()
        .react(CHANNEL, &ts, "white_check_mark", "U0ALICE");
    assert!(wait_until(WAIT, || {
        w.slack.state().bot_messages(CHANNEL).iter().any(|m| {
            m["ts"] == ts.as_str() && m["text"].as_str().unwrap_or("").starts_with("✅ Created")
        })
    }));
    let issues = json(&w.server, &["issues", "list", "--tenant", "acme"]);
    let issues = issues.as_array().cloned().unwrap_or_default();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0]["author"], "alice@example.com");
    assert_eq!(issues[0]["title"], "Safari login is broken");
    let notices: Vec<_> = w.slack.state().ephemeral.clone();
    assert_eq!(notices[0].1, "U0MALLORY");
    assert_eq!(notices.last().map(|n| n.2.as_str()), Some("Created."));

    // A 429 with Retry-After is waited out.
    w.slack.fail_next(
        Fault::new(429, r#"{"ok":false,"error":"ratelimited"}"#).header("retry-after", "1"),
    );
    let m = w.say("U0ALICE", "list");
    let list = w.reply(&m, "list", |t| t.starts_with("Open issues in acme/demo"));
    assert!(
        list["text"]
            .as_str()
            .unwrap_or("")
            .contains("Safari login is broken")
    );
    assert_eq!(
        w.slack
            .requests()
            .iter()
            .filter(|r| r.status == 429)
            .count(),
        1
    );

    // A DM needs no mention (Slack bots are not group-only by default).
    let dm = w.slack.state().user_message(DM, "U0ALICE", "status");
    assert!(
        wait_until(WAIT, || {
            w.slack.state().bot_messages(DM).iter().any(|m| {
                m["thread_ts"] == dm.as_str()
                    && m["text"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("You act as alice@example.com")
            })
        }),
        "the DM is answered: {:#?}",
        w.slack.state().bot_messages(DM)
    );

    let bot = json(&w.server, &["slack", "get", "ops"]);
    assert_eq!(bot["group_only"], false);
    assert_eq!(bot["has_token"], true);
    assert_eq!(bot["platform"], "slack");
    assert!(!bot.to_string().contains("chatTEST"), "{bot}");
    assert!(!w.server.stderr().contains("chatTEST"));
    // The token travels only as the bearer header.
    let sent = w.slack.requests();
    assert!(sent.iter().all(|r| !r.query.contains("chatTEST")));
    let out = w.server.cli(&["slack", "test", "ops"], None);
    assert_success(&out, "slack test");
    assert!(crate::common::text(&out.stdout).contains(BOT_USER));
}
