//! A Telegram bot end to end (issue 18): a real `aiops serve` long-polling a fake Bot API,
//! answering from a fake Ollama. A mention gets the model's answer by edits; `issue` with
//! preview → ✅ → the issue exists with the mapped user as author → `list` → `close`; an
//! unmapped user cannot create; a `429` is waited out; a restart answers nothing twice; a
//! token in an answer reaches the chat redacted; the bot token never leaves the server.

use std::time::Duration;

use aiops_fakes::telegram::{self, BOT_USERNAME, BotMessage, TelegramState};
use aiops_fakes::{Fake, Fault};
use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, wait_until};
use crate::sessions::{project_on, seeded_repo};
use crate::trackers::Member;

pub(crate) const TOKEN: &str = "5550001234:AAchatTESTtokenCHATtestTOKENchat77";
pub(crate) const GROUP: i64 = -100_123;
pub(crate) const ALICE: i64 = 4242;
const MALLORY: i64 = 6666;
pub(crate) const WAIT: Duration = Duration::from_secs(30);

pub(crate) struct World {
    pub(crate) server: ServerProcess,
    pub(crate) telegram: Fake<TelegramState>,
    pub(crate) ollama: Fake<aiops_fakes::ollama::OllamaState>,
    _repo: tempfile::TempDir,
}

