//! `aiops mcp`: aiops as an MCP server over stdio
//! (<https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#stdio>),
//! what a session's agent (Claude Code, Codex) starts from its MCP config. The tools and
//! resources are the table of `aiops_types::mcp`; each call is the API request of the CLI
//! verb of the same name, sent with this environment's key (`AIOPS_API_KEY`: the session
//! key inside a session, else the stored key), so the key's scope applies unchanged.
//! Inside a session, `AIOPS_PROJECT_ID`, `AIOPS_SESSION_ID` and `AIOPS_ISSUE_ID` fill in
//! arguments left out. Logs go to stderr; stdout is the protocol.
//!
//! `aiops mcp servers …`: the MCP servers admins give a tenant's or a project's sessions
//! (`cli/mcp_servers.rs`).

use std::sync::Arc;

use aiops_client::Client;
use aiops_types::mcp::{self as table, Defaults};
use rmcp::ErrorData as McpError;
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};

use crate::cli::Ctx;
use crate::cli::exit::CliError;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct McpArgs {
    #[command(subcommand)]
    pub command: Option<McpCommand>,
}

#[derive(Debug, clap::Subcommand)]
pub enum McpCommand {
    /// MCP servers of a tenant's or a project's sessions: list, add, remove, test.
    #[command(subcommand)]
    Servers(crate::cli::mcp_servers::ServersCommand),
    /// Whether a project's sessions get aiops's own MCP server; `--aiops on|off` sets it
    /// (admin).
    Project {
        /// Project id, slug or tenant/slug.
        project: String,
        #[arg(long, value_name = "on|off", value_parser = clap::builder::BoolishValueParser::new())]
        aiops: Option<bool>,
    },
}

pub async fn run(ctx: &Ctx, args: McpArgs) -> Result<(), CliError> {
    match args.command {
        None => serve(ctx).await,
        Some(McpCommand::Servers(cmd)) => crate::cli::mcp_servers::run(ctx, cmd).await,
        Some(McpCommand::Project { project, aiops }) => {
            crate::cli::mcp_servers::project(ctx, &project, aiops).await
        }
    }
}

/// Serves MCP on stdin/stdout until the client closes stdin.
async fn serve(ctx: &Ctx) -> Result<(), CliError> {
    let handler = Handler {
        client: Arc::new(ctx.client()?),
        defaults: defaults_from_env(),
    };
    let running = handler
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| CliError::error(format!("MCP: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| CliError::error(format!("MCP: {e}")))?;
    Ok(())
}

/// A session's project, id and issue from its environment.
fn defaults_from_env() -> Defaults {
    let var = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|n| *n > 0)
    };
    Defaults {
        project: var("AIOPS_PROJECT_ID"),
        session: var("AIOPS_SESSION_ID"),
        issue: var("AIOPS_ISSUE_ID"),
    }
}

#[derive(Clone)]
struct Handler {
    client: Arc<Client>,
    defaults: Defaults,
}

impl Handler {
    /// Sends `call` with this environment's key: `(is_error, text)` as
    /// [`table::answer`] words it; a server that cannot be reached is an error too.
    async fn send(&self, call: table::ApiCall) -> (bool, String) {
        match self
            .client
            .raw(call.method, &call.path, &call.query, call.body.as_ref())
            .await
        {
            Ok(a) => table::answer(a.status, a.body.as_ref()),
            Err(e) => (true, e.to_string()),
        }
    }
}

impl rmcp::ServerHandler for Handler {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new(
            table::SERVER_NAME,
            env!("CARGO_PKG_VERSION"),
        ))
    }

    async fn list_tools(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let tools = table::tools()
            .into_iter()
            .map(|t| Tool::new(t.name, t.description, Arc::new(t.input_schema)))
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        req: CallToolRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let (is_error, text) = match table::call(&req.name, req.arguments, &self.defaults) {
            Ok(call) => self.send(call).await,
            Err(why) => (true, why),
        };
        let content = vec![ContentBlock::text(text)];
        Ok(if is_error {
            CallToolResult::error(content)
        } else {
            CallToolResult::success(content)
        }
        .into())
    }

    async fn list_resources(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let list = table::resources(&self.defaults)
            .into_iter()
            .map(|r| {
                Resource::new(r.uri, r.name)
                    .with_description(r.description)
                    .with_mime_type("application/json")
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(list))
    }

    async fn list_resource_templates(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        let list = table::RESOURCE_TEMPLATES
            .iter()
            .map(|(uri, name, desc)| {
                ResourceTemplate::new(*uri, *name)
                    .with_description(*desc)
                    .with_mime_type("application/json")
            })
            .collect();
        Ok(ListResourceTemplatesResult::with_all_items(list))
    }

    async fn read_resource(
        &self,
        req: ReadResourceRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let call = table::read(&req.uri).map_err(|why| McpError::resource_not_found(why, None))?;
        match self.send(call).await {
            (true, text) => Err(McpError::invalid_params(text, None)),
            (false, text) => {
                Ok(ReadResourceResult::new(vec![ResourceContents::text(text, req.uri)]).into())
            }
        }
    }
}
