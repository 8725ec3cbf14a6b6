//! `aiops automation run …` and `aiops automation runs list|get|log|stop`. Following a
//! run streams its log to stdout (colours kept on a terminal, stripped otherwise) and
//! exits with the run's status: 0 when it succeeded, `ansible-playbook`'s own exit code
//! when a local run failed with one, 1 for another failure, 130 when it was stopped.

use std::io::{IsTerminal, Write};

use aiops_client::{Client, RunLogEvent};
use aiops_types::{AutomationRun, AutomationRunListParams, JobState, StartAutomationRun};

use crate::cli::automation::resolve;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, opt_ts, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Target id, name or tenant/name.
    target: String,
    /// Semaphore: the task template's id (`aiops automation templates TARGET`).
    #[arg(long, value_name = "ID", conflicts_with_all = ["playbook", "inventory", "writable"])]
    template: Option<i64>,
    /// Semaphore: another project than the target's default.
    #[arg(long, value_name = "ID", requires = "template")]
    project_id: Option<i64>,
    /// Local: the playbook, a path in the project's repository.
    #[arg(long, value_name = "PATH", required_unless_present = "template")]
    playbook: Option<String>,
    /// Local: an inventory file in the repository, or `host1,host2,`.
    #[arg(long, value_name = "INVENTORY")]
    inventory: Option<String>,
    /// Local: the project whose base clone holds the playbook (id, slug or tenant/slug).
    #[arg(long)]
    project: Option<String>,
    /// Local: run in this session's worktree (its branch); links the run to the session.
    #[arg(long, value_name = "ID")]
    session: Option<i64>,
    /// Local: let the playbook write in the working copy (read-only by default).
    #[arg(long)]
    writable: bool,
    /// Extra variables as a JSON object (`--extra-vars`).
    #[arg(long, value_name = "JSON")]
    extra_vars: Option<String>,
    /// Host pattern (`--limit`).
    #[arg(long, value_name = "HOSTS")]
    limit: Option<String>,
    /// Only tasks with these tags (comma-separated).
    #[arg(long)]
    tags: Option<String>,
    /// Skip tasks with these tags (comma-separated).
    #[arg(long)]
    skip_tags: Option<String>,
    /// Check mode: report what would change, change nothing.
    #[arg(long)]
    check: bool,
    /// Show the differences in changed files.
    #[arg(long)]
    diff: bool,
    /// When it ends, comment the result and a link on this issue.
    #[arg(long, value_name = "ID")]
    issue: Option<i64>,
    /// Stream the log until the run ends; exit with the run's status.
    #[arg(long, short = 'f')]
    follow: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum RunsCommand {
    /// Runs you may see, newest first.
    List {
        /// Only this target's (id, name or tenant/name).
        #[arg(long)]
        target: Option<String>,
        /// Only this project's (id, slug or tenant/slug).
        #[arg(long)]
        project: Option<String>,
        #[arg(long, value_name = "ID")]
        session: Option<i64>,
        #[arg(long, value_name = "ID")]
        issue: Option<i64>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one run.
    Get { id: i64 },
    /// Print a run's log; with --follow, until it ends (exit status: the run's).
    Log {
        id: i64,
        #[arg(long, short = 'f')]
        follow: bool,
    },
    /// Stop a queued or running run.
    Stop { id: i64 },
}

pub async fn start(ctx: &Ctx, client: &Client, a: RunArgs) -> Result<(), CliError> {
    let target = resolve(client, &a.target).await?;
    let extra_vars = match a.extra_vars.as_deref() {
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(m)) => Some(m),
            _ => {
                return Err(CliError::usage(
                    "--extra-vars must be a JSON object, e.g. '{\"version\": \"1.2\"}'",
                ));
            }
        },
        None => None,
    };
    let req = StartAutomationRun {
        target: target.id,
        template_id: a.template,
        semaphore_project_id: a.project_id,
        playbook: a.playbook,
        inventory: a.inventory,
        project: a.project,
        session_id: a.session,
        writable: a.writable,
        extra_vars,
        limit: a.limit,
        tags: a.tags,
        skip_tags: a.skip_tags,
        check: a.check,
        diff: a.diff,
        issue_id: a.issue,
    };
    let run = client.start_automation_run(&req).await?;
    if !a.follow {
        return output::one(ctx.out, &run);
    }
    eprintln!("run #{} queued on {}", run.id, run.target_name);
    let run = follow(client, run.id, true).await?;
    outcome(&run)
}

