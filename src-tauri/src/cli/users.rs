//! `aiops users …` (admin): accounts, roles, disabling.

use aiops_client::Client;
use aiops_types::{CreateUser, MAX_PAGE_LIMIT, PageParams, Role, UpdateUser, User};

use crate::cli::auth::new_password;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages};

#[derive(Debug, clap::Subcommand)]
pub enum UsersCommand {
    /// List users.
    List {
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one user.
    Get { id: i64 },
    /// Create a user; prompts for the password (or reads it with --password-stdin).
    Create {
        #[arg(long)]
        email: String,
        /// admin or member.
        #[arg(long)]
        role: Role,
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of stdin instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role, name or tool home, or enable a disabled user.
    Update {
        id: i64,
        #[command(flatten)]
        fields: UserFields,
    },
    /// Disable a user: signs them out everywhere, their API keys stop working.
    Disable { id: i64 },
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = true)]
pub struct UserFields {
    /// admin or member.
    #[arg(long)]
    role: Option<Role>,
    #[arg(long)]
    name: Option<String>,
    /// Enable a disabled user.
    #[arg(long)]
    enable: bool,
    /// Where the user's tool home is (`$HOME` of their sessions; an absolute path);
    /// `""` puts it back at `<data dir>/homes/<id>`.
    #[arg(long, value_name = "PATH")]
    tool_home: Option<String>,
}

pub async fn run(ctx: &Ctx, cmd: UsersCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    match cmd {
        UsersCommand::List { page } => {
            list_pages(
                ctx.out,
                &page,
                |p| async move { client.list_users(&p).await },
            )
            .await
        }
        UsersCommand::Get { id } => output::one(ctx.out, &client.get_user(id).await?),
        UsersCommand::Create {
            email,
            role,
            name,
            password_stdin,
        } => {
            let password = new_password(password_stdin, &format!("Password for {email}: "))?;
            let req = CreateUser {
                email,
                name,
                role,
                password: password.into(),
            };
            output::one(ctx.out, &client.create_user(&req).await?)
        }
        UsersCommand::Update { id, fields } => {
            let req = UpdateUser {
                name: fields.name,
                role: fields.role,
                disabled: fields.enable.then_some(false),
                tool_home: fields.tool_home,
            };
            output::one(ctx.out, &client.update_user(id, &req).await?)
        }
        UsersCommand::Disable { id } => {
            let req = UpdateUser {
                disabled: Some(true),
                ..Default::default()
            };
            output::one(ctx.out, &client.update_user(id, &req).await?)
        }
    }
}

/// The id of a user named by id (`5`) or email. An email is looked up in `GET /users`
/// (admins), page by page.
pub async fn resolve(client: &Client, text: &str) -> Result<i64, CliError> {
    let text = text.trim();
    if let Ok(id) = text.parse() {
        return Ok(id);
    }
    let mut params = PageParams {
        limit: Some(MAX_PAGE_LIMIT),
        cursor: None,
    };
    loop {
        let page = client.list_users(&params).await?;
        if let Some(u) = page
            .items
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(text))
        {
            return Ok(u.id);
        }
        match page.next_cursor {
            Some(next) if params.cursor.as_ref() != Some(&next) => params.cursor = Some(next),
            _ => return Err(CliError::not_found(format!("no user `{text}`"))),
        }
    }
}

impl Render for User {
    const HEADERS: &'static [&'static str] =
        &["ID", "EMAIL", "NAME", "ROLE", "DISABLED", "CREATED"];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.email.clone(),
            or_dash(Some(&self.name)),
            self.role.as_str().to_owned(),
            if self.disabled { "yes" } else { "no" }.to_owned(),
            ts(&self.created_at),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields: Vec<_> = ["id", "email", "name", "role", "disabled", "created_at"]
            .into_iter()
            .zip(self.row())
            .collect();
        fields.push(("updated_at", ts(&self.updated_at)));
        fields.push((
            "tool_home",
            self.tool_home
                .clone()
                .unwrap_or_else(|| "<data dir>/homes/<id> (default)".into()),
        ));
        fields
    }
}
