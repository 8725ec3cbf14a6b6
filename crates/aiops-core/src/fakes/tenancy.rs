//! Tenants and projects in memory ([`FakeTenancy`]), with the store's visibility: an
//! admin sees everything, a user the tenants they are a member of and the projects of
//! those tenants or of which they are a member.

use std::sync::Mutex;

use aiops_types::{Member, Project, Tenant, TenantRole};

use super::unused;
use crate::page::PageQuery;
use crate::ports::{
    NewAudit, ProjectFilter, ProjectRow, ProjectStore, TenantRef, TenantRow, TenantStore, Viewer,
};
use crate::{CoreError, CoreResult};

/// Tenants, projects, memberships and the audit actions written.
#[derive(Default)]
pub(crate) struct FakeTenancy {
    pub tenants: Vec<Tenant>,
    pub projects: Mutex<Vec<Project>>,
    /// (tenant id, user id, role).
    pub tenant_members: Vec<(i64, i64, TenantRole)>,
    /// (project id, user id).
    pub project_members: Vec<(i64, i64)>,
    pub audit: Mutex<Vec<String>>,
}

/// Tenant `id` with `slug`.
pub(crate) fn tenant(id: i64, slug: &str) -> Tenant {
    serde_json::from_value(serde_json::json!({
        "id": id, "slug": slug, "name": slug, "color": "#336699", "description": "",
        "created_at": "2026-12-07T12:00:00Z", "updated_at": "2026-12-07T12:00:00Z",
    }))
    .unwrap_or_else(|e| panic!("a tenant from JSON: {e}"))
}

/// Project `id` with `slug` in tenant `(tenant_id, tenant_slug)`.
pub(crate) fn project(id: i64, tenant: (i64, &str), slug: &str) -> Project {
    serde_json::from_value(serde_json::json!({
        "id": id, "tenant_id": tenant.0, "tenant_slug": tenant.1, "slug": slug, "name": slug,
        "repo_url": format!("https://git.example.com/{}/{slug}.git", tenant.1),
        "default_branch": "main", "description": "",
        "workspace": {"isolation": "worktree", "setup_files": [], "setup_command": []},
        "created_at": "2026-12-07T12:00:00Z", "updated_at": "2026-12-07T12:00:00Z",
    }))
    .unwrap_or_else(|e| panic!("a project from JSON: {e}"))
}

impl FakeTenancy {
    fn in_tenant(&self, tenant_id: i64, user: i64) -> bool {
        self.tenant_members
            .iter()
            .any(|(t, u, _)| *t == tenant_id && *u == user)
    }

    fn sees_project(&self, viewer: Viewer, p: &Project) -> bool {
        match viewer {
            Viewer::All => true,
            Viewer::Member(u) => {
                self.in_tenant(p.tenant_id, u) || self.project_members.contains(&(p.id, u))
            }
        }
    }
}

impl TenantStore for FakeTenancy {
    fn list_tenants(&self, _: Viewer, _: PageQuery) -> CoreResult<Vec<Tenant>> {
        unused("list_tenants")
    }
    fn tenant(&self, viewer: Viewer, r: &TenantRef) -> CoreResult<Option<Tenant>> {
        Ok(self
            .tenants
            .iter()
            .find(|t| match r {
                TenantRef::Id(id) => t.id == *id,
                TenantRef::Slug(s) => &t.slug == s,
            })
            .filter(|t| match viewer {
                Viewer::All => true,
                Viewer::Member(u) => self.in_tenant(t.id, u),
            })
            .cloned())
    }
    fn insert_tenant(&self, _: &TenantRow, _: i64, _: NewAudit) -> CoreResult<Tenant> {
        unused("insert_tenant")
    }
    fn update_tenant(&self, _: i64, _: &TenantRow, _: NewAudit) -> CoreResult<Tenant> {
        unused("update_tenant")
    }
    fn delete_tenant(&self, _: i64, _: NewAudit) -> CoreResult<()> {
        unused("delete_tenant")
    }
    fn list_tenant_members(&self, _: i64, _: PageQuery) -> CoreResult<Vec<Member>> {
        unused("list_tenant_members")
    }
    fn put_tenant_member(
        &self,
        _: i64,
        _: i64,
        _: Option<TenantRole>,
        _: NewAudit,
    ) -> CoreResult<Member> {
        unused("put_tenant_member")
    }
    fn tenant_role(&self, tenant_id: i64, user_id: i64) -> CoreResult<Option<TenantRole>> {
        Ok(self
            .tenant_members
            .iter()
            .find(|(t, u, _)| *t == tenant_id && *u == user_id)
            .map(|(_, _, r)| *r))
    }
    fn delete_tenant_member(&self, _: i64, _: i64, _: NewAudit) -> CoreResult<()> {
        unused("delete_tenant_member")
    }
}

impl ProjectStore for FakeTenancy {
    fn list_projects(
        &self,
        viewer: Viewer,
        f: &ProjectFilter,
        page: PageQuery,
    ) -> CoreResult<Vec<Project>> {
        let all = self.projects.lock().unwrap();
        Ok(all
            .iter()
            .filter(|p| self.sees_project(viewer, p))
            .filter(|p| f.tenant_id.is_none_or(|t| p.tenant_id == t))
            .filter(|p| f.slug.as_ref().is_none_or(|s| &p.slug == s))
            .take(page.limit as usize)
            .cloned()
            .collect())
    }
    fn project(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Project>> {
        let all = self.projects.lock().unwrap();
        Ok(all
            .iter()
            .find(|p| p.id == id && self.sees_project(viewer, p))
            .cloned())
    }
    fn insert_project(&self, _: &ProjectRow, _: NewAudit) -> CoreResult<Project> {
        unused("insert_project")
    }
    fn update_project(&self, id: i64, row: &ProjectRow, audit: NewAudit) -> CoreResult<Project> {
        let mut all = self.projects.lock().unwrap();
        let p = all
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| CoreError::not_found(format!("project {id}")))?;
        p.name.clone_from(&row.name);
        p.slug.clone_from(&row.slug);
        p.repo_url.clone_from(&row.repo_url);
        p.default_branch.clone_from(&row.default_branch);
        p.description.clone_from(&row.description);
        p.workspace = row.workspace.clone();
        p.merge_method = row.merge_method;
        self.audit.lock().unwrap().push(audit.action);
        Ok(p.clone())
    }
    fn delete_project(&self, id: i64, audit: NewAudit) -> CoreResult<()> {
        self.projects.lock().unwrap().retain(|p| p.id != id);
        self.audit.lock().unwrap().push(audit.action);
        Ok(())
    }
    fn list_project_members(&self, _: i64, _: PageQuery) -> CoreResult<Vec<Member>> {
        unused("list_project_members")
    }
    fn put_project_member(&self, _: i64, _: i64, _: NewAudit) -> CoreResult<Member> {
        unused("put_project_member")
    }
    fn delete_project_member(&self, _: i64, _: i64, _: NewAudit) -> CoreResult<()> {
        unused("delete_project_member")
    }
}
