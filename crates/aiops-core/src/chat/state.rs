//! What a poller keeps between events and across restarts (the `chat_*` tables).

use aiops_types::{SessionState, Timestamp};

use crate::CoreResult;

/// An issue proposed in a chat, waiting for ✅/❌.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPreview {
    /// Integration the chat belongs to.
    pub integration_id: i64,
    /// Chat it was proposed in.
    pub chat_id: String,
    /// Chat user who asked for it.
    pub platform_user_id: String,
    /// The aiops user that chat user is mapped to, who will be the author.
    pub user_id: i64,
    /// Project the issue would be created in.
    pub project_id: i64,
    /// Proposed title.
    pub title: String,
    /// Proposed description, Markdown.
    pub description: String,
    /// When it was proposed.
    pub created_at: Timestamp,
    /// When it expires unanswered (see [`super::PREVIEW_TTL`]).
    pub expires_at: Timestamp,
}

/// A stored preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// Row id of the preview; named in its ✅/❌ buttons.
    pub id: i64,
    /// The bot message that shows it (set once posted).
    pub message_id: Option<String>,
    /// What was proposed.
    pub new: NewPreview,
}

/// A chat's context for the `agent` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatContext {
    /// Chat the context belongs to.
    pub chat_id: String,
    /// The agent's conversation to resume (Claude Code's `session_id`), once it answered.
    pub conversation_id: Option<String>,
    /// The chat's workspace folder.
    pub workspace: String,
    /// When the context was made.
    pub started_at: Timestamp,
    /// When the chat last asked the agent; the context ends `context_ttl_secs` after it.
    pub last_used_at: Timestamp,
}

/// A session started with `work` in a chat, whose state changes go back there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionWatch {
    /// The session followed.
    pub session_id: i64,
    /// Chat its state changes are posted to.
    pub chat_id: String,
    /// The bot message the notes reply to.
    pub reply_to: Option<String>,
    /// The state last told (or seen at the start).
    pub state: SessionState,
}

/// Per-integration state. Each call is one transaction.
pub trait ChatState {
    /// The aiops user a chat user is mapped to.
    fn chat_user(&self, integration_id: i64, platform_user_id: &str) -> CoreResult<Option<i64>>;
    /// Records `event_key` as handled; false when it already was (the caller then skips
    /// the event).
    fn mark_chat_processed(
        &self,
        integration_id: i64,
        event_key: &str,
        at: Timestamp,
    ) -> CoreResult<bool>;
    /// Stores a preview and returns its id.
    fn insert_chat_preview(&self, preview: &NewPreview) -> CoreResult<i64>;
    /// Records the bot message that shows the preview.
    fn set_chat_preview_message(&self, id: i64, message_id: &str) -> CoreResult<()>;
    /// The preview `id` of this integration, or `None`.
    fn chat_preview(&self, integration_id: i64, id: i64) -> CoreResult<Option<Preview>>;
    /// Removes the preview; false when it was already gone (answered by another press).
    fn take_chat_preview(&self, integration_id: i64, id: i64) -> CoreResult<bool>;
    /// Forgets previews expired before `now` and processed keys older than `keep_before`.
    fn purge_chat_state(&self, now: Timestamp, keep_before: Timestamp) -> CoreResult<()>;
    /// The poller's stored position in the platform's event stream for `scope`, or `None`.
    fn chat_cursor(&self, integration_id: i64, scope: &str) -> CoreResult<Option<String>>;
    /// Stores the poller's position for `scope`.
    fn set_chat_cursor(&self, integration_id: i64, scope: &str, cursor: &str) -> CoreResult<()>;
    /// The chat's context, or `None`.
    fn chat_context(&self, integration_id: i64, chat_id: &str) -> CoreResult<Option<ChatContext>>;
    /// Inserts or replaces the chat's context.
    fn save_chat_context(&self, integration_id: i64, context: &ChatContext) -> CoreResult<()>;
    /// Forgets the chat's context.
    fn delete_chat_context(&self, integration_id: i64, chat_id: &str) -> CoreResult<()>;
    /// Contexts used at or after `since` (the live ones).
    fn count_chat_contexts(&self, integration_id: i64, since: Timestamp) -> CoreResult<u32>;
    /// Contexts last used before `before` (the expired ones).
    fn stale_chat_contexts(
        &self,
        integration_id: i64,
        before: Timestamp,
    ) -> CoreResult<Vec<ChatContext>>;
    /// Starts following a session (replaces a watch of the same session).
    fn watch_chat_session(&self, integration_id: i64, watch: &SessionWatch) -> CoreResult<()>;
    /// Every session the integration follows.
    fn chat_session_watches(&self, integration_id: i64) -> CoreResult<Vec<SessionWatch>>;
    /// Records the state last told for a followed session.
    fn set_chat_watch_state(
        &self,
        integration_id: i64,
        session_id: i64,
        state: SessionState,
    ) -> CoreResult<()>;
    /// Stops following the session.
    fn end_chat_watch(&self, integration_id: i64, session_id: i64) -> CoreResult<()>;
}
