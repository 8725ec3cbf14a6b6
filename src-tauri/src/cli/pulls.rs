//! Pull requests (GitHub) and merge requests (GitLab): `aiops git pr-create|pr-merge|
//! pr-close <project> …` and `aiops prs list|get <project>`.

use aiops_types::{
    CreatePullRequest, MergeMethod, MergePullRequest, Provider, PullRequest, PullRequestQuery,
};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render};

#[derive(Debug, clap::Args)]
pub struct On {
    /// Project id, slug or tenant/slug.
    project: String,
    /// The project's tenant (id or slug), when its slug is not unique.
    #[arg(long)]
    tenant: Option<String>,
    /// github or gitlab, when the project links both.
    #[arg(long)]
    provider: Option<Provider>,
}

/// `aiops git pr-create`.
#[derive(Debug, clap::Args)]
pub struct PrCreate {
    #[command(flatten)]
    on: On,
    #[arg(long)]
    title: String,
    /// The branch with the changes (pushed already).
    #[arg(long)]
    source: String,
    /// The branch to merge into (default: the project's default branch).
    #[arg(long)]
    target: Option<String>,
    /// Markdown.
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    draft: bool,
    /// An aiops user's email (mapped to their login) or a login.
    #[arg(long)]
    assignee: Option<String>,
    /// The aiops issue this resolves: linked in the description ("Closes #N", the Jira key).
    #[arg(long, value_name = "ID")]
    issue: Option<i64>,
}

/// `aiops git pr-merge`.
#[derive(Debug, clap::Args)]
pub struct PrMerge {
    #[command(flatten)]
    on: On,
    /// The pull request number (GitLab: the merge request iid).
    number: u64,
    /// Default: the project's merge method (`aiops projects update P --merge-method …`;
    /// `merge` unless set).
    #[arg(long, value_enum)]
    method: Option<MergeMethodArg>,
    /// Delete the source branch after the merge.
    #[arg(long)]
    delete_branch: bool,
    /// The merge (or squash) commit message.
    #[arg(long)]
    message: Option<String>,
}

/// `aiops git pr-close`.
#[derive(Debug, clap::Args)]
pub struct PrClose {
    #[command(flatten)]
    on: On,
    number: u64,
}

/// The pull request verbs of `aiops git`.
#[derive(Debug, clap::Subcommand)]
pub enum PrVerb {
    /// Open a pull request (GitHub) / merge request (GitLab).
    #[command(name = "pr-create")]
    Create(PrCreate),
    /// Merge a pull request: --method merge|squash|rebase [--delete-branch].
    #[command(name = "pr-merge")]
    Merge(PrMerge),
    /// Close a pull request without merging.
    #[command(name = "pr-close")]
    Close(PrClose),
}

