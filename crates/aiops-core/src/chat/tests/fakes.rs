//! In-memory stand-ins for the interpreter's ports: a channel that records what it was
//! asked to send, state in maps, ops over a few fixed users, projects and issues, a model
//! that streams a script.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aiops_types::{
    AuthMethod, ChatAnswer, ChatIntegration, ChatPlatform, Issue, IssueStatus, Project, Role,
    Session, SessionState, StartedSession, Timestamp,
};

use crate::chat::channel::{
    Answerer, Button, ChatChannel, ChatEvent, ChatPerson, Choice, Incoming, Received, Ticket,
};
use crate::chat::interpret::{Interpreter, Outcome};
use crate::chat::ops::ChatOps;
use crate::chat::state::{ChatContext, ChatState, NewPreview, Preview, SessionWatch};
use crate::{CoreError, CoreResult, Principal};

#[derive(Debug, Clone, PartialEq)]
pub(in crate::chat) enum Sent {
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
pub(in crate::chat) struct FakeChannel {
    pub(in crate::chat) sent: RefCell<Vec<Sent>>,
}

impl FakeChannel {
    pub(in crate::chat) fn take(&self) -> Vec<Sent> {
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
pub(in crate::chat) struct FakeState {
    pub(in crate::chat) users: BTreeMap<String, i64>,
    pub(in crate::chat) processed: RefCell<BTreeSet<String>>,
    pub(in crate::chat) previews: RefCell<BTreeMap<i64, Preview>>,
    pub(in crate::chat) next: RefCell<i64>,
    pub(in crate::chat) contexts: RefCell<BTreeMap<String, ChatContext>>,
    pub(in crate::chat) watches: RefCell<BTreeMap<i64, SessionWatch>>,
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
    fn chat_context(&self, _: i64, chat: &str) -> CoreResult<Option<ChatContext>> {
        Ok(self.contexts.borrow().get(chat).cloned())
    }
    fn save_chat_context(&self, _: i64, c: &ChatContext) -> CoreResult<()> {
        self.contexts
            .borrow_mut()
            .insert(c.chat_id.clone(), c.clone());
        Ok(())
    }
    fn delete_chat_context(&self, _: i64, chat: &str) -> CoreResult<()> {
        self.contexts.borrow_mut().remove(chat);
        Ok(())
    }
    fn count_chat_contexts(&self, _: i64, since: Timestamp) -> CoreResult<u32> {
        let live = self
            .contexts
            .borrow()
            .values()
            .filter(|c| c.last_used_at >= since)
            .count();
        Ok(live as u32)
    }
    fn stale_chat_contexts(&self, _: i64, before: Timestamp) -> CoreResult<Vec<ChatContext>> {
        let all = self.contexts.borrow();
        Ok(all
            .values()
            .filter(|c| c.last_used_at < before)
            .cloned()
            .collect())
    }
    fn watch_chat_session(&self, _: i64, w: &SessionWatch) -> CoreResult<()> {
        self.watches.borrow_mut().insert(w.session_id, w.clone());
        Ok(())
    }
    fn chat_session_watches(&self, _: i64) -> CoreResult<Vec<SessionWatch>> {
        Ok(self.watches.borrow().values().cloned().collect())
    }
    fn set_chat_watch_state(&self, _: i64, id: i64, state: SessionState) -> CoreResult<()> {
        if let Some(w) = self.watches.borrow_mut().get_mut(&id) {
            w.state = state;
        }
        Ok(())
    }
    fn end_chat_watch(&self, _: i64, id: i64) -> CoreResult<()> {
        self.watches.borrow_mut().remove(&id);
        Ok(())
    }
}

pub(in crate::chat) fn t0() -> Timestamp {
    time::macros::datetime!(2026-12-07 12:00 UTC)
}

pub(in crate::chat) fn project(id: i64, slug: &str) -> Project {
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
pub(in crate::chat) struct FakeOps {
    pub(in crate::chat) issues: RefCell<Vec<Issue>>,
    /// Sessions `work` started, by id (tests change their state).
    pub(in crate::chat) started: RefCell<BTreeMap<i64, Session>>,
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
    fn work(&self, p: &Principal, id: i64, tool: Option<&str>) -> CoreResult<StartedSession> {
        let issue = self.issue(p, id)?;
        let sid = 100 + id;
        let session: Session = serde_json::from_value(serde_json::json!({
            "id": sid, "user_id": p.user_id, "user": p.email, "project_id": issue.project_id,
            "issue_id": id, "issue_title": issue.title, "tool": tool.unwrap_or("claude"),
            "yolo": false, "sandbox": "bubblewrap", "prompt": "", "state": "running",
            "exit_code": null, "detail": "", "branch": "b", "worktree_path": "/w",
            "tmux_target": "=s", "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("a session from JSON: {e}"));
        self.started.borrow_mut().insert(sid, session.clone());
        Ok(StartedSession {
            session,
            reused: false,
            notes: vec!["assigned to you".into()],
        })
    }
    fn watched_session(&self, id: i64) -> CoreResult<Option<Session>> {
        Ok(self.started.borrow().get(&id).cloned())
    }
    fn link(&self, path: &str) -> Option<String> {
        Some(format!("https://aiops.test{path}"))
    }
}

pub(in crate::chat) struct FakeModel(pub(in crate::chat) Vec<&'static str>);

impl Answerer for FakeModel {
    fn answer(
        &self,
        _: &str,
        _: &str,
        _: Timestamp,
        on_text: &mut dyn FnMut(&str),
    ) -> CoreResult<String> {
        let mut so_far = String::new();
        for piece in &self.0 {
            so_far.push_str(piece);
            on_text(&so_far);
        }
        Ok(so_far)
    }
}

pub(in crate::chat) fn integration() -> ChatIntegration {
    ChatIntegration {
        id: 7,
        tenant_id: 1,
        tenant_slug: "acme".into(),
        name: "ops".into(),
        platform: ChatPlatform::Telegram,
        has_token: true,
        socket_mode: false,
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
        agent_user_id: None,
        context_ttl_secs: 7200,
        max_chats: 10,
        health: None,
        last_event_at: None,
        created_at: t0(),
        updated_at: t0(),
    }
}

pub(in crate::chat) struct World {
    pub(in crate::chat) integration: ChatIntegration,
    pub(in crate::chat) channel: FakeChannel,
    pub(in crate::chat) state: FakeState,
    pub(in crate::chat) ops: FakeOps,
    /// None: the bot has no model.
    pub(in crate::chat) model: Option<FakeModel>,
    pub(in crate::chat) n: RefCell<u32>,
}

impl World {
    pub(in crate::chat) fn new() -> Self {
        let mut state = FakeState::default();
        state.users.insert("100".into(), 1);
        state.users.insert("200".into(), 2);
        state.users.insert("300".into(), 3);
        Self {
            integration: integration(),
            channel: FakeChannel::default(),
            state,
            ops: FakeOps::default(),
            model: Some(FakeModel(vec![
                "Hello ",
                "there, ",
                "the token is ghp_",
                "abcdefghijklmnopqrstuvwxyz0123 ",
                "ok",
            ])),
            n: RefCell::new(0),
        }
    }

    /// A bot whose model answers `pieces` (None: no model).
    pub(in crate::chat) fn with_model(pieces: Option<Vec<&'static str>>) -> Self {
        Self {
            model: pieces.map(FakeModel),
            ..Self::new()
        }
    }

    pub(in crate::chat) fn interp(&self) -> Interpreter<'_> {
        Interpreter {
            integration: &self.integration,
            channel: &self.channel,
            state: &self.state,
            ops: &self.ops,
            answerer: self.model.as_ref().map(|m| m as &dyn Answerer),
            drafter: self.model.as_ref().map(|m| m as &dyn Answerer),
            edit_interval: Duration::ZERO,
        }
    }

    pub(in crate::chat) fn msg(&self, user: &str, text: &str) -> ChatEvent {
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

    pub(in crate::chat) fn press(&self, user: &str, data: &str) -> ChatEvent {
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

    /// `user` puts the ticket reaction on message `on` (text None: the adapter could not
    /// read it).
    pub(in crate::chat) fn ticket(&self, user: &str, on: &str, text: Option<&str>) -> ChatEvent {
        *self.n.borrow_mut() += 1;
        ChatEvent::Ticket(Ticket {
            key: format!("update/{}", self.n.borrow()),
            chat_id: "-100".into(),
            group: true,
            message_id: on.into(),
            user_id: user.into(),
            user_name: format!("user{user}"),
            text: text.map(str::to_owned),
        })
    }

    pub(in crate::chat) fn run(&self, e: &ChatEvent, now: Timestamp) -> Outcome {
        self.interp()
            .handle(e, now)
            .unwrap_or_else(|err| panic!("handling {e:?}: {err}"))
    }

    /// The text of the single post the last event produced.
    pub(in crate::chat) fn reply(&self, e: &ChatEvent) -> String {
        self.run(e, t0());
        match self.channel.take().as_slice() {
            [Sent::Post { text, .. }] => text.clone(),
            other => panic!("expected one post for {e:?}, got {other:?}"),
        }
    }
}
