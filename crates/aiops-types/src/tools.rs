//! AI tool management (Admin → Tools): whether each agent CLI is installed, where, at
//! which version, what the registry offers, and the request that installs or upgrades it
//! into aiops's managed prefix (as a job).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One tool's installation, as `GET /api/v1/tools/status` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ToolStatus {
    /// The tool's name in the tool table.
    pub name: String,
    /// Its kind (`claude`, `codex`, `aider`, `generic`).
    pub kind: String,
    /// How aiops installs it: `npm` or `pip`; None when it has no install recipe.
    pub manager: Option<String>,
    /// The package installed (`@openai/codex`, `aider-chat`); None without a recipe.
    pub package: Option<String>,
    /// The program looked for (the tool's command, or the recipe's program).
    pub program: String,
    /// Whether that program is found.
    pub installed: bool,
    /// Where it was found: `managed` (aiops's prefix, first on every session's PATH),
    /// `path` (the server's PATH or an absolute command), or `missing`.
    pub source: String,
    /// The program's path when found.
    pub path: Option<String>,
    /// The first line of its `--version` output; None when it is missing or did not
    /// answer in time.
    pub version: Option<String>,
    /// The newest version the registry offers; None when unknown (no recipe, or the
    /// registry did not answer in time).
    pub latest: Option<String>,
    /// True when `latest` is newer than the installed version.
    pub upgrade_available: bool,
    /// Why something is unknown (e.g. "the registry did not answer").
    pub note: Option<String>,
}

/// `POST /api/v1/tools/{name}/install` and `…/upgrade` (admin).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"version": "1.0.0"}))]
pub struct InstallTool {
    /// The exact version to install (e.g. `0.171.0`); default: the newest.
    #[serde(default)]
    pub version: Option<String>,
}
