//! `aiops system jobs …` and following a job: backups, restores and tool installs run as
//! jobs on the server; the verbs that start one follow it here, printing its output on
//! stderr as it arrives (a long poll, no fixed interval) and ending with its outcome.

use aiops_client::Client;
use aiops_types::{Job, JobListParams, JobLogParams, JobState};

use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, opt_ts, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages};

/// Seconds each long poll may wait for new output.
const POLL_WAIT: u32 = 10;

#[derive(Debug, clap::Subcommand)]
pub enum JobsCommand {
    /// Jobs, newest first.
    List {
        /// Only jobs of this kind: backup, restore, tool_install, tool_upgrade.
        #[arg(long)]
        kind: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// One job; with --follow, its output until it ends.
    Show {
        id: i64,
        /// Print its output as it arrives, until the job ends.
        #[arg(long, short = 'f')]
        follow: bool,
    },
    /// Cancel a queued or running job.
    Cancel { id: i64 },
}

pub async fn run(ctx: &Ctx, cmd: JobsCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    match cmd {
        JobsCommand::List { kind, page } => {
            list_pages(ctx.out, &page, |p| {
                let params = JobListParams {
                    kind: kind.clone(),
                    limit: p.limit,
                    cursor: p.cursor,
                };
                async move { client.list_jobs(&params).await }
            })
            .await
        }
        JobsCommand::Show { id, follow: false } => {
            let log = client.job_log(id, &JobLogParams::default()).await?;
            output::one(ctx.out, &log.job)
        }
        JobsCommand::Show { id, follow: true } => {
            let job = follow(client, id).await?;
            output::one(ctx.out, &job)?;
            outcome(&job)
        }
        JobsCommand::Cancel { id } => output::one(ctx.out, &client.cancel_job(id).await?),
    }
}

/// How long following a job rides out a server that does not answer: a job whose end
/// restarts the server (an update, a restore) ends its followers' connection.
const UNREACHABLE_FOR: std::time::Duration = std::time::Duration::from_secs(120);

/// Prints a job's output on stderr from the start until it ends; returns its last row.
/// A server that stops answering for a while (restarting) is asked again; the job's
/// row outlives the restart.
pub async fn follow(client: &Client, id: i64) -> Result<Job, CliError> {
    let mut offset = 0;
    let mut unreachable: Option<std::time::Instant> = None;
    loop {
        let asked = client
            .job_log(
                id,
                &JobLogParams {
                    offset: Some(offset),
                    wait: Some(POLL_WAIT),
                },
            )
            .await;
        let log = match asked {
            Ok(log) => {
                unreachable = None;
                log
            }
            Err(aiops_client::ClientError::Transport(_))
                if unreachable
                    .get_or_insert_with(std::time::Instant::now)
                    .elapsed()
                    < UNREACHABLE_FOR =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if log.truncated {
            eprintln!("[… earlier output dropped]");
        }
        eprint!("{}", log.output);
        offset = log.next_offset;
        if log.job.state.is_done() {
            return Ok(log.job);
        }
    }
}

/// The CLI's exit for an ended job: 0 when it succeeded, else its error.
pub fn outcome(job: &Job) -> Result<(), CliError> {
    match job.state {
        JobState::Succeeded => Ok(()),
        state => Err(CliError::error(format!(
            "job {} ({} {}) {}: {}",
            job.id,
            job.kind,
            job.subject,
            state.as_str(),
            job.error.as_deref().unwrap_or("no reason given")
        ))),
    }
}

impl Render for Job {
    const HEADERS: &'static [&'static str] = &[
        "ID", "KIND", "SUBJECT", "STATE", "QUEUED", "PROGRESS", "ERROR",
    ];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.kind.clone(),
            self.subject.clone(),
            self.state.as_str().to_owned(),
            ts(&self.queued_at),
            or_dash(self.progress.as_deref()),
            or_dash(self.error.as_deref()),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("kind", self.kind.clone()),
            ("subject", self.subject.clone()),
            ("state", self.state.as_str().to_owned()),
            (
                "requested_by",
                self.requested_by
                    .map_or_else(|| "-".to_owned(), |u| u.to_string()),
            ),
            ("queued_at", ts(&self.queued_at)),
            ("started_at", opt_ts(self.started_at.as_ref())),
            ("finished_at", opt_ts(self.finished_at.as_ref())),
            ("progress", or_dash(self.progress.as_deref())),
            ("error", or_dash(self.error.as_deref())),
        ]
    }
}
