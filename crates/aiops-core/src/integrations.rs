//! Tracker integrations of a tenant, and which token acts for whom.
//!
//! Admins create, change and delete integrations; members of the tenant see them (never
//! the token: only `has_token`). Credential precedence when aiops acts for a user: the
//! user's personal token for the integration → the project link's override → the
//! integration's token. Background sync (no user) starts at the link's override.

use aiops_types::{
    ConnectionTest, CreateIntegration, Integration, IntegrationListParams, Page, Provider,
    UpdateIntegration,
};
use serde_json::json;

use crate::page::PageQuery;
use crate::ports::{
    AuditStore, IntegrationRecord, IntegrationRow, IntegrationStore, LinkRecord, NewAudit,
    TenantStore, TokenWrite, UserStore,
};
use crate::sealed::{Sealed, SecretKey};
use crate::tracker::{
    Connection, JIRA_CLOSE_TRANSITIONS, JIRA_REOPEN_TRANSITIONS, Token, TrackerError, Trackers,
};
use crate::{CoreError, CoreResult, Principal, tenants, validate};

/// Longest token accepted, bytes.
pub const MAX_TOKEN_BYTES: usize = 4096;
/// Seconds between scheduled syncs when none is given (5 minutes).
pub const DEFAULT_SYNC_INTERVAL_SECS: u32 = 300;

/// The associated data a token is sealed with: the row it belongs to.
pub fn integration_token_context(id: i64) -> String {
    format!("integration/{id}/token")
}
/// Associated data a project link's token override is sealed with.
pub fn link_token_context(id: i64) -> String {
    format!("project_link/{id}/token")
}
/// Associated data a user's personal token for an integration is sealed with.
pub fn personal_token_context(user_id: i64, integration_id: i64) -> String {
    format!("user/{user_id}/integration/{integration_id}/token")
}

/// A token as typed or pasted: surrounding whitespace dropped; inner whitespace, control
/// characters and oversize values refused.
pub fn token(value: &str) -> CoreResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(CoreError::invalid("token", "token must not be empty"));
    }
    if v.len() > MAX_TOKEN_BYTES || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CoreError::invalid(
            "token",
            format!("token must be one word of at most {MAX_TOKEN_BYTES} bytes"),
        ));
    }
    Ok(v.to_owned())
}

/// API root of a tracker. `https://` always; `http://` only for a loopback host, so a
/// token never crosses a network in clear text.
pub fn base_url(value: &str) -> CoreResult<String> {
    let v = value.trim().trim_end_matches('/');
    let rest = if let Some(r) = v.strip_prefix("https://") {
        r
    } else if let Some(r) = v.strip_prefix("http://") {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let name = if host.starts_with('[') {
            host.split(']').next().unwrap_or("").trim_start_matches('[')
        } else {
            host.split(':').next().unwrap_or("")
        };
        if !matches!(name, "localhost" | "127.0.0.1" | "::1") {
            return Err(CoreError::invalid(
                "base_url",
                "base URL must use https:// (http:// only for localhost)",
            ));
        }
        r
    } else {
        return Err(CoreError::invalid(
            "base_url",
            "base URL must start with https://",
        ));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty()
        || rest.contains(['?', '#', ' '])
        || rest.chars().any(char::is_control)
        || host.contains('@')
    {
        return Err(CoreError::invalid(
            "base_url",
            "base URL must be a plain https://host[/path] without credentials, query or fragment",
        ));
    }
    Ok(v.to_owned())
}

fn default_base_url(provider: Provider) -> CoreResult<&'static str> {
    match provider {
        Provider::Github => Ok("https://api.github.com"),
        Provider::Gitlab => Ok("https://gitlab.com"),
        Provider::Jira => Err(CoreError::invalid(
            "base_url",
            "Jira needs --base-url (https://<site>.atlassian.net)",
        )),
        Provider::Native => Err(CoreError::invalid(
            "provider",
            "native issues need no integration",
        )),
    }
}

fn transitions(field: &'static str, values: &[String]) -> CoreResult<Vec<String>> {
    let out: Vec<String> = values
        .iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if out.len() > 20 || out.iter().any(|v| v.chars().count() > 100) {
        return Err(CoreError::invalid(
            field,
            "at most 20 transition names of at most 100 characters",
        ));
    }
    Ok(out)
}

fn interval(value: u32) -> CoreResult<u32> {
    if value != 0 && !(60..=86_400).contains(&value) {
        return Err(CoreError::invalid(
            "sync_interval_secs",
            "sync interval must be 0 (off) or 60..=86400 seconds",
        ));
    }
    Ok(value)
}

