//! The session sandbox (issue 14): what a session's command may see and write.
//!
//! An agent is untrusted by nature — a prompt injection in an issue, a README or a
//! dependency can make it run anything its shell can — so every session's command runs
//! in a sandbox that sees the system read-only, its own working copy and its owner's tool
//! home read-write, and nothing else of the data dir, the workspaces or the server
//! account's home. Core decides *what* is visible ([`SandboxPlan`]); `aiops-exec::sandbox`
//! turns that into bubblewrap arguments (Linux) or a Seatbelt profile (macOS).

use std::path::{Path, PathBuf};

use crate::{CoreError, CoreResult};

/// `session_sandbox` in the server's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SandboxMode {
    /// Sandbox where the mechanism exists; the server warns at start when it does not.
    #[default]
    Auto,
    /// Refuse to start a session that cannot be sandboxed.
    Required,
    /// No sandbox for anyone (the server owner's choice; every session shows it).
    Off,
}

impl SandboxMode {
    /// Every mode, in the order `auto`, `required`, `off`.
    pub const ALL: [SandboxMode; 3] = [Self::Auto, Self::Required, Self::Off];

    /// How `session_sandbox` spells the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Required => "required",
            Self::Off => "off",
        }
    }
}

impl std::str::FromStr for SandboxMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("session_sandbox must be auto, required or off, not `{s}`"))
    }
}

/// What the `sandbox` column of a session says when none was used.
pub const NO_SANDBOX: &str = "none";

/// The sandbox policy of the server, as the session host knows it.
#[derive(Debug, Clone, Copy)]
pub struct SandboxPolicy<'a> {
    /// The `session_sandbox` setting.
    pub mode: SandboxMode,
    /// `<data>/homes`: one tool home per aiops user.
    pub homes_root: &'a Path,
    /// Extra read-only paths the admin listed (`sandbox_read_only`), e.g. a tool
    /// installed under the server account's home.
    pub read_only: &'a [PathBuf],
    /// `<data>/tools`, the managed tool prefix ([`super::install::Layout`]): read-only in
    /// every sandbox, its `bin/` first on every session's `PATH`.
    pub tools: &'a Path,
}

/// What a sandboxed session's command sees besides the read-only system (`/usr`, `/etc`,
/// `/bin`, `/lib*`, `/opt`), a private `/tmp`, `/dev` and `/proc`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SandboxPlan {
    /// Where the session works (read-write): its worktree, or the base clone in place.
    pub work_dir: PathBuf,
    /// The base clone: its `.git` holds a worktree's objects and refs (read-write), but
    /// its config and hooks stay read-only, since aiops itself runs git there outside
    /// the sandbox.
    pub repo: PathBuf,
    /// The owner's tool home (read-write): `$HOME` inside.
    pub home: PathBuf,
    /// Read-only extras: the aiops binary (for `aiops …` and the agents' hooks) and the
    /// admin's `sandbox_read_only` list.
    pub read_only: Vec<PathBuf>,
}

/// The owner's tool home: where an admin put it (`aiops users update --tool-home`), else
/// `<homes_root>/<user id>`. Every session of that user has it as `$HOME`, sandboxed or
/// not, so tools never read the server account's dotfiles.
pub fn tool_home(policy: &SandboxPolicy<'_>, user: &aiops_types::User) -> PathBuf {
    match &user.tool_home {
        Some(p) => PathBuf::from(p),
        None => policy.homes_root.join(user.id.to_string()),
    }
}

/// Decides whether a new session runs sandboxed, and with which mechanism.
///
/// `mechanism` is what this machine has (`bubblewrap`, `seatbelt`), `None` when nothing
/// works. `no_sandbox` is a per-session request, which only admins may make (the caller
/// checks and audits it). Returns the mechanism's name, or [`NO_SANDBOX`].
///
/// Errors: `Conflict` when the mode is `required` and no mechanism works, or when a
/// session without a sandbox is asked for under `required`.
pub fn decide(
    mode: SandboxMode,
    mechanism: Option<&'static str>,
    no_sandbox: bool,
) -> CoreResult<&'static str> {
    match (mode, mechanism, no_sandbox) {
        (SandboxMode::Required, _, true) => Err(CoreError::Conflict(
            "this server requires every session to be sandboxed (session_sandbox = \"required\")"
                .into(),
        )),
        (SandboxMode::Required, None, false) => Err(CoreError::Conflict(
            "this server requires sandboxed sessions (session_sandbox = \"required\") but no \
             sandbox works here: install bubblewrap (`apt install bubblewrap`)"
                .into(),
        )),
        (SandboxMode::Off, _, _) | (_, None, _) | (_, _, true) => Ok(NO_SANDBOX),
        (_, Some(m), false) => Ok(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_refuses_what_auto_allows() {
        assert_eq!(
            decide(SandboxMode::Auto, Some("bubblewrap"), false).unwrap(),
            "bubblewrap"
        );
        assert_eq!(decide(SandboxMode::Auto, None, false).unwrap(), NO_SANDBOX);
        assert_eq!(
            decide(SandboxMode::Auto, Some("bubblewrap"), true).unwrap(),
            NO_SANDBOX
        );
        assert_eq!(
            decide(SandboxMode::Off, Some("bubblewrap"), false).unwrap(),
            NO_SANDBOX
        );
        assert!(matches!(
            decide(SandboxMode::Required, None, false),
            Err(CoreError::Conflict(m)) if m.contains("bubblewrap")
        ));
        assert!(decide(SandboxMode::Required, Some("bubblewrap"), true).is_err());
        assert_eq!(
            decide(SandboxMode::Required, Some("seatbelt"), false).unwrap(),
            "seatbelt"
        );
    }

    #[test]
    fn modes_parse_from_their_names_only() {
        for m in SandboxMode::ALL {
            assert_eq!(m.as_str().parse::<SandboxMode>().unwrap(), m);
        }
        assert!("on".parse::<SandboxMode>().is_err());
    }
}
