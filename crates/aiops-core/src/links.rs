//! Project links to tracker projects, and each user's personal token and identity per
//! integration.

use aiops_types::{
    CreateProjectLink, PersonalCredential, ProjectLink, Provider, SetPersonalCredential,
};
use serde_json::json;

use crate::integrations::{self, TokenChange, link_token_context, personal_token_context};
use crate::ports::{IntegrationStore, NewAudit, ProjectStore, TenantStore};
use crate::sealed::SecretKey;
use crate::{CoreError, CoreResult, Principal, projects};

fn segment_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The external identifier of a link, per provider: `owner/repo` (GitHub); a project path
/// `group[/subgroup…]/project` or numeric id (GitLab); a project key `PROJ` or
/// `jql:<filter>` (Jira).
pub fn external(provider: Provider, value: &str) -> CoreResult<String> {
    let v = value.trim();
    let ok = match provider {
        Provider::Github => {
            let parts: Vec<&str> = v.split('/').collect();
            parts.len() == 2 && parts.iter().all(|p| segment_ok(p))
        }
        Provider::Gitlab => {
            v.chars().all(|c| c.is_ascii_digit()) && !v.is_empty()
                || (v.split('/').count() >= 2 && v.split('/').all(segment_ok))
        }
        Provider::Jira => match v.strip_prefix("jql:") {
            Some(jql) => {
                !jql.trim().is_empty() && jql.len() <= 2000 && !jql.chars().any(char::is_control)
            }
            None => {
                let mut cs = v.chars();
                cs.next().is_some_and(|c| c.is_ascii_uppercase())
                    && v.len() <= 32
                    && cs.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            }
        },
        Provider::Native => false,
    };
    if !ok {
        let expected = match provider {
            Provider::Github => "owner/repo",
            Provider::Gitlab => "group/project (path) or a numeric project id",
            Provider::Jira => "a project key such as PROJ, or jql:<filter>",
            Provider::Native => "nothing (native issues need no link)",
        };
        return Err(CoreError::invalid(
            "external",
            format!(
                "`{v}` is not a {} project: expected {expected}",
                provider.as_str()
            ),
        ));
    }
    Ok(v.to_owned())
}

/// The project's tracker links, oldest first; `NotFound` when the caller cannot see the
/// project.
pub fn list(
    store: &(impl TenantStore + ProjectStore + IntegrationStore),
    caller: &Principal,
    project_id: i64,
) -> CoreResult<Vec<ProjectLink>> {
    let project = projects::get(store, caller, project_id)?;
    Ok(store
        .list_links(Some(project.id), None)?
        .into_iter()
        .map(|l| l.link)
        .collect())
}

/// Links a project to a tracker project (admin). One link per provider per project, and
/// the integration must belong to the project's tenant.
pub fn create(
    store: &(impl TenantStore + ProjectStore + IntegrationStore),
    key: &SecretKey,
    caller: &Principal,
    project_id: i64,
    req: &CreateProjectLink,
) -> CoreResult<ProjectLink> {
    caller.require_admin("only admins link projects to trackers")?;
    let project = projects::get(store, caller, project_id)?;
    let integration = integrations::get(store, caller, req.integration).map_err(|_| {
        CoreError::invalid(
            "integration",
            format!("integration {} not found", req.integration),
        )
    })?;
    if integration.tenant_id != project.tenant_id {
        return Err(CoreError::invalid(
            "integration",
            format!(
                "integration `{}` belongs to another tenant than project `{}`",
                integration.name, project.slug
            ),
        ));
    }
    let ext = external(integration.provider, &req.external)?;
    if let Some(other) = store
        .list_links(Some(project.id), None)?
        .into_iter()
        .find(|l| l.link.provider == integration.provider)
    {
        return Err(CoreError::Conflict(format!(
            "project `{}` is already linked to {} through link {}; unlink it first",
            project.slug,
            integration.provider.as_str(),
            other.link.id
        )));
    }
    let change =
        TokenChange::from_request(req.token.as_ref().map(aiops_types::Secret::expose), false)?;
    let seal = |id| change.seal(key, &link_token_context(id));
    let audit = NewAudit::by(caller, "project.link")
        .target("project", project.id)
        .detail(json!({
            "integration_id": integration.id, "external": ext, "has_token": change.changed(),
        }));
    store.insert_link(project.id, integration.id, &ext, change.write(&seal), audit)
}

