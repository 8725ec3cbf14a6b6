//! User administration (admins), password changes (everyone), and the local admin
//! commands that run against the data dir without a server.

use aiops_types::{
    ChangePassword, CreateApiKey, CreateUser, CreatedApiKey, Page, Preferences, Role, Scope,
    Timestamp, UpdateUser, User,
};
use serde_json::json;

use crate::page::PageQuery;
use crate::ports::{
    CredentialStore, NewAudit, NewUserRow, ToolStore, UserRecord, UserRow, UserStore,
};
use crate::secrets::{check_password_policy, hash_password, verify_password};
use crate::{CoreError, CoreResult, Principal, keys, validate};

/// Users in id order. Admins only (`Forbidden`).
pub fn list(store: &impl UserStore, caller: &Principal, page: PageQuery) -> CoreResult<Page<User>> {
    caller.require_admin("only admins manage users")?;
    Ok(page.finish(store.list_users(page)?, |u| u.id))
}

/// The user; `NotFound` for an unknown id. Admins only (`Forbidden`).
pub fn get(store: &impl UserStore, caller: &Principal, id: i64) -> CoreResult<User> {
    caller.require_admin("only admins manage users")?;
    Ok(find(store, id)?.user)
}

fn find(store: &impl UserStore, id: i64) -> CoreResult<UserRecord> {
    store
        .user_by_id(id)?
        .ok_or_else(|| CoreError::not_found(format!("user {id}")))
}

fn new_row(email: &str, name: Option<&str>, role: Role, password: &str) -> CoreResult<NewUserRow> {
    let email = validate::email(email)?;
    check_password_policy(password)?;
    let name = match name {
        Some(n) if !n.trim().is_empty() => validate::name("name", n)?,
        _ => email.split('@').next().unwrap_or_default().to_owned(),
    };
    Ok(NewUserRow {
        email,
        name,
        role,
        password_hash: hash_password(password)?,
    })
}

/// Creates a user with the given email, role and password (argon2id-hashed); the name
/// defaults to the email's local part. Admins only (`Forbidden`); `Invalid` for a bad
/// email, name or password (under 8 characters), `Conflict` for an email taken.
pub fn create(store: &impl UserStore, caller: &Principal, req: &CreateUser) -> CoreResult<User> {
    caller.require_admin("only admins manage users")?;
    let row = new_row(
        &req.email,
        req.name.as_deref(),
        req.role,
        req.password.expose(),
    )?;
    let audit =
        NewAudit::by(caller, "user.create").detail(json!({ "email": row.email, "role": row.role }));
    store.insert_user(&row, audit)
}

/// Changes name, role or disabled. An admin cannot demote or disable themself, so a
/// server is never left without a working admin by accident.
pub fn update(
    store: &impl UserStore,
    caller: &Principal,
    id: i64,
    req: &UpdateUser,
) -> CoreResult<User> {
    caller.require_admin("only admins manage users")?;
    let current = find(store, id)?.user;
    if id == caller.user_id
        && (req.role.is_some_and(|r| r != Role::Admin) || req.disabled == Some(true))
    {
        return Err(CoreError::Conflict(
            "you cannot demote or disable yourself; ask another admin".into(),
        ));
    }
    let row = UserRow {
        name: match req.name.as_deref() {
            Some(n) => validate::name("name", n)?,
            None => current.name,
        },
        role: req.role.unwrap_or(current.role),
        disabled: req.disabled.unwrap_or(current.disabled),
        tool_home: match req.tool_home.as_deref().map(str::trim) {
            None => current.tool_home,
            Some("") => None,
            Some(p) => Some(tool_home(p)?),
        },
    };
    let audit = NewAudit::by(caller, "user.update")
        .target("user", id)
        .detail(json!({
            "name": req.name,
            "role": req.role,
            "disabled": req.disabled,
            "tool_home": req.tool_home,
        }));
    store.update_user(id, &row, audit)
}

/// An absolute, normalised path (no `..`, no control characters) for a tool home.
fn tool_home(p: &str) -> CoreResult<String> {
    let path = std::path::Path::new(p);
    let normal = path.components().all(|c| {
        matches!(
            c,
            std::path::Component::RootDir | std::path::Component::Normal(_)
        )
    });
    if !path.is_absolute() || !normal || p.chars().any(char::is_control) || p == "/" {
        return Err(CoreError::invalid(
            "tool_home",
            "tool_home must be an absolute path without `..` (or empty for the default)",
        ));
    }
    Ok(p.trim_end_matches('/').to_owned())
}

