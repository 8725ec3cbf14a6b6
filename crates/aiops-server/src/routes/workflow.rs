//! `POST /issues/{id}/workflow/{verb}`: claim, progress, submit, approve, complete.

use aiops_core::issues::workflow;
use aiops_types::{ErrorBody, WorkflowRequest, WorkflowResult, WorkflowVerb};
use axum::Json;
use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Write};
use crate::error::{ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(run))
}

/// A workflow verb as the caller: `claim` (assign to yourself + in progress), `progress`
/// (status comment), `submit` (commit `files` + a comment with the short SHA), `approve`
/// (review-request comment), `complete` (summary comment + close). A session key may run
/// them on its own issue; `submit` then commits in its own worktree.
#[utoipa::path(post, path = "/issues/{id}/workflow/{verb}", tag = "issues",
    params(("id" = i64, Path), ("verb" = inline(WorkflowVerb), Path)),
    request_body = WorkflowRequest, security(("api_key" = ["write"])),
    responses((status = 200, body = WorkflowResult), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
async fn run(
    a: Auth<Write>,
    State(st): State<AppState>,
    ApiPath((id, verb)): ApiPath<(i64, WorkflowVerb)>,
    ApiJson(req): ApiJson<WorkflowRequest>,
) -> ApiResult<Json<WorkflowResult>> {
    Ok(Json(
        st.run_sessions(move |db, access, host| {
            workflow::run(db, access, host, &a.principal, id, verb, &req)
        })
        .await?,
    ))
}
