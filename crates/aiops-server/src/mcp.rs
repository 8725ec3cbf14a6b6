//! `/api/mcp`: aiops as an MCP server over the protocol's Streamable HTTP transport
//! (<https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http>),
//! for MCP clients on another machine (Claude Desktop, IDEs). rmcp serves the transport
//! statelessly (no `Mcp-Session-Id`; answers are SSE streams); the tools and resources are
//! the table of `aiops_types::mcp`, each call sent through this server's own API router
//! with the caller's `Authorization` header, so it meets the same route, the same core
//! function and the same scope checks as the CLI verb (a session key outside its scope
//! gets `forbidden: …` as a tool error).
//!
//! Before rmcp sees a request: an `Origin` header, when present, must be this server's
//! (the terminal WebSocket's rule), else 403 `forbidden`; `Authorization: Bearer <API
//! key>` with scope `read` is required (a cookie is not enough: a page must not drive
//! tools with a user's browser session), else 401 `unauthorized`.

use std::sync::Arc;

use aiops_types::ErrorCode;
use aiops_types::mcp::{self as table, ApiCall, Defaults};
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::ErrorData as McpError;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock as Content,
    Implementation, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
    ResourceContents, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tower::ServiceExt;

use crate::auth::{Auth, Read};
use crate::error::ApiError;
use crate::state::AppState;

/// Largest API answer a tool returns (a diff is cut at 1 MiB by the route already).
const MAX_ANSWER: usize = 8 << 20;

/// The `/api/mcp` service: rmcp's Streamable HTTP transport behind the Origin and key
/// checks, its tools answered by `api` (the API router with its state).
pub fn router(state: AppState, api: Router) -> Router<AppState> {
    let api = Arc::new(api);
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(false)
        // `web::loopback_host` and the Origin check below guard Host and Origin.
        .disable_allowed_hosts();
    let service = StreamableHttpService::new(
        move || Ok(Handler { api: api.clone() }),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    Router::new()
        .route_service("/api/mcp", service)
        .layer(axum::middleware::from_fn_with_state(state, guard))
}

/// The Origin and credential checks in front of the transport.
async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let allowed = match parts.headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => true,
        Some(Ok(origin)) => crate::routes::origin_allowed(origin, host, st.settings()),
        Some(Err(_)) => false,
    };
    if !allowed {
        return ApiError::new(
            ErrorCode::Forbidden,
            "the request's Origin is not this server's",
        )
        .into_response();
    }
    if !parts.headers.contains_key(header::AUTHORIZATION) {
        return ApiError::new(
            ErrorCode::Unauthorized,
            "MCP needs `Authorization: Bearer <API key>`",
        )
        .into_response();
    }
    if let Err(e) = Auth::<Read>::from_request_parts(&mut parts, &st).await {
        return e.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// One MCP request's handler: the API router to send tool calls through.
#[derive(Clone)]
struct Handler {
    api: Arc<Router>,
}

impl Handler {
    /// Sends `call` through the API router with the MCP request's credential and client
    /// address; the answer's status and JSON body.
    async fn send(
        &self,
        call: ApiCall,
        ctx: &RequestContext<RoleServer>,
    ) -> (u16, Option<serde_json::Value>) {
        let Some(outer) = ctx.extensions.get::<Parts>() else {
            return (500, None);
        };
        let mut uri = format!("/api/v1{}", call.path);
        if !call.query.is_empty() {
            let q: Vec<String> = call
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            uri = format!("{uri}?{}", q.join("&"));
        }
        let body = call
            .body
            .map(|b| Body::from(b.to_string()))
            .unwrap_or_else(Body::empty);
        let mut req = Request::new(body);
        *req.method_mut() = call.method.parse().unwrap_or_default();
        *req.uri_mut() = match uri.parse() {
            Ok(u) => u,
            Err(_) => return (400, None),
        };
        let headers = req.headers_mut();
        for name in [header::AUTHORIZATION, header::HOST, header::USER_AGENT] {
            if let Some(v) = outer.headers.get(&name) {
                headers.insert(name, v.clone());
            }
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(ci) = outer
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        {
            req.extensions_mut().insert(*ci);
        }
        let resp: Response = match (*self.api).clone().oneshot(req).await {
            Ok(r) => r,
            Err(e) => match e {},
        };
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), MAX_ANSWER)
            .await
            .unwrap_or_default();
        let body = serde_json::from_slice(&bytes).ok();
        (status, body)
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The tools of [`table::tools`] as MCP tool definitions.
pub fn tool_list() -> Vec<Tool> {
    table::tools()
        .into_iter()
        .map(|t| Tool::new(t.name, t.description, Arc::new(t.input_schema)))
        .collect()
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
        Ok(ListToolsResult::with_all_items(tool_list()))
    }

    async fn call_tool(
        &self,
        req: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let call = match table::call(&req.name, req.arguments, &Defaults::default()) {
            Ok(call) => call,
            Err(why) => return Ok(CallToolResult::error(vec![Content::text(why)]).into()),
        };
        let (status, body) = self.send(call, &ctx).await;
        let (is_error, text) = table::answer(status, body.as_ref());
        Ok(if is_error {
            CallToolResult::error(vec![Content::text(text)])
        } else {
            CallToolResult::success(vec![Content::text(text)])
        }
        .into())
    }

    async fn list_resources(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        // Over HTTP there is no session: no concrete resources, only the templates.
        Ok(ListResourcesResult::with_all_items(Vec::new()))
    }

    async fn list_resource_templates(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(templates()))
    }

    async fn read_resource(
        &self,
        req: ReadResourceRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let call = table::read(&req.uri).map_err(|why| McpError::resource_not_found(why, None))?;
        let (status, body) = self.send(call, &ctx).await;
        let (is_error, text) = table::answer(status, body.as_ref());
        if is_error {
            return Err(McpError::invalid_params(text, None));
        }
        Ok(ReadResourceResult::new(vec![ResourceContents::text(text, req.uri)]).into())
    }
}

/// [`table::RESOURCE_TEMPLATES`] as MCP resource templates.
fn templates() -> Vec<rmcp::model::ResourceTemplate> {
    table::RESOURCE_TEMPLATES
        .iter()
        .map(|(uri, name, desc)| {
            rmcp::model::ResourceTemplate::new(*uri, *name)
                .with_description(*desc)
                .with_mime_type("application/json")
        })
        .collect()
}
