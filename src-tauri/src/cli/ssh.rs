//! `aiops ssh-keys list|add|delete` (your keys for git over ssh; with `--project`, a
//! project's deploy key: admins) and `aiops known-hosts list|confirm|remove`.

use std::io::Read;

use aiops_types::{AddSshKey, ConfirmKnownHost, KnownHost, SshKey};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render};

#[derive(Debug, clap::Subcommand)]
pub enum SshKeysCommand {
    /// Your keys: name, fingerprint, public part.
    List,
    /// Add a key: from a private key file (no passphrase), generated, or (admins) a path
    /// on the server. Prints the public key to register at GitHub/GitLab.
    Add {
        #[arg(long)]
        name: String,
        /// An OpenSSH private key file on this machine (`-`: stdin); sent once, sealed
        /// by the server, never shown again.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["generate", "path"])]
        private_key_file: Option<String>,
        /// Let the server generate an Ed25519 key.
        #[arg(long, conflicts_with = "path")]
        generate: bool,
        /// A key file on the server's disk (admins; single-user installs).
        #[arg(long)]
        path: Option<String>,
        /// Make it the deploy key of this project (admins) instead of your own key.
        #[arg(long)]
        project: Option<String>,
        /// The project's tenant, when its slug is not unique.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Delete one of your keys, or a project's deploy key with --project.
    Delete {
        #[arg(required_unless_present = "project")]
        id: Option<i64>,
        #[arg(long, conflicts_with = "id")]
        project: Option<String>,
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum KnownHostsCommand {
    /// Host keys aiops has seen; pending ones wait for confirmation.
    List,
    /// Trust a pending host key after comparing its fingerprint (admins).
    Confirm { host: String, fingerprint: String },
    /// Forget a host's keys, e.g. after it changed them (admins).
    Remove { host: String },
}

fn read_key(path: &str) -> Result<String, CliError> {
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(drop)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text).map(drop))
    };
    read.map_err(|e| CliError::usage(format!("cannot read {path}: {e}")))?;
    Ok(text)
}

pub async fn run(ctx: &Ctx, cmd: SshKeysCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    match cmd {
        SshKeysCommand::List => output::list(ctx.out, &client.ssh_keys().await?),
        SshKeysCommand::Add {
            name,
            private_key_file,
            generate,
            path,
            project,
            tenant,
        } => {
            if private_key_file.is_none() && !generate && path.is_none() {
                return Err(CliError::usage(
                    "give --private-key-file, --generate or --path",
                ));
            }
            let req = AddSshKey {
                name,
                private_key: private_key_file
                    .as_deref()
                    .map(read_key)
                    .transpose()?
                    .map(Into::into),
                path,
                generate,
            };
            let key = match project {
                Some(p) => {
                    let id = crate::cli::projects::resolve(&client, &p, tenant.as_deref()).await?;
                    client.set_deploy_key(id, &req).await?
                }
                None => client.add_ssh_key(&req).await?,
            };
            output::value(ctx.out, &key, || {
                format!(
                    "added {} ({})\n{}\n",
                    key.name, key.fingerprint, key.public_key
                )
            })
        }
        SshKeysCommand::Delete {
            id,
            project,
            tenant,
        } => {
            match (id, project) {
                (_, Some(p)) => {
                    let pid = crate::cli::projects::resolve(&client, &p, tenant.as_deref()).await?;
                    client.delete_deploy_key(pid).await?;
                }
                (Some(id), None) => client.delete_ssh_key(id).await?,
                (None, None) => return Err(CliError::usage("name a key id or --project")),
            }
            output::notice(ctx.out, "deleted")
        }
    }
}

pub async fn run_hosts(ctx: &Ctx, cmd: KnownHostsCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    match cmd {
        KnownHostsCommand::List => output::list(ctx.out, &client.known_hosts().await?),
        KnownHostsCommand::Confirm { host, fingerprint } => {
            let h = client
                .confirm_known_host(&ConfirmKnownHost { host, fingerprint })
                .await?;
            output::one(ctx.out, &h)
        }
        KnownHostsCommand::Remove { host } => {
            client.forget_known_host(&host).await?;
            output::notice(ctx.out, &format!("forgot the keys of {host}"))
        }
    }
}

impl Render for SshKey {
    const HEADERS: &'static [&'static str] = &["ID", "NAME", "FINGERPRINT", "STORAGE", "CREATED"];
    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            self.fingerprint.clone(),
            self.storage.clone(),
            output::ts(&self.created_at),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("name", self.name.clone()),
            ("fingerprint", self.fingerprint.clone()),
            ("public_key", self.public_key.clone()),
            ("storage", self.storage.clone()),
            ("created", output::ts(&self.created_at)),
        ]
    }
}

impl Render for KnownHost {
    const HEADERS: &'static [&'static str] = &["HOST", "TYPE", "FINGERPRINT", "STATUS"];
    fn row(&self) -> Vec<String> {
        vec![
            self.host.clone(),
            self.key_type.clone(),
            self.fingerprint.clone(),
            self.status.clone(),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("host", self.host.clone()),
            ("type", self.key_type.clone()),
            ("fingerprint", self.fingerprint.clone()),
            ("status", self.status.clone()),
            ("seen", output::ts(&self.seen_at)),
            ("confirmed", output::opt_ts(self.confirmed_at.as_ref())),
        ]
    }
}
