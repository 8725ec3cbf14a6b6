//! The command tree and its dispatch. Every verb is a thin layer over `aiops-client`:
//! parse the arguments, make one client call, print the answer with `output`.
//!
//! Global state of one invocation (output format, server URL, config, credential) lives
//! in [`Ctx`]; nothing here keeps state between invocations except `config.toml` and the
//! credential store.

pub mod agents;
pub mod ask;
pub mod audit;
pub mod auth;
pub mod automation;
pub mod automation_runs;
pub mod backups;
pub mod chat_bots;
pub mod config;
pub mod examples;
pub mod exit;
pub mod git;
pub mod hosts;
pub mod integrations;
pub mod issues;
pub mod jobs;
pub mod mcp;
pub mod mcp_servers;
pub mod output;
pub mod paging;
pub mod personal_credentials;
pub mod projects;
pub mod pulls;
pub mod sessions;
pub mod sessions_diff;
pub mod ssh;
pub mod sync;
pub mod system;
pub mod tenants;
pub mod tools;
pub mod users;
pub mod workflow;
pub mod worktrees;

use std::path::PathBuf;

use aiops_client::key_store::{CredentialError, CredentialStore, FileStore, Keychain};
use aiops_client::{Client, Credential, Secret, normalize_url};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use self::config::{Config, StoreKind};
use self::exit::CliError;
use self::output::OutputFormat;
pub use self::paging::{PageArgs, list_pages, pages};

/// aiops: a self-hosted control plane for AI coding agents.
///
/// Without a command, opens the desktop app. `aiops serve` runs the server; the other
/// commands are a client of a running server (see `aiops login`).
#[derive(Debug, Parser)]
#[command(
    name = "aiops",
    version,
    propagate_version = true,
    max_term_width = 100,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Server URL [default: the `url` config key, else http://127.0.0.1:8060].
    #[arg(long, global = true, env = "AIOPS_URL", value_name = "URL")]
    pub url: Option<String>,
    /// Output format [default: the `output_format` config key, else table].
    #[arg(
        short = 'o',
        long = "output",
        global = true,
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<OutputFormat>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the control plane (REST API and web UI) until SIGINT/SIGTERM.
    #[cfg(feature = "server")]
    Serve(crate::serve::ServeArgs),
    /// Local administration of a data directory; needs no running server.
    #[cfg(feature = "server")]
    #[command(subcommand)]
    Admin(crate::admin::AdminCommand),
    /// Update this binary in place from a signed release (no server needed).
    #[cfg(feature = "server")]
    Update(crate::update::UpdateArgs),
    /// Log in with email and password; stores a new API key for this machine.
    Login(auth::LoginArgs),
    /// Revoke this machine's API key and forget it.
    Logout,
    /// Who you are, your API keys, your password.
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Tenants (teams) and their members.
    #[command(subcommand)]
    Tenants(tenants::TenantsCommand),
    /// Projects: one repository each, inside a tenant.
    #[command(subcommand)]
    Projects(projects::ProjectsCommand),
    /// Issues of every tracker (native, GitHub, GitLab, Jira) in one inbox.
    #[command(subcommand)]
    Issues(issues::IssuesCommand),
    /// Agent sessions: coding agents in tmux, one per issue and tool.
    #[command(subcommand)]
    Sessions(sessions::SessionsCommand),
    /// Git on your working copy of a project: status, commit, push, pull, branches, …
    #[command(subcommand)]
    Git(git::GitCommand),
    /// Pull requests (GitHub) and merge requests (GitLab) of a project.
    #[command(subcommand)]
    Prs(pulls::PrsCommand),
    /// Your SSH keys for git over ssh (and projects' deploy keys).
    #[command(subcommand)]
    SshKeys(ssh::SshKeysCommand),
    /// Host keys of git servers: confirm a new host's key on first use.
    #[command(subcommand)]
    KnownHosts(ssh::KnownHostsCommand),
    /// Session hosts (admin): machines that run sessions over SSH.
    #[command(subcommand)]
    Hosts(hosts::HostsCommand),
    /// MCP: serve aiops's tools to an MCP client on stdin/stdout (what sessions' agents
    /// start); `aiops mcp servers …`: the MCP servers a project's sessions get.
    Mcp(mcp::McpArgs),
    /// Report on an issue as you: claim, progress, submit, approve, complete.
    #[command(subcommand)]
    Workflow(workflow::WorkflowCommand),
    /// Issue worktrees in your workspace: list, remove stale ones.
    #[command(subcommand)]
    Worktrees(worktrees::WorktreesCommand),
    /// The tools sessions run (claude, codex, aider, shell, custom).
    #[command(subcommand)]
    Tools(tools::ToolsCommand),
    /// Agent instructions: the global part of every session's context file.
    #[command(subcommand)]
    Agents(agents::AgentsCommand),
    /// Tracker integrations of a tenant: GitHub, GitLab, Jira.
    #[command(subcommand)]
    Integrations(integrations::IntegrationsCommand),
    /// Your personal tracker tokens and identities.
    #[command(subcommand)]
    Credentials(personal_credentials::CredentialsCommand),
    /// User accounts (admin).
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// The audit log (admin): who did what, when.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The server (admin): status, backups, restart, update, background jobs.
    #[command(subcommand)]
    System(system::SystemCommand),
    /// Ansible through Semaphore or ansible-playbook on the server: targets, runs, logs.
    #[command(subcommand)]
    Automation(automation::AutomationCommand),
    /// Telegram bots of a tenant: commands and questions from chats, as mapped users.
    #[command(subcommand)]
    Telegram(chat_bots::BotCommand),
    /// Slack bots of a tenant (polling their channels): the same as `telegram`.
    #[command(subcommand)]
    Slack(chat_bots::BotCommand),
    /// Runs one session-runtime call of the control plane on this session host: the
    /// call as JSON on stdin, the reply on stdout (started by aiops over SSH).
    #[command(hide = true)]
    HostRuntime {
        /// The host's root (workspaces, sessions, tmux socket).
        #[arg(long)]
        root: std::path::PathBuf,
    },
    /// The CLI's settings (server URL, output format, stored key, defaults).
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Help on a command (`aiops help issues list`), or a guide: `aiops help agents`
    /// (how an agent works from inside its session).
    Help {
        /// A command path, or `agents`.
        #[arg(value_name = "COMMAND|TOPIC")]
        topic: Vec<String>,
    },
}

