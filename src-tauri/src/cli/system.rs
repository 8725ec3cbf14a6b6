//! `aiops system …`: the server's status and operations (admin): backups, restart,
//! update, and the jobs they run as.

use crate::cli::exit::CliError;
use crate::cli::{Ctx, jobs};

#[derive(Debug, clap::Subcommand)]
pub enum SystemCommand {
    /// Background jobs: backups, restores, tool installs.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
}

pub async fn run(ctx: &Ctx, cmd: SystemCommand) -> Result<(), CliError> {
    match cmd {
        SystemCommand::Jobs(cmd) => jobs::run(ctx, cmd).await,
    }
}