/// Removes a link and the issues synced through it (admin).
pub fn delete(
    store: &(impl TenantStore + ProjectStore + IntegrationStore),
    caller: &Principal,
    project_id: i64,
    link_id: i64,
) -> CoreResult<()> {
    caller.require_admin("only admins link projects to trackers")?;
    let project = projects::get(store, caller, project_id)?;
    match store.link(link_id)? {
        Some(l) if l.link.project_id == project.id => {}
        _ => {
            return Err(CoreError::not_found(format!(
                "link {link_id} of project {project_id}"
            )));
        }
    }
    let audit = NewAudit::by(caller, "project.unlink")
        .target("project", project.id)
        .detail(json!({ "link_id": link_id }));
    store.delete_link(link_id, audit)
}

/// The caller's personal tracker credentials (no token values), by integration id.
pub fn list_personal(
    store: &impl IntegrationStore,
    caller: &Principal,
) -> CoreResult<Vec<PersonalCredential>> {
    store.personal_credentials(caller.user_id)
}

fn login(value: &str) -> CoreResult<Option<String>> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() > 128 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CoreError::invalid(
            "login",
            "login must be one word of at most 128 characters",
        ));
    }
    Ok(Some(v.to_owned()))
}

/// Stores the caller's own token and/or identity for an integration they can see.
pub fn set_personal(
    store: &impl IntegrationStore,
    key: &SecretKey,
    caller: &Principal,
    integration_id: i64,
    req: &SetPersonalCredential,
) -> CoreResult<PersonalCredential> {
    let integration = integrations::get(store, caller, integration_id)?;
    if req.token.is_none() && req.login.is_none() && req.email.is_none() {
        return Err(CoreError::invalid(
            "token",
            "give a token, a login or an email",
        ));
    }
    let change =
        TokenChange::from_request(req.token.as_ref().map(aiops_types::Secret::expose), true)?;
    let uid = caller.user_id;
    // The row is (user, integration): its id is known before the write.
    let seal = |_| change.seal(key, &personal_token_context(uid, integration_id));
    let login = req.login.as_deref().map(login).transpose()?;
    let email = match req.email.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(e) => Some(Some(crate::validate::email(e)?)),
    };
    let audit = NewAudit::by(caller, "credential.set")
        .target("integration", integration.id)
        .detail(json!({ "token_changed": change.changed(), "login": login }));
    store.put_personal_credential(
        uid,
        integration.id,
        change.write(&seal),
        login.as_ref().map(|l| l.as_deref()),
        email.as_ref().map(|e| e.as_deref()),
        audit,
    )
}

/// Deletes the caller's personal token and identity for the integration; `NotFound` when
/// the caller cannot see the integration or stored nothing for it.
pub fn delete_personal(
    store: &impl IntegrationStore,
    caller: &Principal,
    integration_id: i64,
) -> CoreResult<()> {
    let integration = integrations::get(store, caller, integration_id)?;
    let audit = NewAudit::by(caller, "credential.delete").target("integration", integration.id);
    store.delete_personal_credential(caller.user_id, integration.id, audit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn externals_follow_each_provider() {
        assert!(external(Provider::Github, "rust-lang/rust").is_ok());
        assert!(external(Provider::Github, "rust-lang/rust/x").is_err());
        assert!(external(Provider::Github, "../x").is_err());
        assert!(external(Provider::Gitlab, "group/sub/project").is_ok());
        assert!(external(Provider::Gitlab, "12345").is_ok());
        assert!(external(Provider::Gitlab, "project").is_err());
        assert!(external(Provider::Jira, "PROJ").is_ok());
        assert!(external(Provider::Jira, "jql:project = X AND labels = a").is_ok());
        assert!(external(Provider::Jira, "proj").is_err());
    }
}
