//! A Slack bot in Socket Mode end to end (issue 18): a real `aiops serve` whose Slack
//! integration has an app-level token connects to the fake's Socket Mode WebSocket
//! (no polling) and acknowledges every envelope. A mention is answered from the fake
//! Ollama, streamed by edits, in its thread; a 🎫 on someone's message → preview → the
//! reactor's ✅ → the issue exists with the mapped user as author; a follow-up
//! `@bot list` in the thread is answered in that thread. Admin → Chat bots switches the
//! bot between Socket Mode and polling (Playwright: `tests/e2e/ui/chat_slack_flow.cjs`).

use std::time::Duration;

use aiops_fakes::Fake;
use aiops_fakes::slack::{self, BOT_USER, SlackState};
use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, wait_until};
use crate::sessions::{project_on, seeded_repo};
use crate::trackers::Member;

const TOKEN: &str = "xoxb-5550002-chatTESTsocketTOKEN";
const APP_TOKEN: &str = "xapp-1-A0FAKEAPP-appTESTsocketTOKEN";
const CHANNEL: &str = "C0SOCK01";
const WAIT: Duration = Duration::from_secs(30);

struct World {
    server: ServerProcess,
    slack: Fake<SlackState>,
    ollama: Fake<aiops_fakes::ollama::OllamaState>,
    _repo: tempfile::TempDir,
    _secrets: tempfile::TempDir,
}

