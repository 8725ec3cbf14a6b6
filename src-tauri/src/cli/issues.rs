//! `aiops issues …`: one inbox over native, GitHub, GitLab and Jira issues. `ID` is
//! aiops's own issue id (the first column of `list`); the tracker's number or key is the
//! `external_id` beside it. Every mutating verb prints the resulting object with `-o json`
//! and a one-line confirmation in table mode.

use std::io::Read;
use std::path::PathBuf;

use aiops_types::{Comment, CreateIssue, Issue, IssueListParams, MAX_PAGE_LIMIT, UpdateIssue};
use aiops_types::{PageParams, Provider};
use serde::Serialize;

use crate::cli::exit::CliError;
use crate::cli::output::{self, OutputFormat, Render, opt_ts, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages, pages, projects};

/// Longest title `list` shows, in characters.
const TITLE_WIDTH: usize = 60;

#[derive(Debug, clap::Subcommand)]
pub enum IssuesCommand {
    /// List the issues of every tenant you belong to, newest first (open ones by default).
    List(ListArgs),
    /// Show one issue.
    Get { id: i64 },
    /// Show an issue with its description and all its comments.
    View { id: i64 },
    /// Create an issue in a project.
    Create {
        /// Project id, slug or tenant/slug.
        #[arg(long, value_name = "P")]
        project: String,
        /// The project's tenant (id or slug), when its slug is not unique.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        title: String,
        #[command(flatten)]
        description: DescriptionArgs,
        /// A label; repeat for several.
        #[arg(long = "label", value_name = "L")]
        labels: Vec<String>,
        /// An aiops user's email (mapped to their tracker login), or a tracker login.
        #[arg(long)]
        assignee: Option<String>,
        /// native, github, gitlab or jira. Default: the project's tracker when it has
        /// one, else native.
        #[arg(long)]
        provider: Option<Provider>,
        /// The integration (`aiops projects links P` shows them) whose link receives the
        /// issue, when the project has several.
        #[arg(long, value_name = "ID")]
        integration: Option<i64>,
    },
    /// Change an issue's title, description or labels.
    Update {
        id: i64,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        description: DescriptionArgs,
        /// Comma-separated; replaces every label (`--labels ""` removes them all).
        #[arg(long, value_name = "A,B")]
        labels: Option<String>,
    },
    /// Close an issue.
    Close { id: i64 },
    /// Reopen a closed issue.
    Reopen { id: i64 },
    /// Delete a native issue and its comments (tenant admins; not while a session works
    /// on it). A tracker issue is deleted at its tracker.
    Delete { id: i64 },
    /// Add a comment to an issue.
    Comment {
        id: i64,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Replace the text of one of your comments.
    ModifyComment {
        id: i64,
        comment_id: i64,
        #[command(flatten)]
        body: BodyArgs,
    },
    /// Assign an issue to someone, or unassign it.
    Assign {
        id: i64,
        #[command(flatten)]
        who: AssigneeArgs,
    },
    /// Fetch what changed at the trackers now (queued as a job; waits unless --no-wait).
    Sync(crate::cli::sync::SyncArgs),
    /// Work on an issue: claim it, prepare its worktree and context, start an agent.
    Work(crate::cli::sessions::WorkArgs),
}

/// The filters of `issues list`, mirroring `GET /api/v1/issues`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this tenant's issues (id or slug); also narrows a `--project` slug.
    #[arg(long)]
    tenant: Option<String>,
    /// Only this project's issues (id, slug or tenant/slug).
    #[arg(long, value_name = "P")]
    project: Option<String>,
    /// native, github, gitlab or jira.
    #[arg(long)]
    provider: Option<Provider>,
    /// Default: open.
    #[arg(long, value_parser = ["open", "closed", "all"])]
    status: Option<String>,
    /// Only issues assigned to this email (native) or tracker login.
    #[arg(long)]
    assignee: Option<String>,
    /// Only issues carrying this label.
    #[arg(long)]
    label: Option<String>,
    /// Full-text search over title and description.
    #[arg(long, value_name = "Q")]
    search: Option<String>,
    #[command(flatten)]
    page: PageArgs,
}

/// Where a description comes from: inline, a file, or stdin (at most one).
#[derive(Debug, clap::Args)]
#[group(multiple = false)]
pub struct DescriptionArgs {
    /// Markdown.
    #[arg(long)]
    description: Option<String>,
    /// Read the description from this file.
    #[arg(long, value_name = "PATH")]
    description_file: Option<PathBuf>,
    /// Read the description from stdin.
    #[arg(long)]
    description_stdin: bool,
}

