//! `aiops update`: updates this binary in place from a signed release manifest, with no
//! server involved (a CLI-only install, or a desktop machine). A server updates itself
//! with `aiops system update`.

use crate::cli::exit::CliError;

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// The signed release manifest [default: $AIOPS_UPDATE_URL].
    #[arg(long, value_name = "URL", env = "AIOPS_UPDATE_URL")]
    pub manifest_url: Option<String>,
}

pub fn run(args: UpdateArgs) -> Result<(), CliError> {
    let url = args.manifest_url.unwrap_or_default();
    // The same key override as the server's `update_public_key`.
    let key = std::env::var("AIOPS_UPDATE_PUBLIC_KEY").unwrap_or_default();
    let u = aiops_server::update::self_update(&url, &key, &|l| eprintln!("{l}"))
        .map_err(|e| CliError::error(e.to_string()))?;
    if u.replaced {
        eprintln!("Updated {} from {} to {}.", u.binary, u.from, u.to);
    } else {
        eprintln!("Already up to date: aiops {}.", u.from);
    }
    Ok(())
}