/// Changes the caller's own password after checking the current one; signs out every
/// browser session of the user.
pub fn change_password(
    store: &impl UserStore,
    caller: &Principal,
    req: &ChangePassword,
) -> CoreResult<()> {
    let rec = find(store, caller.user_id)?;
    if !verify_password(req.current_password.expose(), &rec.password_hash) {
        return Err(CoreError::invalid(
            "current_password",
            "current password is wrong",
        ));
    }
    check_password_policy(req.new_password.expose())?;
    let hash = hash_password(req.new_password.expose())?;
    store.set_password_hash(
        caller.user_id,
        &hash,
        NewAudit::by(caller, "user.password_change").target("user", caller.user_id),
    )
}

const LOCAL_ACTOR: &str = "cli";

/// `aiops admin create-admin`: creates an admin (the server need not run).
pub fn local_create_admin(store: &impl UserStore, email: &str, password: &str) -> CoreResult<User> {
    let row = new_row(email, None, Role::Admin, password)?;
    let audit = NewAudit::new(None, LOCAL_ACTOR, "user.create")
        .detail(json!({ "email": row.email, "role": "admin", "via": "aiops admin" }));
    store.insert_user(&row, audit)
}

/// `aiops admin create-api-key`: mints a key for the user with this email.
pub fn local_create_api_key(
    store: &(impl UserStore + CredentialStore),
    email: &str,
    name: &str,
    scopes: &[Scope],
    now: Timestamp,
) -> CoreResult<CreatedApiKey> {
    let owner = by_email(store, email)?;
    let req = CreateApiKey {
        name: name.to_owned(),
        scopes: scopes.to_vec(),
        expires_in_days: None,
    };
    let audit = NewAudit::new(None, LOCAL_ACTOR, "api_key.create");
    keys::mint(store, &owner, &req, now, audit)
}

/// `aiops admin reset-password`: sets a new password and signs the user out everywhere.
pub fn local_reset_password(
    store: &impl UserStore,
    email: &str,
    password: &str,
) -> CoreResult<User> {
    let rec = by_email(store, email)?;
    check_password_policy(password)?;
    let audit = NewAudit::new(None, LOCAL_ACTOR, "user.password_reset").target("user", rec.user.id);
    store.set_password_hash(rec.user.id, &hash_password(password)?, audit)?;
    Ok(rec.user)
}

/// The caller's preferences.
pub fn preferences(store: &impl UserStore, caller: &Principal) -> CoreResult<Preferences> {
    store.preferences(caller.user_id)
}

/// Replaces the caller's preferences. `Invalid` when `default_tool` names no tool; a blank
/// one clears it. A session key may not change its owner's preferences.
pub fn set_preferences(
    store: &(impl UserStore + ToolStore),
    caller: &Principal,
    req: &Preferences,
) -> CoreResult<Preferences> {
    caller.require(Scope::Write)?;
    if caller.session.is_some() {
        return Err(CoreError::Forbidden(
            "a session key cannot change its owner's preferences".into(),
        ));
    }
    let tool = req
        .default_tool
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(t) = tool
        && store.tool(t)?.is_none()
    {
        return Err(CoreError::invalid(
            "default_tool",
            format!("no tool `{t}` (see `aiops tools list`)"),
        ));
    }
    let prefs = Preferences {
        default_tool: tool.map(str::to_owned),
        // Not the caller's to set: the store keeps what sessions set.
        last_tool: None,
    };
    let audit = NewAudit::by(caller, "user.preferences")
        .target("user", caller.user_id)
        .detail(json!({ "default_tool": prefs.default_tool }));
    store.set_preferences(caller.user_id, &prefs, audit)
}

/// The active user named by id (`5`) or email. `Invalid` when there is none or they are
/// disabled (the name came from the caller's request, not the path).
pub fn find_active(store: &impl UserStore, text: &str) -> CoreResult<User> {
    let text = text.trim();
    let rec = match text.parse::<i64>() {
        Ok(id) => store.user_by_id(id)?,
        Err(_) => store.user_by_email(&text.to_ascii_lowercase())?,
    };
    match rec {
        Some(r) if !r.user.disabled => Ok(r.user),
        Some(_) => Err(CoreError::invalid(
            "user",
            format!("user `{text}` is disabled"),
        )),
        None => Err(CoreError::invalid("user", format!("no user `{text}`"))),
    }
}

fn by_email(store: &impl UserStore, email: &str) -> CoreResult<UserRecord> {
    let email = validate::email(email)?;
    store
        .user_by_email(&email)?
        .ok_or_else(|| CoreError::not_found(format!("user {email}")))
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
