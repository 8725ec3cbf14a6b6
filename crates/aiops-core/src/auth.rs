//! Signing in: password login, browser sessions, API key authentication, first-admin setup.
//!
//! Rate limiting lives in the server (it needs a clock and shared memory); everything that
//! decides whether a credential is valid lives here.

use aiops_types::{AuthMethod, Role, SessionInfo, SetupRequest, Timestamp, User};
use serde_json::json;

use crate::ports::{
    AuditStore, CredentialStore, NewAudit, NewUserRow, SettingsStore, UserRecord, UserStore,
};
use crate::principal::SessionGrant;
use crate::secrets::{self, digest, looks_like_api_key, random_token};
use crate::{CoreError, CoreResult, Principal, validate};

/// Settings key holding the SHA-256 (hex) of the one-time setup token.
pub const SETUP_TOKEN_KEY: &str = "setup_token_sha256";

const BAD_LOGIN: &str = "wrong email or password";

/// A browser session just created: the cookie value and the answer body.
pub struct NewWebSession {
    /// The session token (256 random bits, base64url) for the cookie; stored only as its
    /// SHA-256.
    pub token: String,
    /// The signed-in user and the session's CSRF token.
    pub info: SessionInfo,
}

/// The form an email is stored and looked up in: trimmed, lowercased. Login throttling
/// counts failures per account under this key.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks email + password; returns the user or `Unauthorized` (same message for an
/// unknown email, a wrong password and a disabled account, and the same argon2 cost).
/// Failures are audited as `auth.login_failed`.
pub fn verify_login(
    store: &(impl UserStore + AuditStore),
    email: &str,
    password: &str,
    ip: Option<String>,
) -> CoreResult<UserRecord> {
    let email_norm = normalize_email(email);
    let found = store.user_by_email(&email_norm)?;
    let hash = found
        .as_ref()
        .map_or(secrets::dummy_hash(), |r| r.password_hash.as_str());
    let password_ok = secrets::verify_password(password, hash);
    match found {
        Some(rec) if password_ok && !rec.user.disabled => Ok(rec),
        found => {
            let audit = NewAudit::new(found.as_ref().map(|r| r.user.id), &email_norm, "auth.login_failed")
                .ip(ip)
                .detail(json!({ "reason": if found.is_none() { "unknown_email" } else if password_ok { "disabled" } else { "wrong_password" } }));
            store.append_audit(audit)?;
            Err(CoreError::Unauthorized(BAD_LOGIN.into()))
        }
    }
}

/// Creates a browser session for a verified user; the token goes into the cookie.
pub fn start_web_session(
    store: &impl CredentialStore,
    user: User,
    ip: Option<String>,
    expires_at: Timestamp,
) -> CoreResult<NewWebSession> {
    let token = random_token();
    let csrf_token = random_token();
    let audit = NewAudit::new(Some(user.id), &user.email, "auth.login").ip(ip);
    store.insert_web_session(user.id, &digest(&token), &csrf_token, expires_at, audit)?;
    Ok(NewWebSession {
        token,
        info: SessionInfo {
            user,
            csrf_token: csrf_token.into(),
        },
    })
}

/// Resolves a session cookie to its principal and CSRF token. `Unauthorized` when the
/// session is unknown, expired, or its user is disabled.
pub fn authenticate_session(
    store: &impl CredentialStore,
    token: &str,
    ip: Option<String>,
    now: Timestamp,
) -> CoreResult<(Principal, String)> {
    let expired = || CoreError::Unauthorized("session expired; sign in again".into());
    if token.len() != 43 {
        return Err(expired());
    }
    let (session, rec) = store
        .web_session_by_digest(&digest(token))?
        .ok_or_else(expired)?;
    if session.expires_at <= now || rec.user.disabled {
        return Err(expired());
    }
    let principal = Principal {
        user_id: rec.user.id,
        email: rec.user.email,
        scopes: rec.user.role.scopes(),
        role: rec.user.role,
        method: AuthMethod::Session,
        credential_id: session.id,
        ip,
        session: None,
    };
    Ok((principal, session.csrf_token))
}

