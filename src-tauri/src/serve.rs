//! `aiops serve`: parse flags, load layered settings, run the control plane until
//! SIGINT/SIGTERM.

use crate::cli::exit::CliError;

/// Flags of `aiops serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8060). A non-loopback address also needs
    /// --allow-remote.
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<String>,
    /// Data directory (default $AIOPS_DATA_DIR, else the platform data dir).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<std::path::PathBuf>,
    /// Listen on a non-loopback address without TLS (put a TLS reverse proxy in front).
    #[arg(long)]
    pub allow_remote: bool,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<String>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<String>,
    /// Print the documented default configuration file and exit.
    #[arg(long)]
    pub print_default_config: bool,
}

pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    if args.print_default_config {
        print!("{}", aiops_server::config::DEFAULT_CONFIG_TOML);
        return Ok(());
    }
    let settings = aiops_server::Settings::load(aiops_server::Overrides {
        data_dir: args.data_dir,
        bind: args.bind,
        allow_remote: args.allow_remote,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
    })
    .map_err(|e| CliError::usage(e.to_string()))?;
    settings
        .check_bind()
        .map_err(|e| CliError::usage(e.to_string()))?;
    match aiops_server::run(settings)
        .await
        .map_err(|e| CliError::error(e.to_string()))?
    {
        aiops_server::Exit::Stopped => Ok(()),
        aiops_server::Exit::Restart(listener) => {
            let e = aiops_exec::reexec::reexec(listener);
            Err(CliError::error(format!("cannot restart: {e}")))
        }
    }
}
