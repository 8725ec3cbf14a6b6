//! Server settings in layers: defaults → `<data>/aiops.toml` → `AIOPS_*` env → flags.
//!
//! The documented example (`aiops.example.toml`, printed by `aiops serve
//! --print-default-config`) is the defaults: a test parses it and compares.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use aiops_core::sessions::sandbox::SandboxMode;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The documented default configuration file.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../aiops.example.toml");

/// Keys read from `AIOPS_<KEY>` (other `AIOPS_*` variables belong to the CLI).
const ENV_KEYS: [&str; 24] = [
    "bind",
    "allow_remote",
    "tls_cert",
    "tls_key",
    "public_url",
    "log_level",
    "session_hours",
    "login_failures_per_minute",
    "db_readers",
    "tracker_timeout_secs",
    "workspace_root",
    "allow_yolo",
    "max_sessions_per_user",
    "default_tool",
    "scheduler_tick_secs",
    "chat_poll_wait_secs",
    "session_sandbox",
    "sandbox_read_only",
    "repo_url_allow",
    "backup_interval_hours",
    "backup_keep",
    "update_url",
    "update_public_key",
    "metrics_token",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub bind: SocketAddr,
    pub allow_remote: bool,
    /// PEM certificate chain; empty = plain HTTP.
    pub tls_cert: String,
    /// PEM private key; set together with `tls_cert`.
    pub tls_key: String,
    pub public_url: String,
    pub log_level: String,
    pub session_hours: u32,
    pub login_failures_per_minute: u32,
    pub db_readers: usize,
    /// Longest a single request to GitHub, GitLab or Jira may take.
    pub tracker_timeout_secs: u64,
    /// Where users' clones and worktrees live; empty = `<data dir>/workspaces`.
    pub workspace_root: String,
    /// Whether `--yolo` (a tool's skip-permissions mode) may be used at all.
    pub allow_yolo: bool,
    /// Live sessions one user may have at once.
    pub max_sessions_per_user: u32,
    /// The tool of a session started without one, for users without their own
    /// preference; empty = the first installed of claude, codex, aider, shell.
    pub default_tool: String,
    /// How often the background jobs reconcile live sessions with tmux (catching panes
    /// that died unreported) and queue due syncs, in seconds.
    pub scheduler_tick_secs: u64,
    /// Longest a chat bot's long poll (Telegram `getUpdates` `timeout`) waits for a
    /// message, in seconds; a stopped or changed bot lets go within this time.
    pub chat_poll_wait_secs: u64,
    /// `auto`, `required` or `off`: whether sessions run in the sandbox (issue 14).
    pub session_sandbox: String,
    /// Absolute paths sandboxed sessions may also read (e.g. a tool installed under the
    /// server account's home).
    pub sandbox_read_only: Vec<String>,
    /// Not read from the file (the file lives inside it).
    #[serde(skip)]
    pub data_dir: PathBuf,
    // Issue 14 (trust boundaries).
    /// Host names and address ranges (`git.internal.example`, `10.0.0.0/8`) that
    /// non-admins' `repo_url`s may point at although they are internal.
    pub repo_url_allow: Vec<String>,
    // Issue 17 (operations).
    /// Hours between scheduled backups (0 = none).
    pub backup_interval_hours: u32,
    /// Backups kept in `<data dir>/backups` (older ones are deleted; 0 = keep all).
    pub backup_keep: u32,
    /// URL of the signed release manifest `aiops system update` reads; empty = updates
    /// are not offered.
    pub update_url: String,
    /// The minisign public key (base64 line of a `.pub` file) releases must be signed
    /// with; empty = the key compiled into this binary.
    pub update_public_key: String,
    /// Bearer token a scraper may read `GET /metrics` with; empty = admins only.
    pub metrics_token: ScrapeToken,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8060)),
            allow_remote: false,
            tls_cert: String::new(),
            tls_key: String::new(),
            public_url: String::new(),
            log_level: "info".into(),
            session_hours: 168,
            login_failures_per_minute: 10,
            db_readers: 4,
            tracker_timeout_secs: 30,
            workspace_root: String::new(),
            allow_yolo: false,
            max_sessions_per_user: 8,
            default_tool: String::new(),
            scheduler_tick_secs: 30,
            chat_poll_wait_secs: 25,
            session_sandbox: "auto".into(),
            sandbox_read_only: Vec::new(),
            data_dir: PathBuf::new(),
            repo_url_allow: Vec::new(),
            backup_interval_hours: 24,
            backup_keep: 14,
            update_url: String::new(),
            update_public_key: String::new(),
            metrics_token: ScrapeToken::default(),
        }
    }
}