/// Resolves an API key (`aiops_…`) to its principal and the key's expiry: one digest
/// lookup. `Unauthorized` when malformed, unknown, revoked, expired, or owned by a
/// disabled user. Records `last_used_at` at most once a minute per key, so reads stay
/// reads.
pub fn authenticate_api_key(
    store: &impl CredentialStore,
    secret: &str,
    ip: Option<String>,
    now: Timestamp,
) -> CoreResult<(Principal, Option<Timestamp>)> {
    let invalid = || CoreError::Unauthorized("invalid, expired or revoked API key".into());
    if !looks_like_api_key(secret) {
        return Err(invalid());
    }
    let (key, rec, key_session) = store
        .api_key_by_digest(&digest(secret))?
        .ok_or_else(invalid)?;
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|e| e <= now) || rec.user.disabled {
        return Err(invalid());
    }
    // A session key whose session row is gone reaches nothing (never its owner's all).
    if key.session_id.is_some() && key_session.is_none() {
        return Err(invalid());
    }
    if key
        .last_used_at
        .is_none_or(|t| now - t > time::Duration::minutes(1))
    {
        store.touch_api_key(key.id, now)?;
    }
    // The role may have been lowered since the key was minted: cap again on every use.
    let cap = rec.user.role.max_scope();
    let scopes = key.scopes.iter().copied().filter(|s| *s <= cap).collect();
    let principal = Principal {
        user_id: rec.user.id,
        email: rec.user.email,
        role: rec.user.role,
        scopes,
        method: AuthMethod::ApiKey,
        credential_id: key.id,
        ip,
        session: key
            .session_id
            .zip(key_session)
            .map(|(session_id, s)| SessionGrant {
                session_id,
                issue_id: s.issue_id,
                project_id: s.project_id,
            }),
    };
    Ok((principal, key.expires_at))
}

/// Ends a browser session (logout).
pub fn end_web_session(store: &impl CredentialStore, principal: &Principal) -> CoreResult<()> {
    if principal.method != AuthMethod::Session {
        return Ok(()); // an API key has nothing to log out of; revoke it instead
    }
    store.delete_web_session(
        principal.credential_id,
        NewAudit::by(principal, "auth.logout"),
    )
}

/// Makes a new one-time setup token when no user exists yet; returns it (to print once)
/// or None when setup is already done.
pub fn issue_setup_token(store: &(impl UserStore + SettingsStore)) -> CoreResult<Option<String>> {
    if store.count_users()? > 0 {
        return Ok(None);
    }
    let token = random_token();
    store.set_setting(SETUP_TOKEN_KEY, &hex(&digest(&token)))?;
    Ok(Some(token))
}

/// Creates the first admin with the setup token. The token is consumed in the same
/// transaction; a second call, or any call once a user exists, gets `Unauthorized`.
pub fn complete_setup(
    store: &impl UserStore,
    req: &SetupRequest,
    ip: Option<String>,
) -> CoreResult<User> {
    let email = validate::email(&req.email)?;
    secrets::check_password_policy(req.password.expose())?;
    let name = match req.name.as_deref() {
        Some(n) if !n.trim().is_empty() => validate::name("name", n)?,
        _ => email.split('@').next().unwrap_or_default().to_owned(),
    };
    let row = NewUserRow {
        email: email.clone(),
        name,
        role: Role::Admin,
        password_hash: secrets::hash_password(req.password.expose())?,
    };
    let audit = NewAudit::new(None, &email, "auth.setup").ip(ip);
    store.insert_first_admin(&row, &digest(req.token.expose().trim()), audit)
}

/// Lowercase hex of `bytes` (how the setup token's digest is stored).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
