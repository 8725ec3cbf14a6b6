//! API v1 routes, one module per resource. Each handler is a thin transport: extract
//! (auth first), call one core function on the blocking pool, map the result.

mod agents;
mod audit;
mod auth;
mod automation;
mod backups;
mod changes;
mod chat;
mod events;
mod git;
mod hosts;
mod integrations;
mod issues;
mod jobs;
mod keys;
mod links;
mod mcp_servers;
mod personal_credentials;
mod projects;
mod pulls;
mod sessions;
mod ssh;
mod sync;
mod system;
mod tenants;
mod terminal;
mod tool_credentials;
mod tools;
mod users;
mod workflow;
mod worktrees;

pub(crate) use terminal::origin_allowed;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Every `/api/v1` route with its OpenAPI operation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(keys::router())
        .merge(users::router())
        .merge(tenants::router())
        .merge(projects::router())
        .merge(issues::router())
        .merge(sync::router())
        .merge(integrations::router())
        .merge(links::router())
        .merge(personal_credentials::router())
        .merge(agents::router())
        .merge(sessions::router())
        .merge(events::router())
        .merge(tools::router())
        .merge(tool_credentials::router())
        .merge(worktrees::router())
        .merge(git::router())
        .merge(changes::router())
        .merge(workflow::router())
        .merge(pulls::router())
        .merge(ssh::router())
        .merge(hosts::router())
        .merge(audit::router())
        .merge(system::router())
        .merge(jobs::router())
        .merge(backups::router())
        .merge(automation::router())
        .merge(chat::router())
        .merge(terminal::router())
        .merge(mcp_servers::router())
}