fn email_for(provider: Provider, email: Option<&str>) -> CoreResult<Option<String>> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    match (provider, email) {
        (Provider::Jira, None) => Err(CoreError::invalid(
            "email",
            "Jira needs the account email the API token belongs to",
        )),
        (_, Some(e)) => Ok(Some(validate::email(e)?)),
        (_, None) => Ok(None),
    }
}

/// A token field of a request, validated: absent keeps the stored token, an empty string
/// clears it (where clearing is allowed), anything else is a new token.
pub(crate) enum TokenChange {
    Keep,
    Clear,
    Set(String),
}

impl TokenChange {
    /// `clearable`: an empty value clears; otherwise an empty value is invalid input.
    pub(crate) fn from_request(value: Option<&str>, clearable: bool) -> CoreResult<Self> {
        match value {
            None => Ok(Self::Keep),
            Some(t) if clearable && t.trim().is_empty() => Ok(Self::Clear),
            Some(t) => Ok(Self::Set(token(t)?)),
        }
    }

    pub(crate) fn changed(&self) -> bool {
        !matches!(self, Self::Keep)
    }

    /// Seals a new token for the row the store names (`context` is its associated data).
    pub(crate) fn seal(&self, key: &SecretKey, context: &str) -> CoreResult<Sealed> {
        match self {
            Self::Set(t) => key.seal(t.as_bytes(), context),
            _ => Err(CoreError::Internal("no token to seal".into())),
        }
    }

    /// The instruction for the store; `seal` runs only for [`TokenChange::Set`].
    pub(crate) fn write<'a>(&self, seal: crate::ports::Sealer<'a>) -> TokenWrite<'a> {
        match self {
            Self::Keep => TokenWrite::Keep,
            Self::Clear => TokenWrite::Clear,
            Self::Set(_) => TokenWrite::Seal(seal),
        }
    }
}

/// Integrations of the tenants the caller sees, oldest first; only of the tenant
/// `params.tenant` (id or slug) when given.
pub fn list(
    store: &(impl TenantStore + IntegrationStore),
    caller: &Principal,
    params: &IntegrationListParams,
    page: PageQuery,
) -> CoreResult<Page<Integration>> {
    let tenant_id = match params.tenant.as_deref() {
        Some(t) => Some(tenants::get(store, caller, t)?.id),
        None => None,
    };
    let rows = store.list_integrations(caller.viewer(), tenant_id, page)?;
    Ok(page.finish(rows, |i| i.id))
}

/// The integration with its sealed token; `NotFound` when the caller cannot see it.
pub fn record(
    store: &impl IntegrationStore,
    caller: &Principal,
    id: i64,
) -> CoreResult<IntegrationRecord> {
    store
        .integration(caller.viewer(), id)?
        .ok_or_else(|| CoreError::not_found(format!("integration {id}")))
}

/// The integration as the API shows it; `NotFound` when the caller cannot see it.
pub fn get(store: &impl IntegrationStore, caller: &Principal, id: i64) -> CoreResult<Integration> {
    Ok(record(store, caller, id)?.integration)
}

/// Creates an integration in `req.tenant`: GitHub and GitLab default to their public
/// API roots, Jira needs a base URL and the account email; the sync interval is 0 (off)
/// or 60..=86400 seconds (default 300). Server admins only (`Forbidden`); `Invalid` for
/// an unknown tenant, a native provider or a bad field; `Conflict` for a name taken.
pub fn create(
    store: &(impl TenantStore + IntegrationStore),
    key: &SecretKey,
    caller: &Principal,
    req: &CreateIntegration,
) -> CoreResult<Integration> {
    caller.require_admin("only admins manage integrations")?;
    let tenant = tenants::get(store, caller, &req.tenant)
        .map_err(|_| CoreError::invalid("tenant", format!("tenant `{}` not found", req.tenant)))?;
    let provider = req.provider;
    if provider == Provider::Native {
        return Err(CoreError::invalid(
            "provider",
            "native issues need no integration: provider is github, gitlab or jira",
        ));
    }
    let base = match req.base_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(u) => base_url(u)?,
        None => default_base_url(provider)?.to_owned(),
    };
    let row = IntegrationRow {
        tenant_id: tenant.id,
        provider,
        name: validate::name("name", &req.name)?,
        base_url: base,
        email: email_for(provider, req.email.as_deref())?,
        jira_close_transitions: transitions(
            "jira_close_transitions",
            req.jira_close_transitions.as_deref().unwrap_or_default(),
        )?,
        jira_reopen_transitions: transitions(
            "jira_reopen_transitions",
            req.jira_reopen_transitions.as_deref().unwrap_or_default(),
        )?,
        sync_interval_secs: interval(req.sync_interval_secs.unwrap_or(DEFAULT_SYNC_INTERVAL_SECS))?,
    };
    let change =
        TokenChange::from_request(req.token.as_ref().map(aiops_types::Secret::expose), false)?;
    let seal = |id| change.seal(key, &integration_token_context(id));
    let audit = NewAudit::by(caller, "integration.create").detail(json!({
        "tenant_id": tenant.id, "provider": provider.as_str(), "name": row.name,
        "base_url": row.base_url, "has_token": change.changed(),
    }));
    store.insert_integration(&row, change.write(&seal), audit)
}

