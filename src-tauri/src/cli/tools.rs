//! `aiops tools …`: the tool table sessions start. Everyone lists; admins change it and
//! install or upgrade the agent CLIs (a job on the server, followed here).

use aiops_types::{InstallTool, PutTool, Tool, ToolCredential, ToolCredentialKind, ToolStatus};

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
    /// Which agent CLIs are installed, where, at which version, and the registry's newest
    /// (admin).
    Status,
    /// Install a tool's agent CLI into aiops's prefix (<data>/tools; first on every
    /// session's PATH), following the job's output (admin).
    #[command(disable_version_flag = true)]
    Install(InstallArgs),
    /// Upgrade a tool aiops installed to the newest version, or to --version (admin).
    #[command(disable_version_flag = true)]
    Upgrade(InstallArgs),
    /// Your own keys for the agents; they reach only your sessions.
    #[command(subcommand)]
    Credentials(CredentialsCommand),
}

#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// A tool of kind claude, codex or aider.
    name: String,
    /// The exact version (e.g. 0.171.0); default: the newest.
    #[arg(long)]
    version: Option<String>,
    /// Print the queued job and return; follow it with `aiops system jobs show ID -f`.
    #[arg(long)]
    no_wait: bool,
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
        ToolsCommand::Status => output::list(ctx.out, &client.tools_status().await?),
        ToolsCommand::Install(args) => install(ctx, &client, args, false).await,
        ToolsCommand::Upgrade(args) => install(ctx, &client, args, true).await,
        ToolsCommand::Credentials(cmd) => credentials(ctx, &client, cmd).await,
    }
}

/// Queues the install and, unless `--no-wait`, prints its output as it comes and then
/// the tool's status; a failed or cancelled job exits non-zero.
async fn install(
    ctx: &Ctx,
    client: &aiops_client::Client,
    args: InstallArgs,
    upgrade: bool,
) -> Result<(), CliError> {
    let req = InstallTool {
        version: args.version,
    };
    let job = client.install_tool(&args.name, upgrade, &req).await?;
    if args.no_wait {
        return output::one(ctx.out, &job);
    }
    let job = crate::cli::jobs::follow(client, job.id).await?;
    crate::cli::jobs::outcome(&job)?;
    match job
        .result
        .clone()
        .and_then(|v| serde_json::from_value::<ToolStatus>(v).ok())
    {
        Some(status) => output::one(ctx.out, &status),
        None => output::one(ctx.out, &job),
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

impl Render for ToolStatus {
    const HEADERS: &'static [&'static str] = &[
        "NAME",
        "INSTALLED",
        "SOURCE",
        "VERSION",
        "LATEST",
        "UPGRADE",
        "PATH",
    ];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            if self.installed { "yes" } else { "no" }.to_owned(),
            self.source.clone(),
            output::or_dash(self.version.as_deref()),
            output::or_dash(self.latest.as_deref()),
            if self.upgrade_available { "yes" } else { "-" }.to_owned(),
            output::or_dash(self.path.as_deref()),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("kind", self.kind.clone()),
            ("manager", output::or_dash(self.manager.as_deref())),
            ("package", output::or_dash(self.package.as_deref())),
            ("program", self.program.clone()),
            ("installed", self.installed.to_string()),
            ("source", self.source.clone()),
            ("path", output::or_dash(self.path.as_deref())),
            ("version", output::or_dash(self.version.as_deref())),
            ("latest", output::or_dash(self.latest.as_deref())),
            ("upgrade_available", self.upgrade_available.to_string()),
            ("note", output::or_dash(self.note.as_deref())),
        ]
    }
}
