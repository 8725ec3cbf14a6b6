//! `aiops agents global …`: the instructions every session's `AGENTS.override.md` starts
//! with. Everyone reads them; admins change them, and every change is a version that can
//! be diffed and rolled back.

use aiops_types::{AgentDiffParams, AgentInstructions, SetAgentInstructions};

use crate::cli::exit::CliError;
use crate::cli::output::{self, OutputFormat, Render, opt_ts, or_dash};
use crate::cli::{Ctx, PageArgs, list_pages};

#[derive(Debug, clap::Subcommand)]
pub enum AgentsCommand {
    /// The global agent instructions.
    #[command(subcommand)]
    Global(GlobalCommand),
}

#[derive(Debug, clap::Subcommand)]
pub enum GlobalCommand {
    /// Print the current instructions (Markdown; `-o json` for the version too).
    Get,
    /// Replace them (admin): from a file, or stdin with `--stdin`.
    Set {
        #[arg(long, value_name = "PATH", conflicts_with = "stdin")]
        file: Option<std::path::PathBuf>,
        #[arg(long)]
        stdin: bool,
        /// Why it changed (kept in the history).
        #[arg(long)]
        note: Option<String>,
        /// Refuse if the current version is not this one (someone else changed it).
        #[arg(long, value_name = "N")]
        base_version: Option<i64>,
    },
    /// Every version, newest first.
    History {
        #[command(flatten)]
        page: PageArgs,
    },
    /// Unified diff from version FROM to TO (default: the current one).
    Diff { from: i64, to: Option<i64> },
    /// Make version N current again (admin; recorded as a new version).
    Rollback {
        #[arg(value_name = "N")]
        target: i64,
    },
}

pub async fn run(ctx: &Ctx, cmd: AgentsCommand) -> Result<(), CliError> {
    let AgentsCommand::Global(cmd) = cmd;
    let client = ctx.client()?;
    let out = ctx.out;
    match cmd {
        GlobalCommand::Get => {
            let current = client.agent_instructions().await?;
            match out {
                OutputFormat::Table => output::stdout(&with_newline(&current.body)),
                _ => output::one(out, &current),
            }
        }
        GlobalCommand::Set {
            file,
            stdin,
            note,
            base_version,
        } => {
            let body = match (file, stdin) {
                (Some(path), _) => std::fs::read_to_string(&path)
                    .map_err(|e| CliError::error(format!("cannot read {}: {e}", path.display())))?,
                (None, true) => {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                        .map_err(|e| CliError::error(format!("cannot read stdin: {e}")))?;
                    text
                }
                (None, false) => return Err(CliError::usage("pass --file PATH or --stdin")),
            };
            let req = SetAgentInstructions {
                body,
                base_version,
                note,
            };
            output::one(out, &client.set_agent_instructions(&req).await?)
        }
        GlobalCommand::History { page } => {
            let client = &client;
            list_pages(out, &page, |p| async move {
                client.agent_instructions_history(&p).await
            })
            .await
        }
        GlobalCommand::Diff { from, to } => {
            let d = client
                .agent_instructions_diff(&AgentDiffParams { from, to })
                .await?;
            output::value(out, &d, || {
                if d.diff.is_empty() {
                    format!("Versions {} and {} are the same.\n", d.from, d.to)
                } else {
                    with_newline(&d.diff)
                }
            })
        }
        GlobalCommand::Rollback { target } => {
            output::one(out, &client.rollback_agent_instructions(target).await?)
        }
    }
}

fn with_newline(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') {
        s.to_owned()
    } else {
        format!("{s}\n")
    }
}

impl Render for AgentInstructions {
    const HEADERS: &'static [&'static str] = &["VERSION", "AUTHOR", "CREATED", "BYTES", "NOTE"];

    fn row(&self) -> Vec<String> {
        vec![
            self.version.to_string(),
            or_dash(Some(&self.author)),
            opt_ts(self.created_at.as_ref()),
            self.body.len().to_string(),
            or_dash(Some(&self.note)),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("version", self.version.to_string()),
            ("author", or_dash(Some(&self.author))),
            ("created_at", opt_ts(self.created_at.as_ref())),
            ("note", or_dash(Some(&self.note))),
            ("bytes", self.body.len().to_string()),
        ]
    }
}
