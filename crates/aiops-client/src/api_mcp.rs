//! Typed methods for the MCP servers of sessions (`/mcp/servers…`, `/projects/{id}/mcp`).

use aiops_types::{CreateMcpServer, McpServer, McpServerListParams, McpServerTest, ProjectMcp};
use reqwest::Method;

use crate::{Client, ClientError};

type Result<T> = std::result::Result<T, ClientError>;

impl Client {
    /// `GET /mcp/servers`
    pub async fn mcp_servers(&self, q: &McpServerListParams) -> Result<Vec<McpServer>> {
        self.get(&["mcp", "servers"], q).await
    }

    /// `POST /mcp/servers` (admin)
    pub async fn create_mcp_server(&self, req: &CreateMcpServer) -> Result<McpServer> {
        self.with_body(Method::POST, &["mcp", "servers"], req).await
    }

    /// `DELETE /mcp/servers/{id}` (admin)
    pub async fn delete_mcp_server(&self, id: i64) -> Result<()> {
        let id = id.to_string();
        self.no_content(Method::DELETE, &["mcp", "servers", &id], None::<&()>)
            .await
    }

    /// `POST /mcp/servers/{id}/test` (admin)
    pub async fn test_mcp_server(&self, id: i64) -> Result<McpServerTest> {
        self.call(Method::POST, &["mcp", "servers", &id.to_string(), "test"])
            .await
    }

    /// `GET /projects/{id}/mcp`
    pub async fn project_mcp(&self, project: i64) -> Result<ProjectMcp> {
        let q: &[(&str, &str)] = &[];
        self.get(&["projects", &project.to_string(), "mcp"], q)
            .await
    }

    /// `PUT /projects/{id}/mcp` (admin)
    pub async fn set_project_mcp(&self, project: i64, req: &ProjectMcp) -> Result<ProjectMcp> {
        self.with_body(Method::PUT, &["projects", &project.to_string(), "mcp"], req)
            .await
    }
}
