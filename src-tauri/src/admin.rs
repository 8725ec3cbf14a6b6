//! `aiops admin …`: local administration on the data dir; no running server needed.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use aiops_server::admin::{self as ops, AdminError};
use aiops_types::Scope;

use crate::cli::exit::CliError;

#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Create an admin user (e.g. the first one, instead of the setup URL).
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// Read the password from one line of stdin instead of prompting.
        #[arg(long)]
        password_stdin: bool,
        /// Data directory (default $AIOPS_DATA_DIR, else the platform data dir).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Mint an API key for a user and print it once on stdout.
    CreateApiKey {
        #[arg(long)]
        email: String,
        /// Comma-separated: read, write, admin (capped by the user's role).
        #[arg(long, value_delimiter = ',', default_value = "read,write")]
        scopes: Vec<Scope>,
        #[arg(long, default_value = "admin-cli")]
        name: String,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Set a new password for a user and sign them out everywhere.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Fill an empty instance with demo data: tenant `demo`, projects `web` and `api` on
    /// local git repositories, 50 issues with labels and comments. Refused (nothing
    /// written) when a tenant or project exists.
    SeedDemo {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Restore a backup archive (from `aiops system backup download`) into a data dir,
    /// with no server running: on a new machine, or after a disaster. Every check
    /// (sums, schema, integrity, passphrase) passes before anything is touched; the
    /// previous database is kept in `<data dir>/backups/pre-restore-<time>/`.
    Restore {
        /// The archive (`aiops-backup-….tar.gz`, `.tar.gz.enc` when encrypted).
        file: PathBuf,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Read the archive's passphrase from one line of stdin.
        #[arg(long)]
        passphrase_stdin: bool,
        /// Replace an existing database without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Print the OpenAPI document of /api/v1 (what `GET /api/openapi.json` serves) as
    /// pretty JSON; the web UI's API types are generated from it (`scripts/gen-types`).
    Openapi,
}

fn data_dir(flag: Option<PathBuf>) -> Result<PathBuf, CliError> {
    aiops_server::config::resolve_data_dir(flag).map_err(|e| CliError::usage(e.to_string()))
}

fn read_password(from_stdin: bool) -> Result<String, CliError> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ")?;
        let again = rpassword::prompt_password("Repeat password: ")?;
        if first != again {
            return Err(CliError::usage("the passwords do not match"));
        }
        first
    } else {
        return Err(CliError::usage(
            "no terminal to ask for a password; pass --password-stdin",
        ));
    };
    Ok(password)
}

fn failed(e: AdminError) -> CliError {
    if e.is_not_found() {
        CliError::not_found(e.to_string())
    } else {
        CliError::error(e.to_string())
    }
}

pub fn run(cmd: AdminCommand) -> Result<(), CliError> {
    match cmd {
        AdminCommand::CreateAdmin {
            email,
            password_stdin,
            data_dir: dir,
        } => {
            let dir = data_dir(dir)?;
            let password = read_password(password_stdin)?;
            let user = ops::create_admin(&dir, &email, &password).map_err(failed)?;
            eprintln!(
                "Created admin {} (id {}) in {}.",
                user.email,
                user.id,
                dir.display()
            );
        }
        AdminCommand::CreateApiKey {
            email,
            scopes,
            name,
            data_dir: dir,
        } => {
            let created =
                ops::create_api_key(&data_dir(dir)?, &email, &name, &scopes).map_err(failed)?;
            eprintln!(
                "Created API key {} ({}) for {email}; it is shown once, store it now:",
                created.key.id,
                created
                    .key
                    .scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            );
            println!("{}", created.secret.expose());
        }
        AdminCommand::ResetPassword {
            email,
            password_stdin,
            data_dir: dir,
        } => {
            let dir = data_dir(dir)?;
            let password = read_password(password_stdin)?;
            let user = ops::reset_password(&dir, &email, &password).map_err(failed)?;
            eprintln!(
                "Password of {} reset; their browser sessions were signed out.",
                user.email
            );
        }
        AdminCommand::Restore {
            file,
            data_dir: dir,
            passphrase_stdin,
            yes,
        } => {
            let dir = data_dir(dir)?;
            if !file.is_file() {
                return Err(CliError::not_found(format!("no file {}", file.display())));
            }
            let passphrase = crate::cli::ask::passphrase(passphrase_stdin)?;
            if dir.join("aiops.db").exists() {
                crate::cli::ask::confirm(
                    &format!("Replace the database in {}?", dir.display()),
                    yes,
                )?;
            }
            let r = ops::restore(&dir, &file, passphrase.as_deref(), &|l| eprintln!("{l}"))
                .map_err(failed)?;
            for w in &r.warnings {
                eprintln!("warning: {w}");
            }
            eprintln!(
                "Restored the backup of {} (schema {}) into {}: {}.",
                r.created_at,
                r.schema_version,
                dir.display(),
                r.done
            );
        }
        AdminCommand::SeedDemo { data_dir: dir } => {
            let dir = data_dir(dir)?;
            let seed = ops::seed_demo(&dir).map_err(failed)?;
            let projects: Vec<String> = seed
                .projects
                .iter()
                .map(|p| format!("{}/{}", seed.tenant.slug, p.slug))
                .collect();
            eprintln!(
                "Seeded tenant {} with projects {} (repositories in {}), {} issues ({} closed) \
                 and {} comments.",
                seed.tenant.slug,
                projects.join(" and "),
                dir.join("demo-repos").display(),
                seed.issues,
                seed.closed,
                seed.comments
            );
            if seed.assignees.is_empty() {
                eprintln!(
                    "No user exists yet, so no issue is assigned. Create the first admin with \
                     `aiops admin create-admin --data-dir {} --email you@example.com` (or the \
                     setup URL `aiops serve` prints); admins see every tenant.",
                    dir.display()
                );
            }
        }
        AdminCommand::Openapi => {
            let (_, doc) = aiops_server::api();
            let json = doc
                .to_pretty_json()
                .map_err(|e| CliError::error(format!("encoding the OpenAPI document: {e}")))?;
            crate::cli::output::stdout(&format!("{json}\n"))?;
        }
    }
    Ok(())
}
