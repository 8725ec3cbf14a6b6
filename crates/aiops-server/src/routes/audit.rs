//! `/audit`: the audit log, admins only, newest first.

use aiops_core::audit;
use aiops_core::page::PageQuery;
use aiops_types::{AuditEntry, AuditListParams, ErrorBody, Page};
use axum::Json;
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Admin, Auth};
use crate::error::{ApiQuery, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditListParams),
    security(("api_key" = ["admin"])),
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_audit(
    a: Auth<Admin>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<AuditListParams>,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let page = PageQuery::parse(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        st.run(move |db| audit::list(db, &a.principal, &q, page))
            .await?,
    ))
}
