//! `aiops mcp servers list|add|remove|test` and `aiops mcp project`: the MCP servers
//! every session of a tenant or a project gets, and whether its sessions get aiops's
//! own (admins write). Secrets never go on the command line: `add` reads them from
//! stdin as `NAME=VALUE` lines.

use std::collections::BTreeMap;
use std::io::Read;

use aiops_types::{CreateMcpServer, McpServer, McpServerListParams, ProjectMcp};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render};

#[derive(Debug, clap::Subcommand)]
pub enum ServersCommand {
    /// The MCP servers of a project (with its tenant's) or of a tenant.
    List(Scope),
    /// Define an MCP server (admin): `-- PROGRAM ARGS…` (stdio) or `--remote-url` (remote).
    /// Secrets: `--env NAME` / `--header NAME`, values on stdin as `NAME=VALUE` lines.
    Add {
        #[command(flatten)]
        scope: Scope,
        #[arg(long)]
        name: String,
        /// A remote (Streamable HTTP) server's URL instead of a command (`--url` is the
        /// aiops server's).
        #[arg(
            long = "remote-url",
            id = "remote_url",
            value_name = "URL",
            conflicts_with = "command"
        )]
        url: Option<String>,
        /// A secret environment variable of a stdio server (repeatable); its value is
        /// read from stdin.
        #[arg(long = "env", value_name = "NAME")]
        env: Vec<String>,
        /// A remote server's secret header (e.g. Authorization); its value is read from
        /// stdin.
        #[arg(long, value_name = "NAME")]
        header: Option<String>,
        /// The program and its arguments (after `--`).
        #[arg(last = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Remove an MCP server (admin).
    Remove { id: i64 },
    /// Start an MCP server on the server with its secrets, list its tools, stop it
    /// (admin).
    Test { id: i64 },
}

#[derive(Debug, clap::Args)]
pub struct Scope {
    /// Project id, slug or tenant/slug.
    #[arg(long, conflicts_with = "tenant")]
    project: Option<String>,
    /// Tenant id or slug (a server for each of its projects).
    #[arg(long)]
    tenant: Option<String>,
}

pub async fn run(ctx: &Ctx, cmd: ServersCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    match cmd {
        ServersCommand::List(scope) => {
            let q = McpServerListParams {
                tenant: scope.tenant,
                project: scope.project,
            };
            output::list(ctx.out, &client.mcp_servers(&q).await?)
        }
        ServersCommand::Add {
            scope,
            name,
            url,
            env,
            header,
            command,
        } => {
            let mut secrets = if env.is_empty() && header.is_none() {
                BTreeMap::new()
            } else {
                read_secrets()?
            };
            let mut take = |k: &str| {
                secrets
                    .remove(k)
                    .ok_or_else(|| CliError::usage(format!("no `{k}=VALUE` line on stdin")))
            };
            let env = env
                .iter()
                .map(|k| Ok((k.clone(), take(k)?)))
                .collect::<Result<BTreeMap<_, _>, CliError>>()?;
            let header_value = header.as_deref().map(&mut take).transpose()?;
            let req = CreateMcpServer {
                tenant: scope.tenant,
                project: scope.project,
                name,
                command,
                url,
                env: env.into_iter().map(|(k, v)| (k, v.into())).collect(),
                header,
                header_value: header_value.map(Into::into),
            };
            let s = client.create_mcp_server(&req).await?;
            output::value(ctx.out, &s, || {
                format!("added MCP server {} ({})\n", s.name, s.id)
            })
        }
        ServersCommand::Remove { id } => {
            client.delete_mcp_server(id).await?;
            output::stdout(&format!("removed MCP server {id}\n"))
        }
        ServersCommand::Test { id } => {
            let t = client.test_mcp_server(id).await?;
            output::value(ctx.out, &t, || {
                format!(
                    "{} answered (protocol {}); tools: {}\n",
                    t.server,
                    t.protocol,
                    t.tools.join(", ")
                )
            })
        }
    }
}

/// `aiops mcp project P [--aiops on|off]`: shows or sets whether the project's sessions
/// get aiops's own MCP server.
pub async fn project(ctx: &Ctx, project: &str, aiops: Option<bool>) -> Result<(), CliError> {
    let client = ctx.client()?;
    let id = crate::cli::projects::resolve(&client, project, None).await?;
    let now = match aiops {
        Some(on) => {
            client
                .set_project_mcp(id, &ProjectMcp { aiops: on })
                .await?
        }
        None => client.project_mcp(id).await?,
    };
    output::value(ctx.out, &now, || {
        format!(
            "aiops's MCP server is {} for project {id}'s sessions\n",
            if now.aiops { "on" } else { "off" }
        )
    })
}

/// `NAME=VALUE` lines from stdin (blank lines skipped).
fn read_secrets() -> Result<BTreeMap<String, String>, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::error(format!("reading the secrets from stdin: {e}")))?;
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| CliError::usage("each stdin line must be NAME=VALUE"))?;
        out.insert(k.trim().to_owned(), v.to_owned());
    }
    Ok(out)
}

impl Render for McpServer {
    const HEADERS: &'static [&'static str] = &["ID", "NAME", "PROJECT", "COMMAND/URL", "SECRETS"];
    fn row(&self) -> Vec<String> {
        let target = self.url.clone().unwrap_or_else(|| self.command.join(" "));
        let mut secrets = self.env.clone();
        secrets.extend(self.header.clone());
        vec![
            self.id.to_string(),
            self.name.clone(),
            self.project_id.map_or("(tenant)".into(), |p| p.to_string()),
            target,
            output::or_dash(
                Some(&secrets.join(", "))
                    .filter(|s| !s.is_empty())
                    .map(String::as_str),
            ),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        Self::HEADERS.iter().copied().zip(self.row()).collect()
    }
}
