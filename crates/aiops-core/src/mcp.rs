//! MCP servers of sessions (issue 21): the servers admins define for a tenant or a
//! project, their sealed secrets, the per-project switch for aiops's own MCP server, and
//! [`for_session`] — what a session's agent gets in its MCP config and its environment.
//!
//! Secrets are sealed with the data dir's key ([`crate::sealed`]); they leave the store
//! only as values of the session's (sandboxed) process environment, named by the config
//! the runtime writes, never written to a file in clear.

use std::collections::BTreeMap;

use aiops_types::{CreateMcpServer, McpServer, McpServerListParams, ProjectMcp};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::ports::{McpLaunch, NewAudit, ProjectStore, TenantStore};
use crate::principal::Principal;
use crate::sealed::{Sealed, SecretKey};
use crate::{CoreError, CoreResult, projects, tenants};

/// Secret variables for a process environment: name, value.
pub type SecretEnv = Vec<(String, String)>;

/// The sealing context of a server's secrets.
const SEAL_CONTEXT: &str = "mcp_server_secrets";
/// Most secret variables of one server.
pub const MAX_ENV: usize = 32;

/// A stored server and its sealed secrets (`{"env": {…}, "header": "…"}`).
#[derive(Debug, Clone)]
pub struct McpServerRow {
    /// The server as the API shows it (secret values hidden).
    pub server: McpServer,
    /// Its sealed secrets, if it has any.
    pub secrets: Option<Sealed>,
}

/// A server to store.
#[derive(Debug, Clone)]
pub struct NewMcpServerRow {
    /// Tenant the server belongs to.
    pub tenant_id: i64,
    /// Project it is given to; `None`: every project of the tenant.
    pub project_id: Option<i64>,
    /// Name, unique in its tenant or project; never `aiops`.
    pub name: String,
    /// A stdio server: program and arguments; empty for a remote server.
    pub command: Vec<String>,
    /// A remote server: its Streamable HTTP URL.
    pub url: Option<String>,
    /// Names of the secret variables a stdio server gets.
    pub env_names: Vec<String>,
    /// A remote server: name of the header carrying its secret.
    pub header: Option<String>,
    /// The sealed secrets (`{"env": {…}, "header": "…"}`), if any.
    pub secrets: Option<Sealed>,
    /// The admin who defined it.
    pub created_by: i64,
}

