//! `aiops git status|pull|push|commit|branches|branch|checkout|diff|log|files|cat
//! <project>`: git on your working copy of a project (your base clone, or a session's
//! worktree with `--session`). Pull requests: `cli/pulls.rs`.

use aiops_types::{
    FileEntry, GitBranch, GitBranchInfo, GitCommit, GitCommitInfo, GitPull, GitPush, GitRangeQuery,
    GitResult, GitStatus, GitWhere,
};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render};

#[derive(Debug, clap::Args)]
pub struct Where {
    /// Project id, slug or tenant/slug.
    project: String,
    /// The project's tenant (id or slug), when its slug is not unique.
    #[arg(long)]
    tenant: Option<String>,
    /// A session's worktree instead of your base clone.
    #[arg(long, value_name = "ID")]
    session: Option<i64>,
}

#[derive(Debug, clap::Subcommand)]
pub enum GitCommand {
    #[command(flatten)]
    Copy(CopyCommand),
    #[command(flatten)]
    Pulls(crate::cli::pulls::PrVerb),
}

/// The verbs on a working copy.
#[derive(Debug, clap::Subcommand)]
pub enum CopyCommand {
    /// Branch, ahead/behind its upstream, changed and untracked files.
    Status(Where),
    /// List a directory of the working copy (default: its root).
    Files {
        #[command(flatten)]
        at: Where,
        path: Option<String>,
    },
    /// Print a file of the working copy.
    Cat {
        #[command(flatten)]
        at: Where,
        path: String,
    },
    /// Fetch and fast-forward; refuses to discard local changes unless --clean.
    Pull {
        #[command(flatten)]
        at: Where,
        /// Discard local changes (tracked and untracked) first.
        #[arg(long)]
        clean: bool,
    },
    /// Push a branch (default: the checked-out one) to origin and track it.
    Push {
        #[command(flatten)]
        at: Where,
        /// The branch to push.
        #[arg(long)]
        branch: Option<String>,
    },
    /// Commit as you: only --files when given, --staged what is staged, else every change.
    Commit {
        #[command(flatten)]
        at: Where,
        /// The commit message (or -m; after `--` when it begins with `-`).
        #[arg(value_name = "MESSAGE", required_unless_present = "message")]
        text: Option<String>,
        /// The commit message.
        #[arg(long, short = 'm', conflicts_with = "text")]
        message: Option<String>,
        /// Comma-separated paths to stage and commit, nothing else.
        #[arg(long, value_delimiter = ',', conflicts_with = "staged")]
        files: Vec<String>,
        /// Commit the index as it is (partly staged files as staged); add nothing.
        #[arg(long)]
        staged: bool,
    },
    /// Local branches and origin's.
    Branches(Where),
    /// Create a branch (not checked out).
    Branch {
        #[command(flatten)]
        at: Where,
        name: String,
        /// Start point (default: HEAD).
        #[arg(long)]
        from: Option<String>,
    },
    /// Check out a branch (one only on origin becomes a local tracking branch).
    Checkout {
        #[command(flatten)]
        at: Where,
        name: String,
    },
    /// Uncommitted changes (or against --rev; --staged: the index only).
    Diff {
        #[command(flatten)]
        at: Where,
        /// Compare with this revision instead of HEAD.
        #[arg(long)]
        rev: Option<String>,
        /// The staged changes only.
        #[arg(long)]
        staged: bool,
    },
    /// The newest commits.
    Log {
        #[command(flatten)]
        at: Where,
        /// Start from this revision instead of HEAD.
        #[arg(long)]
        rev: Option<String>,
        /// How many (1..=500).
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: u32,
    },
}

impl CopyCommand {
    fn at(&self) -> &Where {
        match self {
            Self::Status(at) | Self::Branches(at) => at,
            Self::Files { at, .. }
            | Self::Cat { at, .. }
            | Self::Pull { at, .. }
            | Self::Push { at, .. }
            | Self::Commit { at, .. }
            | Self::Branch { at, .. }
            | Self::Checkout { at, .. }
            | Self::Diff { at, .. }
            | Self::Log { at, .. } => at,
        }
    }
}

pub async fn run(ctx: &Ctx, cmd: GitCommand) -> Result<(), CliError> {
    match cmd {
        GitCommand::Copy(cmd) => copy(ctx, cmd).await,
        GitCommand::Pulls(verb) => crate::cli::pulls::verb(ctx, verb).await,
    }
}

