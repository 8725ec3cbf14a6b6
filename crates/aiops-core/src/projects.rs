//! Projects: one repository inside a tenant. Tenant members create and change them;
//! project members (without tenant membership) see and change that one project. What
//! decides what runs and what is read on the server — the repository URL, the setup
//! files and command — and deleting a project are for the tenant's admins (and the
//! server's); the setup command stays with the server's admins alone, since it runs on
//! the server for every user's worktree.

use aiops_types::{
    CreateProject, Member, Page, Project, ProjectListParams, ProjectRef, ProjectWorkspace,
    UpdateProject,
};
use serde_json::json;

use crate::page::PageQuery;
use crate::ports::{NewAudit, ProjectFilter, ProjectRow, ProjectStore, TenantRef, TenantStore};
use crate::repo_host::RepoHosts;
use crate::{CoreError, CoreResult, Principal, tenants, validate};

const DEFAULT_BRANCH: &str = "main";

/// Projects the caller sees, in id order, filtered by tenant (id or slug) and slug; a
/// session key sees its own project only.
pub fn list(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    params: &ProjectListParams,
    page: PageQuery,
) -> CoreResult<Page<Project>> {
    let tenant_id = match params.tenant.as_deref() {
        Some(t) => Some(tenants::get(store, caller, t)?.id),
        None => None,
    };
    let filter = ProjectFilter {
        tenant_id,
        slug: params.slug.clone(),
    };
    let rows = store.list_projects(caller.viewer(), &filter, page)?;
    // A session key sees its own project only (so `aiops git commit demo` resolves).
    let own = |p: &Project| caller.session.is_none_or(|g| g.project_id == p.id);
    Ok(page.finish_where(rows, |p| p.id, own))
}

