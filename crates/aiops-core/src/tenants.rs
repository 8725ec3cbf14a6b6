//! Tenants: admins create, change and delete them and manage members; members see the
//! tenants they belong to. A tenant a caller may not see is "not found", not "forbidden",
//! so slugs of other teams do not leak.

use aiops_types::{CreateTenant, Member, Page, Tenant, TenantRole, UpdateTenant};
use serde_json::json;

use crate::page::PageQuery;
use crate::ports::{NewAudit, TenantRef, TenantRow, TenantStore};
use crate::{CoreError, CoreResult, Principal, validate};

/// The tenants the caller sees (all for admins), in id order.
pub fn list(
    store: &impl TenantStore,
    caller: &Principal,
    page: PageQuery,
) -> CoreResult<Page<Tenant>> {
    Ok(page.finish(store.list_tenants(caller.viewer(), page)?, |t| t.id))
}

/// A tenant by id or slug, if the caller may see it.
pub fn get(store: &impl TenantStore, caller: &Principal, tenant: &str) -> CoreResult<Tenant> {
    store
        .tenant(caller.viewer(), &TenantRef::parse(tenant))?
        .ok_or_else(|| CoreError::not_found(format!("tenant `{tenant}`")))
}

/// Creates a tenant; the slug defaults to one made from the name, the colour to one
/// picked from the slug. The creator becomes its first admin. Server admins only
/// (`Forbidden`); `Invalid` for a bad field, `Conflict` for a slug taken.
pub fn create(
    store: &impl TenantStore,
    caller: &Principal,
    req: &CreateTenant,
) -> CoreResult<Tenant> {
    caller.require_admin("only admins manage tenants")?;
    let name = validate::name("name", &req.name)?;
    let slug = match req.slug.as_deref() {
        Some(s) => validate::slug(s)?,
        None => validate::slugify(&name),
    };
    let row = TenantRow {
        color: match req.color.as_deref() {
            Some(c) => validate::color(c)?,
            None => validate::default_color(&slug),
        },
        description: validate::description(req.description.as_deref())?,
        slug,
        name,
    };
    let audit =
        NewAudit::by(caller, "tenant.create").detail(json!({ "slug": row.slug, "name": row.name }));
    store.insert_tenant(&row, caller.user_id, audit)
}

/// Changes the fields `req` gives of the tenant named by id or slug. Server admins only
/// (`Forbidden`); `NotFound`, `Invalid` or `Conflict` as for [`create`].
pub fn update(
    store: &impl TenantStore,
    caller: &Principal,
    tenant: &str,
    req: &UpdateTenant,
) -> CoreResult<Tenant> {
    caller.require_admin("only admins manage tenants")?;
    let current = get(store, caller, tenant)?;
    let row = TenantRow {
        name: match req.name.as_deref() {
            Some(n) => validate::name("name", n)?,
            None => current.name,
        },
        slug: match req.slug.as_deref() {
            Some(s) => validate::slug(s)?,
            None => current.slug,
        },
        color: match req.color.as_deref() {
            Some(c) => validate::color(c)?,
            None => current.color,
        },
        description: match req.description.as_deref() {
            Some(d) => validate::description(Some(d))?,
            None => current.description,
        },
    };
    let audit = NewAudit::by(caller, "tenant.update").target("tenant", current.id);
    store.update_tenant(current.id, &row, audit)
}

/// Deletes the tenant named by id or slug. Server admins only (`Forbidden`); `Conflict`
/// while it still has projects.
pub fn delete(store: &impl TenantStore, caller: &Principal, tenant: &str) -> CoreResult<()> {
    caller.require_admin("only admins manage tenants")?;
    let current = get(store, caller, tenant)?;
    let audit = NewAudit::by(caller, "tenant.delete")
        .target("tenant", current.id)
        .detail(json!({ "slug": current.slug }));
    store.delete_tenant(current.id, audit)
}

/// Members of the tenant (id or slug) in user id order, with their tenant roles;
/// `NotFound` when the caller cannot see it.
pub fn members(
    store: &impl TenantStore,
    caller: &Principal,
    tenant: &str,
    page: PageQuery,
) -> CoreResult<Page<Member>> {
    let t = get(store, caller, tenant)?;
    Ok(page.finish(store.list_tenant_members(t.id, page)?, |m| m.user_id))
}

/// Adds a member or changes a member's role (`None`: `member` for a new one, unchanged
/// for an existing one). Admins only.
pub fn add_member(
    store: &impl TenantStore,
    caller: &Principal,
    tenant: &str,
    user_id: i64,
    role: Option<TenantRole>,
) -> CoreResult<Member> {
    caller.require_admin("only admins manage tenants")?;
    let t = get(store, caller, tenant)?;
    let audit = NewAudit::by(caller, "tenant.member_add")
        .target("tenant", t.id)
        .detail(json!({ "user_id": user_id, "role": role.map(TenantRole::as_str) }));
    store.put_tenant_member(t.id, user_id, role, audit)
}

/// `Ok` when the caller may change the sensitive settings of `tenant`'s projects
/// (repository, setup files, deletion): a server admin, or an admin of that tenant.
/// Otherwise `Forbidden` naming `what` and who may do it.
pub fn require_admin_of(
    store: &impl TenantStore,
    caller: &Principal,
    tenant_id: i64,
    tenant_slug: &str,
    what: &str,
) -> CoreResult<()> {
    if caller.is_admin() || store.tenant_role(tenant_id, caller.user_id)? == Some(TenantRole::Admin)
    {
        return Ok(());
    }
    Err(CoreError::Forbidden(format!(
        "only admins of tenant `{tenant_slug}` may {what}"
    )))
}

/// The tenant named in a request body (`tenant`: id or slug) for something its admins
/// manage: `Invalid` on the `tenant` field when the caller sees no such tenant, then
/// [`require_admin_of`] with `what`.
pub fn administered(
    store: &impl TenantStore,
    caller: &Principal,
    tenant: &str,
    what: &str,
) -> CoreResult<Tenant> {
    let t = get(store, caller, tenant)
        .map_err(|_| CoreError::invalid("tenant", format!("tenant `{tenant}` not found")))?;
    require_admin_of(store, caller, t.id, &t.slug, what)?;
    Ok(t)
}

/// Removes `user_id` from `tenant`; the tenant's id, so open streams of the removed
/// member can be ended.
pub fn remove_member(
    store: &impl TenantStore,
    caller: &Principal,
    tenant: &str,
    user_id: i64,
) -> CoreResult<i64> {
    caller.require_admin("only admins manage tenants")?;
    let t = get(store, caller, tenant)?;
    let audit = NewAudit::by(caller, "tenant.member_remove")
        .target("tenant", t.id)
        .detail(json!({ "user_id": user_id }));
    store.delete_tenant_member(t.id, user_id, audit)?;
    Ok(t.id)
}

#[cfg(test)]
#[path = "tenants_tests.rs"]
mod tests;
