//! `aiops workflow claim|progress|submit|approve|complete [<issue-id>]`: report on an
//! issue as you. Inside a session the issue defaults to the session's (`AIOPS_ISSUE_ID`)
//! and the session's key confines every verb to it.
//!
//! The verbs that post text take it as an argument too (`workflow progress 12 "text"`,
//! the seed system's grammar), with `-m` kept as its equivalent.

use aiops_types::{WorkflowRequest, WorkflowVerb};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output;

/// The environment variable a session's pane carries its issue id in.
const ISSUE_ENV: &str = "AIOPS_ISSUE_ID";

#[derive(Debug, clap::Args)]
pub struct Target {
    /// The issue (default: the session's issue, from AIOPS_ISSUE_ID).
    #[arg(env = "AIOPS_ISSUE_ID")]
    issue: i64,
}

/// `[ID] [TEXT]`: either may be left out. One argument that is a number is the issue;
/// text that is only a number therefore needs the issue before it (or `-m`).
#[derive(Debug, clap::Args)]
pub struct Said {
    /// The issue (default: the session's issue, from AIOPS_ISSUE_ID).
    #[arg(value_name = "ID")]
    first: Option<String>,
    /// The text (after `--` when it begins with `-`).
    #[arg(value_name = "TEXT")]
    second: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum WorkflowCommand {
    /// Assign the issue to yourself and move it to "in progress" (Jira).
    Claim(Target),
    /// Post a status comment: TEXT (or -m), then --comment's.
    Progress {
        #[command(flatten)]
        said: Said,
        /// The same as TEXT.
        #[arg(long, short = 'm', conflicts_with = "second")]
        message: Option<String>,
        /// More text, joined after TEXT.
        #[arg(long)]
        comment: Option<String>,
    },
    /// Commit --files (every change when none) and comment the short SHA.
    Submit {
        #[command(flatten)]
        target: Target,
        /// The commit message, also in the comment.
        #[arg(long, short = 'm')]
        message: String,
        /// More text for the comment after the commit's line.
        #[arg(long)]
        comment: Option<String>,
        /// The issue's project (id, slug or tenant/slug): refused when the issue is in
        /// another one.
        #[arg(long, value_name = "P")]
        project: Option<String>,
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
        said: Said,
        /// What to look at (the same as TEXT).
        #[arg(long, short = 'm', conflicts_with = "second")]
        message: Option<String>,
    },
    /// Post a summary comment and close the issue.
    Complete {
        #[command(flatten)]
        said: Said,
        /// The summary (the same as TEXT).
        #[arg(
            long = "summary",
            short = 'm',
            alias = "message",
            conflicts_with = "second"
        )]
        summary: Option<String>,
    },
}

pub async fn run(ctx: &Ctx, cmd: WorkflowCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let (issue, verb, req) = match cmd {
        WorkflowCommand::Claim(t) => (t.issue, WorkflowVerb::Claim, WorkflowRequest::default()),
        WorkflowCommand::Progress {
            said,
            message,
            comment,
        } => {
            let (issue, text) = said.split()?;
            let req = WorkflowRequest {
                comment,
                ..with_message(text.or(message))
            };
            (issue, WorkflowVerb::Progress, req)
        }
        WorkflowCommand::Submit {
            target,
            message,
            comment,
            project,
            files,
            session,
        } => {
            let project = match project {
                Some(p) => Some(crate::cli::projects::resolve(&client, &p, None).await?),
                None => None,
            };
            let req = WorkflowRequest {
                message: Some(message),
                comment,
                project,
                files,
                session,
            };
            (target.issue, WorkflowVerb::Submit, req)
        }
        WorkflowCommand::Approve { said, message } => {
            let (issue, text) = said.split()?;
            (issue, WorkflowVerb::Approve, with_message(text.or(message)))
        }
        WorkflowCommand::Complete { said, summary } => {
            let (issue, text) = said.split()?;
            (
                issue,
                WorkflowVerb::Complete,
                with_message(text.or(summary)),
            )
        }
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

impl Said {
    /// The issue and the text: `ID TEXT`, `ID` alone (a number), or `TEXT` alone with the
    /// issue from AIOPS_ISSUE_ID.
    fn split(self) -> Result<(i64, Option<String>), CliError> {
        let env = std::env::var(ISSUE_ENV).ok();
        split(self.first, self.second, env.as_deref())
    }
}

fn split(
    first: Option<String>,
    second: Option<String>,
    env: Option<&str>,
) -> Result<(i64, Option<String>), CliError> {
    let id = |s: &str| s.trim().parse::<i64>().ok();
    match (first, second) {
        (Some(first), Some(text)) => match id(&first) {
            Some(issue) => Ok((issue, Some(text))),
            None => Err(CliError::usage(format!(
                "`{first}` is not an issue id (usage: [ID] [TEXT]; quote the text)"
            ))),
        },
        (Some(first), None) if id(&first).is_some() => Ok((id(&first).unwrap_or(0), None)),
        (text, _) => {
            let issue = env.and_then(id).ok_or_else(|| {
                CliError::usage(format!(
                    "pass the issue id first (or run inside a session, where {ISSUE_ENV} names it)"
                ))
            })?;
            Ok((issue, text))
        }
    }
}

fn with_message(message: Option<String>) -> WorkflowRequest {
    WorkflowRequest {
        message,
        ..WorkflowRequest::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn a_lone_number_is_the_issue_and_a_lone_text_takes_the_sessions_issue() {
        assert_eq!(split(s("12"), s("hi"), None).unwrap(), (12, s("hi")));
        assert_eq!(split(s("12"), None, Some("7")).unwrap(), (12, None));
        assert_eq!(
            split(s("hi there"), None, Some("7")).unwrap(),
            (7, s("hi there"))
        );
        assert_eq!(split(None, None, Some("7")).unwrap(), (7, None));
        assert!(split(s("hi"), None, None).is_err(), "no issue anywhere");
        assert!(split(s("x"), s("hi"), None).is_err(), "two texts");
    }
}
