//! The one command interpreter: every platform's events go through [`Interpreter::handle`].
//!
//! Rules, in order: an event key seen before is skipped (idempotent across restarts and
//! duplicate deliveries); a chat off the allow-list is ignored; with `group_only`, 1:1
//! chats are ignored; in groups only messages that mention the bot, reply to it or start
//! with the keyword are read. Commands run as the aiops user the author is mapped to,
//! through [`ChatOps`] (the API's own use cases and checks); an unmapped author may only
//! `ask` (and read `help`) and is told how to get linked. `issue` posts a preview with ✅/❌
//! buttons, stored for [`PREVIEW_TTL`](super::PREVIEW_TTL); only its author's ✅ creates the issue, once.
//! Every text leaves through the redactor.
//!
//! An event is marked handled before it runs: one that fails half-way (the platform
//! unreachable while replying) is not retried, so nothing is ever answered twice.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use aiops_types::{ChatIntegration, Issue, SessionState, Timestamp};

use super::channel::{Answerer, Button, ChatChannel, ChatEvent, Choice, Incoming, Ticket};
use super::chunks;
use super::command::{self, Command, HELP};
use super::ops::ChatOps;
use super::state::{ChatState, SessionWatch};
use crate::redact::redact;
use crate::{CoreError, CoreResult, Principal};

/// What became of an event.
#[derive(Debug)]
pub enum Outcome {
    /// Its key was handled before.
    Duplicate,
    /// Not for the bot (the reason, for debug logs).
    Ignored(&'static str),
    /// A reply was posted.
    Replied,
    /// Replied with a refusal line; the error, for the server's log.
    Failed(CoreError),
}

/// Handles one chat event of one integration: parses it, checks who may do it, runs it
/// through [`ChatOps`] and posts the reply.
pub struct Interpreter<'a> {
    /// The integration the events come from, with its settings.
    pub integration: &'a ChatIntegration,
    /// The platform to read from and reply on.
    pub channel: &'a dyn ChatChannel,
    /// Mappings, processed keys, previews and watches of the integration.
    pub state: &'a dyn ChatState,
    /// The issue and session verbs, run as the mapped user.
    pub ops: &'a dyn ChatOps,
    /// What answers `ask` (None: no model).
    pub answerer: Option<&'a dyn Answerer>,
    /// What writes issue previews (None: the message is the issue). The Ollama model;
    /// never the agent, whose per-chat conversation a preview would join.
    pub drafter: Option<&'a dyn Answerer>,
    /// Shortest time between two edits of a streamed answer (Telegram allows about one
    /// message per second per chat).
    pub edit_interval: Duration,
}

/// A reply about to be posted.
pub(super) struct Reply {
    pub(super) text: String,
    pub(super) buttons: Vec<Button>,
    pub(super) preview: Option<i64>,
    /// A session whose state changes the chat is told, from this reply on.
    pub(super) watch: Option<(i64, SessionState)>,
}

impl From<String> for Reply {
    fn from(text: String) -> Self {
        Self {
            text,
            buttons: Vec::new(),
            preview: None,
            watch: None,
        }
    }
}

/// The user-facing line of a refusal; internal errors stay in the log.
pub(super) fn refusal(e: &CoreError) -> String {
    match e {
        CoreError::Internal(_) => "Something went wrong on the aiops side; it is logged.".into(),
        e => format!("Cannot do that: {e}"),
    }
}

/// The part of a streamed answer safe to show before it is complete: whole words only
/// (a token is shown, redacted, only once complete) and nothing from an unfinished PEM
/// block on.
fn settled(text: &str) -> &str {
    let text = match text.rfind("-----BEGIN") {
        Some(at) if !text[at..].contains("-----END") => &text[..at],
        _ => text,
    };
    match text.rfind(char::is_whitespace) {
        Some(at) => &text[..at],
        None => "",
    }
}

pub(super) fn issue_line(i: &Issue) -> String {
    format!(
        "{} · {} {} ({}/{})",
        i.id, i.external_id, i.title, i.tenant_slug, i.project_slug
    )
}

