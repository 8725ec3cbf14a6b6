//! `aiops worktrees list|remove`: issue worktrees left in your workspace.

use aiops_types::{RemoveWorktree, Worktree, WorktreeListParams};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render};

#[derive(Debug, clap::Subcommand)]
pub enum WorktreesCommand {
    /// Your worktrees with their uncommitted changes and live session, if any.
    List {
        /// Every user's (admin).
        #[arg(long)]
        all_users: bool,
        /// Only those no live session works in.
        #[arg(long)]
        stale: bool,
    },
    /// Remove a worktree (its branch stays). Refused while a session works in it, and
    /// with uncommitted work unless --force (which loses that work).
    Remove {
        /// Project id (`aiops worktrees list` shows it), slug or tenant/slug.
        #[arg(long, value_name = "P")]
        project: String,
        /// The worktree's name, e.g. `12-fix-login`.
        name: String,
        #[arg(long)]
        force: bool,
        /// Admins: another user's worktree (user id or email).
        #[arg(long, value_name = "ID|EMAIL")]
        user: Option<String>,
        /// The session host it is on (`aiops worktrees list` shows it).
        #[arg(long, value_name = "NAME")]
        host: Option<String>,
    },
}

pub async fn run(ctx: &Ctx, cmd: WorktreesCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    match cmd {
        WorktreesCommand::List { all_users, stale } => {
            let list = client
                .worktrees(&WorktreeListParams { all_users, stale })
                .await?;
            output::list(ctx.out, &list)
        }
        WorktreesCommand::Remove {
            project,
            name,
            force,
            user,
            host,
        } => {
            let user_id = match &user {
                Some(u) => Some(crate::cli::users::resolve(&client, u).await?),
                None => None,
            };
            let req = RemoveWorktree {
                project_id: crate::cli::projects::resolve(&client, &project, None).await?,
                name: name.clone(),
                user_id,
                host,
                force,
            };
            client.remove_worktree(&req).await?;
            output::notice(ctx.out, &format!("Removed worktree {name}."))
        }
    }
}

impl Render for Worktree {
    const HEADERS: &'static [&'static str] = &[
        "PROJECT", "NAME", "BRANCH", "CHANGES", "SESSION", "HOST", "PATH",
    ];
    fn row(&self) -> Vec<String> {
        vec![
            format!("{} ({})", self.project, self.project_id),
            self.name.clone(),
            self.branch.clone(),
            self.dirty.len().to_string(),
            self.session_id
                .map_or("- (stale)".into(), |s| s.to_string()),
            self.host.clone().unwrap_or_else(|| "local".into()),
            self.path.clone(),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("project", format!("{} ({})", self.project, self.project_id)),
            ("name", self.name.clone()),
            ("branch", self.branch.clone()),
            ("changes", self.dirty.join(", ")),
            (
                "session",
                self.session_id.map_or("-".into(), |s| s.to_string()),
            ),
            ("host", self.host.clone().unwrap_or_else(|| "local".into())),
            ("path", self.path.clone()),
        ]
    }
}