/// Changes the fields `req` gives (the tenant and provider stay); an empty token clears
/// it. Server admins only (`Forbidden`); `Invalid` as for [`create`].
pub fn update(
    store: &impl IntegrationStore,
    key: &SecretKey,
    caller: &Principal,
    id: i64,
    req: &UpdateIntegration,
) -> CoreResult<Integration> {
    caller.require_admin("only admins manage integrations")?;
    let current = get(store, caller, id)?;
    let provider = current.provider;
    let row = IntegrationRow {
        tenant_id: current.tenant_id,
        provider,
        name: match req.name.as_deref() {
            Some(n) => validate::name("name", n)?,
            None => current.name,
        },
        base_url: match req.base_url.as_deref() {
            Some(u) => base_url(u)?,
            None => current.base_url,
        },
        email: match req.email.as_deref() {
            Some(e) => email_for(provider, Some(e))?,
            None => current.email,
        },
        jira_close_transitions: match req.jira_close_transitions.as_deref() {
            Some(t) => transitions("jira_close_transitions", t)?,
            None => current.jira_close_transitions,
        },
        jira_reopen_transitions: match req.jira_reopen_transitions.as_deref() {
            Some(t) => transitions("jira_reopen_transitions", t)?,
            None => current.jira_reopen_transitions,
        },
        sync_interval_secs: interval(req.sync_interval_secs.unwrap_or(current.sync_interval_secs))?,
    };
    let change =
        TokenChange::from_request(req.token.as_ref().map(aiops_types::Secret::expose), true)?;
    let seal = |id| change.seal(key, &integration_token_context(id));
    let audit = NewAudit::by(caller, "integration.update")
        .target("integration", id)
        .detail(
            json!({ "token_changed": change.changed(), "name": row.name, "base_url": row.base_url }),
        );
    store.update_integration(id, &row, change.write(&seal), audit)
}

/// Deletes the integration with its links and the issues synced through them. Server
/// admins only (`Forbidden`); `NotFound` when the caller cannot see it.
pub fn delete(store: &impl IntegrationStore, caller: &Principal, id: i64) -> CoreResult<()> {
    caller.require_admin("only admins manage integrations")?;
    get(store, caller, id)?;
    store.delete_integration(
        id,
        NewAudit::by(caller, "integration.delete").target("integration", id),
    )
}

/// The connection to the tracker with `token`; `email` (Jira Basic auth) defaults to the
/// integration's.
pub fn connection(integration: &Integration, token: Token, email: Option<String>) -> Connection {
    let or_default = |names: &[String], defaults: &[&str]| {
        if names.is_empty() {
            defaults.iter().map(|s| (*s).to_owned()).collect()
        } else {
            names.to_vec()
        }
    };
    Connection {
        provider: integration.provider,
        base_url: integration.base_url.clone(),
        token,
        email: email.or_else(|| integration.email.clone()),
        jira_close_transitions: or_default(
            &integration.jira_close_transitions,
            JIRA_CLOSE_TRANSITIONS,
        ),
        jira_reopen_transitions: or_default(
            &integration.jira_reopen_transitions,
            JIRA_REOPEN_TRANSITIONS,
        ),
    }
}

fn open_token(key: &SecretKey, sealed: &Sealed, context: &str) -> CoreResult<Token> {
    let bytes = key.open(sealed, context)?;
    String::from_utf8(bytes)
        .map(Token::new)
        .map_err(|_| CoreError::Internal("a stored token is not UTF-8".into()))
}

