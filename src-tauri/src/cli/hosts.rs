//! `aiops hosts add|list|get|update|remove|test|drain`: session hosts, machines that run
//! sessions over SSH (admins). A host is named by its name or id.

use aiops_types::{Host, HostCheck, NewHost, UpdateHost};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render};

#[derive(Debug, clap::Subcommand)]
pub enum HostsCommand {
    /// Every host: address, labels, capacity, draining, last check.
    List,
    /// One host, with what its last test found.
    Get { host: String },
    /// Add a host reached as `user@host[:port]`; then put your key's public part in its
    /// authorized_keys and run `aiops hosts test NAME`.
    Add {
        name: String,
        /// `user@host[:port]` (`user@[v6]:port` for IPv6).
        #[arg(long)]
        ssh: String,
        /// Where base clones and worktrees live on the host (default `.aiops` in the
        /// SSH user's home).
        #[arg(long)]
        root: Option<String>,
        /// The SSH key aiops logs in with (`aiops ssh-keys list`; default: your oldest).
        #[arg(long, value_name = "KEY_ID")]
        key: Option<i64>,
        /// Comma-separated labels projects can pin (`gpu,big`).
        #[arg(long, value_delimiter = ',')]
        labels: Vec<String>,
        /// Most live sessions it takes (default 4).
        #[arg(long)]
        capacity: Option<u32>,
    },
    /// Change a host's root, key, labels or capacity.
    Update {
        host: String,
        #[arg(long)]
        root: Option<String>,
        #[arg(long, value_name = "KEY_ID")]
        key: Option<i64>,
        /// Replaces the labels (comma-separated; `--labels ''` clears them).
        #[arg(long, value_delimiter = ',')]
        labels: Option<Vec<String>>,
        #[arg(long)]
        capacity: Option<u32>,
    },
    /// Forget a host.
    Remove { host: String },
    /// Log in over SSH and report ssh, tmux, git, bubblewrap, the sandbox and the agent
    /// CLIs with their versions; exits 1 when something sessions need is missing.
    Test { host: String },
    /// Stop new sessions from landing on a host (`--undo` takes them again).
    Drain {
        host: String,
        #[arg(long)]
        undo: bool,
    },
}

/// The id of `host`: a number, else the host with that name.
async fn resolve(client: &aiops_client::Client, host: &str) -> Result<i64, CliError> {
    if let Ok(id) = host.parse::<i64>() {
        return Ok(id);
    }
    client
        .hosts()
        .await?
        .into_iter()
        .find(|h| h.name == host)
        .map(|h| h.id)
        .ok_or_else(|| CliError::not_found(format!("no host named `{host}` (`aiops hosts list`)")))
}

pub async fn run(ctx: &Ctx, cmd: HostsCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    match cmd {
        HostsCommand::List => output::list(ctx.out, &client.hosts().await?),
        HostsCommand::Get { host } => {
            let id = resolve(&client, &host).await?;
            output::one(ctx.out, &client.host(id).await?)
        }
        HostsCommand::Add {
            name,
            ssh,
            root,
            key,
            labels,
            capacity,
        } => {
            let req = NewHost {
                name,
                ssh,
                root,
                key_id: key,
                labels,
                capacity,
            };
            output::one(ctx.out, &client.add_host(&req).await?)
        }
        HostsCommand::Update {
            host,
            root,
            key,
            labels,
            capacity,
        } => {
            let id = resolve(&client, &host).await?;
            let req = UpdateHost {
                root,
                key_id: key,
                labels: labels.map(|l| l.into_iter().filter(|s| !s.is_empty()).collect()),
                capacity,
                draining: None,
            };
            output::one(ctx.out, &client.update_host(id, &req).await?)
        }
        HostsCommand::Remove { host } => {
            let id = resolve(&client, &host).await?;
            client.remove_host(id).await?;
            output::value(ctx.out, &serde_json::json!({ "removed": id }), || {
                format!("removed host {host}\n")
            })
        }
        HostsCommand::Test { host } => {
            let id = resolve(&client, &host).await?;
            let tested = client.test_host(id).await?;
            let check = tested.last_check.clone();
            output::value(ctx.out, &tested, || {
                check.as_ref().map(check_table).unwrap_or_default()
            })?;
            match check {
                Some(c) if c.ok => Ok(()),
                _ => Err(CliError::error(format!(
                    "host {} cannot run sessions yet (see above)",
                    tested.name
                ))),
            }
        }
        HostsCommand::Drain { host, undo } => {
            let id = resolve(&client, &host).await?;
            let req = UpdateHost {
                draining: Some(!undo),
                ..UpdateHost::default()
            };
            let h = client.update_host(id, &req).await?;
            output::value(ctx.out, &h, || {
                if h.draining {
                    format!("host {} takes no new sessions\n", h.name)
                } else {
                    format!("host {} takes sessions again\n", h.name)
                }
            })
        }
    }
}

/// `name  ok  version or why` per item.
fn check_table(c: &HostCheck) -> String {
    let rows: Vec<(&str, String)> = c
        .items
        .iter()
        .map(|i| {
            let mark = if i.ok { "ok" } else { "MISSING" };
            let said = i.version.as_deref().or(i.detail.as_deref()).unwrap_or("");
            (i.name.as_str(), format!("{mark}  {said}"))
        })
        .collect();
    output::fields_table(&rows)
}

impl Render for Host {
    const HEADERS: &'static [&'static str] = &[
        "ID", "NAME", "SSH", "LABELS", "CAPACITY", "STATE", "CHECKED",
    ];
    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            format!("{}@{}:{}", self.ssh_user, self.address, self.port),
            self.labels.join(","),
            self.capacity.to_string(),
            match (self.unreachable_since.is_some(), self.draining) {
                (true, _) => "unreachable",
                (false, true) => "draining",
                (false, false) => "active",
            }
            .into(),
            match &self.last_check {
                Some(c) if c.ok => "ok".into(),
                Some(_) => "failed".into(),
                None => "-".into(),
            },
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("id", self.id.to_string()),
            ("name", self.name.clone()),
            (
                "ssh",
                format!("{}@{}:{}", self.ssh_user, self.address, self.port),
            ),
            ("root", self.root.clone()),
            (
                "key",
                self.key_id.map_or_else(|| "-".into(), |k| k.to_string()),
            ),
            ("labels", self.labels.join(", ")),
            ("capacity", self.capacity.to_string()),
            ("draining", self.draining.to_string()),
            (
                "unreachable_since",
                self.unreachable_since
                    .as_ref()
                    .map_or_else(|| "-".into(), output::ts),
            ),
        ];
        if let Some(c) = &self.last_check {
            f.push(("checked", output::ts(&c.checked_at)));
            f.push(("check", if c.ok { "ok" } else { "failed" }.into()));
        }
        f
    }
}
