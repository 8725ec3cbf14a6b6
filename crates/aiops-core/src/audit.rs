//! The audit log: admins read it with filters; every write elsewhere appends to it.

use aiops_types::{AuditEntry, AuditListParams, Page};
use time::format_description::well_known::Rfc3339;

use crate::page::PageQuery;
use crate::ports::{AuditFilter, AuditStore};
use crate::{CoreError, CoreResult, Principal};

fn instant(field: &'static str, v: Option<&str>) -> CoreResult<Option<aiops_types::Timestamp>> {
    v.map(|s| {
        time::OffsetDateTime::parse(s, &Rfc3339).map_err(|_| {
            CoreError::invalid(
                field,
                format!("{field} must be an RFC 3339 time like 2026-01-31T12:00:00Z"),
            )
        })
    })
    .transpose()
}

/// Newest first, filtered by actor, action (exact, or prefix ending in `.`), target and
/// time window.
pub fn list(
    store: &impl AuditStore,
    caller: &Principal,
    params: &AuditListParams,
    page: PageQuery,
) -> CoreResult<Page<AuditEntry>> {
    caller.require_admin("only admins read the audit log")?;
    let filter = AuditFilter {
        actor_user_id: params.actor_user_id,
        action: params.action.clone().filter(|a| !a.is_empty()),
        target_type: params.target_type.clone().filter(|a| !a.is_empty()),
        target_id: params.target_id.clone().filter(|a| !a.is_empty()),
        since: instant("since", params.since.as_deref())?,
        until: instant("until", params.until.as_deref())?,
    };
    Ok(page.finish(store.list_audit(&filter, page)?, |e| e.id))
}
