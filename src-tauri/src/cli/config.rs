//! The CLI's own settings: `<config dir>/aiops/config.toml`, where the config dir is
//! `$AIOPS_CONFIG_DIR` if set, else the platform's (`$XDG_CONFIG_HOME` or `~/.config`,
//! `~/Library/Application Support`). The same directory holds `credentials.toml` when the
//! user chose `--insecure-store` or the machine has no OS keychain.
//!
//! Precedence: flags > `AIOPS_URL` / `AIOPS_API_KEY` > this file > defaults.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use aiops_client::key_store::write_private;
use aiops_client::{Secret, normalize_url};
use serde::{Deserialize, Serialize};

use crate::cli::Ctx;
use crate::cli::exit::CliError;
use crate::cli::output::{self, OutputFormat};

pub const DEFAULT_URL: &str = "http://127.0.0.1:8060";
pub const CONFIG_FILE: &str = "config.toml";

/// Where API keys are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// The OS keychain (Secret Service, macOS Keychain).
    #[default]
    Keychain,
    /// `credentials.toml`, mode 0600 (`--insecure-store`, or no OS keychain reachable).
    File,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keychain => "keychain",
            Self::File => "file",
        }
    }
}

/// `config.toml`. Every key is optional in the file; absent keys take their default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub url: String,
    pub output_format: OutputFormat,
    pub credential_store: StoreKind,
    /// `issues work` and `sessions start` attach to the session when run at a terminal
    /// (`--attach` / `--no-attach` decide for one run).
    pub auto_attach: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            url: DEFAULT_URL.to_owned(),
            output_format: OutputFormat::Table,
            credential_store: StoreKind::Keychain,
            auto_attach: true,
        }
    }
}

impl Config {
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text)
            .map_err(|e| e.message().split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// The file's settings; defaults when it does not exist.
    pub fn load(path: &Path) -> Result<Self, CliError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text)
                .map_err(|e| CliError::error(format!("{}: invalid config: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(CliError::error(format!("{}: {e}", path.display()))),
        }
    }

    /// Replaces the file atomically (temporary file + rename, 0600, directory 0700).
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let text = toml::to_string(self)
            .map_err(|e| CliError::error(format!("cannot write config: {e}")))?;
        write_private(path, text.as_bytes())
            .map_err(|e| CliError::error(format!("{}: {e}", path.display())))
    }
}