/// Which credential acts, as a ready connection: the user's personal token → the link's
/// override → the integration's. A personal Jira token authenticates with the user's own
/// Atlassian email (the one stored with it, else their aiops email). `Conflict` naming
/// the integration when no token is stored.
pub fn acting_connection(
    store: &(impl UserStore + IntegrationStore),
    key: &SecretKey,
    user_id: Option<i64>,
    integration: &IntegrationRecord,
    link: Option<&LinkRecord>,
) -> CoreResult<(Connection, &'static str)> {
    let i = &integration.integration;
    if let Some(uid) = user_id
        && let Some(rec) = store.personal_record(uid, i.id)?
        && let Some(sealed) = rec.token
    {
        let token = open_token(key, &sealed, &personal_token_context(uid, i.id))?;
        let email = match rec.email {
            Some(e) => Some(e),
            None => store.user_by_id(uid)?.map(|u| u.user.email),
        };
        return Ok((connection(i, token, email), "personal"));
    }
    if let Some(link) = link
        && let Some(sealed) = &link.token
    {
        let token = open_token(key, sealed, &link_token_context(link.link.id))?;
        return Ok((connection(i, token, None), "project_link"));
    }
    if let Some(sealed) = &integration.token {
        let token = open_token(key, sealed, &integration_token_context(i.id))?;
        return Ok((connection(i, token, None), "integration"));
    }
    Err(CoreError::Conflict(format!(
        "integration `{}` has no token: set one with `aiops integrations update {} --token-stdin` or a personal one with `aiops credentials set {} --token-stdin`",
        i.name, i.id, i.id
    )))
}

/// Turns a tracker failure into a domain error that names the integration. A refused
/// credential also marks the integration unhealthy (when its own token was used).
pub fn tracker_error(
    store: &impl IntegrationStore,
    integration: &Integration,
    credential: &str,
    err: TrackerError,
) -> CoreError {
    let name = &integration.name;
    let provider = integration.provider.as_str();
    match err {
        TrackerError::Unauthorized(m) => {
            // Only the integration's own token speaks for its health; a refused personal
            // or project-link token is that credential's problem.
            if credential == "integration" {
                let _ = store.set_integration_health(integration.id, Some(&m));
            }
            CoreError::Upstream(format!(
                "integration `{name}` ({provider}): {credential} token refused: {m}"
            ))
        }
        TrackerError::RateLimited { retry_after_secs } => {
            CoreError::RateLimited { retry_after_secs }
        }
        TrackerError::Invalid(m) => CoreError::Invalid {
            field: None,
            message: format!("integration `{name}` ({provider}) refused: {m}"),
        },
        TrackerError::NotFound(m) => {
            CoreError::Upstream(format!("integration `{name}` ({provider}): not found: {m}"))
        }
        TrackerError::Upstream(m) => {
            CoreError::Upstream(format!("integration `{name}` ({provider}): {m}"))
        }
    }
}

/// Checks a credential against the tracker: the caller's personal token when they have
/// one, else the integration's. A result, not an error: `ok: false` says why.
pub fn test_connection(
    store: &(impl UserStore + IntegrationStore + AuditStore),
    trackers: &dyn Trackers,
    key: &SecretKey,
    caller: &Principal,
    id: i64,
) -> CoreResult<ConnectionTest> {
    let rec = record(store, caller, id)?;
    let (conn, credential) = acting_connection(store, key, Some(caller.user_id), &rec, None)?;
    let result = trackers.open(&conn).and_then(|t| t.test_connection());
    let audit = NewAudit::by(caller, "integration.test").target("integration", id);
    match result {
        Ok(identity) => {
            if credential == "integration" {
                store.set_integration_health(id, None)?;
            }
            store.append_audit(audit.detail(json!({ "ok": true, "credential": credential })))?;
            Ok(ConnectionTest {
                ok: true,
                identity: Some(identity),
                error: None,
                credential: credential.to_owned(),
            })
        }
        Err(e) => {
            let message = tracker_error(store, &rec.integration, credential, e).to_string();
            store.append_audit(audit.detail(json!({ "ok": false, "credential": credential })))?;
            Ok(ConnectionTest {
                ok: false,
                identity: None,
                error: Some(message),
                credential: credential.to_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_or_loopback_http() {
        assert_eq!(
            base_url("https://gitlab.example.com/").unwrap(),
            "https://gitlab.example.com"
        );
        assert!(base_url("http://127.0.0.1:8080").is_ok());
        assert!(base_url("http://[::1]:8080").is_ok());
        assert!(base_url("http://gitlab.lan").is_err());
        assert!(base_url("http://evil@127.0.0.1").is_err());
        assert!(base_url("https://u:p@host").is_err());
        assert!(base_url("ftp://host").is_err());
        assert!(base_url("https://host/?x=1").is_err());
    }

    #[test]
    fn tokens_are_one_word() {
        assert_eq!(token("  ghp_abc\n").unwrap(), "ghp_abc");
        assert!(token("a b").is_err());
        assert!(token("").is_err());
    }
}