pub async fn run(ctx: &Ctx, client: &Client, cmd: RunsCommand) -> Result<(), CliError> {
    match cmd {
        RunsCommand::List {
            target,
            project,
            session,
            issue,
            page,
        } => {
            let target = match target {
                Some(t) => Some(resolve(client, &t).await?.id),
                None => None,
            };
            let project_id = match project {
                Some(p) => Some(crate::cli::projects::resolve(client, &p, None).await?),
                None => None,
            };
            list_pages(ctx.out, &page, |p| {
                let params = AutomationRunListParams {
                    target,
                    project_id,
                    session_id: session,
                    issue_id: issue,
                    limit: p.limit,
                    cursor: p.cursor,
                };
                async move { client.list_automation_runs(&params).await }
            })
            .await
        }
        RunsCommand::Get { id } => output::one(ctx.out, &client.automation_run(id).await?),
        RunsCommand::Log { id, follow: f } => {
            let run = follow(client, id, f).await?;
            if f { outcome(&run) } else { Ok(()) }
        }
        RunsCommand::Stop { id } => output::one(ctx.out, &client.stop_automation_run(id).await?),
    }
}

/// Prints the run's log from its start to stdout; the run as the stream left it.
async fn follow(client: &Client, id: i64, until_end: bool) -> Result<AutomationRun, CliError> {
    let colour = std::io::stdout().is_terminal();
    let mut last = None;
    let mut stdout = std::io::stdout().lock();
    let mut write_error = None;
    client
        .follow_automation_log(id, 0, until_end, |event| match event {
            RunLogEvent::Output(chunk) => {
                let text = if colour {
                    chunk.text
                } else {
                    strip_ansi(&chunk.text)
                };
                if let Err(e) = stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush())
                {
                    write_error = Some(e);
                    return false;
                }
                true
            }
            RunLogEvent::End(run) => {
                last = Some(*run);
                false
            }
        })
        .await?;
    if let Some(e) = write_error {
        // A closed pipe (`| head`) is the reader's choice, not an error of the run.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::error(format!("cannot write the log: {e}")));
        }
    }
    match last {
        Some(run) => Ok(run),
        // The stream ended without its `end` event (the server restarted).
        None => Ok(client.automation_run(id).await?),
    }
}

/// The exit status of a followed run (see the module's docs).
fn outcome(run: &AutomationRun) -> Result<(), CliError> {
    let what = format!("run #{} on {}", run.id, run.target_name);
    match run.state {
        JobState::Succeeded => {
            eprintln!("{what} succeeded");
            Ok(())
        }
        JobState::Cancelled => Err(CliError::new(130, format!("{what} was stopped"))),
        JobState::Failed => {
            let code = run
                .exit_code
                .and_then(|c| u8::try_from(c).ok())
                .filter(|c| *c != 0)
                .unwrap_or(crate::cli::exit::ERROR);
            Err(CliError::new(
                code,
                format!(
                    "{what} failed: {}",
                    run.error.as_deref().unwrap_or("no reason given")
                ),
            ))
        }
        JobState::Queued | JobState::Running => Err(CliError::error(format!(
            "{what} is still {} (the log stream ended early; follow it again with `aiops automation runs log {} -f`)",
            run.state.as_str(),
            run.id
        ))),
    }
}

/// `text` without ANSI escape sequences (CSI `ESC [ … final`, and lone `ESC x`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    out
}

impl Render for AutomationRun {
    const HEADERS: &'static [&'static str] =
        &["ID", "TARGET", "STATE", "WHAT", "ISSUE", "QUEUED", "ERROR"];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.target_name.clone(),
            self.state.as_str().to_owned(),
            what(self),
            or_dash(self.issue_id.map(|i| i.to_string()).as_deref()),
            ts(&self.queued_at),
            or_dash(self.error.as_deref()),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let id = |v: Option<i64>| or_dash(v.map(|i| i.to_string()).as_deref());
        vec![
            ("id", self.id.to_string()),
            (
                "target",
                format!("{} (id {})", self.target_name, self.target_id),
            ),
            ("kind", self.kind.as_str().to_owned()),
            ("state", self.state.as_str().to_owned()),
            ("what", what(self)),
            ("inventory", or_dash(self.inventory.as_deref())),
            ("options", self.options.to_string()),
            ("project_id", id(self.project_id)),
            ("session_id", id(self.session_id)),
            ("issue_id", id(self.issue_id)),
            ("job_id", id(self.job_id)),
            ("semaphore_task", id(self.remote_task_id)),
            (
                "exit_code",
                or_dash(self.exit_code.map(|c| c.to_string()).as_deref()),
            ),
            ("error", or_dash(self.error.as_deref())),
            ("queued_at", ts(&self.queued_at)),
            ("started_at", opt_ts(self.started_at.as_ref())),
            ("finished_at", opt_ts(self.finished_at.as_ref())),
        ]
    }
}

fn what(r: &AutomationRun) -> String {
    match (&r.playbook, r.template_id) {
        (Some(p), _) => p.clone(),
        (None, Some(t)) => format!("template {t}"),
        (None, None) => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn colour_sequences_are_stripped_and_text_kept() {
        assert_eq!(
            strip_ansi("\u{1b}[0;32mok: [localhost]\u{1b}[0m\n"),
            "ok: [localhost]\n"
        );
        assert_eq!(strip_ansi("plain ✓"), "plain ✓");
    }
}
