//! `aiops login`, `aiops logout`, `aiops auth …`: sessions become API keys, and keys are
//! listed, created and revoked.

use std::io::IsTerminal;

use aiops_client::{Client, Credential, Secret};
use aiops_types::{ApiKey, ChangePassword, CreateApiKey, KeyListParams, Me, Scope};

use crate::cli::config::{StoreKind, read_stdin_line};
use crate::cli::exit::CliError;
use crate::cli::output::{self, Render, opt_ts, or_dash, ts};
use crate::cli::{Ctx, PageArgs, list_pages};

#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// Your account's email.
    #[arg(long)]
    email: String,
    /// Read the password from the first line of stdin instead of prompting.
    #[arg(long)]
    password_stdin: bool,
    /// Keep the API key in a 0600 file instead of the OS keychain (without a keychain
    /// that happens anyway, with a warning naming the file).
    #[arg(long)]
    insecure_store: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum AuthCommand {
    /// Show the user and scopes of the current credential.
    Whoami,
    /// Your API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Change your password (prompts; or current and new password as two stdin lines).
    Password {
        /// Read the current and the new password from the first two lines of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// List your API keys.
    List {
        /// Every user's keys (admins only).
        #[arg(long)]
        all_users: bool,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Create an API key and print its secret (shown only this once).
    Create {
        #[arg(long)]
        name: String,
        /// Comma-separated: read, write, admin (at most what your role allows).
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<Scope>,
        /// Expire the key after this many days (default: never).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// Revoke an API key by id.
    Revoke { id: i64 },
}

pub async fn run(ctx: &Ctx, cmd: AuthCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    match cmd {
        AuthCommand::Whoami => output::one(ctx.out, &client.me().await?),
        AuthCommand::Keys(KeysCommand::List { all_users, page }) => {
            let all = all_users.then_some(true);
            list_pages(ctx.out, &page, |p| {
                let params = KeyListParams {
                    all,
                    limit: p.limit,
                    cursor: p.cursor,
                };
                let client = &client;
                async move { client.list_keys(&params).await }
            })
            .await
        }
        AuthCommand::Keys(KeysCommand::Create {
            name,
            scopes,
            expires_in_days,
        }) => {
            let req = CreateApiKey {
                name,
                scopes,
                expires_in_days,
            };
            let created = client.create_key(&req).await?;
            let key = &created.key;
            eprintln!(
                "Created API key {} ({}, scopes {}). This is the only time its secret is \
                 shown: store it now.",
                key.id,
                key.name,
                scope_list(&key.scopes)
            );
            output::value(ctx.out, &created, || {
                format!("{}\n", created.secret.expose())
            })
        }
        AuthCommand::Keys(KeysCommand::Revoke { id }) => {
            client.revoke_key(id).await?;
            output::notice(ctx.out, &format!("Revoked API key {id}."))
        }
        AuthCommand::Password { password_stdin } => {
            let req = if password_stdin {
                ChangePassword {
                    current_password: read_stdin_line()?.into(),
                    new_password: read_stdin_line()?.into(),
                }
            } else {
                ChangePassword {
                    current_password: password(false, "Current password: ")?.into(),
                    new_password: new_password(false, "New password: ")?.into(),
                }
            };
            client.change_password(&req).await?;
            output::notice(ctx.out, "Password changed.")
        }
    }
}

/// Password login → an API key named `cli@<host>` with the role's scopes → stored for
/// the URL → session ended. A key that cannot be stored is revoked again.
pub async fn login(ctx: &Ctx, args: LoginArgs) -> Result<(), CliError> {
    let url = ctx.url()?;
    let pw = Secret::new(password(args.password_stdin, "Password: ")?);
    let public = ctx.public_client()?;
    let (info, cookie) = public.login(&args.email, &pw).await?;
    let session = public.with_credential(cookie.into_credential(info.csrf_token.expose()));
    let role = info.user.role;
    let req = CreateApiKey {
        name: key_name("cli"),
        scopes: role.scopes(),
        expires_in_days: None,
    };
    let created = match session.create_key(&req).await {
        Ok(created) => created,
        Err(e) => {
            let _ = session.logout().await;
            return Err(e.into());
        }
    };
    let intended = if args.insecure_store {
        StoreKind::File
    } else {
        StoreKind::Keychain
    };
    // This machine's previous key, wherever it is (a keychain-less machine keeps it in
    // the file).
    let previous = ctx
        .store_of(intended)
        .get(&url)
        .ok()
        .flatten()
        .or_else(|| ctx.store_of(StoreKind::File).get(&url).ok().flatten());
    let secret = created.secret;
    let kind = match ctx.store_key(&url, &secret, args.insecure_store) {
        Ok(kind) => kind,
        Err(e) => {
            let revoked = session.revoke_key(created.key.id).await;
            let _ = session.logout().await;
            return Err(match revoked {
                Ok(()) => e,
                Err(r) => CliError::new(
                    e.code,
                    format!(
                        "{}; and the new key {} could not be revoked: {r}",
                        e.message, created.key.id
                    ),
                ),
            });
        }
    };
    if let Some(old) = previous.filter(|old| *old != secret) {
        // Replaced this machine's previous key: revoke it, quietly (it may be gone).
        let _ = revoke_own(&public.with_credential(Credential::ApiKey(old))).await;
    }
    if let Err(e) = session.logout().await {
        eprintln!("warning: could not end the login session: {e}");
    }
    let mut config = ctx.config.clone();
    config.url = url.clone();
    config.credential_store = kind;
    config.save(&ctx.config_path())?;
    let who = format!("{} ({})", info.user.email, role.as_str());
    output::notice(ctx.out, &format!("Logged in to {url} as {who}."))
}

/// Revokes the stored key on the server (best effort) and removes it from the store.
pub async fn logout(ctx: &Ctx) -> Result<(), CliError> {
    let url = ctx.url()?;
    let store = ctx.store();
    let Some(key) = ctx.stored_key(&url)? else {
        return output::notice(
            ctx.out,
            &format!("No key is stored for {url}; nothing to do."),
        );
    };
    let revoked = revoke_own(
        &ctx.public_client()?
            .with_credential(Credential::ApiKey(key)),
    )
    .await;
    store.delete(&url)?;
    let place = store.describe(&url);
    match revoked {
        Ok(()) => output::notice(
            ctx.out,
            &format!("Logged out of {url}: revoked the key and removed it from {place}."),
        ),
        Err(e) if e.exit_code() == crate::cli::exit::AUTH => output::notice(
            ctx.out,
            &format!(
                "Logged out of {url}: the server no longer accepted the key; removed it from {place}."
            ),
        ),
        Err(e) => {
            eprintln!(
                "warning: could not revoke the key on the server ({e}); revoke it with \
                 `aiops auth keys revoke` or in the web UI"
            );
            output::notice(
                ctx.out,
                &format!("Logged out of {url}: removed the key from {place}."),
            )
        }
    }
}

/// Revokes the API key `client` authenticates with.
async fn revoke_own(client: &Client) -> Result<(), aiops_client::ClientError> {
    match client.me().await?.api_key_id {
        Some(id) => client.revoke_key(id).await,
        None => Ok(()),
    }
}

/// `<client>@<hostname>` (`cli@…`, `desktop@…`), the name of a key a client mints for
/// itself: the host from /etc/hostname, else $HOSTNAME / $HOST, else `client` again.
pub fn key_name(client: &str) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("HOST").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| client.to_owned());
    format!("{client}@{}", host.chars().take(90).collect::<String>())
}

/// A password from the first line of stdin (`from_stdin`), else a no-echo prompt on the
/// terminal. Never prompts when stdin is not a terminal: scripts must say --password-stdin.
pub fn password(from_stdin: bool, prompt: &str) -> Result<String, CliError> {
    if from_stdin {
        read_stdin_line()
    } else if std::io::stdin().is_terminal() {
        Ok(rpassword::prompt_password(prompt)?)
    } else {
        Err(CliError::usage(
            "stdin is not a terminal; pass --password-stdin to read the password from it",
        ))
    }
}

/// Like [`password`], asking twice on a terminal.
pub fn new_password(from_stdin: bool, prompt: &str) -> Result<String, CliError> {
    let first = password(from_stdin, prompt)?;
    if !from_stdin && password(false, "Repeat: ")? != first {
        return Err(CliError::usage("the passwords do not match"));
    }
    Ok(first)
}

fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

impl Render for ApiKey {
    const HEADERS: &'static [&'static str] = &[
        "ID",
        "USER",
        "NAME",
        "PREFIX",
        "SCOPES",
        "CREATED",
        "EXPIRES",
        "LAST USED",
        "REVOKED",
    ];

    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.user_id.to_string(),
            self.name.clone(),
            self.prefix.clone(),
            scope_list(&self.scopes),
            ts(&self.created_at),
            opt_ts(self.expires_at.as_ref()),
            opt_ts(self.last_used_at.as_ref()),
            opt_ts(self.revoked_at.as_ref()),
        ]
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let names = [
            "id",
            "user_id",
            "name",
            "prefix",
            "scopes",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ];
        names.into_iter().zip(self.row()).collect()
    }
}

impl Render for Me {
    const HEADERS: &'static [&'static str] = &["ID", "EMAIL", "NAME", "ROLE", "METHOD", "SCOPES"];

    fn row(&self) -> Vec<String> {
        self.fields()
            .into_iter()
            .take(Self::HEADERS.len())
            .map(|(_, v)| v)
            .collect()
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let method = match self.method {
            aiops_types::AuthMethod::Session => "session",
            aiops_types::AuthMethod::ApiKey => "api_key",
        };
        vec![
            ("id", self.user.id.to_string()),
            ("email", self.user.email.clone()),
            ("name", or_dash(Some(&self.user.name))),
            ("role", self.user.role.as_str().to_owned()),
            ("method", method.to_owned()),
            ("scopes", scope_list(&self.scopes)),
            (
                "api_key_id",
                self.api_key_id
                    .map_or_else(|| "-".into(), |id| id.to_string()),
            ),
        ]
    }
}