/// Where a comment's text comes from: the argument, `--body`, a file, or stdin (exactly
/// one). Text that begins with `-` goes after `--`.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct BodyArgs {
    /// The comment (Markdown).
    #[arg(value_name = "TEXT")]
    text: Option<String>,
    /// The same as TEXT.
    #[arg(long)]
    body: Option<String>,
    /// Read the text from this file (`--file` is the seed system's name).
    #[arg(long, value_name = "PATH", alias = "file")]
    body_file: Option<PathBuf>,
    /// Read the text from stdin.
    #[arg(long)]
    body_stdin: bool,
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct AssigneeArgs {
    /// Native issues: an aiops user's email; else the tracker's login or account.
    #[arg(long)]
    assignee: Option<String>,
    /// An aiops user's id or email (at a tracker: the login they recorded).
    #[arg(long, value_name = "ID|EMAIL")]
    user: Option<String>,
    /// Remove the assignee.
    #[arg(long)]
    unassign: bool,
}

/// `issues view -o json`: one document.
#[derive(Serialize)]
struct View<'a> {
    issue: &'a Issue,
    comments: &'a [Comment],
}

pub async fn run(ctx: &Ctx, cmd: IssuesCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    let out = ctx.out;
    match cmd {
        IssuesCommand::List(args) => {
            let project = match &args.project {
                Some(p) => Some(projects::resolve(client, p, args.tenant.as_deref()).await?),
                None => None,
            };
            list_pages(out, &args.page, |p| {
                let params = IssueListParams {
                    tenant: args.tenant.clone(),
                    project,
                    provider: args.provider,
                    status: args.status.clone(),
                    assignee: args.assignee.clone(),
                    label: args.label.clone(),
                    q: args.search.clone(),
                    limit: p.limit,
                    cursor: p.cursor,
                };
                async move { client.list_issues(&params).await }
            })
            .await
        }
        IssuesCommand::Get { id } => output::one(out, &client.get_issue(id).await?),
        IssuesCommand::View { id } => {
            let issue = client.get_issue(id).await?;
            let every = PageArgs {
                limit: MAX_PAGE_LIMIT,
                cursor: None,
                all: true,
            };
            let comments = pages(&every, |p: PageParams| async move {
                client.list_comments(id, &p).await
            })
            .await?;
            let view = View {
                issue: &issue,
                comments: &comments,
            };
            output::value(out, &view, || render_view(&issue, &comments))
        }
        IssuesCommand::Create {
            project,
            tenant,
            title,
            description,
            labels,
            assignee,
            provider,
            integration,
        } => {
            let req = CreateIssue {
                integration,
                project: projects::resolve(client, &project, tenant.as_deref()).await?,
                provider,
                title,
                description: description.read()?,
                labels,
                assignee,
            };
            let issue = client.create_issue(&req).await?;
            let msg = format!(
                "Created issue {} in {}/{}.",
                name(&issue),
                issue.tenant_slug,
                issue.project_slug
            );
            done(out, &issue, &msg)
        }
        IssuesCommand::Update {
            id,
            title,
            description,
            labels,
        } => {
            let req = UpdateIssue {
                title,
                description: description.read()?,
                labels: labels.as_deref().map(split_labels),
            };
            if req.title.is_none() && req.description.is_none() && req.labels.is_none() {
                return Err(CliError::usage(
                    "nothing to update: pass --title, --description[-file|-stdin] or --labels",
                ));
            }
            let issue = client.update_issue(id, &req).await?;
            done(out, &issue, &format!("Updated issue {}.", name(&issue)))
        }
        IssuesCommand::Close { id } => {
            let issue = client.close_issue(id).await?;
            done(out, &issue, &format!("Closed issue {}.", name(&issue)))
        }
        IssuesCommand::Reopen { id } => {
            let issue = client.reopen_issue(id).await?;
            done(out, &issue, &format!("Reopened issue {}.", name(&issue)))
        }
        IssuesCommand::Delete { id } => {
            client.delete_issue(id).await?;
            output::notice(out, &format!("Deleted issue {id}."))
        }
        IssuesCommand::Comment { id, body } => {
            let comment = client.add_comment(id, &body.read()?).await?;
            let msg = format!("Added comment {} to issue {id}.", comment.id);
            done(out, &comment, &msg)
        }
        IssuesCommand::ModifyComment {
            id,
            comment_id,
            body,
        } => {
            let comment = client.edit_comment(id, comment_id, &body.read()?).await?;
            let msg = format!("Updated comment {comment_id} on issue {id}.");
            done(out, &comment, &msg)
        }
        IssuesCommand::Assign { id, who } => {
            let req = aiops_types::AssignIssue {
                assignee: who.assignee,
                user: who.user,
            };
            let issue = client.assign_issue_with(id, &req).await?;
            let msg = match &issue.assignee {
                Some(a) => format!("Assigned issue {} to {a}.", name(&issue)),
                None => format!("Unassigned issue {}.", name(&issue)),
            };
            done(out, &issue, &msg)
        }
        IssuesCommand::Sync(args) => crate::cli::sync::run(ctx, args).await,
        IssuesCommand::Work(args) => crate::cli::sessions::work(ctx, args).await,
    }
}

/// The result of a write: the object as one document, or `message` in table mode.
fn done<T: Serialize>(out: OutputFormat, item: &T, message: &str) -> Result<(), CliError> {
    output::value(out, item, || format!("{message}\n"))
}

