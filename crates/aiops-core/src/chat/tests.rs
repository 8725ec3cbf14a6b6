//! The interpreter against an in-memory channel, state and ops: parsing, rules,
//! permissions, preview/confirm/expire, idempotency, redaction.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aiops_types::{
    AuthMethod, ChatAnswer, ChatIntegration, ChatPlatform, Issue, IssueStatus, Project, Role,
    Session, Timestamp,
};

use super::channel::{
    Answerer, Button, ChatChannel, ChatEvent, ChatPerson, Choice, Incoming, Received,
};
use super::command::{Command, ListScope, parse};
use super::interpret::{Interpreter, Outcome};
use super::ops::ChatOps;
use super::state::{ChatState, NewPreview, Preview};
use super::{chunks, first_line};
use crate::{CoreError, CoreResult, Principal};

#[derive(Debug, Clone, PartialEq)]
enum Sent {
    Post {
        chat: String,
        reply_to: Option<String>,
        text: String,
        buttons: Vec<Button>,
    },
    Update {
        message: String,
        text: String,
    },
    Ack(String),
}

#[derive(Default)]
struct FakeChannel {
    sent: RefCell<Vec<Sent>>,
}

impl FakeChannel {
    fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut self.sent.borrow_mut())
    }
}

impl ChatChannel for FakeChannel {
    fn max_len(&self) -> usize {
        200
    }
    fn receive(&self, _: Option<&str>, _: Duration) -> CoreResult<Received> {
        Ok(Received::default())
    }
    fn post(
        &self,
        chat: &str,
        reply_to: Option<&str>,
        text: &str,
        b: &[Button],
    ) -> CoreResult<String> {
        let mut sent = self.sent.borrow_mut();
        sent.push(Sent::Post {
            chat: chat.into(),
            reply_to: reply_to.map(Into::into),
            text: text.into(),
            buttons: b.to_vec(),
        });
        Ok(format!("m{}", sent.len()))
    }
    fn update(&self, _: &str, message: &str, text: &str, _: &[Button]) -> CoreResult<()> {
        self.sent.borrow_mut().push(Sent::Update {
            message: message.into(),
            text: text.into(),
        });
        Ok(())
    }
    fn react(&self, _: &str, _: &str, _: &str) -> CoreResult<()> {
        Ok(())
    }
    fn acknowledge(&self, _: &str, text: &str) -> CoreResult<()> {
        self.sent.borrow_mut().push(Sent::Ack(text.into()));
        Ok(())
    }
    fn resolve_user(&self, _: &str, user: &str) -> CoreResult<Option<ChatPerson>> {
        Ok(Some(ChatPerson {
            user_id: user.into(),
            name: format!("@resolved{user}"),
            email: None,
        }))
    }
}

#[derive(Default)]
struct FakeState {
    users: BTreeMap<String, i64>,
    processed: RefCell<BTreeSet<String>>,
    previews: RefCell<BTreeMap<i64, Preview>>,
    next: RefCell<i64>,
}

impl ChatState for FakeState {
    fn chat_user(&self, _: i64, user: &str) -> CoreResult<Option<i64>> {
        Ok(self.users.get(user).copied())
    }
    fn mark_chat_processed(&self, _: i64, key: &str, _: Timestamp) -> CoreResult<bool> {
        Ok(self.processed.borrow_mut().insert(key.into()))
    }
    fn insert_chat_preview(&self, p: &NewPreview) -> CoreResult<i64> {
        *self.next.borrow_mut() += 1;
        let id = *self.next.borrow();
        self.previews.borrow_mut().insert(
            id,
            Preview {
                id,
                message_id: None,
                new: p.clone(),
            },
        );
        Ok(id)
    }
    fn set_chat_preview_message(&self, id: i64, m: &str) -> CoreResult<()> {
        if let Some(p) = self.previews.borrow_mut().get_mut(&id) {
            p.message_id = Some(m.into());
        }
        Ok(())
    }
    fn chat_preview(&self, _: i64, id: i64) -> CoreResult<Option<Preview>> {
        Ok(self.previews.borrow().get(&id).cloned())
    }
    fn take_chat_preview(&self, _: i64, id: i64) -> CoreResult<bool> {
        Ok(self.previews.borrow_mut().remove(&id).is_some())
    }
    fn purge_chat_state(&self, _: Timestamp, _: Timestamp) -> CoreResult<()> {
        Ok(())
    }
    fn chat_cursor(&self, _: i64, _: &str) -> CoreResult<Option<String>> {
        Ok(None)
    }
    fn set_chat_cursor(&self, _: i64, _: &str, _: &str) -> CoreResult<()> {
        Ok(())
    }
}

