//! Users and API keys in memory ([`FakeAccounts`]): the user and credential ports.

use std::sync::Mutex;

use aiops_types::{ApiKey, Preferences, Role, Timestamp, User};

use super::unused;
use crate::page::PageQuery;
use crate::ports::{
    CredentialStore, KeySession, NewApiKeyRow, NewAudit, NewUserRow, UserRecord, UserRow,
    UserStore, WebSessionRecord,
};
use crate::{CoreError, CoreResult};

/// A user row: id, email, role; enabled, no tool home.
fn user(id: i64, email: &str, role: Role) -> User {
    serde_json::from_value(serde_json::json!({
        "id": id, "email": email, "name": email.split('@').next().unwrap_or(email),
        "role": role, "disabled": false,
        "created_at": "2026-12-07T12:00:00Z", "updated_at": "2026-12-07T12:00:00Z",
    }))
    .unwrap_or_else(|e| panic!("a user from JSON: {e}"))
}

/// Users (with password hashes), API keys with their digests, and the audit actions
/// written, in memory.
#[derive(Default)]
pub(crate) struct FakeAccounts {
    pub users: Mutex<Vec<UserRecord>>,
    pub keys: Mutex<Vec<(ApiKey, Vec<u8>)>>,
    pub audit: Mutex<Vec<String>>,
}

impl FakeAccounts {
    /// Users 1 `admin@example.com` (admin) and 2 `m@example.com` (member).
    pub(crate) fn two() -> Self {
        let rec = |u| UserRecord {
            user: u,
            password_hash: String::new(),
        };
        Self {
            users: Mutex::new(vec![
                rec(user(1, "admin@example.com", Role::Admin)),
                rec(user(2, "m@example.com", Role::Member)),
            ]),
            ..Self::default()
        }
    }

    fn audited(&self, audit: &NewAudit) {
        self.audit.lock().unwrap().push(audit.action.clone());
    }
}

impl UserStore for FakeAccounts {
    fn count_users(&self) -> CoreResult<u64> {
        Ok(self.users.lock().unwrap().len() as u64)
    }
    fn user_by_email(&self, email: &str) -> CoreResult<Option<UserRecord>> {
        let all = self.users.lock().unwrap();
        Ok(all.iter().find(|r| r.user.email == email).cloned())
    }
    fn user_by_id(&self, id: i64) -> CoreResult<Option<UserRecord>> {
        Ok(self
            .users
            .lock()
            .unwrap()
            .iter()
            .find(|r| r.user.id == id)
            .cloned())
    }
    fn list_users(&self, page: PageQuery) -> CoreResult<Vec<User>> {
        let all = self.users.lock().unwrap();
        let after = page.after.unwrap_or(0);
        Ok(all
            .iter()
            .filter(|r| r.user.id > after)
            .take(page.limit as usize)
            .map(|r| r.user.clone())
            .collect())
    }
    fn insert_user(&self, row: &NewUserRow, audit: NewAudit) -> CoreResult<User> {
        let mut all = self.users.lock().unwrap();
        if all.iter().any(|r| r.user.email == row.email) {
            return Err(CoreError::Conflict(format!("{} is taken", row.email)));
        }
        let mut u = user(all.len() as i64 + 1, &row.email, row.role);
        u.name.clone_from(&row.name);
        all.push(UserRecord {
            user: u.clone(),
            password_hash: row.password_hash.clone(),
        });
        self.audited(&audit);
        Ok(u)
    }
    fn insert_first_admin(&self, _: &NewUserRow, _: &[u8], _: NewAudit) -> CoreResult<User> {
        unused("insert_first_admin")
    }
    fn update_user(&self, id: i64, row: &UserRow, audit: NewAudit) -> CoreResult<User> {
        let mut all = self.users.lock().unwrap();
        let r = all
            .iter_mut()
            .find(|r| r.user.id == id)
            .ok_or_else(|| CoreError::not_found(format!("user {id}")))?;
        r.user.name.clone_from(&row.name);
        r.user.role = row.role;
        r.user.disabled = row.disabled;
        r.user.tool_home.clone_from(&row.tool_home);
        self.audited(&audit);
        Ok(r.user.clone())
    }
    fn set_password_hash(&self, id: i64, hash: &str, audit: NewAudit) -> CoreResult<()> {
        let mut all = self.users.lock().unwrap();
        let r = all
            .iter_mut()
            .find(|r| r.user.id == id)
            .ok_or_else(|| CoreError::not_found(format!("user {id}")))?;
        hash.clone_into(&mut r.password_hash);
        self.audited(&audit);
        Ok(())
    }
    fn preferences(&self, _: i64) -> CoreResult<Preferences> {
        unused("preferences")
    }
    fn set_preferences(&self, _: i64, _: &Preferences, _: NewAudit) -> CoreResult<Preferences> {
        unused("set_preferences")
    }
}