/// The command tree with every verb's examples (see `examples`).
pub fn command() -> clap::Command {
    examples::attach(Cli::command())
}

/// Parses the process's arguments against [`command`]; exits on a usage error or
/// `--help` the way clap does.
pub fn parse() -> Cli {
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `aiops help [COMMAND…|agents]`.
fn help(topic: &[String]) -> Result<(), CliError> {
    if topic == ["agents"] {
        return output::stdout(&examples::agents_guide());
    }
    let mut cmd = command();
    cmd.build();
    let mut at = &mut cmd;
    for word in topic {
        at = at.find_subcommand_mut(word).ok_or_else(|| {
            CliError::usage(format!(
                "no command `{}` (see `aiops --help`; guides: agents)",
                topic.join(" ")
            ))
        })?;
    }
    output::stdout(&format!("{}\n", at.render_long_help()))
}

/// `aiops host-runtime --root R`: one call of [`aiops_exec::host_rpc`].
fn host_runtime(root: &std::path::Path) -> Result<(), CliError> {
    let me = std::env::current_exe().map_err(|e| CliError::error(e.to_string()))?;
    aiops_exec::host_rpc::serve_stdio(root, me, std::io::stdin().lock(), std::io::stdout().lock())
        .map_err(|e| CliError::usage(format!("host-runtime: {e}")))
}

/// Runs one command. `rt` drives the async ones; sync ones never enter it.
pub fn run(
    global: GlobalArgs,
    command: Command,
    rt: &tokio::runtime::Runtime,
) -> Result<(), CliError> {
    match command {
        #[cfg(feature = "server")]
        Command::Serve(args) => rt.block_on(crate::serve::run(args)),
        #[cfg(feature = "server")]
        Command::Admin(cmd) => crate::admin::run(cmd),
        #[cfg(feature = "server")]
        Command::Update(args) => crate::update::run(args),
        Command::Config(cmd) => config::run(&Ctx::load(&global)?, cmd, rt),
        // Needs no config: the control plane started it over SSH with everything in the call.
        Command::HostRuntime { root } => host_runtime(&root),
        Command::Help { topic } => help(&topic),
        Command::Login(args) => rt.block_on(auth::login(&Ctx::load(&global)?, args)),
        Command::Logout => rt.block_on(auth::logout(&Ctx::load(&global)?)),
        Command::Auth(cmd) => rt.block_on(auth::run(&Ctx::load(&global)?, cmd)),
        Command::Tenants(cmd) => rt.block_on(tenants::run(&Ctx::load(&global)?, cmd)),
        Command::Projects(cmd) => rt.block_on(projects::run(&Ctx::load(&global)?, cmd)),
        Command::Issues(cmd) => rt.block_on(issues::run(&Ctx::load(&global)?, cmd)),
        Command::Users(cmd) => rt.block_on(users::run(&Ctx::load(&global)?, cmd)),
        Command::Audit(cmd) => rt.block_on(audit::run(&Ctx::load(&global)?, cmd)),
        Command::Agents(cmd) => rt.block_on(agents::run(&Ctx::load(&global)?, cmd)),
        // The pane's launcher and recorder need no config and no runtime of ours.
        Command::Sessions(cmd) => match sessions::internal(cmd) {
            Ok(done) => done,
            Err(cmd) => rt.block_on(sessions::run(&Ctx::load(&global)?, *cmd)),
        },
        Command::Tools(cmd) => rt.block_on(tools::run(&Ctx::load(&global)?, cmd)),
        Command::Worktrees(cmd) => rt.block_on(worktrees::run(&Ctx::load(&global)?, cmd)),
        Command::Git(cmd) => rt.block_on(git::run(&Ctx::load(&global)?, cmd)),
        Command::Prs(cmd) => rt.block_on(pulls::run(&Ctx::load(&global)?, cmd)),
        Command::SshKeys(cmd) => rt.block_on(ssh::run(&Ctx::load(&global)?, cmd)),
        Command::KnownHosts(cmd) => rt.block_on(ssh::run_hosts(&Ctx::load(&global)?, cmd)),
        Command::Hosts(cmd) => rt.block_on(hosts::run(&Ctx::load(&global)?, cmd)),
        Command::Mcp(args) => rt.block_on(mcp::run(&Ctx::load(&global)?, args)),
        Command::Workflow(cmd) => rt.block_on(workflow::run(&Ctx::load(&global)?, cmd)),
        Command::Integrations(cmd) => rt.block_on(integrations::run(&Ctx::load(&global)?, cmd)),
        Command::Credentials(cmd) => {
            rt.block_on(personal_credentials::run(&Ctx::load(&global)?, cmd))
        }
        Command::System(cmd) => rt.block_on(system::run(&Ctx::load(&global)?, cmd)),
        Command::Automation(cmd) => rt.block_on(automation::run(&Ctx::load(&global)?, cmd)),
        Command::Telegram(cmd) => rt.block_on(chat_bots::run(
            &Ctx::load(&global)?,
            aiops_types::ChatPlatform::Telegram,
            cmd,
        )),
        Command::Slack(cmd) => rt.block_on(chat_bots::run(
            &Ctx::load(&global)?,
            aiops_types::ChatPlatform::Slack,
            cmd,
        )),
    }
}

/// One invocation's settings, resolved from flags, environment and `config.toml`.
#[derive(Debug)]
pub struct Ctx {
    /// `-o`, else the config's `output_format`.
    pub out: OutputFormat,
    pub config: Config,
    /// `<config dir>/aiops`
    dir: PathBuf,
    /// `--url` or `AIOPS_URL`.
    url_flag: Option<String>,
}

impl Ctx {
    pub fn load(global: &GlobalArgs) -> Result<Self, CliError> {
        let dir = config::dir()?;
        let config = Config::load(&dir.join(config::CONFIG_FILE))?;
        Ok(Self {
            out: global.output.unwrap_or(config.output_format),
            config,
            dir,
            url_flag: global.url.clone().filter(|u| !u.is_empty()),
        })
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join(config::CONFIG_FILE)
    }

    pub fn url_override(&self) -> Option<&str> {
        self.url_flag.as_deref()
    }

    /// The server URL, normalised: `--url` / `AIOPS_URL`, else the config's.
    pub fn url(&self) -> Result<String, CliError> {
        match &self.url_flag {
            Some(url) => normalize_url(url).map_err(|e| CliError::usage(e.to_string())),
            None => normalize_url(&self.config.url)
                .map_err(|e| CliError::error(format!("{}: {e}", self.config_path().display()))),
        }
    }

    /// The store the config names.
    pub fn store(&self) -> CredentialStore {
        self.store_of(self.config.credential_store)
    }

    pub fn store_of(&self, kind: StoreKind) -> CredentialStore {
        match kind {
            StoreKind::Keychain => CredentialStore::Keychain(Keychain),
            StoreKind::File => CredentialStore::File(FileStore::in_dir(&self.dir)),
        }
    }

    /// Stores `key` for `url`: in the OS keychain; where there is none (a headless
    /// server, an agent's sandbox), or with `insecure`, in the 0600 file, saying so in one
    /// line that names the file (as `gh` does). Returns where it went.
    pub fn store_key(
        &self,
        url: &str,
        key: &Secret,
        insecure: bool,
    ) -> Result<StoreKind, CliError> {
        let mut kind = if insecure {
            StoreKind::File
        } else {
            StoreKind::Keychain
        };
        match self.store_of(kind).set(url, key) {
            Ok(()) => {}
            Err(CredentialError::NoKeychain(why)) => {
                let file = FileStore::in_dir(&self.dir);
                eprintln!(
                    "warning: no OS keychain is reachable ({why}); the API key is stored in \
                     {} (mode 0600)",
                    file.path().display()
                );
                kind = StoreKind::File;
                self.store_of(kind).set(url, key)?;
            }
            Err(other) => return Err(other.into()),
        }
        if kind == StoreKind::Keychain {
            // Moving to the keychain: leave no plaintext copy behind.
            let _ = self.store_of(StoreKind::File).delete(url);
        }
        Ok(kind)
    }

    /// The key stored for `url` in the configured store, if any.
    pub fn stored_key(&self, url: &str) -> Result<Option<Secret>, CliError> {
        self.store().get(url).map_err(|e| match e {
            CredentialError::NoKeychain(why) => CliError::auth(format!(
                "not logged in to {url}: no OS keychain is reachable ({why}); run `aiops \
                 login` again (it keeps the key in a 0600 file then), or set AIOPS_API_KEY"
            )),
            other => other.into(),
        })
    }

    /// A client without credentials (public routes, login).
    pub fn public_client(&self) -> Result<Client, CliError> {
        Ok(Client::new(&self.url()?, Credential::None)?)
    }

    /// A client with `AIOPS_API_KEY`, else the stored key; exit 3 when there is none.
    pub fn client(&self) -> Result<Client, CliError> {
        let url = self.url()?;
        let key = match std::env::var("AIOPS_API_KEY") {
            Ok(key) if !key.is_empty() => Secret::new(key),
            _ => self.stored_key(&url)?.ok_or_else(|| {
                CliError::auth(format!(
                    "not logged in to {url}: run `aiops login --url {url} --email …`, \
                     or set AIOPS_API_KEY"
                ))
            })?,
        };
        Ok(Client::new(&url, Credential::ApiKey(key))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_tree_is_valid() {
        Cli::command().debug_assert();
    }
}