/// The project; `NotFound` when the caller cannot see it, `Forbidden` for a session key
/// of another project.
pub fn get(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<Project> {
    caller.confine_project(id)?;
    store
        .project(caller.viewer(), id)?
        .ok_or_else(|| CoreError::not_found(format!("project {id}")))
}

/// The project the caller names as `12`, `demo` or `acme/demo`, among those they see
/// ([`ProjectRef::parse`], then [`resolve`]). `Invalid` for text that names no project.
pub fn find(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    text: &str,
) -> CoreResult<Project> {
    let named = ProjectRef::parse(text).map_err(|m| CoreError::invalid("project", m))?;
    resolve(store, caller, &named)
}

/// The project `named` among those the caller sees. `NotFound` when none; `Invalid` when
/// a bare slug is in several of the caller's tenants, the message listing each
/// `tenant/slug` form.
pub fn resolve(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    named: &ProjectRef,
) -> CoreResult<Project> {
    let (tenant, slug) = match named {
        ProjectRef::Id(id) => return get(store, caller, *id),
        ProjectRef::Slug { tenant, slug } => (tenant.as_deref(), slug),
    };
    let tenant_id = match tenant {
        Some(t) => Some(
            store
                .tenant(caller.viewer(), &TenantRef::parse(t))?
                .ok_or_else(|| CoreError::not_found(format!("project `{named}`")))?
                .id,
        ),
        None => None,
    };
    let filter = ProjectFilter {
        tenant_id,
        slug: Some(slug.clone()),
    };
    // Two rows are enough to know it is ambiguous; a few more name the choices.
    let page = PageQuery {
        after: None,
        limit: 20,
    };
    let mut found = store.list_projects(caller.viewer(), &filter, page)?;
    match found.len() {
        0 => Err(CoreError::not_found(format!("project `{named}`"))),
        1 => Ok(found.remove(0)),
        _ => Err(CoreError::invalid("project", ambiguous(slug, &found))),
    }
}

/// `several projects have the slug `demo`: name one as acme/demo or beta/demo`.
fn ambiguous(slug: &str, found: &[Project]) -> String {
    let forms: Vec<String> = found
        .iter()
        .map(|p| format!("{}/{}", p.tenant_slug, p.slug))
        .collect();
    format!(
        "several projects have the slug `{slug}`: name one as {}",
        forms.join(" or ")
    )
}

/// Creates a project in a tenant the caller belongs to (admins: any tenant). An unknown
/// or invisible tenant is `NotFound`; a non-admin's `repo_url` on an internal address is
/// `Invalid` ([`RepoHosts::check`]) — nothing is written.
pub fn create(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    req: &CreateProject,
    hosts: &RepoHosts<'_>,
) -> CoreResult<Project> {
    let name = validate::name("name", &req.name)?;
    let tenant = store
        .tenant(caller.viewer(), &TenantRef::parse(req.tenant.trim()))?
        .ok_or_else(|| {
            CoreError::invalid("tenant", format!("tenant `{}` not found", req.tenant))
        })?;
    let row = ProjectRow {
        tenant_id: tenant.id,
        slug: match req.slug.as_deref() {
            Some(s) => validate::slug(s)?,
            None => validate::slugify(&name),
        },
        repo_url: validate::repo_url(&req.repo_url, caller.is_admin())?,
        default_branch: validate::branch(req.default_branch.as_deref().unwrap_or(DEFAULT_BRANCH))?,
        description: validate::description(req.description.as_deref())?,
        workspace: Default::default(),
        merge_method: Default::default(),
        name,
    };
    hosts.check(caller, &row.repo_url)?;
    let audit = NewAudit::by(caller, "project.create")
        .detail(json!({ "tenant": tenant.slug, "slug": row.slug, "repo_url": row.repo_url }));
    store.insert_project(&row, audit)
}

/// Changes a project; see the module docs for who may change what. A changed
/// `repo_url` is judged like a new one ([`RepoHosts::check`]).
pub fn update(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    id: i64,
    req: &UpdateProject,
    hosts: &RepoHosts<'_>,
) -> CoreResult<Project> {
    let current = get(store, caller, id)?;
    if req.setup_command.is_some() {
        // It runs on the server for every user's new worktree.
        caller.require_admin("only admins set a project's setup command")?;
    }
    let admin_of_tenant = |what: &str| {
        tenants::require_admin_of(store, caller, current.tenant_id, &current.tenant_slug, what)
    };
    // Judged on what would change, so a form that sends every field back unchanged
    // still works for a plain member.
    let repo_url = match req.repo_url.as_deref() {
        Some(u) => validate::repo_url(u, caller.is_admin())?,
        None => current.repo_url.clone(),
    };
    if repo_url != current.repo_url {
        admin_of_tenant("change a project's repository URL")?;
        hosts.check(caller, &repo_url)?;
    }
    let setup_files = match &req.setup_files {
        Some(f) => validate::setup_files(f)?,
        None => current.workspace.setup_files.clone(),
    };
    if setup_files != current.workspace.setup_files {
        admin_of_tenant("change a project's setup files")?;
    }
    let session_host = match req.session_host.as_deref().map(str::trim) {
        None => current.workspace.session_host.clone(),
        Some("") => None,
        Some(pin) => Some(crate::hosts::pin(pin)?),
    };
    let fallback_changed = req
        .host_fallback
        .is_some_and(|f| f != current.workspace.host_fallback);
    if session_host != current.workspace.session_host || fallback_changed {
        admin_of_tenant("choose where a project's sessions run")?;
    }
    let row = ProjectRow {
        tenant_id: current.tenant_id,
        name: match req.name.as_deref() {
            Some(n) => validate::name("name", n)?,
            None => current.name,
        },
        slug: match req.slug.as_deref() {
            Some(s) => validate::slug(s)?,
            None => current.slug,
        },
        repo_url,
        default_branch: match req.default_branch.as_deref() {
            Some(b) => validate::branch(b)?,
            None => current.default_branch,
        },
        description: match req.description.as_deref() {
            Some(d) => validate::description(Some(d))?,
            None => current.description,
        },
        workspace: ProjectWorkspace {
            isolation: req.isolation.unwrap_or(current.workspace.isolation),
            setup_files,
            setup_command: match &req.setup_command {
                Some(c) => validate::setup_command(c)?,
                None => current.workspace.setup_command,
            },
            session_host,
            host_fallback: req.host_fallback.unwrap_or(current.workspace.host_fallback),
        },
        merge_method: req.merge_method.unwrap_or(current.merge_method),
    };
    let audit = NewAudit::by(caller, "project.update").target("project", id);
    store.update_project(id, &row, audit)
}

/// Deletes a project: server admins and the tenant's admins; `Forbidden` for members.
pub fn delete(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<()> {
    let current = get(store, caller, id)?;
    tenants::require_admin_of(
        store,
        caller,
        current.tenant_id,
        &current.tenant_slug,
        "delete a project",
    )?;
    let audit = NewAudit::by(caller, "project.delete")
        .target("project", id)
        .detail(json!({ "tenant": current.tenant_slug, "slug": current.slug }));
    store.delete_project(id, audit)
}

/// Members of the project in user id order; `NotFound` when the caller cannot see it.
pub fn members(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    id: i64,
    page: PageQuery,
) -> CoreResult<Page<Member>> {
    let p = get(store, caller, id)?;
    Ok(page.finish(store.list_project_members(p.id, page)?, |m| m.user_id))
}

/// Adds a user to the project (idempotent). Server admins only (`Forbidden`);
/// `NotFound` for an unknown project or user.
pub fn add_member(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    id: i64,
    user_id: i64,
) -> CoreResult<Member> {
    caller.require_admin("only admins manage project members")?;
    let p = get(store, caller, id)?;
    let audit = NewAudit::by(caller, "project.member_add")
        .target("project", p.id)
        .detail(json!({ "user_id": user_id }));
    store.put_project_member(p.id, user_id, audit)
}

/// Removes a user from the project. Server admins only (`Forbidden`); `NotFound` when
/// they were not a member.
pub fn remove_member(
    store: &(impl TenantStore + ProjectStore),
    caller: &Principal,
    id: i64,
    user_id: i64,
) -> CoreResult<()> {
    caller.require_admin("only admins manage project members")?;
    let p = get(store, caller, id)?;
    let audit = NewAudit::by(caller, "project.member_remove")
        .target("project", p.id)
        .detail(json!({ "user_id": user_id }));
    store.delete_project_member(p.id, user_id, audit)
}

#[cfg(test)]
#[path = "projects_tests.rs"]
mod tests;