impl Interpreter<'_> {
    /// Handles one event at `now`.
    pub fn handle(&self, event: &ChatEvent, now: Timestamp) -> CoreResult<Outcome> {
        let id = self.integration.id;
        if !self.state.mark_chat_processed(id, event.key(), now)? {
            return Ok(Outcome::Duplicate);
        }
        match event {
            ChatEvent::Message(m) => self.message(m, now),
            ChatEvent::Choice(c) => self.choice(c, now),
            ChatEvent::Ticket(t) => self.ticket(t, now),
        }
    }

    /// Why the bot does not read `chat_id` at all (off the allow-list, or a 1:1 chat
    /// while group-only).
    fn closed_chat(&self, chat_id: &str, group: bool) -> Option<&'static str> {
        let i = self.integration;
        if !i.allowed_chats.is_empty() && !i.allowed_chats.iter().any(|c| c == chat_id) {
            return Some("chat not on the allow-list");
        }
        (i.group_only && !group).then_some("1:1 chat while group-only")
    }

    /// The principal a chat user acts as, when mapped and enabled.
    fn caller(&self, platform_user_id: &str) -> CoreResult<Option<Principal>> {
        match self
            .state
            .chat_user(self.integration.id, platform_user_id)?
        {
            Some(uid) => self.ops.principal(uid, &self.via()),
            None => Ok(None),
        }
    }

    /// A ticket reaction: the message reacted to becomes an issue preview, proposed by
    /// whoever reacted (in the integration's default project).
    fn ticket(&self, t: &Ticket, now: Timestamp) -> CoreResult<Outcome> {
        if let Some(why) = self.closed_chat(&t.chat_id, t.group) {
            return Ok(Outcome::Ignored(why));
        }
        let reply_to = Some(t.message_id.as_str());
        let as_message = Incoming {
            key: t.key.clone(),
            chat_id: t.chat_id.clone(),
            group: t.group,
            message_id: t.message_id.clone(),
            user_id: t.user_id.clone(),
            user_name: t.user_name.clone(),
            text: String::new(),
            addressed: true,
        };
        let (reply, failure) = match (self.caller(&t.user_id)?, t.text.as_deref()) {
            (None, _) => (Reply::from(self.unlinked(&as_message)), None),
            (Some(_), None) => (
                Reply::from(
                    "I cannot read that message (I only know the ones sent since I started): \
                     write `issue <text>` instead."
                        .to_owned(),
                ),
                None,
            ),
            (Some(p), Some(text)) => match self.preview(&p, &as_message, None, text, now) {
                Ok(r) => (r, None),
                Err(e) => (Reply::from(refusal(&e)), Some(e)),
            },
        };
        self.post_reply(&t.chat_id, reply_to, reply)?;
        Ok(failure.map_or(Outcome::Replied, Outcome::Failed))
    }

    /// Posts a reply, and records the message a preview is on and the session the chat
    /// follows from it.
    fn post_reply(&self, chat: &str, reply_to: Option<&str>, reply: Reply) -> CoreResult<()> {
        let posted = self.say(chat, reply_to, &reply.text, &reply.buttons)?;
        if let Some(id) = reply.preview {
            self.state.set_chat_preview_message(id, &posted)?;
        }
        if let Some((session_id, state)) = reply.watch {
            let watch = SessionWatch {
                session_id,
                chat_id: chat.to_owned(),
                reply_to: Some(posted),
                state,
            };
            self.state.watch_chat_session(self.integration.id, &watch)?;
        }
        Ok(())
    }

    pub(super) fn via(&self) -> String {
        format!(
            "chat:{}/{}",
            self.integration.platform.as_str(),
            self.integration.id
        )
    }

    /// Posts through the redactor; returns the last message's id.
    pub(super) fn say(
        &self,
        chat: &str,
        reply_to: Option<&str>,
        text: &str,
        buttons: &[Button],
    ) -> CoreResult<String> {
        self.channel.post(chat, reply_to, &redact(text), buttons)
    }

    pub(super) fn edit(
        &self,
        chat: &str,
        message: &str,
        text: &str,
        buttons: &[Button],
    ) -> CoreResult<()> {
        let clean = redact(text);
        let max = self.channel.max_len();
        let parts = chunks(&clean, max);
        self.channel.update(chat, message, &parts[0], buttons)?;
        for part in &parts[1..] {
            self.channel.post(chat, Some(message), part, &[])?;
        }
        Ok(())
    }

    /// The text after the keyword when `text` starts with it (case-insensitive).
    fn after_keyword<'t>(&self, text: &'t str) -> Option<&'t str> {
        let kw = self.integration.keyword.as_deref()?;
        let text = text.trim_start();
        let head = text.get(..kw.len())?;
        let rest = &text[kw.len()..];
        let boundary = rest.is_empty() || rest.starts_with(|c: char| !c.is_alphanumeric());
        (head.eq_ignore_ascii_case(kw) && boundary)
            .then(|| rest.trim_start_matches([',', ':']).trim())
    }

    fn message(&self, m: &Incoming, now: Timestamp) -> CoreResult<Outcome> {
        if let Some(why) = self.closed_chat(&m.chat_id, m.group) {
            return Ok(Outcome::Ignored(why));
        }
        let text: Cow<'_, str> = if m.addressed || !m.group {
            Cow::Borrowed(m.text.as_str())
        } else if let Some(rest) = self.after_keyword(&m.text) {
            Cow::Borrowed(rest)
        } else {
            return Ok(Outcome::Ignored("not addressed to the bot"));
        };
        let cmd = command::parse(&text);
        let caller = self.caller(&m.user_id)?;
        let reply_to = Some(m.message_id.as_str());
        let (reply, failure) = match (cmd, caller) {
            (Command::Help, _) => (Reply::from(HELP.to_owned()), None),
            (Command::Usage(u), _) => (Reply::from(u.to_owned()), None),
            (Command::Ask(q), _) => return self.ask(m, &q, now),
            (_, None) => (Reply::from(self.unlinked(m)), None),
            (cmd, Some(p)) => match self.run(cmd, &p, m, now) {
                Ok(r) => (r, None),
                Err(e) => (Reply::from(refusal(&e)), Some(e)),
            },
        };
        self.post_reply(&m.chat_id, reply_to, reply)?;
        Ok(failure.map_or(Outcome::Replied, Outcome::Failed))
    }

    /// What an unmapped author is told, by name (the platform's, when the event has none).
    fn unlinked(&self, m: &Incoming) -> String {
        let i = self.integration;
        let name = match m.user_name.as_str() {
            "" => self
                .channel
                .resolve_user(&m.chat_id, &m.user_id)
                .ok()
                .flatten()
                .map_or_else(|| "You".to_owned(), |p| p.name),
            n => n.to_owned(),
        };
        format!(
            "{name}, you are not linked to an aiops user yet, so you can only ask questions. \
             An admin links you with: aiops {} map-user {} --chat-user {} --user <your email>",
            i.platform.as_str(),
            i.name,
            m.user_id
        )
    }

    fn choice(&self, c: &Choice, now: Timestamp) -> CoreResult<Outcome> {
        let i = self.integration;
        let ack = |t: &str| self.channel.acknowledge(&c.callback_id, &redact(t));
        let parsed = c.data.split_once(':').and_then(|(verb, id)| {
            let confirm = match verb {
                "c" => true,
                "x" => false,
                _ => return None,
            };
            id.parse::<i64>().ok().map(|id| (confirm, id))
        });
        let Some((confirm, id)) = parsed else {
            ack("Unknown button.")?;
            return Ok(Outcome::Ignored("unknown button"));
        };
        let Some(preview) = self.state.chat_preview(i.id, id)? else {
            ack("This preview was already answered or has expired.")?;
            return Ok(Outcome::Replied);
        };
        if preview.new.platform_user_id != c.user_id {
            ack("Only the person who proposed this issue can answer it.")?;
            return Ok(Outcome::Replied);
        }
        if !self.state.take_chat_preview(i.id, id)? {
            ack("This preview was already answered.")?;
            return Ok(Outcome::Replied);
        }
        let new = &preview.new;
        let edit = |t: &str| self.edit(&c.chat_id, &c.message_id, t, &[]);
        if new.expires_at <= now {
            edit(&format!(
                "⌛ Expired (previews wait 1 h): {}. Send the issue again.",
                new.title
            ))?;
            ack("Expired.")?;
            return Ok(Outcome::Replied);
        }
        if !confirm {
            edit(&format!("❌ Cancelled: {}", new.title))?;
            ack("Cancelled.")?;
            return Ok(Outcome::Replied);
        }
        let Some(caller) = self.ops.principal(new.user_id, &self.via())? else {
            edit("Your aiops user is disabled; the issue was not created.")?;
            ack("Not created.")?;
            return Ok(Outcome::Replied);
        };
        match self
            .ops
            .create_issue(&caller, new.project_id, &new.title, &new.description)
        {
            Ok(issue) => {
                edit(&format!("✅ Created {}", issue_line(&issue)))?;
                ack("Created.")?;
                Ok(Outcome::Replied)
            }
            Err(e) => {
                edit(&format!("The issue was not created. {}", refusal(&e)))?;
                ack("Not created.")?;
                Ok(Outcome::Failed(e))
            }
        }
    }

    fn ask(&self, m: &Incoming, question: &str, now: Timestamp) -> CoreResult<Outcome> {
        let reply_to = Some(m.message_id.as_str());
        let Some(answerer) = self.answerer else {
            self.say(
                &m.chat_id,
                reply_to,
                "No model answers questions on this bot yet (an admin sets one with --answer ollama).",
                &[],
            )?;
            return Ok(Outcome::Replied);
        };
        let msg = self.say(&m.chat_id, reply_to, "…", &[])?;
        let max = self.channel.max_len();
        let mut last = Instant::now();
        let mut shown = String::new();
        let mut on_text = |so_far: &str| {
            if last.elapsed() < self.edit_interval {
                return;
            }
            let part = settled(so_far);
            let clean = redact(part);
            let head = chunks(&clean, max.saturating_sub(2)).swap_remove(0);
            if head.is_empty() || head == shown {
                return;
            }
            // A failed intermediate edit is not worth stopping the answer for.
            let _ = self
                .channel
                .update(&m.chat_id, &msg, &format!("{head} …"), &[]);
            shown = head;
            last = Instant::now();
        };
        match answerer.answer(&m.chat_id, question, now, &mut on_text) {
            Ok(full) if full.trim().is_empty() => {
                self.edit(&m.chat_id, &msg, "(the model gave no answer)", &[])?;
                Ok(Outcome::Replied)
            }
            Ok(full) => {
                self.edit(&m.chat_id, &msg, &full, &[])?;
                Ok(Outcome::Replied)
            }
            Err(e) => {
                let text = match &e {
                    // The backend's own refusal (the agent's chat limit) is said as is.
                    CoreError::Conflict(why) => why.clone(),
                    e => format!("The model failed: {e}"),
                };
                self.edit(&m.chat_id, &msg, &text, &[])?;
                Ok(Outcome::Failed(e))
            }
        }
    }
}