/// Tenant `acme` with project `demo`, member alice, and bot `ops` (allow-list: GROUP,
/// default project demo, answers from the fake Ollama) with alice's chat user mapped.
pub(crate) fn setup() -> World {
    let telegram = telegram::start(TOKEN);
    let ollama = aiops_fakes::ollama::start("tiny");
    let (repo, path) = seeded_repo();
    let server = ServerProcess::start_with(true, &[("AIOPS_CHAT_POLL_WAIT_SECS", "1")]);
    project_on(&server, &path);
    Member::create(&server, "alice@example.com");
    let group = GROUP.to_string();
    let out = server.cli(
        &[
            "telegram",
            "create",
            "--tenant",
            "acme",
            "--name",
            "ops",
            "--token-stdin",
            "--api-url",
            telegram.url(),
            "--allow-chat",
            &group,
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
    assert_success(&out, "telegram create");
    let out = server.cli(
        &[
            "telegram",
            "map-user",
            "ops",
            "--chat-user",
            &ALICE.to_string(),
            "--user",
            "alice@example.com",
        ],
        None,
    );
    assert_success(&out, "telegram map-user");
    World {
        server,
        telegram,
        ollama,
        _repo: repo,
    }
}

impl World {
    /// A user's group message mentioning the bot; its message id.
    pub(crate) fn say(&self, from: i64, text: &str) -> i64 {
        let text = format!("@{BOT_USERNAME} {text}");
        self.telegram
            .state()
            .user_message(GROUP, from, "user", &text, None)
    }

    /// The bot's replies to message `to`.
    fn replies(&self, to: i64) -> Vec<BotMessage> {
        self.telegram
            .state()
            .chat(GROUP)
            .into_iter()
            .filter(|m| m.reply_to == Some(to))
            .collect()
    }

    /// Waits for the bot's one reply to `to` to satisfy `done`.
    pub(crate) fn reply(
        &self,
        to: i64,
        what: &str,
        done: impl Fn(&BotMessage) -> bool,
    ) -> BotMessage {
        let ok = wait_until(WAIT, || self.replies(to).iter().any(&done));
        assert!(
            ok,
            "{what}: no such reply to {to}; the bot's messages: {:#?}\nserver stderr:\n{}",
            self.telegram.state().chat(GROUP),
            self.server.stderr()
        );
        let replies = self.replies(to);
        assert_eq!(replies.len(), 1, "{what}: one reply, got {replies:#?}");
        replies[0].clone()
    }
}

pub(crate) fn issues(server: &ServerProcess) -> Vec<Value> {
    let v = json(
        server,
        &["issues", "list", "--tenant", "acme", "--status", "all"],
    );
    v.as_array().cloned().unwrap_or_default()
}

#[test]
fn a_telegram_bot_answers_creates_lists_and_closes_as_the_mapped_user() {
    let w = setup();
    // A mention is a question: the fake model's answer, by editing the placeholder as
    // it streams (pieces 600 ms apart, edits at most one a second: at least one edit
    // before the last).
    w.ollama.state().piece_delay = Duration::from_millis(600);
    let q = w.say(ALICE, "what is aiops?");
    let answer = w.reply(q, "answer", |m| m.text == "You asked: what is aiops?");
    assert_eq!(answer.history.first().map(String::as_str), Some("…"));
    assert!(
        answer.history.len() >= 3,
        "placeholder, a partial answer, the whole one: {:?}",
        answer.history
    );
    assert!(answer.history[1].ends_with(" …"), "{:?}", answer.history);
    w.ollama.state().piece_delay = Duration::ZERO;
    let asked = w.ollama.state().requests.clone();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["model"], "tiny");
    assert_eq!(asked[0]["messages"][1]["content"], "what is aiops?");

    // An unmapped user is told how to link and gets no preview.
    let m = w.say(MALLORY, "issue Delete prod");
    let refused = w.reply(m, "unmapped", |m| m.text.contains("not linked"));
    assert!(refused.buttons.is_empty(), "no ✅ for an unmapped user");
    assert!(
        refused.text.contains(&format!("--chat-user {MALLORY}")),
        "{refused:?}"
    );

    // issue → preview (title and description by the model) with ✅/❌ → ✅ by alice →
    // the issue, authored by alice.
    w.ollama.state().script.push_back(vec![
        "Login fails on Safari\n\n".into(),
        "Opening the login page in Safari fails.".into(),
    ]);
    let m = w.say(ALICE, "issue Login fails on Safari\nSteps: open the page.");
    let preview = w.reply(m, "preview", |m| !m.buttons.is_empty());
    assert!(
        preview
            .text
            .starts_with("New issue in acme/demo:\nLogin fails on Safari"),
        "{preview:?}"
    );
    let confirm = preview.buttons[0].clone();
    assert!(confirm.starts_with("c:"), "{:?}", preview.buttons);
    // Mallory's press does nothing.
    let cb = w
        .telegram
        .state()
        .press(GROUP, MALLORY, preview.message_id, &confirm);
    assert!(wait_until(WAIT, || w
        .telegram
        .state()
        .answered
        .contains_key(&cb)));
    assert!(issues(&w.server).is_empty(), "only the author confirms");
    let cb = w
        .telegram
        .state()
        .press(GROUP, ALICE, preview.message_id, &confirm);
    assert!(wait_until(WAIT, || {
        w.telegram.state().answered.get(&cb).map(String::as_str) == Some("Created.")
    }));
    let created = issues(&w.server);
    assert_eq!(created.len(), 1, "{created:?}");
    let issue = &created[0];
    assert_eq!(issue["title"], "Login fails on Safari");
    let full = json(&w.server, &["issues", "get", &issue["id"].to_string()]);
    assert_eq!(
        full["description"],
        "Opening the login page in Safari fails.\n\nFrom the chat:\n\n> Login fails on Safari\n> Steps: open the page.",
        "the model's description, the message quoted below it"
    );
    assert_eq!(issue["author"], "alice@example.com");
    assert_eq!(issue["project_slug"], "demo");
    let id = issue["id"].as_i64().expect("an id");
    let shown = w.telegram.state().messages[&preview.message_id].clone();
    assert!(
        shown.text.starts_with(&format!("✅ Created {id} · ")),
        "{shown:?}"
    );
    assert!(shown.buttons.is_empty(), "the buttons are gone");

    // list shows it; close closes it.
    let m = w.say(ALICE, "list");
    let list = w.reply(m, "list", |m| m.text.starts_with("Open issues"));
    assert!(list.text.contains("Login fails on Safari"), "{list:?}");
    let m = w.say(ALICE, &format!("close {id}"));
    w.reply(m, "close", |m| m.text.starts_with(&format!("Closed {id}")));
    let issue = json(&w.server, &["issues", "get", &id.to_string()]);
    assert_eq!(issue["status"], "closed");
    // The mallory user cannot close either (not linked).
    let m = w.say(MALLORY, &format!("close {id}"));
    w.reply(m, "unmapped close", |m| m.text.contains("not linked"));

    // The bot token never comes back from the API, nor lands in logs.
    let bot = json(&w.server, &["telegram", "get", "ops"]);
    assert_eq!(bot["has_token"], true);
    assert_eq!(bot["health"], "ok");
    assert!(!bot.to_string().contains("AAchat"), "{bot}");
    let audit = json(&w.server, &["audit", "list", "--limit", "200"]);
    assert!(!audit.to_string().contains("AAchat"), "audit: {audit}");
    assert!(
        !w.server.stderr().contains("AAchat"),
        "server stderr has the token"
    );
    for f in crate::common::files_under(&w.server.data_dir.join("logs")) {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!text.contains("AAchat"), "{} has the token", f.display());
    }
}

