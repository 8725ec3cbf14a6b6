//! `aiops system …`: the server's status and operations (admin): backups, restart,
//! update, and the jobs they run as.

use std::time::{Duration, Instant};

use aiops_client::Client;
use aiops_types::{Status, UpdateRequest};

use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, or_dash, ts};
use crate::cli::{Ctx, backups, jobs};

#[derive(Debug, clap::Subcommand)]
pub enum SystemCommand {
    /// Version, uptime, database, sessions by state, tmux/git/sandbox, backups, jobs,
    /// free disk.
    Status,
    /// Restart the server gracefully in place: sessions keep running, clients
    /// reconnect. Waits until it answers again.
    Restart,
    /// Update the server's binary from its signed release manifest (`update_url`); a
    /// package manager's install says its own command instead. Restart to run it.
    Update,
    /// Update, then restart onto the new binary and wait until it answers.
    UpdateAndRestart,
    /// Backups of the data dir: create, list, download, restore, delete.
    #[command(subcommand)]
    Backup(backups::BackupCommand),
    /// Background jobs: backups, restores, tool installs.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
}

pub async fn run(ctx: &Ctx, cmd: SystemCommand) -> Result<(), CliError> {
    match cmd {
        SystemCommand::Status => output::one(ctx.out, &ctx.client()?.system_status().await?),
        SystemCommand::Restart => {
            let client = ctx.client()?;
            let before = client.system_status().await?.started_at;
            client.restart_server().await?;
            let after = wait_for_restart(&client, before, Duration::from_secs(60)).await?;
            output::notice(
                ctx.out,
                &format!(
                    "Restarted: aiops {} since {}.",
                    after.version,
                    ts(&after.started_at)
                ),
            )
        }
        SystemCommand::Update => update(ctx, false).await,
        SystemCommand::UpdateAndRestart => update(ctx, true).await,
        SystemCommand::Backup(cmd) => backups::run(ctx, cmd).await,
        SystemCommand::Jobs(cmd) => jobs::run(ctx, cmd).await,
    }
}

async fn update(ctx: &Ctx, restart: bool) -> Result<(), CliError> {
    let client = ctx.client()?;
    let before = client.system_status().await?.started_at;
    let job = client.update_server(&UpdateRequest { restart }).await?;
    let job = jobs::follow(&client, job.id).await?;
    jobs::outcome(&job)?;
    let result = job.result.unwrap_or_default();
    let (from, to) = (
        result["from"].as_str().unwrap_or("?"),
        result["to"].as_str().unwrap_or("?"),
    );
    if result["replaced"] != true {
        return output::notice(ctx.out, &format!("Already up to date: aiops {from}."));
    }
    if !restart {
        return output::notice(
            ctx.out,
            &format!("Updated the binary from {from} to {to}; `aiops system restart` runs it."),
        );
    }
    let after = wait_for_restart(&client, before, Duration::from_secs(120)).await?;
    output::notice(
        ctx.out,
        &format!(
            "Updated from {from} and restarted: aiops {}.",
            after.version
        ),
    )
}

/// Waits until the server answers with a `started_at` other than `before` (it
/// restarted), retrying through the moment it does not answer; returns its status.
pub async fn wait_for_restart(
    client: &Client,
    before: time::OffsetDateTime,
    limit: Duration,
) -> Result<Status, CliError> {
    let start = Instant::now();
    let mut wait = Duration::from_millis(50);
    loop {
        if let Ok(s) = client.system_status().await
            && s.started_at != before
        {
            return Ok(s);
        }
        if start.elapsed() > limit {
            return Err(CliError::error(format!(
                "the server did not come back within {} s; see its log",
                limit.as_secs()
            )));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(1));
    }
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

impl Render for Status {
    const HEADERS: &'static [&'static str] = &["VERSION", "UPTIME", "SESSIONS", "LAST BACKUP"];

    fn row(&self) -> Vec<String> {
        vec![
            self.version.clone(),
            format!("{} s", self.uptime_seconds),
            self.sessions.values().sum::<u64>().to_string(),
            or_dash(
                self.last_backup
                    .as_ref()
                    .map(|b| ts(&b.created_at))
                    .as_deref(),
            ),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let sessions = self
            .sessions
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>();
        vec![
            ("version", self.version.clone()),
            ("started_at", ts(&self.started_at)),
            ("uptime_seconds", self.uptime_seconds.to_string()),
            ("data_dir", self.data_dir.clone()),
            (
                "database",
                format!("{} (schema {})", bytes(self.db_bytes), self.schema_version),
            ),
            (
                "disk_free",
                self.disk_free_bytes.map_or_else(|| "-".into(), bytes),
            ),
            ("users", self.users.to_string()),
            ("tenants", self.tenants.to_string()),
            ("projects", self.projects.to_string()),
            ("api_keys_active", self.api_keys_active.to_string()),
            (
                "sessions",
                if sessions.is_empty() {
                    "none".into()
                } else {
                    sessions.join(", ")
                },
            ),
            ("tmux", or_dash(self.tmux_version.as_deref())),
            ("git", or_dash(self.git_version.as_deref())),
            (
                "sandbox",
                format!("{} ({})", self.sandbox, self.sandbox_mode),
            ),
            (
                "last_backup",
                self.last_backup.as_ref().map_or_else(
                    || "never".into(),
                    |b| format!("{} ({})", b.id, ts(&b.created_at)),
                ),
            ),
            ("backups", self.backups.to_string()),
            (
                "jobs",
                format!("{} queued, {} running", self.jobs_queued, self.jobs_running),
            ),
        ]
    }
}
