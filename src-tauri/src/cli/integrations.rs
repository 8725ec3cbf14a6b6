//! `aiops integrations …`: a tenant's connections to GitHub, GitLab and Jira (admin for
//! changes). Tokens are read from stdin (`--token-stdin`), never from the command line,
//! so they stay out of shell history and `ps`.

use std::io::Read;

use aiops_types::{
    ConnectionTest, CreateIntegration, Integration, IntegrationListParams, Provider,
    UpdateIntegration,
};

use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, opt_ts, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages};

#[derive(Debug, clap::Subcommand)]
pub enum IntegrationsCommand {
    /// List the integrations of the tenants you belong to.
    List {
        /// Only this tenant's (id or slug).
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one integration.
    Get { id: i64 },
    /// Connect a tenant to a tracker (admin).
    Create {
        /// Tenant id or slug.
        #[arg(long)]
        tenant: String,
        /// github, gitlab or jira.
        #[arg(long, value_parser = ["github", "gitlab", "jira"])]
        provider: String,
        #[arg(long)]
        name: String,
        /// API root. Default: https://api.github.com, https://gitlab.com; required for
        /// Jira (https://<site>.atlassian.net) and self-hosted servers.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Read the token from stdin.
        #[arg(long)]
        token_stdin: bool,
        /// Jira: the Atlassian account email the API token belongs to.
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Change an integration (admin).
    Update {
        id: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Read a new token from stdin (an empty line removes the token).
        #[arg(long)]
        token_stdin: bool,
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Delete an integration, its project links and the issues synced through them (admin).
    Delete { id: i64 },
    /// Check the token against the tracker (yours when you set a personal one).
    Test { id: i64 },
}

#[derive(Debug, clap::Args)]
pub struct Settings {
    /// Jira: transition names tried, in order, to close an issue (comma-separated).
    #[arg(long, value_name = "A,B")]
    jira_close: Option<String>,
    /// Jira: transition names tried, in order, to reopen an issue (comma-separated).
    #[arg(long, value_name = "A,B")]
    jira_reopen: Option<String>,
    /// Seconds between scheduled syncs; 0 turns them off (default 300).
    #[arg(long, value_name = "SECS")]
    sync_interval: Option<u32>,
}

fn names(list: Option<String>) -> Option<Vec<String>> {
    list.map(|l| {
        l.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// All of stdin, surrounding whitespace dropped: a token piped in or typed and ended with
/// Ctrl-D.
pub fn read_token() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::error(format!("cannot read the token from stdin: {e}")))?;
    Ok(text.trim().to_owned())
}

pub async fn run(ctx: &Ctx, cmd: IntegrationsCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    let out = ctx.out;
    match cmd {
        IntegrationsCommand::List { tenant, page } => {
            list_pages(out, &page, |p| {
                let params = IntegrationListParams {
                    tenant: tenant.clone(),
                    limit: p.limit,
                    cursor: p.cursor,
                };
                async move { client.list_integrations(&params).await }
            })
            .await
        }
        IntegrationsCommand::Get { id } => output::one(out, &client.get_integration(id).await?),
        IntegrationsCommand::Create {
            tenant,
            provider,
            name,
            base_url,
            token_stdin,
            email,
            settings,
        } => {
            let provider: Provider = provider.parse().map_err(CliError::usage)?;
            let token = if token_stdin {
                Some(read_token()?)
            } else {
                None
            };
            let req = CreateIntegration {
                tenant,
                provider,
                name,
                base_url,
                token: token.filter(|t| !t.is_empty()).map(Into::into),
                email,
                jira_close_transitions: names(settings.jira_close),
                jira_reopen_transitions: names(settings.jira_reopen),
                sync_interval_secs: settings.sync_interval,
            };
            output::one(out, &client.create_integration(&req).await?)
        }
        IntegrationsCommand::Update {
            id,
            name,
            base_url,
            token_stdin,
            email,
            settings,
        } => {
            let req = UpdateIntegration {
                name,
                base_url,
                token: if token_stdin {
                    Some(read_token()?.into())
                } else {
                    None
                },
                email,
                jira_close_transitions: names(settings.jira_close),
                jira_reopen_transitions: names(settings.jira_reopen),
                sync_interval_secs: settings.sync_interval,
            };
            output::one(out, &client.update_integration(id, &req).await?)
        }
        IntegrationsCommand::Delete { id } => {
            client.delete_integration(id).await?;
            output::notice(out, &format!("Deleted integration {id}."))
        }
        IntegrationsCommand::Test { id } => {
            let result = client.test_integration(id).await?;
            output::one(out, &result)?;
            if result.ok {
                Ok(())
            } else {
                Err(CliError::error(format!(
                    "connection test of integration {id} failed: {}",
                    result.error.as_deref().unwrap_or("unknown error")
                )))
            }
        }
    }
}

fn health(i: &Integration) -> String {
    match (i.healthy, &i.health_error) {
        (None, _) => "unchecked".into(),
        (Some(true), _) => "ok".into(),
        (Some(false), Some(e)) => format!("failing: {e}"),
        (Some(false), None) => "failing".into(),
    }
}

impl Render for Integration {
    const HEADERS: &'static [&'static str] = &[
        "ID", "TENANT", "PROVIDER", "NAME", "BASE URL", "TOKEN", "HEALTH",
    ];

    fn row(&self) -> Vec<String> {
        let mut h = health(self);
        if h.chars().count() > 40 {
            h = h.chars().take(39).chain(['…']).collect();
        }
        vec![
            self.id.to_string(),
            self.tenant_slug.clone(),
            self.provider.as_str().to_owned(),
            self.name.clone(),
            self.base_url.clone(),
            if self.has_token { "set" } else { "-" }.to_owned(),
            h,
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            (
                "tenant",
                format!("{} (id {})", self.tenant_slug, self.tenant_id),
            ),
            ("provider", self.provider.as_str().to_owned()),
            ("name", self.name.clone()),
            ("base_url", self.base_url.clone()),
            ("email", or_dash(self.email.as_deref())),
            (
                "token",
                if self.has_token { "set" } else { "not set" }.to_owned(),
            ),
            ("health", health(self)),
            ("health_checked_at", opt_ts(self.health_checked_at.as_ref())),
            (
                "jira_close_transitions",
                or_dash(Some(&self.jira_close_transitions.join(", "))),
            ),
            (
                "jira_reopen_transitions",
                or_dash(Some(&self.jira_reopen_transitions.join(", "))),
            ),
            ("sync_interval_secs", self.sync_interval_secs.to_string()),
            ("created_at", ts(&self.created_at)),
            ("updated_at", ts(&self.updated_at)),
        ]
    }
}

impl Render for ConnectionTest {
    const HEADERS: &'static [&'static str] = &["OK", "IDENTITY", "CREDENTIAL", "ERROR"];

    fn row(&self) -> Vec<String> {
        vec![
            self.ok.to_string(),
            or_dash(self.identity.as_deref()),
            self.credential.clone(),
            or_dash(self.error.as_deref()),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ok", self.ok.to_string()),
            ("identity", or_dash(self.identity.as_deref())),
            ("credential", self.credential.clone()),
            ("error", or_dash(self.error.as_deref())),
        ]
    }
}
