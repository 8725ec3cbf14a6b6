//! `aiops audit list` (admins): the audit log, newest first, with the filters of
//! `GET /api/v1/audit`.

use aiops_types::{AuditEntry, AuditListParams};

use crate::cli::exit::CliError;
use crate::cli::output::{Render, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages, users};

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// What happened, who did it, newest first.
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only what this user did (id or email).
    #[arg(long, value_name = "ID|EMAIL")]
    actor: Option<String>,
    /// An action (`issue.create`), or every action under a prefix ending in `.`
    /// (`issue.`).
    #[arg(long)]
    action: Option<String>,
    /// Only rows about this kind of object (`issue`, `project`, `session`, …).
    #[arg(long, value_name = "TYPE")]
    target_type: Option<String>,
    /// Only rows about this object (its id).
    #[arg(long, value_name = "ID")]
    target_id: Option<String>,
    /// RFC 3339: only rows at or after this instant.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// RFC 3339: only rows before this instant.
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    #[command(flatten)]
    page: PageArgs,
}

pub async fn run(ctx: &Ctx, cmd: AuditCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    let AuditCommand::List(a) = cmd;
    let actor = match &a.actor {
        Some(u) => Some(users::resolve(client, u).await?),
        None => None,
    };
    list_pages(ctx.out, &a.page, |p| {
        let params = AuditListParams {
            actor_user_id: actor,
            action: a.action.clone(),
            target_type: a.target_type.clone(),
            target_id: a.target_id.clone(),
            since: a.since.clone(),
            until: a.until.clone(),
            limit: p.limit,
            cursor: p.cursor,
        };
        async move { client.list_audit(&params).await }
    })
    .await
}

impl Render for AuditEntry {
    const HEADERS: &'static [&'static str] = &["ID", "AT", "ACTOR", "ACTION", "TARGET", "IP"];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            ts(&self.at),
            self.actor.clone(),
            self.action.clone(),
            target(self),
            or_dash(self.ip.as_deref()),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("at", ts(&self.at)),
            ("actor", self.actor.clone()),
            ("action", self.action.clone()),
            ("target", target(self)),
            ("ip", or_dash(self.ip.as_deref())),
            ("detail", self.detail.to_string()),
        ]
    }
}

/// `issue 12`, `issue`, or `-`.
fn target(e: &AuditEntry) -> String {
    match (&e.target_type, &e.target_id) {
        (Some(t), Some(id)) => format!("{t} {id}"),
        (Some(t), None) => t.clone(),
        _ => "-".to_owned(),
    }
}
