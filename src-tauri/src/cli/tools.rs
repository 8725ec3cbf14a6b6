//! `aiops tools …`: the tool table sessions start. Everyone lists; admins change.

use aiops_types::{PutTool, Tool};

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
        /// Agent hooks aiops writes so the tool reports its state.
        #[arg(long, value_parser = ["claude", "codex", "none"])]
        hooks: Option<String>,
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Delete a custom tool (admin).
    Delete { name: String },
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
                hooks,
            };
            output::one(ctx.out, &client.put_tool(&name, &req).await?)
        }
        ToolsCommand::Delete { name } => {
            client.delete_tool(&name).await?;
            output::notice(ctx.out, &format!("Deleted tool {name}."))
        }
    }
}

impl Render for Tool {
    const HEADERS: &'static [&'static str] =
        &["NAME", "COMMAND", "ARGS", "YOLO ARGS", "PROMPT", "HOOKS"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.command.clone(),
            self.args.join(" "),
            self.yolo_args.join(" "),
            self.prompt.clone(),
            self.hooks.clone(),
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
            ("hooks", self.hooks.clone()),
            ("builtin", self.builtin.to_string()),
        ]
    }
}