#[test]
fn answers_are_redacted_and_a_429_is_waited_out() {
    let w = setup();
    let secret = format!("ghp_{}", "a1B2c3D4e5".repeat(4));
    w.ollama.state().script.push_back(vec![
        "Use ".into(),
        secret[..10].to_owned(),
        secret[10..].to_owned(),
        " to push.".into(),
    ]);
    let q = w.say(ALICE, "which token?");
    let answer = w.reply(q, "redacted answer", |m| m.text.ends_with("to push."));
    assert_eq!(answer.text, "Use [REDACTED] to push.");
    for shown in &answer.history {
        assert!(!shown.contains("ghp_"), "never shown, even partly: {shown}");
    }

    // The next call Telegram gets is refused with retry_after; the bot waits and goes on.
    w.telegram.fail_next(Fault::new(
        429,
        r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"#,
    ));
    let q = w.say(ALICE, "status");
    w.reply(q, "status after a 429", |m| {
        m.text.starts_with("You act as alice@example.com")
    });
    let refused = w
        .telegram
        .requests()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert_eq!(refused, 1, "the 429 was served once and the call retried");
}

#[test]
fn a_restart_in_the_middle_of_polling_answers_nothing_twice() {
    let mut w = setup();
    let first = w.say(ALICE, "status");
    w.reply(first, "before the restart", |m| {
        m.text.starts_with("You act as")
    });
    // Killed (no clean shutdown) while long-polling; messages arrive while it is down.
    w.server.kill();
    let during = w.say(ALICE, "sessions");
    let dup = w.say(ALICE, "help");
    w.server.restart();
    w.reply(during, "sent while down", |m| {
        m.text.contains("no live sessions")
    });
    w.reply(dup, "help", |m| m.text.starts_with("Commands:"));
    // Every update delivered again, as after a crash before the offset was stored: the
    // processed-event keys skip them all.
    w.server.kill();
    crate::common::sqlite(
        &w.server.data_dir.join("aiops.db"),
        "DELETE FROM chat_cursors",
    );
    w.telegram.state().redeliver_all();
    w.server.restart();
    let later = w.say(ALICE, "status");
    w.reply(later, "after the restart", |m| {
        m.text.starts_with("You act as")
    });
    for m in [first, during, dup, later] {
        assert_eq!(w.replies(m).len(), 1, "message {m} answered once");
    }
}

