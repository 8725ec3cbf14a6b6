//! `aiops workflow claim|progress|submit|approve|complete [<issue-id>]`: report on an
//! issue as you. Inside a session the issue defaults to the session's (`AIOPS_ISSUE_ID`)
//! and the session's key confines every verb to it.

use aiops_types::{WorkflowRequest, WorkflowVerb};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output;

#[derive(Debug, clap::Args)]
pub struct Target {
    /// The issue (default: the session's issue, from AIOPS_ISSUE_ID).
    #[arg(env = "AIOPS_ISSUE_ID")]
    issue: i64,
}

#[derive(Debug, clap::Subcommand)]
pub enum WorkflowCommand {
    /// Assign the issue to yourself and move it to "in progress" (Jira).
    Claim(Target),
    /// Post a status comment.
    Progress {
        #[command(flatten)]
        target: Target,
        /// The comment.
        #[arg(long, short = 'm')]
        message: String,
    },
    /// Commit --files (every change when none) and comment the short SHA.
    Submit {
        #[command(flatten)]
        target: Target,
        /// The commit message, also in the comment.
        #[arg(long, short = 'm')]
        message: String,
        /// Comma-separated paths to commit, nothing else.
        #[arg(long, value_delimiter = ',')]
        files: Vec<String>,
        /// The session whose worktree to commit in (default: your live session on the
        /// issue, else your base clone).
        #[arg(long, value_name = "ID")]
        session: Option<i64>,
    },
    /// Ask for a review in a comment.
    Approve {
        #[command(flatten)]
        target: Target,
        /// What to look at.
        #[arg(long, short = 'm')]
        message: Option<String>,
    },
    /// Post a summary comment and close the issue.
    Complete {
        #[command(flatten)]
        target: Target,
        /// The summary.
        #[arg(long, short = 'm')]
        message: String,
    },
}

pub async fn run(ctx: &Ctx, cmd: WorkflowCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let (issue, verb, req) = match cmd {
        WorkflowCommand::Claim(t) => (t.issue, WorkflowVerb::Claim, WorkflowRequest::default()),
        WorkflowCommand::Progress { target, message } => (
            target.issue,
            WorkflowVerb::Progress,
            with_message(Some(message)),
        ),
        WorkflowCommand::Submit {
            target,
            message,
            files,
            session,
        } => (
            target.issue,
            WorkflowVerb::Submit,
            WorkflowRequest {
                message: Some(message),
                files,
                session,
            },
        ),
        WorkflowCommand::Approve { target, message } => {
            (target.issue, WorkflowVerb::Approve, with_message(message))
        }
        WorkflowCommand::Complete { target, message } => (
            target.issue,
            WorkflowVerb::Complete,
            with_message(Some(message)),
        ),
    };
    let done = client.workflow(issue, verb, &req).await?;
    output::value(ctx.out, &done, || {
        let mut text = match verb {
            WorkflowVerb::Claim => format!(
                "claimed issue {}: assigned to {}, {}\n",
                done.issue.id,
                done.issue.assignee.as_deref().unwrap_or("-"),
                done.issue.provider_status
            ),
            WorkflowVerb::Complete => format!("completed and closed issue {}\n", done.issue.id),
            _ => String::new(),
        };
        if let Some(c) = &done.commit {
            text.push_str(&format!("{}\n", c.message));
        }
        if let Some(c) = &done.comment {
            text.push_str(&format!(
                "commented on issue {}: {}\n",
                done.issue.id, c.body
            ));
        }
        text
    })
}

fn with_message(message: Option<String>) -> WorkflowRequest {
    WorkflowRequest {
        message,
        ..WorkflowRequest::default()
    }
}