pub async fn verb(ctx: &Ctx, verb: PrVerb) -> Result<(), CliError> {
    match verb {
        PrVerb::Create(a) => create(ctx, a).await,
        PrVerb::Merge(a) => merge(ctx, a).await,
        PrVerb::Close(a) => close(ctx, a).await,
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MergeMethodArg {
    Merge,
    Squash,
    Rebase,
}

#[derive(Debug, clap::Subcommand)]
pub enum PrsCommand {
    /// Pull requests of a project, newest first.
    List {
        #[command(flatten)]
        on: On,
        /// open, closed, merged or all.
        #[arg(long, default_value = "open")]
        state: String,
    },
    /// One pull request with whether it can be merged now and its checks.
    Get {
        #[command(flatten)]
        on: On,
        /// The pull request number (GitLab: the merge request iid).
        number: u64,
    },
}

async fn project(ctx: &Ctx, on: &On) -> Result<(aiops_client::Client, i64), CliError> {
    let client = ctx.client()?;
    let id = crate::cli::projects::resolve(&client, &on.project, on.tenant.as_deref()).await?;
    Ok((client, id))
}

async fn create(ctx: &Ctx, a: PrCreate) -> Result<(), CliError> {
    let (client, id) = project(ctx, &a.on).await?;
    let req = CreatePullRequest {
        title: a.title,
        source: a.source,
        target: a.target,
        description: a.description,
        draft: a.draft,
        assignee: a.assignee,
        issue_id: a.issue,
        provider: a.on.provider,
    };
    let pr = client.create_pull_request(id, &req).await?;
    output::value(ctx.out, &pr, || {
        format!("opened #{}: {}\n", pr.number, pr.url)
    })
}

async fn merge(ctx: &Ctx, a: PrMerge) -> Result<(), CliError> {
    let (client, id) = project(ctx, &a.on).await?;
    let req = MergePullRequest {
        method: a.method.map(|m| match m {
            MergeMethodArg::Merge => MergeMethod::Merge,
            MergeMethodArg::Squash => MergeMethod::Squash,
            MergeMethodArg::Rebase => MergeMethod::Rebase,
        }),
        delete_branch: a.delete_branch,
        message: a.message,
        provider: a.on.provider,
    };
    let pr = client.merge_pull_request(id, a.number, &req).await?;
    output::value(ctx.out, &pr, || {
        let commit = pr.merge_commit.as_deref().unwrap_or("-");
        format!("merged #{} into {} ({commit})\n", pr.number, pr.target)
    })
}

async fn close(ctx: &Ctx, a: PrClose) -> Result<(), CliError> {
    let (client, id) = project(ctx, &a.on).await?;
    let q = PullRequestQuery {
        state: None,
        provider: a.on.provider,
    };
    let pr = client.close_pull_request(id, a.number, &q).await?;
    output::value(ctx.out, &pr, || format!("closed #{}\n", pr.number))
}

pub async fn run(ctx: &Ctx, cmd: PrsCommand) -> Result<(), CliError> {
    match cmd {
        PrsCommand::List { on, state } => {
            let (client, id) = project(ctx, &on).await?;
            let q = PullRequestQuery {
                state: Some(state),
                provider: on.provider,
            };
            output::list(ctx.out, &client.pull_requests(id, &q).await?)
        }
        PrsCommand::Get { on, number } => {
            let (client, id) = project(ctx, &on).await?;
            let q = PullRequestQuery {
                state: None,
                provider: on.provider,
            };
            output::one(ctx.out, &client.pull_request(id, number, &q).await?)
        }
    }
}

impl Render for PullRequest {
    const HEADERS: &'static [&'static str] = &["#", "STATE", "SOURCE", "TARGET", "TITLE"];
    fn row(&self) -> Vec<String> {
        let state = if self.draft && self.state.as_str() == "open" {
            "draft"
        } else {
            self.state.as_str()
        };
        vec![
            self.number.to_string(),
            state.into(),
            self.source.clone(),
            self.target.clone(),
            self.title.clone(),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("number", self.number.to_string()),
            ("provider", self.provider.as_str().into()),
            ("state", self.state.as_str().into()),
            ("draft", self.draft.to_string()),
            ("title", self.title.clone()),
            ("source", self.source.clone()),
            ("target", self.target.clone()),
            ("author", output::or_dash(self.author.as_deref())),
            ("assignees", self.assignees.join(", ")),
            ("url", self.url.clone()),
            (
                "merge_commit",
                output::or_dash(self.merge_commit.as_deref()),
            ),
            ("updated", output::ts(&self.updated_at)),
            (
                "mergeable",
                match (self.mergeable, self.merge_status.as_deref()) {
                    (Some(m), Some(why)) => format!("{m} ({why})"),
                    (Some(m), None) => m.to_string(),
                    (None, _) => "-".into(),
                },
            ),
            (
                "checks",
                self.checks.as_ref().map_or_else(
                    || "-".into(),
                    |c| {
                        format!(
                            "{}: {} of {} failed, {} pending",
                            c.state.as_str(),
                            c.failed,
                            c.total,
                            c.pending
                        )
                    },
                ),
            ),
        ]
    }
}
