//! The ports a chat platform and a model implement. Calls are blocking (the server runs
//! the poller on a blocking thread); errors are [`CoreError::Upstream`] with one line
//! that names the platform and never the token, or [`CoreError::RateLimited`].
//!
//! [`CoreError::Upstream`]: crate::CoreError::Upstream
//! [`CoreError::RateLimited`]: crate::CoreError::RateLimited

use std::time::Duration;

use crate::CoreResult;

/// A message someone wrote in a chat the bot is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// The platform's unique id of the delivery (Telegram: `update/<update_id>`): an
    /// event with a key already handled is skipped.
    pub key: String,
    /// Chat it was written in.
    pub chat_id: String,
    /// A group, supergroup or channel (not a 1:1 chat with the bot).
    pub group: bool,
    /// The message's platform id.
    pub message_id: String,
    /// The author's platform id (Telegram: `from.id`).
    pub user_id: String,
    /// The author's display name (`@username` or first name), for replies.
    pub user_name: String,
    /// The text, with a leading mention of the bot removed.
    pub text: String,
    /// The message mentions the bot or replies to one of its messages (always true in a
    /// 1:1 chat).
    pub addressed: bool,
}

/// A press of one of the bot's buttons (Telegram: a `callback_query`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Unique id of the delivery: an event with a key already handled is skipped.
    pub key: String,
    /// Chat the button's message is in.
    pub chat_id: String,
    /// The bot message the button is on.
    pub message_id: String,
    /// The presser's platform id.
    pub user_id: String,
    /// What [`ChatChannel::acknowledge`] answers.
    pub callback_id: String,
    /// The button's [`Button::data`].
    pub data: String,
}

/// Someone put the ticket reaction on a message (Slack `:ticket:` 🎫; Telegram ✍, as
/// 🎫 is not among the reactions Telegram allows): propose an issue made of that message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Unique id of the delivery: an event with a key already handled is skipped.
    pub key: String,
    /// Chat the message is in.
    pub chat_id: String,
    /// A group, supergroup or channel (not a 1:1 chat with the bot).
    pub group: bool,
    /// The message reacted to; the preview replies to it.
    pub message_id: String,
    /// Who reacted: the issue is proposed as them.
    pub user_id: String,
    /// Who reacted, for replies: `@username` or display name.
    pub user_name: String,
    /// The message's text; None when the adapter could not read it (Telegram tells the
    /// reaction without the message, and the bot only knows the texts it saw since it
    /// started).
    pub text: Option<String>,
}

/// One thing that happened in a chat the bot is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEvent {
    /// A message was written.
    Message(Incoming),
    /// A button of the bot was pressed.
    Choice(Choice),
    /// The ticket reaction was put on a message.
    Ticket(Ticket),
}

impl ChatEvent {
    /// The event's unique delivery key (see [`Incoming::key`]).
    pub fn key(&self) -> &str {
        match self {
            Self::Message(m) => &m.key,
            Self::Choice(c) => &c.key,
            Self::Ticket(t) => &t.key,
        }
    }
}

/// A chat user as the platform describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatPerson {
    /// The user's platform id.
    pub user_id: String,
    /// `@username`, else the display name.
    pub name: String,
    /// Where the platform tells it (Slack `users.info`; never Telegram).
    pub email: Option<String>,
}

/// An inline button under a bot message; `data` comes back in a [`Choice`] (Telegram
/// limits it to 64 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    /// Text on the button.
    pub label: String,
    /// What comes back in [`Choice::data`] when it is pressed.
    pub data: String,
}

/// What one poll returned: the events, and the cursor the next poll starts from (stored
/// only after the events are handled, so a restart re-reads them and the processed-event
/// keys skip those already handled).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// Events in the order the platform delivered them.
    pub events: Vec<ChatEvent>,
    /// Where the next poll starts; `None`: the platform gave no new position.
    pub cursor: Option<String>,
}

/// One chat platform. Texts are plain (the adapter does the platform's escaping) and have
/// passed the redactor.
pub trait ChatChannel {
    /// The longest text one message holds (Telegram: 4096 characters).
    fn max_len(&self) -> usize;
    /// Waits up to `wait` for events after `cursor` (None: the oldest the platform kept).
    fn receive(&self, cursor: Option<&str>, wait: Duration) -> CoreResult<Received>;
    /// Posts `text` in `chat_id` (as a reply to `reply_to` when given) with `buttons`;
    /// a text longer than [`ChatChannel::max_len`] goes out as several messages, the
    /// buttons on the last. Returns the id of the last message.
    fn post(
        &self,
        chat_id: &str,
        reply_to: Option<&str>,
        text: &str,
        buttons: &[Button],
    ) -> CoreResult<String>;
    /// Replaces the text (and buttons) of one of the bot's messages; `text` is at most
    /// [`ChatChannel::max_len`].
    fn update(
        &self,
        chat_id: &str,
        message_id: &str,
        text: &str,
        buttons: &[Button],
    ) -> CoreResult<()>;
    /// Adds an emoji reaction to a message.
    fn react(&self, chat_id: &str, message_id: &str, emoji: &str) -> CoreResult<()>;
    /// Ends a button press's spinner, with a short notice to the presser.
    fn acknowledge(&self, callback_id: &str, text: &str) -> CoreResult<()>;
    /// Who `user_id` is, as seen in `chat_id`; None when the platform does not know them
    /// there.
    fn resolve_user(&self, chat_id: &str, user_id: &str) -> CoreResult<Option<ChatPerson>>;
}

/// A model answering questions.
pub trait Answerer {
    /// Answers `question` asked in `chat_id` at `now` (a backend that keeps a context per
    /// chat resumes it); `on_text` gets the whole answer so far after each streamed
    /// piece. Returns the whole answer.
    fn answer(
        &self,
        chat_id: &str,
        question: &str,
        now: aiops_types::Timestamp,
        on_text: &mut dyn FnMut(&str),
    ) -> CoreResult<String>;
}