fn setup() -> World {
    let slack = slack::start_socket(TOKEN, APP_TOKEN);
    slack.state().channels.insert(CHANNEL.into(), Vec::new());
    let ollama = aiops_fakes::ollama::start("tiny");
    let (repo, path) = seeded_repo();
    let server = ServerProcess::start_with(true, &[("AIOPS_CHAT_POLL_WAIT_SECS", "1")]);
    project_on(&server, &path);
    Member::create(&server, "alice@example.com");
    let secrets = tempfile::tempdir().expect("tempdir");
    let app_file = secrets.path().join("slack-app-token");
    std::fs::write(&app_file, format!("{APP_TOKEN}\n")).expect("write the app token");
    let out = server.cli(
        &[
            "slack",
            "create",
            "--tenant",
            "acme",
            "--name",
            "live",
            "--token-stdin",
            "--app-token-file",
            app_file.to_str().expect("utf-8 path"),
            "--api-url",
            slack.url(),
            "--channel",
            CHANNEL,
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
    assert_success(&out, "slack create with an app token");
    let out = server.cli(
        &[
            "slack",
            "map-user",
            "live",
            "--chat-user",
            "U0ALICE",
            "--user",
            "alice@example.com",
        ],
        None,
    );
    assert_success(&out, "slack map-user");
    assert!(
        wait_until(WAIT, || slack.state().socket.connected()),
        "the bot connects over Socket Mode\nserver stderr:\n{}",
        server.stderr()
    );
    World {
        server,
        slack,
        ollama,
        _repo: repo,
        _secrets: secrets,
    }
}

impl World {
    /// Waits for a bot message in the thread of `parent` whose text passes `done`.
    fn in_thread(&self, parent: &str, what: &str, done: impl Fn(&str) -> bool) -> Value {
        let find = || {
            self.slack
                .state()
                .bot_messages(CHANNEL)
                .into_iter()
                .find(|m| m["thread_ts"] == parent && done(m["text"].as_str().unwrap_or("")))
        };
        assert!(
            wait_until(WAIT, || find().is_some()),
            "{what}: no such reply in thread {parent}: {:#?}\nserver stderr:\n{}",
            self.slack.state().bot_messages(CHANNEL),
            self.server.stderr()
        );
        find().expect("found above")
    }
}

#[test]
fn a_socket_mode_bot_answers_in_threads_and_files_tickets_by_reaction() {
    let w = setup();
    let q = w.slack.state().socket_message(
        CHANNEL,
        "U0ALICE",
        &format!("<@{BOT_USER}> what is aiops?"),
        None,
    );
    let answer = w.in_thread(&q, "answer", |t| t == "You asked: what is aiops?");
    assert!(
        answer["edits"].as_u64().unwrap_or(0) >= 1,
        "streamed by edits: {answer}"
    );

    // Bob (unlinked) reports a problem without addressing the bot; alice 🎫 it.
    w.ollama.state().script.push_back(vec![
        "Safari login is broken\n\nThe login page fails in Safari.".into(),
    ]);
    let said = w
        .slack
        .state()
        .socket_message(CHANNEL, "U0BOB", "Login fails on Safari", None);
    w.slack
        .state()
        .socket_react(CHANNEL, &said, "ticket", "U0ALICE");
    let preview = w.in_thread(&said, "preview", |t| {
        t.starts_with("New issue in acme/demo")
    });
    let ts = preview["ts"].as_str().expect("ts").to_owned();
    w.slack
        .state()
        .socket_react(CHANNEL, &ts, "white_check_mark", "U0ALICE");
    assert!(
        wait_until(WAIT, || {
            w.slack.state().bot_messages(CHANNEL).iter().any(|m| {
                m["ts"] == ts.as_str() && m["text"].as_str().unwrap_or("").starts_with("✅ Created")
            })
        }),
        "the preview turns into the issue: {:#?}\n{}",
        w.slack.state().bot_messages(CHANNEL),
        w.server.stderr()
    );
    let issues = json(&w.server, &["issues", "list", "--tenant", "acme"]);
    let issues = issues.as_array().cloned().unwrap_or_default();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0]["author"], "alice@example.com");
    assert_eq!(issues[0]["title"], "Safari login is broken");

    // A follow-up in the first thread, addressed to the bot, is answered there.
    let follow = w.slack.state().socket_message(
        CHANNEL,
        "U0ALICE",
        &format!("<@{BOT_USER}> list"),
        Some(&q),
    );
    let list = w.in_thread(&q, "list", |t| t.starts_with("Open issues in acme/demo"));
    assert!(
        list["text"]
            .as_str()
            .unwrap_or("")
            .contains("Safari login is broken")
    );
    assert_ne!(
        list["thread_ts"],
        follow.as_str(),
        "the parent, not the reply"
    );

    assert!(
        wait_until(WAIT, || w.slack.state().socket.unacked().is_empty()),
        "every envelope acked: {:?}",
        w.slack.state().socket.unacked()
    );
    {
        let s = w.slack.state();
        assert!(
            s.count("conversations.history") > 0,
            "the 🎫 message's text"
        );
        assert_eq!(
            s.count("reactions.get"),
            0,
            "reactions are pushed, not polled"
        );
        assert_eq!(
            s.calls
                .iter()
                .filter(|(m, p)| m == "conversations.history" && p.get("oldest").is_some())
                .count(),
            0,
            "no channel polling in Socket Mode"
        );
    }
    let bot = json(&w.server, &["slack", "get", "live"]);
    assert_eq!(bot["socket_mode"], true);
    assert!(!bot.to_string().contains("TESTsocket"), "{bot}");
    assert!(!w.server.stderr().contains("TESTsocket"));
    let out = w.server.cli(&["slack", "test", "live"], None);
    assert_success(&out, "slack test checks both tokens");
}

#[test]
fn the_admin_page_switches_a_slack_bot_between_socket_mode_and_polling() {
    let w = setup();
    crate::web_ui::spec(
        &w.server,
        "chat_slack_flow",
        &[
            &crate::web_ui::ADMIN[..],
            &[
                ("AIOPS_SLACK_APP_TOKEN", APP_TOKEN),
                ("AIOPS_BOT_TOKEN_PART", "TESTsocket"),
            ],
        ]
        .concat(),
    );
    let bot = json(&w.server, &["slack", "get", "live"]);
    assert_eq!(bot["socket_mode"], true);
    // The bot was restarted twice (polling, then Socket Mode again): it is connected
    // over a fresh socket.
    assert!(
        wait_until(WAIT, || {
            let s = w.slack.state();
            s.socket.connected() && s.socket.connections >= 2
        }),
        "reconnected after the change: {} connections\n{}",
        w.slack.state().socket.connections,
        w.server.stderr()
    );
}