/// Storage of MCP servers and the per-project switch.
pub trait McpStore {
    /// A tenant's servers: with `project`, the tenant-wide ones and that project's;
    /// without, all of the tenant's. Ordered by name.
    fn mcp_servers(&self, tenant_id: i64, project: Option<i64>) -> CoreResult<Vec<McpServerRow>>;
    /// The server with this id, or `None`.
    fn mcp_server(&self, id: i64) -> CoreResult<Option<McpServerRow>>;
    /// `Conflict` when the name is taken in the same tenant or project.
    fn insert_mcp_server(&self, row: NewMcpServerRow, audit: NewAudit) -> CoreResult<McpServerRow>;
    /// Deletes the server; an unknown id is not an error.
    fn delete_mcp_server(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// None: never set (aiops's server is on).
    fn project_mcp(&self, project_id: i64) -> CoreResult<Option<bool>>;
    /// Turns aiops's own MCP server on or off for the project's sessions.
    fn set_project_mcp(&self, project_id: i64, aiops: bool, audit: NewAudit) -> CoreResult<()>;
}

#[derive(Serialize, Deserialize, Default)]
struct Secrets {
    env: BTreeMap<String, String>,
    header: Option<String>,
}

/// `GET /mcp/servers`: the servers of one tenant or project the caller sees; without a
/// filter, of every tenant they see (the first 500).
pub fn list(
    store: &(impl TenantStore + ProjectStore + McpStore),
    caller: &Principal,
    q: &McpServerListParams,
) -> CoreResult<Vec<McpServer>> {
    let rows = match (&q.project, &q.tenant) {
        (Some(p), _) => {
            let p = projects::find(store, caller, p)?;
            store.mcp_servers(p.tenant_id, Some(p.id))?
        }
        (None, Some(t)) => store.mcp_servers(tenants::get(store, caller, t)?.id, None)?,
        (None, None) => {
            let mut all = Vec::new();
            for t in tenants::list(
                store,
                caller,
                crate::page::PageQuery::parse(Some(500), None)?,
            )?
            .items
            {
                all.extend(store.mcp_servers(t.id, None)?);
            }
            all
        }
    };
    Ok(rows.into_iter().map(|r| r.server).collect())
}

/// `POST /mcp/servers` (admin): validates, seals the secrets, stores.
pub fn create(
    store: &(impl TenantStore + ProjectStore + McpStore),
    key: &SecretKey,
    caller: &Principal,
    req: &CreateMcpServer,
) -> CoreResult<McpServer> {
    caller.require_admin("only admins define MCP servers")?;
    let (tenant_id, project_id) = match (&req.project, &req.tenant) {
        (Some(p), None) => {
            let p = projects::find(store, caller, p)?;
            (p.tenant_id, Some(p.id))
        }
        (None, Some(t)) => (tenants::get(store, caller, t)?.id, None),
        _ => {
            return Err(CoreError::invalid(
                "project",
                "name exactly one of `project` and `tenant`",
            ));
        }
    };
    let name = server_name(&req.name)?;
    let url = req.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
    match (req.command.is_empty(), url) {
        (false, None) => {
            crate::validate::argv("command", &req.command)?;
            if req.header.is_some() || req.header_value.is_some() {
                return Err(CoreError::invalid(
                    "header",
                    "a header is for a remote server (`url`)",
                ));
            }
        }
        (true, Some(u)) => {
            if !(u.starts_with("https://") || u.starts_with("http://"))
                || u.chars().any(char::is_whitespace)
            {
                return Err(CoreError::invalid("url", "url must be an http(s) URL"));
            }
            if !req.env.is_empty() {
                return Err(CoreError::invalid(
                    "env",
                    "env is for a stdio server (`command`)",
                ));
            }
        }
        _ => {
            return Err(CoreError::invalid(
                "command",
                "give a server either a `command` (stdio) or a `url` (Streamable HTTP)",
            ));
        }
    }
    if req.env.len() > MAX_ENV {
        return Err(CoreError::invalid(
            "env",
            format!("at most {MAX_ENV} variables"),
        ));
    }
    for k in req.env.keys() {
        env_name("env", k)?;
    }
    let header = match (&req.header, &req.header_value) {
        (Some(h), Some(_)) if valid_header(h) => Some(h.trim().to_owned()),
        (None, None) => None,
        _ => {
            return Err(CoreError::invalid(
                "header",
                "a header needs a token-character name and a value",
            ));
        }
    };
    let secrets = Secrets {
        env: req
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.expose().to_owned()))
            .collect(),
        header: req.header_value.as_ref().map(|h| h.expose().to_owned()),
    };
    let sealed = if secrets.env.is_empty() && secrets.header.is_none() {
        None
    } else {
        let text = Zeroizing::new(
            serde_json::to_vec(&secrets).map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        Some(key.seal(&text, SEAL_CONTEXT)?)
    };
    let audit = NewAudit::by(caller, "mcp_server.create").detail(serde_json::json!({
        "name": name, "tenant_id": tenant_id, "project_id": project_id,
        "env": req.env.keys().collect::<Vec<_>>(), "header": header,
    }));
    let row = NewMcpServerRow {
        tenant_id,
        project_id,
        name,
        command: req.command.clone(),
        url: url.map(str::to_owned),
        env_names: req.env.keys().cloned().collect(),
        header,
        secrets: sealed,
        created_by: caller.user_id,
    };
    Ok(store.insert_mcp_server(row, audit)?.server)
}

