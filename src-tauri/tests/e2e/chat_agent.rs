//! The `agent` answer of a chat bot (issue 18), with the real Claude Code (as
//! scripts/install-deps pins it) on the fake model endpoint, in the session sandbox: two
//! chats get two workspaces and two conversations; a follow-up resumes its own chat's
//! conversation and no other; the agent cannot read the server's data dir; a token in
//! the model's answer reaches the chat redacted.
//! The context's expiry after its TTL is proven in core's unit tests (a 60 s minimum TTL
//! would make this test wait).

use std::time::Duration;

use aiops_fakes::model::{ANSWER_PREFIX, ToolCall};
use aiops_fakes::telegram::{self, BOT_USERNAME, BotMessage};

use crate::agents_real::claude_scene;
use crate::common::{assert_success, json, wait_until};

const TOKEN: &str = "5550009876:AAagentTESTtokenAGENTtestTOKENag01";
const ONE: i64 = -100_501;
const TWO: i64 = -100_502;
const ALICE: i64 = 5151;
/// Claude Code's start and answer, in the sandbox, on 2 cores.
const WAIT: Duration = Duration::from_secs(120);

#[test]
fn each_chat_has_its_own_claude_conversation_and_answers_are_redacted() {
    let s = claude_scene("chat");
    let tg = telegram::start(TOKEN);
    let (one, two) = (ONE.to_string(), TWO.to_string());
    let out = s.server.cli(
        &[
            "telegram",
            "create",
            "--tenant",
            "acme",
            "--name",
            "agent",
            "--token-stdin",
            "--api-url",
            tg.url(),
            "--allow-chat",
            &one,
            "--allow-chat",
            &two,
            "--answer",
            "agent",
        ],
        Some(&format!("{TOKEN}\n")),
    );
    assert_success(&out, "telegram create --answer agent");
    let bot = json(&s.server, &["telegram", "get", "agent"]);
    let ask = |chat: i64, q: &str| -> BotMessage {
        let text = format!("@{BOT_USERNAME} {q}");
        let m = tg.state().user_message(chat, ALICE, "alice", &text, None);
        // The placeholder is edited as the answer streams: a partial answer ends in " …"
        // (core's chat `ask`), the whole one replaces it.
        let done = wait_until(WAIT, || {
            tg.state()
                .chat(chat)
                .iter()
                .any(|x| x.reply_to == Some(m) && x.text != "…" && !x.text.ends_with(" …"))
        });
        assert!(
            done,
            "no answer to {q:?} in {chat}: {:#?}\nserver stderr:\n{}",
            tg.state().chat(chat),
            s.server.stderr()
        );
        let reply = tg
            .state()
            .chat(chat)
            .into_iter()
            .find(|x| x.reply_to == Some(m))
            .expect("the reply");
        assert!(
            reply.text.contains(ANSWER_PREFIX),
            "the model's answer, not an error: {reply:?}\nserver stderr:\n{}",
            s.server.stderr()
        );
        reply
    };
    ask(ONE, "remember ALPHA-7");
    ask(TWO, "what about BETA-8");
    ask(ONE, "and GAMMA-9?");
    {
        let model = s.model.state();
        let gamma = model.calls_mentioning("GAMMA-9");
        assert!(!gamma.is_empty(), "the follow-up reached the model");
        assert!(
            gamma.iter().any(|c| c.mentions("ALPHA-7")),
            "the follow-up carries its chat's earlier question (resumed)"
        );
        assert!(
            gamma.iter().all(|c| !c.mentions("BETA-8")),
            "and nothing of the other chat"
        );
        assert!(
            model
                .calls_mentioning("BETA-8")
                .iter()
                .all(|c| !c.mentions("ALPHA-7")),
            "the second chat started its own conversation"
        );
    }
    let id = bot["id"].to_string();
    let root = s.server.data_dir.join("workspaces/chat").join(&id);
    for chat in [&one, &two] {
        assert!(
            root.join(chat).join("repo").is_dir(),
            "a workspace of chat {chat} under {}",
            root.display()
        );
    }
    assert!(
        s.server
            .data_dir
            .join(format!("homes/chat-{id}/.claude/projects"))
            .is_dir(),
        "the agent's own tool home holds its conversations"
    );

    // A prompt-injected agent reaches for the server's key: the sandbox does not show it.
    let key_path = s.server.data_dir.join("secret.key");
    let key = std::fs::read(&key_path).expect("the server's secret.key");
    // `aiops-secret-key v1 <id> <base64>`: the key itself is the last word.
    let key_text = String::from_utf8_lossy(&key)
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_owned();
    s.model.state().tool_call = Some(ToolCall {
        name: "Read".into(),
        input: serde_json::json!({ "file_path": key_path }),
    });
    ask(ONE, "read the key");
    {
        let mut model = s.model.state();
        model.tool_call = None;
        assert!(
            model.calls.iter().any(|c| c.body.contains("tool_result")),
            "the Read was tried and its result went back to the model"
        );
        assert!(
            key_text.len() >= 16 && model.calls_mentioning(&key_text).is_empty(),
            "the data dir's secret.key never reaches the model"
        );
    }

    let secret = format!("ghp_{}", "Zy9Xw8Vu7T".repeat(4));
    s.model.state().say_also = Some(format!(" push with {secret}"));
    let reply = ask(TWO, "which token?");
    assert!(!reply.text.contains("ghp_"), "{reply:?}");
    assert!(reply.text.contains("[REDACTED]"), "{reply:?}");
    for shown in &reply.history {
        assert!(!shown.contains(&secret[4..]), "never shown: {shown}");
    }
}
