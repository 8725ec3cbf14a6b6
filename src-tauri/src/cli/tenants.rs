//! `aiops tenants …`: tenants and their members. `T` is a tenant id or slug; the server
//! accepts both.

use aiops_types::{CreateTenant, Member, Tenant, TenantRole, UpdateTenant};

use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages, users};

#[derive(Debug, clap::Subcommand)]
pub enum TenantsCommand {
    /// List the tenants you can see.
    List {
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one tenant.
    Get {
        /// Tenant id or slug.
        tenant: String,
    },
    /// Create a tenant (admin).
    Create {
        #[arg(long)]
        name: String,
        /// Default: derived from the name.
        #[arg(long)]
        slug: Option<String>,
        /// `#rrggbb`. Default: derived from the slug.
        #[arg(long)]
        color: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Change a tenant's name, slug, colour or description (admin).
    Update {
        /// Tenant id or slug.
        tenant: String,
        #[command(flatten)]
        fields: TenantFields,
    },
    /// Delete a tenant that has no projects left (admin).
    Delete {
        /// Tenant id or slug.
        tenant: String,
    },
    /// Who belongs to a tenant.
    #[command(subcommand)]
    Members(MembersCommand),
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = true)]
pub struct TenantFields {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    slug: Option<String>,
    #[arg(long)]
    color: Option<String>,
    #[arg(long)]
    description: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum MembersCommand {
    /// List a tenant's members.
    List {
        /// Tenant id or slug.
        tenant: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Add a user to a tenant (admin); on an existing member, `--role` changes the role.
    Add {
        /// Tenant id or slug.
        tenant: String,
        /// User id or email.
        #[arg(long, value_name = "ID|EMAIL")]
        user: String,
        /// `admin` (changes the tenant's projects' repository, setup files; deletes
        /// projects) or `member`. Default: `member` for a new member, unchanged otherwise.
        #[arg(long, value_parser = parse_role)]
        role: Option<TenantRole>,
    },
    /// Change a member's role in a tenant (admin).
    Update {
        /// Tenant id or slug.
        tenant: String,
        /// User id or email.
        #[arg(long, value_name = "ID|EMAIL")]
        user: String,
        /// `admin` or `member`.
        #[arg(long, value_parser = parse_role)]
        role: TenantRole,
    },
    /// Remove a user from a tenant (admin).
    Remove {
        /// Tenant id or slug.
        tenant: String,
        /// User id or email.
        #[arg(long, value_name = "ID|EMAIL")]
        user: String,
    },
}

fn parse_role(s: &str) -> Result<TenantRole, String> {
    TenantRole::parse(s).ok_or_else(|| format!("`{s}` is not a role: admin or member"))
}

pub async fn run(ctx: &Ctx, cmd: TenantsCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    match cmd {
        TenantsCommand::List { page } => {
            list_pages(
                ctx.out,
                &page,
                |p| async move { client.list_tenants(&p).await },
            )
            .await
        }
        TenantsCommand::Get { tenant } => output::one(ctx.out, &client.get_tenant(&tenant).await?),
        TenantsCommand::Create {
            name,
            slug,
            color,
            description,
        } => {
            let req = CreateTenant {
                name,
                slug,
                color,
                description,
            };
            output::one(ctx.out, &client.create_tenant(&req).await?)
        }
        TenantsCommand::Update { tenant, fields } => {
            let TenantFields {
                name,
                slug,
                color,
                description,
            } = fields;
            let req = UpdateTenant {
                name,
                slug,
                color,
                description,
            };
            output::one(ctx.out, &client.update_tenant(&tenant, &req).await?)
        }
        TenantsCommand::Delete { tenant } => {
            client.delete_tenant(&tenant).await?;
            output::notice(ctx.out, &format!("Deleted tenant {tenant}."))
        }
        TenantsCommand::Members(MembersCommand::List { tenant, page }) => {
            let tenant = &tenant;
            list_pages(ctx.out, &page, |p| async move {
                client.tenant_members(tenant, &p).await
            })
            .await
        }
        TenantsCommand::Members(MembersCommand::Add { tenant, user, role }) => output::one(
            ctx.out,
            &client
                .put_tenant_member(&tenant, users::resolve(client, &user).await?, role)
                .await?,
        ),
        TenantsCommand::Members(MembersCommand::Update { tenant, user, role }) => output::one(
            ctx.out,
            &client
                .put_tenant_member(&tenant, users::resolve(client, &user).await?, Some(role))
                .await?,
        ),
        TenantsCommand::Members(MembersCommand::Remove { tenant, user }) => {
            let id = users::resolve(client, &user).await?;
            client.remove_tenant_member(&tenant, id).await?;
            output::notice(
                ctx.out,
                &format!("Removed user {user} from tenant {tenant}."),
            )
        }
    }
}

impl Render for Tenant {
    const HEADERS: &'static [&'static str] = &["ID", "SLUG", "NAME", "COLOR", "CREATED"];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.slug.clone(),
            self.name.clone(),
            self.color.clone(),
            ts(&self.created_at),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("slug", self.slug.clone()),
            ("name", self.name.clone()),
            ("color", self.color.clone()),
            ("description", or_dash(Some(&self.description))),
            ("created_at", ts(&self.created_at)),
            ("updated_at", ts(&self.updated_at)),
        ]
    }
}

impl Render for Member {
    const HEADERS: &'static [&'static str] = &["USER ID", "EMAIL", "NAME", "ROLE", "ADDED"];

    fn row(&self) -> Vec<String> {
        vec![
            self.user_id.to_string(),
            self.email.clone(),
            or_dash(Some(&self.name)),
            self.role.as_str().to_owned(),
            ts(&self.added_at),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        ["user_id", "email", "name", "role", "added_at"]
            .into_iter()
            .zip(self.row())
            .collect()
    }
}