/// The server `id` if the caller may see its tenant.
pub fn get(
    store: &(impl TenantStore + McpStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<McpServerRow> {
    let row = store
        .mcp_server(id)?
        .ok_or_else(|| CoreError::not_found(format!("MCP server {id}")))?;
    tenants::get(store, caller, &row.server.tenant_id.to_string())
        .map_err(|_| CoreError::not_found(format!("MCP server {id}")))?;
    Ok(row)
}

/// `DELETE /mcp/servers/{id}` (admin).
pub fn remove(
    store: &(impl TenantStore + McpStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<()> {
    caller.require_admin("only admins remove MCP servers")?;
    let row = get(store, caller, id)?;
    let audit = NewAudit::by(caller, "mcp_server.delete")
        .target("mcp_server", id)
        .detail(serde_json::json!({ "name": row.server.name }));
    store.delete_mcp_server(id, audit)
}

/// What [`McpLaunch`] `id` is with its secrets opened, for `POST /mcp/servers/{id}/test`
/// (admin): the launch and the environment it needs.
pub fn test_plan(
    store: &(impl TenantStore + McpStore),
    key: &SecretKey,
    caller: &Principal,
    id: i64,
) -> CoreResult<(McpLaunch, SecretEnv)> {
    caller.require_admin("only admins test MCP servers")?;
    let row = get(store, caller, id)?;
    launch(key, &row)
}

/// `GET /projects/{id}/mcp`.
pub fn project_setting(
    store: &(impl TenantStore + ProjectStore + McpStore),
    caller: &Principal,
    project: i64,
) -> CoreResult<ProjectMcp> {
    let p = projects::get(store, caller, project)?;
    Ok(ProjectMcp {
        aiops: store.project_mcp(p.id)?.unwrap_or(true),
    })
}

/// `PUT /projects/{id}/mcp` (admin).
pub fn set_project_setting(
    store: &(impl TenantStore + ProjectStore + McpStore),
    caller: &Principal,
    project: i64,
    req: ProjectMcp,
) -> CoreResult<ProjectMcp> {
    caller.require_admin("only admins change a project's MCP setting")?;
    let p = projects::get(store, caller, project)?;
    let audit = NewAudit::by(caller, "project.mcp")
        .target("project", p.id)
        .detail(serde_json::json!({ "aiops": req.aiops }));
    store.set_project_mcp(p.id, req.aiops, audit)?;
    Ok(req)
}

/// The MCP servers of a session of `project` (tenant `tenant_id`): aiops's own (unless
/// the project turned it off; `aiops_bin` `mcp`, with the session's `AIOPS_*`
/// variables), then the tenant's and the project's; and the secret environment they
/// need, for the session's process environment.
pub fn for_session(
    store: &impl McpStore,
    key: &SecretKey,
    tenant_id: i64,
    project: i64,
    aiops_bin: &str,
) -> CoreResult<(Vec<McpLaunch>, SecretEnv)> {
    let mut servers = Vec::new();
    let mut env = Vec::new();
    if store.project_mcp(project)?.unwrap_or(true) {
        servers.push(McpLaunch {
            name: aiops_types::mcp::SERVER_NAME.to_owned(),
            command: vec![aiops_bin.to_owned(), "mcp".to_owned()],
            url: None,
            env: AIOPS_ENV.iter().map(|s| (*s).to_owned()).collect(),
            header: None,
        });
    }
    for row in store.mcp_servers(tenant_id, Some(project))? {
        let (launch, vars) = launch(key, &row)?;
        servers.push(launch);
        env.extend(vars);
    }
    Ok((servers, env))
}

/// The session variables `aiops mcp` reads.
pub const AIOPS_ENV: [&str; 5] = [
    "AIOPS_URL",
    "AIOPS_API_KEY",
    "AIOPS_SESSION_ID",
    "AIOPS_ISSUE_ID",
    "AIOPS_PROJECT_ID",
];

/// A stored server as a launch: a secret variable keeps its name; a header's value goes
/// in `AIOPS_MCP_<NAME>_HEADER`.
fn launch(key: &SecretKey, row: &McpServerRow) -> CoreResult<(McpLaunch, SecretEnv)> {
    let s = &row.server;
    let secrets: Secrets = match &row.secrets {
        Some(sealed) => {
            let bytes = Zeroizing::new(key.open(sealed, SEAL_CONTEXT)?);
            serde_json::from_slice(&bytes).map_err(|e| CoreError::Internal(e.to_string()))?
        }
        None => Secrets::default(),
    };
    let mut env: Vec<(String, String)> = secrets.env.into_iter().collect();
    let header = match (&s.header, secrets.header) {
        (Some(h), Some(v)) => {
            let var = format!(
                "AIOPS_MCP_{}_HEADER",
                s.name.to_ascii_uppercase().replace('-', "_")
            );
            env.push((var.clone(), v));
            Some((h.clone(), var))
        }
        _ => None,
    };
    let launch = McpLaunch {
        name: s.name.clone(),
        command: s.command.clone(),
        url: s.url.clone(),
        env: s.env.clone(),
        header,
    };
    Ok((launch, env))
}

fn server_name(name: &str) -> CoreResult<String> {
    let ok = (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && name != aiops_types::mcp::SERVER_NAME;
    if ok {
        Ok(name.to_owned())
    } else {
        Err(CoreError::invalid(
            "name",
            "name must be 1–32 of a-z, 0-9, `_`, `-`, and not `aiops`",
        ))
    }
}

fn env_name(field: &'static str, k: &str) -> CoreResult<()> {
    let ok = !k.is_empty()
        && k.len() <= 64
        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && !k.starts_with("AIOPS_")
        && !["PATH", "HOME", "LD_PRELOAD", "LD_LIBRARY_PATH"].contains(&k);
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            field,
            format!("`{k}` is not a variable name a server may get"),
        ))
    }
}

fn valid_header(h: &str) -> bool {
    let h = h.trim();
    !h.is_empty()
        && h.len() <= 64
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(server_name("k8s").is_ok());
        for bad in ["", "aiops", "K8S", "a b", &"x".repeat(33)] {
            assert!(server_name(bad).is_err(), "{bad:?}");
        }
        assert!(env_name("env", "KUBE_TOKEN").is_ok());
        for bad in ["AIOPS_API_KEY", "PATH", "1X", "A-B", ""] {
            assert!(env_name("env", bad).is_err(), "{bad:?}");
        }
        assert!(valid_header("Authorization") && !valid_header("X: y"));
    }
}
