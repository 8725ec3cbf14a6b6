//! `/api/v1/mcp/…`: the MCP servers an admin gives every session of a tenant or a project
//! (issue 21), and whether a project's sessions get aiops's own MCP server. Secrets (a
//! stdio server's environment values, a remote server's header value) are write-only:
//! sealed at rest, handed to the session's process environment, never returned.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// One MCP server of a tenant (`project_id` null: every project) or of one project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 1, "tenant_id": 1, "project_id": 2, "name": "k8s",
    "command": ["npx", "-y", "some-mcp-server"], "url": null, "env": ["KUBE_TOKEN"],
    "header": null, "created_at": "2026-12-07T09:00:00Z"}))]
pub struct McpServer {
    /// The MCP server entry's id.
    pub id: i64,
    /// The tenant it belongs to.
    pub tenant_id: i64,
    /// The project it is given to; null when it is given to every project of the tenant.
    pub project_id: Option<i64>,
    /// `^[a-z0-9_-]{1,32}$`, unique in its tenant or project; not `aiops`.
    pub name: String,
    /// A stdio server: its program and arguments (empty for a remote server).
    pub command: Vec<String>,
    /// A remote server: its Streamable HTTP URL (`http` or `https`).
    pub url: Option<String>,
    /// Names of the secret environment variables a stdio server gets (values hidden).
    pub env: Vec<String>,
    /// A remote server: the header carrying its secret (value hidden).
    pub header: Option<String>,
    /// When it was added (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/mcp/servers` (admin): a stdio server (`command`) or a remote one
/// (`url`), for a whole tenant or one project.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"project": "acme/web", "name": "k8s",
    "command": ["npx", "-y", "some-mcp-server"], "env": {"KUBE_TOKEN": "s3cret"}}))]
#[serde(deny_unknown_fields)]
pub struct CreateMcpServer {
    /// Tenant id or slug: a server for every project of the tenant.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Project id, slug or `tenant/slug`: a server for this project only.
    #[serde(default)]
    pub project: Option<String>,
    /// `^[a-z0-9_-]{1,32}$`, unique in its tenant or project; not `aiops`.
    #[schema(pattern = "^[a-z0-9_-]{1,32}$")]
    pub name: String,
    /// Program and arguments (1..=64 items, each under 4,096 bytes without NUL); exclusive
    /// with `url`.
    #[serde(default)]
    pub command: Vec<String>,
    /// Streamable HTTP URL; exclusive with `command`.
    #[serde(default)]
    pub url: Option<String>,
    /// Secret environment of a stdio server: variable name → value (at most 32).
    #[serde(default)]
    pub env: BTreeMap<String, crate::Secret>,
    /// A remote server's secret header: its name (e.g. `Authorization`), 1..=64 of
    /// A-Z, a-z, 0-9, `-` and `_`…
    #[serde(default)]
    #[schema(pattern = r"^\s*[A-Za-z0-9_-]{1,64}\s*$")]
    pub header: Option<String>,
    /// …and its value (e.g. `Bearer …`).
    #[serde(default)]
    pub header_value: Option<crate::Secret>,
}

/// `GET /api/v1/mcp/servers`: the servers of the tenants and projects you see; narrowed
/// to one tenant or project (a project's list includes its tenant's servers).
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct McpServerListParams {
    /// Tenant id or slug.
    pub tenant: Option<String>,
    /// Project id, slug or `tenant/slug`.
    pub project: Option<String>,
}

/// `POST /api/v1/mcp/servers/{id}/test`: what the server answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"server": "k8s", "protocol": "2025-11-25", "tools": ["get_pods"]}))]
pub struct McpServerTest {
    /// The tested MCP server's `name` in aiops.
    pub server: String,
    /// The protocol revision it agreed to.
    pub protocol: String,
    /// Its tools' names.
    pub tools: Vec<String>,
}

/// `GET|PUT /api/v1/projects/{id}/mcp`: whether the project's sessions get aiops's own
/// MCP server (`.mcp.json` for Claude Code, `-c mcp_servers.aiops…` for Codex). The
/// project's and its tenant's servers are given either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"aiops": false}))]
#[serde(deny_unknown_fields)]
pub struct ProjectMcp {
    /// True when the project's sessions get aiops's own MCP server.
    pub aiops: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let req = CreateMcpServer {
            name: "k8s".into(),
            env: [("KUBE_TOKEN".to_owned(), "s3cret-value".into())].into(),
            header_value: Some("Bearer hidden-value".into()),
            ..Default::default()
        };
        let shown = format!("{req:?}");
        assert!(
            shown.contains("KUBE_TOKEN") && shown.contains("[redacted]"),
            "{shown}"
        );
        assert!(
            !shown.contains("s3cret-value") && !shown.contains("hidden-value"),
            "{shown}"
        );
    }
}
