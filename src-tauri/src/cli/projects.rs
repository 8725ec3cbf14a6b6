//! `aiops projects …`. `P` is a project id, a slug looked up with `GET /projects?slug=`,
//! or `tenant/slug` (`--tenant` also narrows a slug that exists in several tenants).

use aiops_client::Client;
use aiops_types::{
    CreateProject, CreateProjectLink, Project, ProjectLink, ProjectListParams, UpdateProject,
};

use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, opt_ts, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages};

#[derive(Debug, clap::Subcommand)]
pub enum ProjectsCommand {
    /// List the projects you can see.
    List {
        /// Only this tenant's projects (id or slug).
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one project.
    Get {
        #[command(flatten)]
        project: ProjectRef,
    },
    /// Check that the repository answers (as you reach it) and holds the default branch.
    Check {
        #[command(flatten)]
        project: ProjectRef,
    },
    /// Create a project in a tenant.
    Create {
        #[arg(long)]
        name: String,
        /// `https://…`, `ssh://…` or `git@host:path`.
        #[arg(long)]
        repo_url: String,
        /// Tenant id or slug.
        #[arg(long)]
        tenant: String,
        /// Default: derived from the name.
        #[arg(long)]
        slug: Option<String>,
        /// Default: main.
        #[arg(long)]
        default_branch: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Change a project's name, slug, repository, default branch or description.
    Update {
        #[command(flatten)]
        project: ProjectRef,
        #[command(flatten)]
        fields: ProjectFields,
    },
    /// Delete a project.
    Delete {
        #[command(flatten)]
        project: ProjectRef,
    },
    /// Link a project to a tracker project of an integration (admin).
    Link {
        #[command(flatten)]
        project: ProjectRef,
        /// Integration id (`aiops integrations list`).
        #[arg(long)]
        integration: i64,
        /// `owner/repo` (GitHub), `group/project` or id (GitLab), `KEY` or `jql:…` (Jira).
        #[arg(long, value_name = "REF")]
        external: String,
        /// Read a token for this project only from stdin (overrides the integration's).
        #[arg(long)]
        token_stdin: bool,
    },
    /// Remove a project's link; the issues synced through it leave aiops (admin).
    Unlink {
        #[command(flatten)]
        project: ProjectRef,
        /// Link id (`aiops projects links P`).
        #[arg(long)]
        link: i64,
    },
    /// List a project's tracker links.
    Links {
        #[command(flatten)]
        project: ProjectRef,
    },
}

/// Which project: `P` plus the tenant that disambiguates a slug.
#[derive(Debug, clap::Args)]
pub struct ProjectRef {
    /// Project id, slug or tenant/slug.
    #[arg(value_name = "P")]
    project: String,
    /// The project's tenant (id or slug), when its slug is not unique.
    #[arg(long)]
    tenant: Option<String>,
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = true)]
pub struct ProjectFields {
    #[arg(long)]
    name: Option<String>,
    /// The new slug.
    #[arg(long)]
    slug: Option<String>,
    #[arg(long)]
    repo_url: Option<String>,
    #[arg(long)]
    default_branch: Option<String>,
    #[arg(long)]
    description: Option<String>,
    /// How sessions get a working copy: `worktree` (one per issue) or `in-place`.
    #[arg(long, value_parser = ["worktree", "in-place"])]
    isolation: Option<String>,
    /// Ignored file copied into each new worktree (repeatable, e.g. `.env`).
    #[arg(long = "setup-file", value_name = "PATH")]
    setup_files: Vec<String>,
    /// Remove every setup file.
    #[arg(long, conflicts_with = "setup_files")]
    no_setup_files: bool,
    /// Command run once in each new worktree, one argument per flag:
    /// `--setup-command npm --setup-command ci` (no shell; admins only).
    #[arg(long = "setup-command", value_name = "ARG", allow_hyphen_values = true)]
    setup_command: Vec<String>,
    /// Remove the setup command.
    #[arg(long, conflicts_with = "setup_command")]
    no_setup_command: bool,
    /// How `git pr-merge` merges without --method: merge, squash or rebase.
    #[arg(long, value_parser = ["merge", "squash", "rebase"])]
    merge_method: Option<String>,
    /// Run the project's sessions on a session host: its name, or `label:<label>` for
    /// the least-loaded host with that label; `""` runs them here again (tenant admins).
    #[arg(long, value_name = "HOST")]
    session_host: Option<String>,
    /// When no pinned host can take a session: refuse it (default) or run it here.
    #[arg(long, value_parser = ["refuse", "local"])]
    host_fallback: Option<String>,
}

/// A repeatable list flag: given → set it; `--no-…` → clear it; neither → keep.
fn list_change(values: Vec<String>, clear: bool) -> Option<Vec<String>> {
    if clear {
        Some(Vec::new())
    } else if values.is_empty() {
        None
    } else {
        Some(values)
    }
}

pub async fn run(ctx: &Ctx, cmd: ProjectsCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    match cmd {
        ProjectsCommand::List { tenant, page } => {
            list_pages(ctx.out, &page, |p| {
                let params = ProjectListParams {
                    tenant: tenant.clone(),
                    slug: None,
                    limit: p.limit,
                    cursor: p.cursor,
                };
                async move { client.list_projects(&params).await }
            })
            .await
        }
        ProjectsCommand::Get { project } => output::one(ctx.out, &find(client, &project).await?),
        ProjectsCommand::Check { project } => {
            let id = resolve_id(client, &project).await?;
            let check = client.check_project_repo(id).await?;
            output::value(ctx.out, &check, || format!("{}\n", check.message))?;
            if check.ok {
                Ok(())
            } else {
                Err(CliError::error(check.message))
            }
        }
        ProjectsCommand::Create {
            name,
            repo_url,
            tenant,
            slug,
            default_branch,
            description,
        } => {
            let req = CreateProject {
                tenant,
                name,
                slug,
                repo_url,
                default_branch,
                description,
            };
            output::one(ctx.out, &client.create_project(&req).await?)
        }
        ProjectsCommand::Update { project, fields } => {
            let id = resolve_id(client, &project).await?;
            let ProjectFields {
                name,
                slug,
                repo_url,
                default_branch,
                description,
                isolation,
                setup_files,
                no_setup_files,
                setup_command,
                no_setup_command,
                merge_method,
                session_host,
                host_fallback,
            } = fields;
            let req = UpdateProject {
                name,
                slug,
                repo_url,
                default_branch,
                description,
                isolation: isolation
                    .map(|i| i.parse())
                    .transpose()
                    .map_err(CliError::usage)?,
                setup_files: list_change(setup_files, no_setup_files),
                setup_command: list_change(setup_command, no_setup_command),
                merge_method: merge_method
                    .map(|m| m.parse())
                    .transpose()
                    .map_err(CliError::usage)?,
                session_host,
                host_fallback: host_fallback
                    .map(|f| f.parse())
                    .transpose()
                    .map_err(CliError::usage)?,
            };
            output::one(ctx.out, &client.update_project(id, &req).await?)
        }
        ProjectsCommand::Delete { project } => {
            let id = resolve_id(client, &project).await?;
            client.delete_project(id).await?;
            output::notice(ctx.out, &format!("Deleted project {}.", project.project))
        }
        ProjectsCommand::Link {
            project,
            integration,
            external,
            token_stdin,
        } => {
            let id = resolve_id(client, &project).await?;
            let token = if token_stdin {
                Some(crate::cli::integrations::read_token()?)
            } else {
                None
            };
            let req = CreateProjectLink {
                integration,
                external,
                token: token.filter(|t| !t.is_empty()).map(Into::into),
            };
            output::one(ctx.out, &client.create_link(id, &req).await?)
        }
        ProjectsCommand::Unlink { project, link } => {
            let id = resolve_id(client, &project).await?;
            client.delete_link(id, link).await?;
            output::notice(
                ctx.out,
                &format!("Removed link {link} of project {}.", project.project),
            )
        }
        ProjectsCommand::Links { project } => {
            let id = resolve_id(client, &project).await?;
            output::list(ctx.out, &client.list_links(id).await?)
        }
    }
}

impl Render for ProjectLink {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "INTEGRATION",
        "PROVIDER",
        "EXTERNAL",
        "TOKEN",
        "LAST SYNC",
    ];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            format!("{} ({})", self.integration_name, self.integration_id),
            self.provider.as_str().to_owned(),
            self.external.clone(),
            if self.has_token { "own" } else { "-" }.to_owned(),
            opt_ts(self.last_synced_at.as_ref()),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("project_id", self.project_id.to_string()),
            (
                "integration",
                format!("{} (id {})", self.integration_name, self.integration_id),
            ),
            ("provider", self.provider.as_str().to_owned()),
            ("external", self.external.clone()),
            (
                "token",
                if self.has_token {
                    "own token"
                } else {
                    "the integration's"
                }
                .to_owned(),
            ),
            ("last_synced_at", opt_ts(self.last_synced_at.as_ref())),
            ("created_at", ts(&self.created_at)),
        ]
    }
}

