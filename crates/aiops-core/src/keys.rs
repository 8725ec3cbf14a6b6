//! API keys: mint (capped by role and by the minting credential), list, revoke.

use aiops_types::{ApiKey, CreateApiKey, CreatedApiKey, Page, Timestamp};
use serde_json::json;

use crate::page::PageQuery;
use crate::ports::{CredentialStore, NewApiKeyRow, NewAudit, UserRecord, UserStore};
use crate::secrets::new_api_key;
use crate::{CoreError, CoreResult, Principal, validate};

const MAX_EXPIRY_DAYS: u32 = 3650;

/// Mints a key for the caller. Scopes must be non-empty and within both the caller's role
/// (`member` may not hold `admin`: 403) and the caller's own credential (a `write` key may
/// not mint an `admin` key: 403).
pub fn create(
    store: &(impl UserStore + CredentialStore),
    caller: &Principal,
    req: &CreateApiKey,
    now: Timestamp,
) -> CoreResult<CreatedApiKey> {
    for scope in &req.scopes {
        if *scope > caller.role.max_scope() {
            return Err(CoreError::Forbidden(format!(
                "a {} may not hold the `{}` scope",
                caller.role.as_str(),
                scope.as_str()
            )));
        }
        if !caller.has_scope(*scope) {
            return Err(CoreError::Forbidden(format!(
                "this credential lacks the `{}` scope, so it cannot grant it",
                scope.as_str()
            )));
        }
    }
    let owner = store
        .user_by_id(caller.user_id)?
        .ok_or_else(|| CoreError::Unauthorized("user no longer exists".into()))?;
    mint(
        store,
        &owner,
        req,
        now,
        NewAudit::by(caller, "api_key.create"),
    )
}

/// Mints a key for `owner` after validating name, scopes and expiry; no caller checks.
/// Used by [`create`] and by the local `aiops admin create-api-key` command.
pub fn mint(
    store: &impl CredentialStore,
    owner: &UserRecord,
    req: &CreateApiKey,
    now: Timestamp,
    audit: NewAudit,
) -> CoreResult<CreatedApiKey> {
    let name = validate::name("name", &req.name)?;
    let mut scopes = req.scopes.clone();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(CoreError::invalid(
            "scopes",
            "at least one scope is required",
        ));
    }
    if let Some(s) = scopes.iter().find(|s| **s > owner.user.role.max_scope()) {
        return Err(CoreError::Forbidden(format!(
            "a {} may not hold the `{}` scope",
            owner.user.role.as_str(),
            s.as_str()
        )));
    }
    let expires_at = match req.expires_in_days {
        None => None,
        Some(d) if (1..=MAX_EXPIRY_DAYS).contains(&d) => {
            Some(now + time::Duration::days(i64::from(d)))
        }
        Some(_) => {
            return Err(CoreError::invalid(
                "expires_in_days",
                format!("expires_in_days must be between 1 and {MAX_EXPIRY_DAYS}"),
            ));
        }
    };
    let secret = new_api_key();
    let row = NewApiKeyRow {
        user_id: owner.user.id,
        name,
        prefix: secret.prefix.clone(),
        digest: secret.digest,
        scopes,
        expires_at,
    };
    let audit =
        audit.detail(json!({ "name": row.name, "scopes": row.scopes, "owner": owner.user.email }));
    let key = store.insert_api_key(&row, audit)?;
    Ok(CreatedApiKey {
        key,
        secret: secret.secret.into(),
    })
}

/// The caller's keys, or (admins, `all`) every key. Newest first.
pub fn list(
    store: &impl CredentialStore,
    caller: &Principal,
    all: bool,
    page: PageQuery,
) -> CoreResult<Page<ApiKey>> {
    if all {
        caller.require_admin("only admins may list every user's keys")?;
    }
    let owner = (!all).then_some(caller.user_id);
    Ok(page.finish(store.list_api_keys(owner, page)?, |k| k.id))
}

/// Revokes one of the caller's keys (admins: anyone's). Another user's key is "not found"
/// for a member, so key ids do not leak. Revoking twice is fine.
pub fn revoke(
    store: &impl CredentialStore,
    caller: &Principal,
    id: i64,
    now: Timestamp,
) -> CoreResult<()> {
    let key = store
        .api_key(id)?
        .filter(|k| k.user_id == caller.user_id || caller.is_admin())
        .ok_or_else(|| CoreError::not_found(format!("API key {id}")))?;
    if key.revoked_at.is_some() {
        return Ok(());
    }
    store.revoke_api_key(
        id,
        now,
        NewAudit::by(caller, "api_key.revoke").target("api_key", id),
    )
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