impl CredentialStore for FakeAccounts {
    fn insert_api_key(&self, row: &NewApiKeyRow, audit: NewAudit) -> CoreResult<ApiKey> {
        let mut all = self.keys.lock().unwrap();
        let key: ApiKey = serde_json::from_value(serde_json::json!({
            "id": all.len() as i64 + 1, "user_id": row.user_id, "name": row.name,
            "prefix": row.prefix, "scopes": row.scopes, "created_at": "2026-12-07T12:00:00Z",
            "expires_at": null,
            "last_used_at": null, "revoked_at": null, "session_id": null,
        }))
        .map(|mut k: ApiKey| {
            k.expires_at = row.expires_at;
            k
        })
        .unwrap_or_else(|e| panic!("a key from JSON: {e}"));
        all.push((key.clone(), row.digest.clone()));
        self.audited(&audit);
        Ok(key)
    }
    fn api_key_by_digest(
        &self,
        _: &[u8],
    ) -> CoreResult<Option<(ApiKey, UserRecord, Option<KeySession>)>> {
        unused("api_key_by_digest")
    }
    fn touch_api_key(&self, _: i64, _: Timestamp) -> CoreResult<()> {
        unused("touch_api_key")
    }
    fn api_key(&self, id: i64) -> CoreResult<Option<ApiKey>> {
        let all = self.keys.lock().unwrap();
        Ok(all.iter().find(|(k, _)| k.id == id).map(|(k, _)| k.clone()))
    }
    fn list_api_keys(&self, owner: Option<i64>, page: PageQuery) -> CoreResult<Vec<ApiKey>> {
        let all = self.keys.lock().unwrap();
        Ok(all
            .iter()
            .rev()
            .filter(|(k, _)| owner.is_none_or(|o| k.user_id == o))
            .take(page.limit as usize)
            .map(|(k, _)| k.clone())
            .collect())
    }
    fn revoke_api_key(&self, id: i64, at: Timestamp, audit: NewAudit) -> CoreResult<()> {
        let mut all = self.keys.lock().unwrap();
        let (k, _) = all
            .iter_mut()
            .find(|(k, _)| k.id == id)
            .ok_or_else(|| CoreError::not_found(format!("API key {id}")))?;
        k.revoked_at = Some(at);
        self.audited(&audit);
        Ok(())
    }
    fn insert_web_session(
        &self,
        _: i64,
        _: &[u8],
        _: &str,
        _: Timestamp,
        _: NewAudit,
    ) -> CoreResult<i64> {
        unused("insert_web_session")
    }
    fn web_session_by_digest(
        &self,
        _: &[u8],
    ) -> CoreResult<Option<(WebSessionRecord, UserRecord)>> {
        unused("web_session_by_digest")
    }
    fn delete_web_session(&self, _: i64, _: NewAudit) -> CoreResult<()> {
        unused("delete_web_session")
    }
}
