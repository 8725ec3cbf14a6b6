//! A chat integration's sealed secrets: the bot token and, for Slack Socket Mode, the
//! app-level token. Each is sealed bound to its row and its role, so one cannot be
//! opened as the other; they are opened in clear only for the platform adapter.

use super::ChatRecord;
use crate::sealed::{Sealed, SecretKey};
use crate::{CoreError, CoreResult};

/// Associated data the bot token is sealed with: the row it belongs to.
pub fn token_context(id: i64) -> String {
    format!("chat_integration/{id}/token")
}

/// Associated data a Slack app-level token (Socket Mode) is sealed with.
pub fn app_token_context(id: i64) -> String {
    format!("chat_integration/{id}/app_token")
}

/// The bot token in clear, for the adapter only (never logged).
pub fn open_token(key: &SecretKey, record: &ChatRecord) -> CoreResult<zeroize::Zeroizing<String>> {
    let sealed = record
        .token
        .as_ref()
        .ok_or_else(|| CoreError::invalid("token", "the integration has no bot token"))?;
    open_text(key, sealed, &token_context(record.integration.id))
}

/// The Slack app-level token in clear (Socket Mode), None when the bot polls; for the
/// adapter only (never logged).
pub fn open_app_token(
    key: &SecretKey,
    record: &ChatRecord,
) -> CoreResult<Option<zeroize::Zeroizing<String>>> {
    record
        .app_token
        .as_ref()
        .map(|s| open_text(key, s, &app_token_context(record.integration.id)))
        .transpose()
}

fn open_text(
    key: &SecretKey,
    sealed: &Sealed,
    context: &str,
) -> CoreResult<zeroize::Zeroizing<String>> {
    let bytes = zeroize::Zeroizing::new(key.open(sealed, context)?);
    String::from_utf8(bytes.to_vec())
        .map(zeroize::Zeroizing::new)
        .map_err(|_| CoreError::Internal("a sealed chat token is not text".into()))
}