#[test]
fn a_mapped_user_reaches_in_chat_only_what_they_reach_in_aiops() {
    let w = setup();
    // Bob belongs to another tenant: linked, he still cannot see acme's project or issues.
    let out = w
        .server
        .cli(&["tenants", "create", "--name", "globex"], None);
    assert_success(&out, "tenants create globex");
    Member::create_in(&w.server, "bob@example.com", "globex");
    let out = w.server.cli(
        &[
            "telegram",
            "map-user",
            "ops",
            "--chat-user",
            &MALLORY.to_string(),
            "--user",
            "bob@example.com",
        ],
        None,
    );
    assert_success(&out, "telegram map-user bob");
    let m = w.say(MALLORY, "issue in acme/demo Steal the data");
    let refused = w.reply(m, "other tenant's project", |m| {
        m.text.starts_with("Cannot do that")
    });
    assert!(refused.buttons.is_empty(), "{refused:?}");
    // The bot's default project is acme's: no preview for bob either.
    let m = w.say(MALLORY, "issue Steal the data");
    w.reply(m, "default project", |m| {
        m.text.starts_with("Cannot do that")
    });
    let issue = crate::sessions::demo_issue(&w.server, "Secret roadmap");
    let id = issue["id"].to_string();
    let m = w.say(MALLORY, &format!("show {id}"));
    w.reply(m, "show", |m| {
        m.text == format!("Cannot do that: issue {id} not found")
    });
    let m = w.say(MALLORY, &format!("close {id}"));
    w.reply(m, "close", |m| m.text.starts_with("Cannot do that"));
    let still = json(&w.server, &["issues", "get", &id]);
    assert_eq!(still["status"], "open", "bob closed nothing");
    let m = w.say(MALLORY, "list all");
    let list = w.reply(m, "list", |m| m.text.starts_with("No open issues"));
    assert!(!list.text.contains("Secret roadmap"), "{list:?}");
    // A member of acme may not administer the bot.
    let carol = Member::create(&w.server, "carol@example.com");
    let args = [
        "telegram",
        "map-user",
        "ops",
        "--chat-user",
        "1",
        "--user",
        "carol@example.com",
    ];
    let out = crate::common::run(carol.command(&w.server, &args), None);
    assert!(
        !out.status.success(),
        "a member cannot map chat users: {}",
        crate::common::text(&out.stdout)
    );
    // Made the tenant's admin, carol maps acme's members, but not the server admin (her
    // chat would act with the server's powers) nor a user of another tenant.
    let out = w.server.cli(
        &[
            "tenants",
            "members",
            "add",
            "acme",
            "--user",
            "carol@example.com",
            "--role",
            "admin",
        ],
        None,
    );
    assert_success(&out, "carol is acme's admin");
    let map = |chat_user: &str, user: &str| {
        let args = [
            "telegram",
            "map-user",
            "ops",
            "--chat-user",
            chat_user,
            "--user",
            user,
        ];
        crate::common::run(carol.command(&w.server, &args), None)
    };
    assert_success(&map("7", "carol@example.com"), "a member of acme");
    let out = map("8", crate::common::ADMIN_EMAIL);
    assert!(
        !out.status.success() && crate::common::text(&out.stderr).contains("server admin"),
        "{}",
        crate::common::text(&out.stderr)
    );
    let out = map("9", "bob@example.com");
    assert!(
        !out.status.success() && crate::common::text(&out.stderr).contains("not a member"),
        "{}",
        crate::common::text(&out.stderr)
    );
}

#[test]
fn admin_chat_bots_page_shows_health_model_and_linked_users() {
    let w = setup();
    let wrong = "123456789:AAwrongTOKENwrongTOKENwrongTOKEN1";
    let out = w.server.cli(
        &[
            "telegram",
            "create",
            "--tenant",
            "acme",
            "--name",
            "broken",
            "--token-stdin",
            "--api-url",
            w.telegram.url(),
        ],
        Some(&format!("{wrong}\n")),
    );
    assert_success(&out, "telegram create broken");
    let health = |name: &str| json(&w.server, &["telegram", "get", name])["health"].clone();
    assert!(
        wait_until(WAIT, || health("ops") == "ok"
            && health("broken")
                .as_str()
                .is_some_and(|h| h.contains("refused"))),
        "ops polls and broken fails: {} / {}",
        health("ops"),
        health("broken")
    );
    crate::web_ui::spec(
        &w.server,
        "chat_flow",
        &[
            &crate::web_ui::ADMIN[..],
            &[("AIOPS_BOT_TOKEN_PART", "AAchat")],
        ]
        .concat(),
    );
}
