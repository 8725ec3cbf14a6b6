//! What a poller keeps between events and across restarts (the `chat_*` tables).

use aiops_types::Timestamp;

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
}
