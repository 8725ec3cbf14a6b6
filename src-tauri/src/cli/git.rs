//! `aiops git status|files|cat <project>`: read your working copy of a project (your
//! base clone, or a session's worktree with `--session`).

use aiops_types::{FileEntry, GitWhere};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render};

#[derive(Debug, clap::Args)]
pub struct Where {
    /// Project id or slug.
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
}

pub async fn run(ctx: &Ctx, cmd: GitCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let (at, path) = match &cmd {
        GitCommand::Status(at) => (at, None),
        GitCommand::Files { at, path } => (at, path.clone()),
        GitCommand::Cat { at, path } => (at, Some(path.clone())),
    };
    let project = crate::cli::projects::resolve(&client, &at.project, at.tenant.as_deref()).await?;
    let q = GitWhere {
        session: at.session,
        path,
    };
    match cmd {
        GitCommand::Status(_) => {
            let s = client.git_status(project, &q).await?;
            output::value(ctx.out, &s, || {
                let mut text = format!(
                    "On branch {}{}\n",
                    if s.branch.is_empty() {
                        "(detached)"
                    } else {
                        &s.branch
                    },
                    match &s.upstream {
                        Some(u) => format!(" ({u}: {} ahead, {} behind)", s.ahead, s.behind),
                        None => " (no upstream)".to_owned(),
                    }
                );
                for c in &s.changed {
                    text.push_str(&format!("  {c}\n"));
                }
                for u in &s.untracked {
                    text.push_str(&format!("  ?? {u}\n"));
                }
                text
            })
        }
        GitCommand::Files { .. } => output::list(ctx.out, &client.git_files(project, &q).await?),
        GitCommand::Cat { .. } => {
            let f = client.git_cat(project, &q).await?;
            output::value(ctx.out, &f, || f.text.clone())
        }
    }
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
