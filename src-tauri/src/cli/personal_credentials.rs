//! `aiops credentials …`: your personal tracker tokens and identities. With a personal
//! token, what you do through aiops on that tracker (comments, assignments, closing) is
//! done as you. Tokens are read from stdin and never shown again.

use aiops_types::{PersonalCredential, SetPersonalCredential};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::integrations::read_token;
use crate::cli::output::{self, Render, or_dash, ts};

#[derive(Debug, clap::Subcommand)]
pub enum CredentialsCommand {
    /// List your personal credentials (which integrations have a token, and your login).
    List,
    /// Store your token and/or tracker identity for an integration.
    Set {
        /// Integration id (`aiops integrations list`).
        integration: i64,
        /// Read the token from stdin.
        #[arg(long)]
        token_stdin: bool,
        /// Your GitHub login, GitLab username or Jira accountId (used to map
        /// `--assignee you@example.com` to the tracker).
        #[arg(long)]
        login: Option<String>,
        /// Jira: the Atlassian account email of the token (default: your aiops email).
        #[arg(long)]
        email: Option<String>,
    },
    /// Forget your token and identity for an integration.
    Delete { integration: i64 },
}

pub async fn run(ctx: &Ctx, cmd: CredentialsCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let out = ctx.out;
    match cmd {
        CredentialsCommand::List => output::list(out, &client.list_credentials().await?),
        CredentialsCommand::Set {
            integration,
            token_stdin,
            login,
            email,
        } => {
            if !token_stdin && login.is_none() && email.is_none() {
                return Err(CliError::usage(
                    "pass --token-stdin, --login L or --email E",
                ));
            }
            let req = SetPersonalCredential {
                token: if token_stdin {
                    Some(read_token()?.into())
                } else {
                    None
                },
                login,
                email,
            };
            output::one(out, &client.set_credential(integration, &req).await?)
        }
        CredentialsCommand::Delete { integration } => {
            client.delete_credential(integration).await?;
            output::notice(
                out,
                &format!("Deleted your credential for integration {integration}."),
            )
        }
    }
}

impl Render for PersonalCredential {
    const HEADERS: &'static [&'static str] = &[
        "INTEGRATION",
        "NAME",
        "PROVIDER",
        "TOKEN",
        "LOGIN",
        "UPDATED",
    ];

    fn row(&self) -> Vec<String> {
        vec![
            self.integration_id.to_string(),
            self.integration_name.clone(),
            self.provider.as_str().to_owned(),
            if self.has_token { "set" } else { "-" }.to_owned(),
            or_dash(self.login.as_deref()),
            ts(&self.updated_at),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("integration_id", self.integration_id.to_string()),
            ("integration", self.integration_name.clone()),
            ("provider", self.provider.as_str().to_owned()),
            (
                "token",
                if self.has_token { "set" } else { "not set" }.to_owned(),
            ),
            ("login", or_dash(self.login.as_deref())),
            ("email", or_dash(self.email.as_deref())),
            ("updated_at", ts(&self.updated_at)),
        ]
    }
}