/// `<config dir>/aiops`.
pub fn dir() -> Result<PathBuf, CliError> {
    let base = match std::env::var_os("AIOPS_CONFIG_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dirs::config_dir().ok_or_else(|| {
            CliError::error("cannot find a config directory; set AIOPS_CONFIG_DIR or HOME")
        })?,
    };
    Ok(base.join("aiops"))
}

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Print every setting, and whether and where a credential is stored.
    Show,
    /// Print one setting's value as stored (plain text, whatever -o says).
    Get {
        #[arg(value_enum)]
        key: GetKey,
    },
    /// Change a setting; `api_key` stores a key for the server URL.
    Set(SetArgs),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GetKey {
    #[value(name = "url")]
    Url,
    #[value(name = "output_format")]
    OutputFormat,
    #[value(name = "credential_store")]
    CredentialStore,
    #[value(name = "auto_attach")]
    AutoAttach,
    /// Kept on the server, for your account.
    #[value(name = "default_tool")]
    DefaultTool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SetKey {
    #[value(name = "url")]
    Url,
    #[value(name = "output_format")]
    OutputFormat,
    #[value(name = "api_key")]
    ApiKey,
    #[value(name = "auto_attach")]
    AutoAttach,
    /// Kept on the server, for your account; "" clears it.
    #[value(name = "default_tool")]
    DefaultTool,
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    #[arg(value_enum)]
    key: SetKey,
    /// The new value. For api_key, leave it out to be prompted (or pipe the key on
    /// stdin) so it stays out of your shell history.
    value: Option<String>,
    /// With api_key: keep the key in a 0600 file instead of the OS keychain (without a
    /// keychain that happens anyway, with a warning naming the file).
    #[arg(long)]
    insecure_store: bool,
}

pub fn run(ctx: &Ctx, cmd: ConfigCommand, rt: &tokio::runtime::Runtime) -> Result<(), CliError> {
    match cmd {
        ConfigCommand::Show => show(ctx),
        ConfigCommand::Get {
            key: GetKey::DefaultTool,
        } => {
            let prefs =
                rt.block_on(async { ctx.client()?.preferences().await.map_err(CliError::from) })?;
            output::stdout(&format!("{}\n", prefs.default_tool.unwrap_or_default()))
        }
        ConfigCommand::Set(SetArgs {
            key: SetKey::DefaultTool,
            value,
            ..
        }) => {
            let prefs = aiops_types::Preferences {
                default_tool: Some(required(value)?).filter(|t| !t.trim().is_empty()),
                last_tool: None,
            };
            let saved = rt.block_on(async {
                ctx.client()?
                    .set_preferences(&prefs)
                    .await
                    .map_err(CliError::from)
            })?;
            let msg = match &saved.default_tool {
                Some(t) => format!("Your default tool is {t}."),
                None => "You have no default tool (the server's applies).".to_owned(),
            };
            output::notice(ctx.out, &msg)
        }
        ConfigCommand::Get { key } => {
            let c = &ctx.config;
            let value = match key {
                GetKey::Url => c.url.as_str(),
                GetKey::OutputFormat => c.output_format.as_str(),
                GetKey::CredentialStore => c.credential_store.as_str(),
                GetKey::AutoAttach => bool_str(c.auto_attach),
                // Read from the server above; never stored in this file.
                GetKey::DefaultTool => "",
            };
            output::stdout(&format!("{value}\n"))
        }
        ConfigCommand::Set(args) => set(ctx, args),
    }
}

#[derive(Serialize)]
struct ShowView {
    config_file: String,
    url: String,
    url_source: &'static str,
    output_format: OutputFormat,
    credential_store: StoreKind,
    credential: String,
    auto_attach: bool,
}

fn show(ctx: &Ctx) -> Result<(), CliError> {
    let url = ctx.url()?;
    let url_source = match ctx.url_override() {
        Some(_) if std::env::var_os("AIOPS_URL").is_some() => "--url or AIOPS_URL",
        Some(_) => "--url",
        None if ctx.config_path().exists() => "config file",
        None => "default",
    };
    let store = ctx.store();
    let credential = if std::env::var_os("AIOPS_API_KEY").is_some_and(|v| !v.is_empty()) {
        "from AIOPS_API_KEY (overrides any stored key)".to_owned()
    } else {
        match store.get(&url) {
            Ok(Some(_)) => format!("stored in {}", store.describe(&url)),
            Ok(None) => format!("none stored for {url}"),
            Err(e) => format!("unknown: {e}"),
        }
    };
    let view = ShowView {
        config_file: ctx.config_path().display().to_string(),
        url,
        url_source,
        output_format: ctx.config.output_format,
        credential_store: ctx.config.credential_store,
        credential,
        auto_attach: ctx.config.auto_attach,
    };
    output::value(ctx.out, &view, || {
        output::fields_table(&[
            ("config_file", view.config_file.clone()),
            ("url", format!("{} ({})", view.url, view.url_source)),
            ("output_format", view.output_format.as_str().to_owned()),
            (
                "credential_store",
                view.credential_store.as_str().to_owned(),
            ),
            ("credential", view.credential.clone()),
            ("auto_attach", bool_str(view.auto_attach).to_owned()),
        ])
    })
}

fn set(ctx: &Ctx, args: SetArgs) -> Result<(), CliError> {
    if args.insecure_store && args.key != SetKey::ApiKey {
        return Err(CliError::usage("--insecure-store applies to api_key only"));
    }
    let mut config = ctx.config.clone();
    match args.key {
        SetKey::Url => {
            let value = required(args.value)?;
            config.url = normalize_url(&value).map_err(|e| CliError::usage(e.to_string()))?;
        }
        SetKey::OutputFormat => {
            config.output_format = required(args.value)?.parse().map_err(CliError::usage)?;
        }
        // Stored on the server by `run`; never in this file.
        SetKey::DefaultTool => return Ok(()),
        SetKey::AutoAttach => {
            config.auto_attach = match required(args.value)?.as_str() {
                "true" | "yes" | "on" | "1" => true,
                "false" | "no" | "off" | "0" => false,
                other => {
                    return Err(CliError::usage(format!("`{other}` is not true or false")));
                }
            };
        }
        SetKey::ApiKey => {
            let key = match args.value {
                Some(key) => key,
                None => read_secret("API key: ")?,
            };
            let key = key.trim();
            if key.is_empty() || key.contains(char::is_whitespace) {
                return Err(CliError::usage(
                    "the API key is empty or contains whitespace",
                ));
            }
            let url = ctx.url()?;
            let kind = ctx.store_key(&url, &Secret::new(key), args.insecure_store)?;
            config.credential_store = kind;
            config.save(&ctx.config_path())?;
            let place = ctx.store_of(kind).describe(&url);
            return output::notice(
                ctx.out,
                &format!("Stored the API key for {url} in {place}."),
            );
        }
    }
    config.save(&ctx.config_path())
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

fn required(value: Option<String>) -> Result<String, CliError> {
    value.ok_or_else(|| CliError::usage("missing VALUE"))
}

/// A secret from the terminal (not echoed), or the first line of piped stdin.
pub fn read_secret(prompt: &str) -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        Ok(rpassword::prompt_password(prompt)?)
    } else {
        read_stdin_line()
    }
}

/// The first line of stdin, without its line ending.
pub fn read_stdin_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
        assert_eq!(Config::default().url, "http://127.0.0.1:8060");
    }

    #[test]
    fn parses_every_key() {
        let c = Config::parse(
            "url = \"https://aiops.example\"\noutput_format = \"yaml\"\ncredential_store = \"file\"\n",
        )
        .unwrap();
        assert_eq!(c.url, "https://aiops.example");
        assert_eq!(c.output_format, OutputFormat::Yaml);
        assert_eq!(c.credential_store, StoreKind::File);
    }

    #[test]
    fn rejects_bad_values_in_one_line() {
        let err = Config::parse("output_format = \"xml\"").unwrap_err();
        assert!(err.contains("xml"), "{err}");
        assert!(!err.contains('\n'), "{err}");
        assert!(Config::parse("credential_store = \"paper\"").is_err());
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aiops").join(CONFIG_FILE);
        assert_eq!(
            Config::load(&path).unwrap(),
            Config::default(),
            "no file: defaults"
        );
        let c = Config {
            url: "http://10.0.0.1:9000".into(),
            output_format: OutputFormat::Json,
            credential_store: StoreKind::File,
            auto_attach: false,
        };
        c.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), c);
    }
}
