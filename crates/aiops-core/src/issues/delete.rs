//! Deleting an issue (chat `delete`, `DELETE /api/v1/issues/{id}`, `aiops issues delete`).
//!
//! Only an issue aiops holds the original of can go: a native issue, or a tracker issue
//! already deleted or moved at its tracker (kept read-only since). A live tracker issue
//! is deleted at the tracker, and its copy follows at the next sync. Only admins of the
//! issue's tenant (and server admins) delete, and not while a session works on it.

use serde_json::json;

use crate::ports::{IssueStore, NewAudit, ProjectStore, TenantStore, Viewer};
use crate::{CoreError, CoreResult, Principal, tenants};
use aiops_types::Provider;

/// Deletes issue `id` as `caller`.
///
/// Errors: `NotFound` for an issue the caller does not see; `Forbidden` for a caller who
/// does not administer its tenant; `Invalid` for a tracker issue still at its tracker;
/// `Conflict` while a session works on it.
pub fn delete(
    store: &(impl TenantStore + ProjectStore + IssueStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<()> {
    let issue = super::get(store, caller, id)?;
    let project = store
        .project(Viewer::All, issue.project_id)?
        .ok_or_else(|| CoreError::not_found(format!("issue {id}")))?;
    tenants::require_admin_of(
        store,
        caller,
        project.tenant_id,
        &project.tenant_slug,
        "delete issues",
    )?;
    if issue.provider != Provider::Native && !issue.removed_upstream {
        return Err(CoreError::invalid(
            "id",
            format!(
                "issue {id} lives at {}: delete it there (aiops keeps no copy of a deleted issue)",
                issue.provider.as_str()
            ),
        ));
    }
    if let Some(s) = &issue.live_session {
        return Err(CoreError::Conflict(format!(
            "session {} works on issue {id}: kill it first (aiops sessions kill {})",
            s.id, s.id
        )));
    }
    let audit = NewAudit::by(caller, "issue.delete")
        .target("issue", id)
        .detail(json!({
            "project_id": issue.project_id,
            "external_id": issue.external_id,
            "title": issue.title,
        }));
    store.delete_issue(id, audit)
}
