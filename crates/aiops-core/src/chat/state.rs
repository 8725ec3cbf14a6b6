//! What a poller keeps between events and across restarts (the `chat_*` tables).

use aiops_types::{SessionState, Timestamp};

use crate::CoreResult;

/// An issue proposed in a chat, waiting for ✅/❌.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPreview {
    pub integration_id: i64,
    pub chat_id: String,
    pub platform_user_id: String,
    pub user_id: i64,
    pub project_id: i64,
    pub title: String,
    pub description: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub id: i64,
    /// The bot message that shows it (set once posted).
    pub message_id: Option<String>,
    pub new: NewPreview,
}

/// A chat's context for the `agent` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatContext {
    pub chat_id: String,
    /// The agent's conversation to resume (Claude Code's `session_id`), once it answered.
    pub conversation_id: Option<String>,
    /// The chat's workspace folder.
    pub workspace: String,
    pub started_at: Timestamp,
    pub last_used_at: Timestamp,
}

/// A session started with `work` in a chat, whose state changes go back there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionWatch {
    pub session_id: i64,
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
    fn insert_chat_preview(&self, preview: &NewPreview) -> CoreResult<i64>;
    fn set_chat_preview_message(&self, id: i64, message_id: &str) -> CoreResult<()>;
    fn chat_preview(&self, integration_id: i64, id: i64) -> CoreResult<Option<Preview>>;
    /// Removes the preview; false when it was already gone (answered by another press).
    fn take_chat_preview(&self, integration_id: i64, id: i64) -> CoreResult<bool>;
    /// Forgets previews expired before `now` and processed keys older than `keep_before`.
    fn purge_chat_state(&self, now: Timestamp, keep_before: Timestamp) -> CoreResult<()>;
    fn chat_cursor(&self, integration_id: i64, scope: &str) -> CoreResult<Option<String>>;
    fn set_chat_cursor(&self, integration_id: i64, scope: &str, cursor: &str) -> CoreResult<()>;
    fn chat_context(&self, integration_id: i64, chat_id: &str) -> CoreResult<Option<ChatContext>>;
    /// Inserts or replaces the chat's context.
    fn save_chat_context(&self, integration_id: i64, context: &ChatContext) -> CoreResult<()>;
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
    fn chat_session_watches(&self, integration_id: i64) -> CoreResult<Vec<SessionWatch>>;
    fn set_chat_watch_state(
        &self,
        integration_id: i64,
        session_id: i64,
        state: SessionState,
    ) -> CoreResult<()>;
    fn end_chat_watch(&self, integration_id: i64, session_id: i64) -> CoreResult<()>;
}