/// A bearer token kept out of logs: `Debug` says whether it is set, never its value
/// (settings are printed in debug logs and error reports).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScrapeToken(String);

impl ScrapeToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `sent` is this token, compared in constant time; an empty token matches
    /// nothing.
    pub fn matches(&self, sent: &str) -> bool {
        !self.0.is_empty() && aiops_core::secrets::tokens_equal(sent, &self.0)
    }
}

impl std::fmt::Debug for ScrapeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "[redacted]"
        })
    }
}

/// Values given on the command line; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub allow_remote: bool,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no data directory: pass --data-dir or set AIOPS_DATA_DIR")]
    NoDataDir,
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// `--data-dir`, else `$AIOPS_DATA_DIR`, else the platform data dir + `aiops`.
pub fn resolve_data_dir(flag: Option<PathBuf>) -> Result<PathBuf, ConfigError> {
    flag.or_else(|| {
        std::env::var_os("AIOPS_DATA_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .or_else(platform_data_dir)
    .ok_or(ConfigError::NoDataDir)
}

fn platform_data_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(target_os = "macos") {
        return home.map(|h| h.join("Library/Application Support/aiops"));
    }
    std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".local/share")))
        .map(|d| d.join("aiops"))
}

impl Settings {
    /// Loads the layers for the data dir chosen by `overrides`.
    pub fn load(overrides: Overrides) -> Result<Settings, ConfigError> {
        let data_dir = resolve_data_dir(overrides.data_dir)?;
        let mut fig = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(data_dir.join("aiops.toml")))
            .merge(Env::prefixed("AIOPS_").only(&ENV_KEYS));
        if let Some(bind) = overrides.bind {
            fig = fig.merge(Serialized::default("bind", bind));
        }
        if overrides.allow_remote {
            fig = fig.merge(Serialized::default("allow_remote", true));
        }
        for (key, value) in [
            ("tls_cert", overrides.tls_cert),
            ("tls_key", overrides.tls_key),
        ] {
            if let Some(v) = value {
                fig = fig.merge(Serialized::default(key, v));
            }
        }
        let mut settings: Settings = fig
            .extract()
            .map_err(|e| ConfigError::Invalid(one_line(&e)))?;
        settings.data_dir = data_dir;
        settings.validate()?;
        Ok(settings)
    }

    /// Settings for a data dir with defaults only (tests, local admin commands).
    pub fn for_data_dir(data_dir: &Path) -> Settings {
        Settings {
            data_dir: data_dir.to_owned(),
            ..Settings::default()
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if self.session_hours == 0 {
            return bad("session_hours must be at least 1");
        }
        if self.login_failures_per_minute == 0 {
            return bad("login_failures_per_minute must be at least 1");
        }
        if !(1..=600).contains(&self.tracker_timeout_secs) {
            return bad("tracker_timeout_secs must be between 1 and 600");
        }
        if !(1..=1000).contains(&self.max_sessions_per_user) {
            return bad("max_sessions_per_user must be between 1 and 1000");
        }
        if !(1..=3600).contains(&self.scheduler_tick_secs) {
            return bad("scheduler_tick_secs must be between 1 and 3600");
        }
        if !(1..=50).contains(&self.chat_poll_wait_secs) {
            return bad("chat_poll_wait_secs must be between 1 and 50");
        }
        if self.backup_interval_hours > 8760 {
            return bad("backup_interval_hours must be between 0 and 8760");
        }
        if self.backup_keep > 1000 {
            return bad("backup_keep must be between 0 and 1000");
        }
        if !(self.update_url.is_empty()
            || self.update_url.starts_with("https://")
            || self.update_url.starts_with("http://"))
        {
            return bad("update_url must start with https:// or http://");
        }
        if !self.workspace_root.is_empty() && !Path::new(&self.workspace_root).is_absolute() {
            return bad("workspace_root must be an absolute path");
        }
        self.session_sandbox
            .parse::<SandboxMode>()
            .map_err(ConfigError::Invalid)?;
        if self
            .sandbox_read_only
            .iter()
            .any(|p| !Path::new(p).is_absolute())
        {
            return bad("sandbox_read_only must list absolute paths");
        }
        if !(1..=64).contains(&self.db_readers) {
            return bad("db_readers must be between 1 and 64");
        }
        let scheme_ok = ["", "http://", "https://"].iter().any(|p| {
            if p.is_empty() {
                self.public_url.is_empty()
            } else {
                self.public_url.starts_with(p)
            }
        });
        if !scheme_ok {
            return bad("public_url must start with http:// or https://");
        }
        if self.tls_cert.is_empty() != self.tls_key.is_empty() {
            return bad("tls_cert and tls_key must be set together");
        }
        self.repo_url_allow()?;
        Ok(())
    }

    /// True when the server itself terminates TLS.
    pub fn tls(&self) -> bool {
        !self.tls_cert.is_empty()
    }

    /// True when browsers reach the server over HTTPS (cookie `Secure`).
    pub fn https(&self) -> bool {
        self.tls() || self.public_url.starts_with("https://")
    }

    /// Refuses a non-loopback bind without TLS unless `allow_remote`; says why.
    pub fn check_bind(&self) -> Result<(), ConfigError> {
        if self.bind.ip().is_loopback() || self.tls() || self.allow_remote {
            return Ok(());
        }
        Err(ConfigError::Invalid(format!(
            "refusing to listen on {} without TLS: passwords and API keys would cross the network in clear text. \
             Pass --tls-cert and --tls-key, or put a TLS reverse proxy in front and pass --allow-remote \
             (or set allow_remote = true)",
            self.bind
        )))
    }

    /// The base URL printed in links.
    pub fn base_url(&self, bound: SocketAddr) -> String {
        if self.public_url.is_empty() {
            let scheme = if self.tls() { "https" } else { "http" };
            format!("{scheme}://{bound}")
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("aiops.db")
    }

    /// Users' clones and worktrees: `workspace_root`, else `<data dir>/workspaces`.
    pub fn workspaces_dir(&self) -> PathBuf {
        if self.workspace_root.is_empty() {
            self.data_dir.join("workspaces")
        } else {
            PathBuf::from(&self.workspace_root)
        }
    }

    /// `session_sandbox`, checked when the settings were loaded.
    pub fn sandbox_mode(&self) -> SandboxMode {
        self.session_sandbox.parse().unwrap_or_default()
    }

    /// `<data dir>/homes`: one tool home per aiops user.
    pub fn homes_dir(&self) -> PathBuf {
        self.data_dir.join("homes")
    }

    pub fn backups_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// `repo_url_allow`, parsed; `Invalid` naming the first bad entry.
    pub fn repo_url_allow(&self) -> Result<aiops_core::repo_host::AllowList, ConfigError> {
        aiops_core::repo_host::AllowList::parse(&self.repo_url_allow).map_err(ConfigError::Invalid)
    }
}

fn one_line(e: &figment::Error) -> String {
    e.to_string().replace('\n', " ")
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
