//! Which aiops user each chat user acts as: the links a tenant's admins make.

use aiops_types::{ChatUser, MapChatUser};
use serde_json::json;

use super::{ChatStore, record_to_manage};
use crate::ports::{NewAudit, TenantStore, UserStore};
use crate::{CoreError, CoreResult, Principal, validate};

/// Maps a chat user to the aiops user with `req.user`'s email. Chat commands then run
/// as that user, so a tenant's admin may map only members of the tenant, and only a
/// server admin may map a chat user to a server admin: no mapping reaches further than
/// its author could.
pub fn map_user(
    store: &(impl UserStore + TenantStore + ChatStore),
    caller: &Principal,
    id: i64,
    req: &MapChatUser,
) -> CoreResult<ChatUser> {
    let r = record_to_manage(store, caller, id)?;
    let platform_user_id = req.platform_user_id.trim();
    if platform_user_id.is_empty()
        || platform_user_id.len() > 64
        || !platform_user_id.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(CoreError::invalid(
            "platform_user_id",
            "platform_user_id is the chat user's id (Telegram: digits; the bot tells an unknown user theirs)",
        ));
    }
    let email = validate::email(&req.user)
        .map_err(|_| CoreError::invalid("user", "user is an aiops user's email"))?;
    let user = match store.user_by_email(&email)? {
        Some(u) if !u.user.disabled => u.user,
        _ => {
            return Err(CoreError::invalid(
                "user",
                format!("no active user {email}"),
            ));
        }
    };
    if !caller.is_admin() {
        if user.role == aiops_types::Role::Admin {
            return Err(CoreError::Forbidden(
                "only a server admin maps a chat user to a server admin".into(),
            ));
        }
        if store
            .tenant_role(r.integration.tenant_id, user.id)?
            .is_none()
        {
            return Err(CoreError::invalid(
                "user",
                format!(
                    "{email} is not a member of tenant {}: add them first",
                    r.integration.tenant_slug
                ),
            ));
        }
    }
    let audit = NewAudit::by(caller, "chat_integration.map_user")
        .target("chat_integration", id)
        .detail(json!({ "platform_user_id": platform_user_id, "user_id": user.id }));
    store.map_chat_user(id, platform_user_id, user.id, audit)
}

/// Removes a chat user's mapping; `NotFound` when there was none. Only server admins and
/// the tenant's admins (`Forbidden`).
pub fn unmap_user(
    store: &(impl TenantStore + ChatStore),
    caller: &Principal,
    id: i64,
    platform_user_id: &str,
) -> CoreResult<()> {
    record_to_manage(store, caller, id)?;
    let audit = NewAudit::by(caller, "chat_integration.unmap_user")
        .target("chat_integration", id)
        .detail(json!({ "platform_user_id": platform_user_id }));
    store.unmap_chat_user(id, platform_user_id, audit)
}

/// The integration's mapped chat users, in the order they were mapped. Only server
/// admins and the tenant's admins (`Forbidden`).
pub fn users(
    store: &(impl TenantStore + ChatStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<Vec<ChatUser>> {
    record_to_manage(store, caller, id)?;
    store.list_chat_users(id)
}
