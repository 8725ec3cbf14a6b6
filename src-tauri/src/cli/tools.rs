//! `aiops tools …`: the tool table sessions start. Everyone lists; admins change.

use aiops_types::{PutTool, Tool, ToolCredential, ToolCredentialKind};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render};

#[derive(Debug, clap::Subcommand)]
pub enum ToolsCommand {
    /// Every tool: built-ins (claude, codex, aider, shell) first.
    List,
    /// Create or replace a tool (admin). Arguments after `--` are its default args.
    Set {
        name: String,
        /// Program name on PATH or absolute path.
        #[arg(long)]
        command: String,
        /// Replace the args under `--yolo` (repeatable; one argument each).
        #[arg(long = "yolo-arg", value_name = "ARG", allow_hyphen_values = true)]
        yolo_args: Vec<String>,
        /// Extra environment, `KEY=VALUE` (repeatable).
        #[arg(long = "env", value_name = "KEY=VALUE")]
        env: Vec<String>,
        /// `argument`: the initial prompt is passed as the last argument.
        #[arg(long, value_parser = ["argument", "none"])]
        prompt: Option<String>,
        /// Which agent it is (its hooks, keys and tool-home files follow): claude,
        /// codex, aider or generic (default).
        #[arg(long, value_parser = ["claude", "codex", "aider", "generic"])]
        kind: Option<String>,
        /// Deprecated: use --kind.
        #[arg(long, value_parser = ["claude", "codex", "none"], hide = true)]
        hooks: Option<String>,
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Delete a custom tool (admin).
    Delete { name: String },
    /// Your own keys for the agents; they reach only your sessions.
    #[command(subcommand)]
    Credentials(CredentialsCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum CredentialsCommand {
    /// Which ones you have stored (never their values).
    List,
    /// Store one, read from stdin: anthropic_api_key, claude_oauth_token, openai_api_key,
    /// or codex_auth_json (the whole auth.json, e.g. `< ~/.codex/auth.json`).
    Set { kind: String },
    /// Delete one.
    Delete { kind: String },
}

pub async fn run(ctx: &Ctx, cmd: ToolsCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    match cmd {
        ToolsCommand::List => output::list(ctx.out, &client.tools().await?),
        ToolsCommand::Set {
            name,
            command,
            yolo_args,
            env,
            prompt,
            kind,
            hooks,
            args,
        } => {
            let env = env
                .iter()
                .map(|kv| {
                    kv.split_once('=')
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .ok_or_else(|| CliError::usage(format!("--env `{kv}` is not KEY=VALUE")))
                })
                .collect::<Result<_, _>>()?;
            let req = PutTool {
                command,
                args,
                yolo_args,
                env,
                prompt,
                kind,
                hooks,
            };
            output::one(ctx.out, &client.put_tool(&name, &req).await?)
        }
        ToolsCommand::Delete { name } => {
            client.delete_tool(&name).await?;
            output::notice(ctx.out, &format!("Deleted tool {name}."))
        }
        ToolsCommand::Credentials(cmd) => credentials(ctx, &client, cmd).await,
    }
}

async fn credentials(
    ctx: &Ctx,
    client: &aiops_client::Client,
    cmd: CredentialsCommand,
) -> Result<(), CliError> {
    let kind = |k: &str| k.parse::<ToolCredentialKind>().map_err(CliError::usage);
    match cmd {
        CredentialsCommand::List => output::list(ctx.out, &client.tool_credentials().await?),
        CredentialsCommand::Set { kind: k } => {
            let k = kind(&k)?;
            let mut value = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut value)
                .map_err(|e| CliError::error(format!("cannot read stdin: {e}")))?;
            let stored = client.set_tool_credential(k, &value).await?;
            output::one(ctx.out, &stored)
        }
        CredentialsCommand::Delete { kind: k } => {
            let k = kind(&k)?;
            client.delete_tool_credential(k).await?;
            output::notice(ctx.out, &format!("Deleted {}.", k.as_str()))
        }
    }
}

impl Render for ToolCredential {
    const HEADERS: &'static [&'static str] = &["KIND", "UPDATED"];
    fn row(&self) -> Vec<String> {
        vec![self.kind.as_str().to_owned(), output::ts(&self.updated_at)]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("kind", self.kind.as_str().to_owned()),
            ("updated_at", output::ts(&self.updated_at)),
        ]
    }
}

impl Render for Tool {
    const HEADERS: &'static [&'static str] =
        &["NAME", "KIND", "COMMAND", "ARGS", "YOLO ARGS", "PROMPT"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.kind.clone(),
            self.command.clone(),
            self.args.join(" "),
            self.yolo_args.join(" "),
            self.prompt.clone(),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("command", self.command.clone()),
            ("args", self.args.join(" ")),
            ("yolo_args", self.yolo_args.join(" ")),
            (
                "env",
                self.env.keys().cloned().collect::<Vec<_>>().join(", "),
            ),
            ("prompt", self.prompt.clone()),
            ("kind", self.kind.clone()),
            ("builtin", self.builtin.to_string()),
        ]
    }
}
