//! Session hosts (issue 23): other machines that run sessions, reached over SSH.
//! `/api/v1/hosts…`, admins only.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A machine sessions can run on, reached over SSH.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Host {
    /// The host's id.
    pub id: i64,
    /// Unique; lower-case letters, digits and `-`.
    pub name: String,
    /// The SSH login.
    pub ssh_user: String,
    /// Host name or IP address.
    pub address: String,
    /// The SSH port.
    pub port: u16,
    /// Where the host keeps base clones and worktrees: absolute, or relative to the SSH
    /// user's home directory.
    pub root: String,
    /// The SSH key aiops logs in with (`aiops ssh-keys list` of the admin who added it).
    pub key_id: Option<i64>,
    /// Free-form labels projects can pin (`gpu`, `big`).
    pub labels: Vec<String>,
    /// Most live sessions the host takes.
    pub capacity: u32,
    /// A draining host takes no new sessions; its live ones run on.
    pub draining: bool,
    /// The last `hosts test`, if any.
    pub last_check: Option<HostCheck>,
    /// When the host was added (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the host was last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Since when the host has not answered (RFC 3339 UTC); None while it answers. The
    /// control plane checks hosts that have live sessions on every scheduler tick.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub unreachable_since: Option<OffsetDateTime>,
}

/// `POST /api/v1/hosts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "build-1", "ssh": "aiops@build-1.example.com:22", "root": "/srv/aiops", "labels": ["gpu"], "capacity": 4}))]
pub struct NewHost {
    /// 1..=63 of `a-z`, `0-9` and `-`, starting with a letter or digit.
    #[schema(min_length = 1, max_length = 63, pattern = "^[a-z0-9][a-z0-9-]*$")]
    pub name: String,
    /// `user@host[:port]` (port 22 by default; `[v6]:port` for an IPv6 address).
    pub ssh: String,
    /// Default `.aiops` (in the SSH user's home).
    #[serde(default)]
    pub root: Option<String>,
    /// Default: the caller's oldest SSH key.
    #[serde(default)]
    pub key_id: Option<i64>,
    /// At most 16 labels, each 1..=32 of `a-z`, `0-9`, `-`, `_` and `.`; duplicates are
    /// dropped.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Most live sessions the host takes: 1..=1000, default 4.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: Option<u32>,
}

/// `PATCH /api/v1/hosts/{id}`: the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"draining": true}))]
pub struct UpdateHost {
    /// Start (true) or stop (false) draining: a draining host takes no new sessions.
    #[serde(default)]
    pub draining: Option<bool>,
    /// The new labels, replacing the old ones (same rules as when adding).
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    /// Most live sessions the host takes, 1..=1000.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: Option<u32>,
    /// Where the host keeps base clones and worktrees: absolute, or relative to the SSH
    /// user's home; no `..`.
    #[serde(default)]
    pub root: Option<String>,
    /// The id of one of the caller's SSH keys to log in with.
    #[serde(default)]
    pub key_id: Option<i64>,
}

/// What `POST /api/v1/hosts/{id}/test` found on the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HostCheck {
    /// SSH, tmux, git and the sandbox all work.
    pub ok: bool,
    /// When the check ran (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub checked_at: OffsetDateTime,
    /// One per thing checked: `ssh`, `tmux`, `git`, `bubblewrap`, `sandbox`, then the
    /// agent CLIs (`claude`, `codex`, `aider`), which are optional.
    pub items: Vec<HostCheckItem>,
}

/// One thing `hosts test` checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HostCheckItem {
    /// What was checked: `ssh`, `tmux`, `git`, `bubblewrap`, `sandbox`, or an agent CLI.
    pub name: String,
    /// Whether it works.
    pub ok: bool,
    /// What it reported (`tmux 3.3a`, `git version 2.39.5`).
    pub version: Option<String>,
    /// Why not, when not.
    pub detail: Option<String>,
}