async fn copy(ctx: &Ctx, cmd: CopyCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let at = cmd.at();
    let project = crate::cli::projects::resolve(&client, &at.project, at.tenant.as_deref()).await?;
    let session = at.session;
    let here = |path| GitWhere { session, path };
    let done = |r: GitResult| output::value(ctx.out, &r, || format!("{}\n", r.message));
    match cmd {
        CopyCommand::Status(_) => {
            let s = client.git_status(project, &here(None)).await?;
            output::value(ctx.out, &s, || status_text(&s))
        }
        CopyCommand::Files { path, .. } => {
            output::list(ctx.out, &client.git_files(project, &here(path)).await?)
        }
        CopyCommand::Cat { path, .. } => {
            let f = client.git_cat(project, &here(Some(path))).await?;
            output::value(ctx.out, &f, || f.text.clone())
        }
        CopyCommand::Pull { clean, .. } => done(
            client
                .git_pull(project, &GitPull { session, clean })
                .await?,
        ),
        CopyCommand::Push { branch, .. } => done(
            client
                .git_push(project, &GitPush { session, branch })
                .await?,
        ),
        CopyCommand::Commit {
            text,
            message,
            files,
            staged,
            ..
        } => {
            let req = GitCommit {
                session,
                message: text.or(message).unwrap_or_default(),
                files,
                staged,
            };
            done(client.git_commit(project, &req).await?)
        }
        CopyCommand::Branches(_) => {
            output::list(ctx.out, &client.git_branches(project, &here(None)).await?)
        }
        CopyCommand::Branch { name, from, .. } => {
            let req = GitBranch {
                session,
                name,
                from,
            };
            done(client.git_branch(project, &req).await?)
        }
        CopyCommand::Checkout { name, .. } => {
            let req = GitBranch {
                session,
                name,
                from: None,
            };
            done(client.git_checkout(project, &req).await?)
        }
        CopyCommand::Diff { rev, staged, .. } => {
            let q = GitRangeQuery {
                session,
                rev,
                staged,
                limit: None,
            };
            let d = client.git_diff(project, &q).await?;
            output::value(ctx.out, &d, || {
                let cut = if d.truncated {
                    "\n(diff cut at 1 MiB)\n"
                } else {
                    ""
                };
                format!("{}{cut}", d.diff)
            })
        }
        CopyCommand::Log { rev, limit, .. } => {
            let q = GitRangeQuery {
                session,
                rev,
                staged: false,
                limit: Some(limit),
            };
            output::list(ctx.out, &client.git_log(project, &q).await?)
        }
    }
}

fn status_text(s: &GitStatus) -> String {
    let branch = if s.branch.is_empty() {
        "(detached)"
    } else {
        &s.branch
    };
    let upstream = match &s.upstream {
        Some(u) => format!(" ({u}: {} ahead, {} behind)", s.ahead, s.behind),
        None => " (no upstream)".to_owned(),
    };
    let mut text = format!("On branch {branch}{upstream}\n");
    for c in &s.changed {
        text.push_str(&format!("  {c}\n"));
    }
    for u in &s.untracked {
        text.push_str(&format!("  ?? {u}\n"));
    }
    text
}

impl Render for FileEntry {
    const HEADERS: &'static [&'static str] = &["NAME", "KIND", "SIZE"];
    fn row(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.kind.clone(),
            self.size.map_or("-".into(), |s| s.to_string()),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("kind", self.kind.clone()),
            ("size", self.size.map_or("-".into(), |s| s.to_string())),
        ]
    }
}

impl Render for GitBranchInfo {
    const HEADERS: &'static [&'static str] = &["", "NAME", "COMMIT", "UPSTREAM"];
    fn row(&self) -> Vec<String> {
        vec![
            if self.current { "*" } else { "" }.into(),
            self.name.clone(),
            self.commit.chars().take(7).collect(),
            output::or_dash(self.upstream.as_deref()),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("current", self.current.to_string()),
            ("remote", self.remote.to_string()),
            ("commit", self.commit.clone()),
            ("upstream", output::or_dash(self.upstream.as_deref())),
        ]
    }
}

impl Render for GitCommitInfo {
    const HEADERS: &'static [&'static str] = &["COMMIT", "DATE", "AUTHOR", "SUBJECT"];
    fn row(&self) -> Vec<String> {
        vec![
            self.sha.chars().take(7).collect(),
            output::ts(&self.date),
            self.author.clone(),
            self.subject.clone(),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("sha", self.sha.clone()),
            ("date", output::ts(&self.date)),
            ("author", format!("{} <{}>", self.author, self.email)),
            ("subject", self.subject.clone()),
        ]
    }
}