/// The id of `P`: itself when numeric, else the one project with that slug.
async fn resolve_id(client: &Client, project: &ProjectRef) -> Result<i64, CliError> {
    resolve(client, &project.project, project.tenant.as_deref()).await
}

/// The one project `P` names (by id, or by slug in `--tenant` if given).
async fn find(client: &Client, project: &ProjectRef) -> Result<Project, CliError> {
    find_by_slug(client, &named(&project.project, project.tenant.as_deref())?).await
}

/// The id of a project named by id, slug or `tenant/slug`; `tenant` (id or slug) narrows
/// a bare slug that exists in several tenants. Every command taking a project goes
/// through this.
pub async fn resolve(
    client: &Client,
    project: &str,
    tenant: Option<&str>,
) -> Result<i64, CliError> {
    match named(project, tenant)? {
        aiops_types::ProjectRef::Id(id) => Ok(id),
        slug => Ok(find_by_slug(client, &slug).await?.id),
    }
}

/// `project` (with `--tenant`) as a [`aiops_types::ProjectRef`], or a usage error.
fn named(project: &str, tenant: Option<&str>) -> Result<aiops_types::ProjectRef, CliError> {
    aiops_types::ProjectRef::parse(project)
        .map(|r| r.in_tenant(tenant))
        .map_err(CliError::usage)
}

