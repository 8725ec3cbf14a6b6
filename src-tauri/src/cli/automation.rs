//! `aiops automation …`: Ansible through Semaphore or `ansible-playbook` on the server.
//! Targets (`targets list|get|create|update|delete|test`), a Semaphore target's
//! `templates`, and runs (`run`, `runs …`: see `automation_runs`). Secrets (a Semaphore
//! API token, a vault password) are read from stdin, never from the command line.

use aiops_client::Client;
use aiops_types::{
    AutomationKind, AutomationTarget, AutomationTargetListParams, AutomationTemplate,
    AutomationTest, CreateAutomationTarget, UpdateAutomationTarget,
};

use crate::cli::automation_runs::{self, RunArgs, RunsCommand};
use crate::cli::exit::CliError;
use crate::cli::integrations::read_token;
use crate::cli::output::{self, Render, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages};

#[derive(Debug, clap::Subcommand)]
pub enum AutomationCommand {
    /// Where runs execute: Semaphore servers and local ansible-playbook, per tenant.
    #[command(subcommand)]
    Targets(TargetsCommand),
    /// A Semaphore target's task templates.
    Templates {
        /// Target id, name or tenant/name.
        target: String,
        /// Another Semaphore project than the target's default.
        #[arg(long, value_name = "ID")]
        project_id: Option<i64>,
    },
    /// Start a run: a Semaphore template, or a playbook from a project's repository.
    Run(Box<RunArgs>),
    /// Runs: list, show, follow the log, stop.
    #[command(subcommand)]
    Runs(RunsCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum TargetsCommand {
    /// Targets of the tenants you belong to.
    List {
        /// Only this tenant's (id or slug).
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one target.
    Get { target: String },
    /// Add a target to a tenant (server or tenant admins).
    Create {
        /// Tenant id or slug.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        /// semaphore or local.
        #[arg(long, value_parser = ["semaphore", "local"])]
        kind: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Change a target (server or tenant admins).
    Update {
        target: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Delete a target and its runs.
    Delete { target: String },
    /// Check that a target works (Semaphore answers; ansible-playbook runs here).
    Test { target: String },
}

#[derive(Debug, clap::Args)]
pub struct Settings {
    /// Semaphore: the server's root URL (https://semaphore.example.com).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Semaphore: read the API token from stdin (update: an empty line removes it).
    #[arg(long)]
    token_stdin: bool,
    /// Semaphore: the default project's id.
    #[arg(long, value_name = "ID")]
    project_id: Option<i64>,
    /// Semaphore: verify its TLS certificate (default true).
    #[arg(long, value_name = "BOOL")]
    verify_tls: Option<bool>,
    /// Semaphore: seconds one request may take (default 15).
    #[arg(long, value_name = "SECS")]
    http_timeout: Option<u32>,
    /// Seconds a run may take before it is stopped (default 600).
    #[arg(long, value_name = "SECS")]
    task_timeout: Option<u32>,
    /// Semaphore: seconds between status polls (default 2).
    #[arg(long, value_name = "SECS")]
    poll_interval: Option<u32>,
    /// Local: default inventory, a file in the repository or `host1,host2,`.
    #[arg(long, value_name = "INVENTORY")]
    inventory: Option<String>,
    /// Local: read the Ansible Vault password from stdin (update: an empty line removes it).
    #[arg(long)]
    vault_password_stdin: bool,
}

impl Settings {
    /// The one secret stdin holds (both at once would need two reads of one stream).
    fn secrets(&self) -> Result<(Option<String>, Option<String>), CliError> {
        match (self.token_stdin, self.vault_password_stdin) {
            (true, true) => Err(CliError::usage(
                "read one secret per call: pass --token-stdin or --vault-password-stdin",
            )),
            (true, false) => Ok((Some(read_token()?), None)),
            (false, true) => Ok((None, Some(read_token()?))),
            (false, false) => Ok((None, None)),
        }
    }
}

/// The target `text` names: an id, a name, or `tenant/name`. `NotFound` when none of
/// the caller's targets has it; a usage error when a bare name is in several tenants.
pub async fn resolve(client: &Client, text: &str) -> Result<AutomationTarget, CliError> {
    if let Ok(id) = text.parse::<i64>() {
        return Ok(client.automation_target(id).await?);
    }
    let (tenant, name) = match text.split_once('/') {
        Some((t, n)) => (Some(t.to_owned()), n),
        None => (None, text),
    };
    let mut found = Vec::new();
    let mut cursor = None;
    loop {
        let params = AutomationTargetListParams {
            tenant: tenant.clone(),
            limit: Some(500),
            cursor,
        };
        let page = client.list_automation_targets(&params).await?;
        found.extend(page.items.into_iter().filter(|t| t.name == name));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    match found.len() {
        0 => Err(CliError::not_found(format!(
            "no automation target `{text}` (see `aiops automation targets list`)"
        ))),
        1 => Ok(found.remove(0)),
        _ => Err(CliError::usage(format!(
            "`{name}` is a target of several tenants: use {}",
            found
                .iter()
                .map(|t| format!("{}/{}", t.tenant_slug, t.name))
                .collect::<Vec<_>>()
                .join(" or ")
        ))),
    }
}

pub async fn run(ctx: &Ctx, cmd: AutomationCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    let out = ctx.out;
    match cmd {
        AutomationCommand::Targets(cmd) => targets(ctx, client, cmd).await,
        AutomationCommand::Templates { target, project_id } => {
            let t = resolve(client, &target).await?;
            output::list(out, &client.automation_templates(t.id, project_id).await?)
        }
        AutomationCommand::Run(args) => automation_runs::start(ctx, client, *args).await,
        AutomationCommand::Runs(cmd) => automation_runs::run(ctx, client, cmd).await,
    }
}

async fn targets(ctx: &Ctx, client: &Client, cmd: TargetsCommand) -> Result<(), CliError> {
    let out = ctx.out;
    match cmd {
        TargetsCommand::List { tenant, page } => {
            list_pages(out, &page, |p| {
                let params = AutomationTargetListParams {
                    tenant: tenant.clone(),
                    limit: p.limit,
                    cursor: p.cursor,
                };
                async move { client.list_automation_targets(&params).await }
            })
            .await
        }
        TargetsCommand::Get { target } => output::one(out, &resolve(client, &target).await?),
        TargetsCommand::Create {
            tenant,
            name,
            kind,
            settings: s,
        } => {
            let kind: AutomationKind = kind.parse().map_err(CliError::usage)?;
            let (token, vault_password) = s.secrets()?;
            let req = CreateAutomationTarget {
                tenant,
                name,
                kind,
                base_url: s.base_url,
                token: token.filter(|t| !t.is_empty()).map(Into::into),
                semaphore_project_id: s.project_id,
                verify_tls: s.verify_tls,
                http_timeout_secs: s.http_timeout,
                task_timeout_secs: s.task_timeout,
                poll_interval_secs: s.poll_interval,
                inventory: s.inventory,
                vault_password: vault_password.filter(|t| !t.is_empty()).map(Into::into),
            };
            output::one(out, &client.create_automation_target(&req).await?)
        }
        TargetsCommand::Update {
            target,
            name,
            settings: s,
        } => {
            let t = resolve(client, &target).await?;
            let (token, vault_password) = s.secrets()?;
            let req = UpdateAutomationTarget {
                name,
                base_url: s.base_url,
                token: token.map(Into::into),
                semaphore_project_id: s.project_id,
                verify_tls: s.verify_tls,
                http_timeout_secs: s.http_timeout,
                task_timeout_secs: s.task_timeout,
                poll_interval_secs: s.poll_interval,
                inventory: s.inventory,
                vault_password: vault_password.map(Into::into),
            };
            output::one(out, &client.update_automation_target(t.id, &req).await?)
        }
        TargetsCommand::Delete { target } => {
            let t = resolve(client, &target).await?;
            client.delete_automation_target(t.id).await?;
            output::notice(
                out,
                &format!("Deleted automation target {} ({}).", t.name, t.id),
            )
        }
        TargetsCommand::Test { target } => {
            let t = resolve(client, &target).await?;
            let result = client.test_automation_target(t.id).await?;
            output::one(out, &result)?;
            if result.ok {
                Ok(())
            } else {
                Err(CliError::error(format!(
                    "automation target {} does not work: {}",
                    t.name, result.detail
                )))
            }
        }
    }
}

impl Render for AutomationTarget {
    const HEADERS: &'static [&'static str] = &["ID", "TENANT", "NAME", "KIND", "WHERE", "SECRET"];

    fn row(&self) -> Vec<String> {
        let place = match self.kind {
            AutomationKind::Semaphore => format!(
                "{} project {}",
                self.base_url.as_deref().unwrap_or("-"),
                self.semaphore_project_id.unwrap_or_default()
            ),
            AutomationKind::Local => format!(
                "this server, inventory {}",
                self.inventory.as_deref().unwrap_or("-")
            ),
        };
        let secret = if self.has_token || self.has_vault_password {
            "set"
        } else {
            "-"
        };
        vec![
            self.id.to_string(),
            self.tenant_slug.clone(),
            self.name.clone(),
            self.kind.as_str().to_owned(),
            place,
            secret.to_owned(),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let set = |b: bool| if b { "set" } else { "not set" }.to_owned();
        vec![
            ("id", self.id.to_string()),
            (
                "tenant",
                format!("{} (id {})", self.tenant_slug, self.tenant_id),
            ),
            ("name", self.name.clone()),
            ("kind", self.kind.as_str().to_owned()),
            ("base_url", or_dash(self.base_url.as_deref())),
            ("token", set(self.has_token)),
            (
                "semaphore_project_id",
                or_dash(self.semaphore_project_id.map(|i| i.to_string()).as_deref()),
            ),
            ("verify_tls", self.verify_tls.to_string()),
            ("http_timeout_secs", self.http_timeout_secs.to_string()),
            ("task_timeout_secs", self.task_timeout_secs.to_string()),
            ("poll_interval_secs", self.poll_interval_secs.to_string()),
            ("inventory", or_dash(self.inventory.as_deref())),
            ("vault_password", set(self.has_vault_password)),
            ("created_at", ts(&self.created_at)),
            ("updated_at", ts(&self.updated_at)),
        ]
    }
}

impl Render for AutomationTemplate {
    const HEADERS: &'static [&'static str] = &["ID", "NAME", "PLAYBOOK", "ARGS", "DESCRIPTION"];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            self.playbook.clone(),
            if self.allow_override_args { "yes" } else { "-" }.to_owned(),
            or_dash(self.description.as_deref()),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("name", self.name.clone()),
            ("playbook", self.playbook.clone()),
            ("allow_override_args", self.allow_override_args.to_string()),
            ("description", or_dash(self.description.as_deref())),
        ]
    }
}

impl Render for AutomationTest {
    const HEADERS: &'static [&'static str] = &["OK", "DETAIL"];

    fn row(&self) -> Vec<String> {
        vec![self.ok.to_string(), self.detail.clone()]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![("ok", self.ok.to_string()), ("detail", self.detail.clone())]
    }
}
