//! `aiops issues sync`: queue a sync job per integration and, unless `--no-wait`, follow
//! it to the end with a progress line on stderr (only on a terminal).

use std::time::Duration;

use aiops_types::{SyncRequest, SyncRun, SyncState};

use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, opt_ts, or_dash, ts};
use crate::cli::{Ctx, projects};

/// First poll interval; doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(100);
const MAX_POLL: Duration = Duration::from_secs(2);

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Only this integration.
    #[arg(long)]
    integration: Option<i64>,
    /// Only the integrations linked to this project (id, slug or tenant/slug).
    #[arg(long, value_name = "P")]
    project: Option<String>,
    /// The project's tenant, when its slug is not unique.
    #[arg(long)]
    tenant: Option<String>,
    /// Queue and print the job ids without waiting.
    #[arg(long)]
    no_wait: bool,
    /// List every issue instead of the changes, to notice issues deleted upstream
    /// (done once a day by itself).
    #[arg(long)]
    full: bool,
}

pub async fn run(ctx: &Ctx, args: SyncArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    let project = match &args.project {
        Some(p) => Some(projects::resolve(&client, p, args.tenant.as_deref()).await?),
        None => None,
    };
    let req = SyncRequest {
        integration: args.integration,
        project,
        full: args.full,
    };
    let queued = client.request_sync(&req).await?;
    if args.no_wait {
        return output::list(ctx.out, &queued.runs);
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    let mut finished = Vec::with_capacity(queued.runs.len());
    for run in queued.runs {
        let mut current = run;
        let mut wait = FIRST_POLL;
        while !current.state.is_done() {
            bar.set_message(progress(&current));
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(MAX_POLL);
            current = client.get_sync_run(current.id).await?;
        }
        finished.push(current);
    }
    bar.finish_and_clear();
    output::list(ctx.out, &finished)?;
    let failed: Vec<String> = finished
        .iter()
        .filter(|r| r.state == SyncState::Failed)
        .map(|r| {
            format!(
                "sync run {} (integration {}) failed: {}",
                r.id,
                r.integration_id,
                r.error.as_deref().unwrap_or("unknown error")
            )
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::error(failed.join("; ")))
    }
}

fn progress(r: &SyncRun) -> String {
    format!(
        "sync run {} (integration {}): {}, {} issues, {} requests",
        r.id,
        r.integration_id,
        r.state.as_str(),
        r.issues_seen,
        r.requests
    )
}

impl Render for SyncRun {
    const HEADERS: &'static [&'static str] = &[
        "RUN",
        "INTEGRATION",
        "STATE",
        "ISSUES",
        "NEW",
        "UPDATED",
        "REMOVED",
        "COMMENTS",
        "REQUESTS",
        "ERROR",
    ];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.integration_id.to_string(),
            self.state.as_str().to_owned(),
            self.issues_seen.to_string(),
            self.issues_created.to_string(),
            self.issues_updated.to_string(),
            self.issues_removed.to_string(),
            self.comments_fetched.to_string(),
            self.requests.to_string(),
            or_dash(self.error.as_deref()),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("integration_id", self.integration_id.to_string()),
            ("state", self.state.as_str().to_owned()),
            ("trigger", self.trigger.clone()),
            ("queued_at", ts(&self.queued_at)),
            ("started_at", opt_ts(self.started_at.as_ref())),
            ("finished_at", opt_ts(self.finished_at.as_ref())),
            ("issues_seen", self.issues_seen.to_string()),
            ("issues_created", self.issues_created.to_string()),
            ("issues_updated", self.issues_updated.to_string()),
            ("issues_removed", self.issues_removed.to_string()),
            ("comments_fetched", self.comments_fetched.to_string()),
            ("requests", self.requests.to_string()),
            ("error", or_dash(self.error.as_deref())),
        ]
    }
}