/// `12 (#3)`: aiops's id and the tracker's.
fn name(issue: &Issue) -> String {
    format!("{} ({})", issue.id, issue.external_id)
}

/// `a, b,,c` → `[a, b, c]`; an empty string is no labels.
fn split_labels(labels: &str) -> Vec<String> {
    labels
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl DescriptionArgs {
    fn read(self) -> Result<Option<String>, CliError> {
        read_text(
            self.description,
            self.description_file,
            self.description_stdin,
        )
    }
}

impl BodyArgs {
    fn read(self) -> Result<String, CliError> {
        read_text(self.text.or(self.body), self.body_file, self.body_stdin)?
            .ok_or_else(|| CliError::usage("pass TEXT, --body, --body-file or --body-stdin"))
    }
}

/// Inline text, else a file's, else all of stdin; a file's or stdin's final line ending
/// is dropped.
fn read_text(
    inline: Option<String>,
    file: Option<PathBuf>,
    stdin: bool,
) -> Result<Option<String>, CliError> {
    let mut text = match (inline, file) {
        (Some(text), _) => return Ok(Some(text)),
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map_err(|e| CliError::error(format!("cannot read {}: {e}", path.display())))?,
        (None, None) if stdin => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::error(format!("cannot read stdin: {e}")))?;
            text
        }
        (None, None) => return Ok(None),
    };
    text.truncate(text.trim_end_matches(['\n', '\r']).len());
    Ok(Some(text))
}

/// `s`, cut to `width` characters with `…` when longer.
fn truncate(s: &str, width: usize) -> String {
    match s.char_indices().nth(width) {
        None => s.to_owned(),
        Some(_) => s.chars().take(width - 1).chain(['…']).collect(),
    }
}

/// `open`, or `open (In Progress)` when the tracker's own word differs.
fn status(issue: &Issue) -> String {
    if issue.removed_upstream {
        return "closed (removed upstream)".to_owned();
    }
    let normal = issue.status.as_str();
    if issue.provider_status.is_empty() || issue.provider_status.eq_ignore_ascii_case(normal) {
        normal.to_owned()
    } else {
        format!("{normal} ({})", issue.provider_status)
    }
}

/// `issues view` in table mode: a header, the description, then each comment.
fn render_view(issue: &Issue, comments: &[Comment]) -> String {
    let mut text = format!("{} {}\n", issue.external_id, issue.title);
    let fields: Vec<_> = issue
        .fields()
        .into_iter()
        .filter(|(name, _)| !matches!(*name, "title" | "external_id" | "description"))
        .collect();
    text.push_str(&output::fields_table(&fields));
    text.push('\n');
    match issue.description.trim_end() {
        "" => text.push_str("(no description)\n"),
        body => text.push_str(&format!("{body}\n")),
    }
    for c in comments {
        let edited = if c.updated_at > c.created_at {
            format!(", edited {}", ts(&c.updated_at))
        } else {
            String::new()
        };
        text.push_str(&format!(
            "\n--- comment {} by {} at {}{edited}\n{}\n",
            c.id,
            c.author,
            ts(&c.created_at),
            c.body.trim_end()
        ));
    }
    text
}

impl Render for Issue {
    const HEADERS: &'static [&'static str] = &[
        "ID", "EXTERNAL", "PROJECT", "STATUS", "TITLE", "ASSIGNEE", "LABELS", "UPDATED",
    ];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.external_id.clone(),
            format!("{}/{}", self.tenant_slug, self.project_slug),
            status(self),
            truncate(&self.title, TITLE_WIDTH),
            or_dash(self.assignee.as_deref()),
            or_dash(Some(&self.labels.join(","))),
            ts(&self.updated_at),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("external_id", self.external_id.clone()),
            (
                "project",
                format!(
                    "{}/{} (id {})",
                    self.tenant_slug, self.project_slug, self.project_id
                ),
            ),
            ("provider", self.provider.as_str().to_owned()),
            (
                "integration_id",
                self.integration_id.map_or("-".into(), |i| i.to_string()),
            ),
            ("status", status(self)),
            ("title", self.title.clone()),
            ("labels", or_dash(Some(&self.labels.join(",")))),
            ("assignee", or_dash(self.assignee.as_deref())),
            ("author", or_dash(self.author.as_deref())),
            ("url", or_dash(self.url.as_deref())),
            ("comments", self.comments.to_string()),
            ("created_at", ts(&self.created_at)),
            ("updated_at", ts(&self.updated_at)),
            ("closed_at", opt_ts(self.closed_at.as_ref())),
            ("description", or_dash(Some(&self.description))),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_split_on_commas_and_titles_truncate_by_characters() {
        assert_eq!(split_labels("bug, ui,,x "), ["bug", "ui", "x"]);
        assert!(split_labels("").is_empty(), "--labels \"\" clears them");
        assert_eq!(truncate("short", 60), "short");
        let cut = truncate(&"é".repeat(70), 60);
        assert!(cut.chars().count() == 60 && cut.ends_with('…'), "{cut}");
    }
}