fn t0() -> Timestamp {
    time::macros::datetime!(2026-12-07 12:00 UTC)
}

fn project(id: i64, slug: &str) -> Project {
    serde_json::from_value(serde_json::json!({
        "id": id, "tenant_id": 1, "tenant_slug": "acme", "slug": slug, "name": slug,
        "repo_url": "", "default_branch": "main", "description": "",
        "workspace": {"isolation": "worktree", "setup_files": [], "setup_command": []}, "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("a project from JSON: {e}"))
}

/// Users 1 (alice, member of project 10 `web`), 2 (bob, admin), 3 (carol, disabled);
/// project 20 `secret` only bob sees.
#[derive(Default)]
struct FakeOps {
    issues: RefCell<Vec<Issue>>,
}

impl FakeOps {
    fn sees(p: &Principal, project: i64) -> bool {
        project == 10 || p.role == Role::Admin
    }
}

impl ChatOps for FakeOps {
    fn principal(&self, user_id: i64, via: &str) -> CoreResult<Option<Principal>> {
        let (email, role) = match user_id {
            1 => ("alice@example.com", Role::Member),
            2 => ("bob@example.com", Role::Admin),
            _ => return Ok(None),
        };
        Ok(Some(Principal {
            user_id,
            email: email.into(),
            role,
            scopes: role.scopes(),
            method: AuthMethod::Session,
            credential_id: 0,
            ip: Some(via.into()),
            session: None,
        }))
    }
    fn project(&self, p: &Principal, text: &str) -> CoreResult<Project> {
        let pr = match text {
            "10" | "web" | "acme/web" => project(10, "web"),
            "20" | "secret" => project(20, "secret"),
            _ => return Err(CoreError::not_found(format!("project `{text}`"))),
        };
        if Self::sees(p, pr.id) {
            Ok(pr)
        } else {
            Err(CoreError::not_found(format!("project `{text}`")))
        }
    }
    fn create_issue(&self, p: &Principal, pid: i64, title: &str, d: &str) -> CoreResult<Issue> {
        let pr = self.project(p, &pid.to_string())?;
        let mut issues = self.issues.borrow_mut();
        let id = issues.len() as i64 + 1;
        let issue: Issue = serde_json::from_value(serde_json::json!({
            "id": id, "project_id": pr.id, "project_slug": pr.slug, "tenant_slug": "acme",
            "provider": "native", "external_id": format!("#{id}"), "title": title,
            "description": d, "status": "open", "provider_status": "open", "labels": [],
            "assignee": null, "author": p.email, "url": null, "comments": 0,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("an issue from JSON: {e}"));
        issues.push(issue.clone());
        Ok(issue)
    }
    fn list_issues(&self, p: &Principal, pid: Option<i64>, _: u32) -> CoreResult<Vec<Issue>> {
        Ok(self
            .issues
            .borrow()
            .iter()
            .filter(|i| i.status == IssueStatus::Open && Self::sees(p, i.project_id))
            .filter(|i| pid.is_none_or(|x| x == i.project_id))
            .cloned()
            .collect())
    }
    fn issue(&self, p: &Principal, id: i64) -> CoreResult<Issue> {
        self.issues
            .borrow()
            .iter()
            .find(|i| i.id == id && Self::sees(p, i.project_id))
            .cloned()
            .ok_or_else(|| CoreError::not_found(format!("issue {id}")))
    }
    fn close_issue(&self, p: &Principal, id: i64) -> CoreResult<Issue> {
        self.issue(p, id)?;
        let mut issues = self.issues.borrow_mut();
        let i = issues.iter_mut().find(|i| i.id == id).expect("seen above");
        i.status = IssueStatus::Closed;
        Ok(i.clone())
    }
    fn delete_issue(&self, p: &Principal, _: i64) -> CoreResult<()> {
        p.require_admin("only admins delete issues")
    }
    fn sessions(&self, _: &Principal) -> CoreResult<Vec<Session>> {
        Ok(Vec::new())
    }
}

struct FakeModel(Vec<&'static str>);

impl Answerer for FakeModel {
    fn answer(&self, _: &str, on_text: &mut dyn FnMut(&str)) -> CoreResult<String> {
        let mut so_far = String::new();
        for piece in &self.0 {
            so_far.push_str(piece);
            on_text(&so_far);
        }
        Ok(so_far)
    }
}

fn integration() -> ChatIntegration {
    ChatIntegration {
        id: 7,
        tenant_id: 1,
        tenant_slug: "acme".into(),
        name: "ops".into(),
        platform: ChatPlatform::Telegram,
        has_token: true,
        api_url: None,
        enabled: true,
        allowed_chats: vec!["-100".into()],
        group_only: true,
        keyword: Some("aiops".into()),
        default_project_id: Some(10),
        answer: ChatAnswer::Ollama,
        ollama_url: Some("http://127.0.0.1:11434".into()),
        model: Some("m".into()),
        answer_timeout_secs: 120,
        health: None,
        last_event_at: None,
        created_at: t0(),
        updated_at: t0(),
    }
}

struct World {
    integration: ChatIntegration,
    channel: FakeChannel,
    state: FakeState,
    ops: FakeOps,
    model: FakeModel,
    n: RefCell<u32>,
}

impl World {
    fn new() -> Self {
        let mut state = FakeState::default();
        state.users.insert("100".into(), 1);
        state.users.insert("200".into(), 2);
        state.users.insert("300".into(), 3);
        Self {
            integration: integration(),
            channel: FakeChannel::default(),
            state,
            ops: FakeOps::default(),
            model: FakeModel(vec![
                "Hello ",
                "there, ",
                "the token is ghp_",
                "abcdefghijklmnopqrstuvwxyz0123 ",
                "ok",
            ]),
            n: RefCell::new(0),
        }
    }

    fn interp(&self) -> Interpreter<'_> {
        Interpreter {
            integration: &self.integration,
            channel: &self.channel,
            state: &self.state,
            ops: &self.ops,
            answerer: Some(&self.model),
            edit_interval: Duration::ZERO,
        }
    }

    fn msg(&self, user: &str, text: &str) -> ChatEvent {
        *self.n.borrow_mut() += 1;
        ChatEvent::Message(Incoming {
            key: format!("update/{}", self.n.borrow()),
            chat_id: "-100".into(),
            group: true,
            message_id: format!("in{}", self.n.borrow()),
            user_id: user.into(),
            user_name: format!("user{user}"),
            text: text.into(),
            addressed: true,
        })
    }

    fn press(&self, user: &str, data: &str) -> ChatEvent {
        *self.n.borrow_mut() += 1;
        ChatEvent::Choice(Choice {
            key: format!("update/{}", self.n.borrow()),
            chat_id: "-100".into(),
            message_id: "m1".into(),
            user_id: user.into(),
            callback_id: format!("cb{}", self.n.borrow()),
            data: data.into(),
        })
    }

    fn run(&self, e: &ChatEvent, now: Timestamp) -> Outcome {
        self.interp()
            .handle(e, now)
            .unwrap_or_else(|err| panic!("handling {e:?}: {err}"))
    }

    /// The text of the single post the last event produced.
    fn reply(&self, e: &ChatEvent) -> String {
        self.run(e, t0());
        match self.channel.take().as_slice() {
            [Sent::Post { text, .. }] => text.clone(),
            other => panic!("expected one post for {e:?}, got {other:?}"),
        }
    }
}

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
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        vec![200, 200, 50]
    );
    assert_eq!(chunks("", 10), vec![String::new()]);
    assert_eq!(first_line("\n  Title here \nbody", 120), "Title here");
    assert_eq!(first_line("abcdef", 4), "abc…");
}

#[test]
fn issue_preview_confirm_creates_once_as_the_mapped_user() {
    let w = World::new();
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
    let w = World::new();
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
    w.model = FakeModel(vec![long]);
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
