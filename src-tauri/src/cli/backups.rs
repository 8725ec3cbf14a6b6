//! `aiops system backup create|list|download|restore|delete`: backups of the server's
//! data dir. Making and restoring one are jobs on the server; these verbs follow them
//! (output on stderr) and exit with their outcome.

use std::path::PathBuf;
use std::time::Duration;

use aiops_types::{Backup, CreateBackup, RestoreBackup};

use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, ts};
use crate::cli::{Ctx, ask, jobs, system};

#[derive(Debug, clap::Subcommand)]
pub enum BackupCommand {
    /// Make a backup now (a consistent copy while the server keeps writing).
    Create {
        #[arg(long, short = 'd')]
        description: Option<String>,
        /// Encrypt the archive with a passphrase read from one line of stdin; only then
        /// does it include secret.key (without it, stored tokens and SSH keys must be
        /// entered again after a restore elsewhere).
        #[arg(long)]
        passphrase_stdin: bool,
        /// Print the job and return instead of following it.
        #[arg(long)]
        no_wait: bool,
    },
    /// Backups on the server, newest first.
    List,
    /// Save a backup's archive here (under its own name) or to --file.
    Download {
        id: String,
        #[arg(long, short = 'f', value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// Restore a backup on the server: checked first, then the server restarts onto it
    /// (sessions keep running). The previous database is kept.
    Restore {
        id: String,
        /// The passphrase of an encrypted archive, from one line of stdin.
        #[arg(long)]
        passphrase_stdin: bool,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Delete a backup.
    Delete {
        id: String,
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

pub async fn run(ctx: &Ctx, cmd: BackupCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    match cmd {
        BackupCommand::Create {
            description,
            passphrase_stdin,
            no_wait,
        } => {
            let req = CreateBackup {
                description,
                passphrase: ask::passphrase(passphrase_stdin)?,
            };
            let job = client.create_backup(&req).await?;
            if no_wait {
                return output::one(ctx.out, &job);
            }
            let job = jobs::follow(&client, job.id).await?;
            jobs::outcome(&job)?;
            let backup: Backup = job
                .result
                .and_then(|v| serde_json::from_value(v).ok())
                .ok_or_else(|| CliError::error("the backup job returned no backup"))?;
            output::one(ctx.out, &backup)
        }
        BackupCommand::List => output::list(ctx.out, &client.list_backups().await?),
        BackupCommand::Download { id, file } => {
            let dest = file.unwrap_or_else(|| PathBuf::from(&id));
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(b) = client.get_backup(&id).await {
                bar.set_length(b.size_bytes);
            }
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bytes}/{total_bytes} {wide_bar} {eta}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let size = client
                .download_backup(&id, &dest, &mut |n| bar.set_position(n))
                .await?;
            bar.finish_and_clear();
            eprintln!("Saved {} ({size} bytes).", dest.display());
            Ok(())
        }
        BackupCommand::Restore {
            id,
            passphrase_stdin,
            yes,
        } => {
            let backup = client.get_backup(&id).await?;
            if backup.encrypted && !passphrase_stdin {
                return Err(CliError::usage(
                    "this backup is encrypted: give its passphrase with --passphrase-stdin",
                ));
            }
            let passphrase = ask::passphrase(passphrase_stdin)?;
            ask::confirm(
                &format!(
                    "Replace the server's database with the backup of {}? The server restarts",
                    ts(&backup.created_at)
                ),
                yes,
            )?;
            let before = client.system_status().await?.started_at;
            let job = client
                .restore_backup(&id, &RestoreBackup { passphrase })
                .await?;
            let job = jobs::follow(&client, job.id).await?;
            jobs::outcome(&job)?;
            system::wait_for_restart(&client, before, Duration::from_secs(120)).await?;
            eprintln!("Restored {id}; the server is back.");
            Ok(())
        }
        BackupCommand::Delete { id, yes } => {
            ask::confirm(&format!("Delete backup {id}?"), yes)?;
            client.delete_backup(&id).await?;
            output::notice(ctx.out, &format!("Deleted {id}."))
        }
    }
}

impl Render for Backup {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "CREATED",
        "SIZE",
        "SCHEMA",
        "ENCRYPTED",
        "KEY",
        "TRIGGER",
        "DESCRIPTION",
    ];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            ts(&self.created_at),
            self.size_bytes.to_string(),
            self.schema_version.to_string(),
            yes_no(self.encrypted),
            yes_no(self.includes_secret_key),
            self.trigger.clone(),
            self.description.clone(),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.clone()),
            ("created_at", ts(&self.created_at)),
            ("size_bytes", self.size_bytes.to_string()),
            ("aiops_version", self.aiops_version.clone()),
            ("schema_version", self.schema_version.to_string()),
            ("encrypted", yes_no(self.encrypted)),
            ("includes_secret_key", yes_no(self.includes_secret_key)),
            ("trigger", self.trigger.clone()),
            ("description", self.description.clone()),
        ]
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}