/// The one project `named` names: by id, else by slug (in its tenant, if named).
async fn find_by_slug(
    client: &Client,
    named: &aiops_types::ProjectRef,
) -> Result<Project, CliError> {
    let (tenant, slug) = match named {
        aiops_types::ProjectRef::Slug { tenant, slug } => (tenant.as_deref(), slug.as_str()),
        aiops_types::ProjectRef::Id(id) => return Ok(client.get_project(*id).await?),
    };
    let params = ProjectListParams {
        tenant: tenant.map(str::to_owned),
        slug: Some(slug.to_owned()),
        ..Default::default()
    };
    let mut found = client.list_projects(&params).await?.items;
    match found.len() {
        0 => Err(CliError::not_found(match tenant {
            Some(t) => format!("no project with slug `{slug}` in tenant {t}"),
            None => format!("no project with slug `{slug}`"),
        })),
        1 => Ok(found.remove(0)),
        _ => {
            let forms: Vec<String> = found
                .iter()
                .map(|p| format!("{}/{}", p.tenant_slug, p.slug))
                .collect();
            Err(CliError::error(format!(
                "several projects have the slug `{slug}`: name one as {}",
                forms.join(" or ")
            )))
        }
    }
}

impl Render for Project {
    const HEADERS: &'static [&'static str] =
        &["ID", "TENANT", "SLUG", "NAME", "REPO", "BRANCH", "CREATED"];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.tenant_slug.clone(),
            self.slug.clone(),
            self.name.clone(),
            self.repo_url.clone(),
            self.default_branch.clone(),
            ts(&self.created_at),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            (
                "tenant",
                format!("{} (id {})", self.tenant_slug, self.tenant_id),
            ),
            ("slug", self.slug.clone()),
            ("name", self.name.clone()),
            ("repo_url", self.repo_url.clone()),
            ("default_branch", self.default_branch.clone()),
            ("merge_method", self.merge_method.as_str().to_owned()),
            (
                "session_host",
                self.workspace
                    .session_host
                    .clone()
                    .unwrap_or_else(|| "(this server)".into()),
            ),
            (
                "host_fallback",
                self.workspace.host_fallback.as_str().to_owned(),
            ),
            ("description", or_dash(Some(&self.description))),
            ("created_at", ts(&self.created_at)),
            ("updated_at", ts(&self.updated_at)),
        ]
    }
}
