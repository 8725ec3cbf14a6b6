//! Where a session runs (issue 23): the control plane's own machine, or a session host
//! reached over SSH. A host is a [`Site`]: its [`Runtime`] and where workspaces, tool
//! homes and the aiops binary live there; [`Host::at`] is the same [`Host`] seen from
//! that machine, so starting, sending, killing and reading a session go through the
//! same code wherever it runs.
//!
//! Placement ([`place`]): a session goes where the caller asked (`--host NAME`, or
//! `local`), else where its project pins it (`workspace.session_host`: a host's name, or
//! `label:<label>` for the host of that label with the fewest live sessions), else to
//! the control plane's machine. A draining host, a full one (live sessions at its
//! capacity) and one that does not answer take none; when no pinned host can, the
//! project's `host_fallback` refuses the session with the reasons or runs it locally.

use std::path::PathBuf;
use std::sync::Arc;

use aiops_types::{HostFallback, Project, Session};

use super::Host;
use crate::ports::{Runtime, SessionStore, WorkingCopies};
use crate::{CoreError, CoreResult};

/// A session host's machine, open for sessions.
pub struct Site {
    /// Row id of the session host.
    pub host_id: i64,
    /// Name of the session host.
    pub host_name: String,
    /// Tmux, workspaces and one-shot runs on the host, reached over SSH.
    pub runtime: Arc<dyn Runtime>,
    /// Git on the host's working copies (the ship step of its sessions).
    pub git: Arc<dyn WorkingCopies>,
    /// `<root>/workspaces`.
    pub workspace_root: PathBuf,
    /// `<root>/homes`: one tool home per aiops user.
    pub homes_root: PathBuf,
    /// `<root>/tools`: the managed tool prefix there.
    pub tools: PathBuf,
    /// `<root>/bin/aiops`: the launcher and hooks there.
    pub aiops_bin: String,
    /// The host's `PATH` as its SSH login has it: sessions there find their tools on it.
    pub path: String,
    /// The SSH login: user, address, port (for native clients' `ssh -t`).
    pub login: (String, String, u16),
    /// argv that runs a command on the host in a terminal (`ssh … -t … -- ADDRESS`),
    /// with aiops's key and the host's confirmed keys; the command follows as one
    /// shell-quoted string.
    pub ssh_terminal: Vec<String>,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site")
            .field("host_id", &self.host_id)
            .field("host_name", &self.host_name)
            .field("workspace_root", &self.workspace_root)
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// The session hosts the server knows; implemented by the server over its store and
/// SSH runtimes.
pub trait Sites: Send + Sync {
    /// Every host, by name.
    fn hosts(&self) -> CoreResult<Vec<aiops_types::Host>>;
    /// Connects to the host named `name` (or reuses its connection) and readies its root.
    /// Errors: `NotFound` for no such host; `Upstream` when it does not answer.
    fn open(&self, name: &str) -> CoreResult<Arc<Site>>;
    /// Drops the connection to host `name` (it stopped answering): the next `open`
    /// connects again.
    fn forget(&self, name: &str);
}

/// A server without session hosts (tests, the desktop's local mode).
pub struct NoSites;

impl Sites for NoSites {
    fn hosts(&self) -> CoreResult<Vec<aiops_types::Host>> {
        Ok(Vec::new())
    }
    fn open(&self, name: &str) -> CoreResult<Arc<Site>> {
        Err(CoreError::not_found(format!("session host `{name}`")))
    }
    fn forget(&self, _name: &str) {}
}

/// The host `name`'s site if it answers now (a cached connection is checked with one
/// call, so a host that went down is not chosen).
fn answering(sites: &dyn Sites, name: &str) -> CoreResult<Arc<Site>> {
    let site = sites.open(name)?;
    if let Err(e) = site.runtime.panes() {
        sites.forget(name);
        return Err(e);
    }
    Ok(site)
}

impl<'a> Host<'a> {
    /// This host as seen from `site` (None: the control plane's machine itself). The
    /// admin's `sandbox_read_only` paths are the control plane's, so a site gets none.
    pub fn at(&self, site: Option<&'a Site>) -> Host<'a> {
        let Some(s) = site else {
            return *self;
        };
        Host {
            runtime: s.runtime.as_ref(),
            git: s.git.as_ref(),
            workspace_root: &s.workspace_root,
            aiops_bin: &s.aiops_bin,
            sandbox: super::sandbox::SandboxPolicy {
                homes_root: &s.homes_root,
                tools: &s.tools,
                read_only: &[],
                ..self.sandbox
            },
            site: Some(s),
            ..*self
        }
    }
}

/// Where a new session of `project` runs: None for the control plane's machine, with a
/// note when it lands there by fallback. `asked` is the caller's `--host` (`local` for
/// the control plane's machine).
pub fn place(
    store: &impl SessionStore,
    sites: &dyn Sites,
    project: &Project,
    asked: Option<&str>,
) -> CoreResult<(Option<Arc<Site>>, Option<String>)> {
    let asked = asked.map(str::trim).filter(|a| !a.is_empty());
    let pin = match asked {
        Some("local") => return Ok((None, None)),
        Some(name) => Pin::Name(name.to_owned()),
        None => match project.workspace.session_host.as_deref() {
            None => return Ok((None, None)),
            Some(p) => match p.strip_prefix("label:") {
                Some(label) => Pin::Label(label.to_owned()),
                None => Pin::Name(p.to_owned()),
            },
        },
    };
    let hosts = sites.hosts()?;
    let live = live_per_host(store)?;
    let mut candidates: Vec<&aiops_types::Host> = hosts
        .iter()
        .filter(|h| match &pin {
            Pin::Name(n) => &h.name == n,
            Pin::Label(l) => h.labels.iter().any(|x| x == l),
        })
        .collect();
    if candidates.is_empty() {
        return Err(CoreError::invalid(
            "host",
            match &pin {
                Pin::Name(n) => format!("no session host `{n}` (`aiops hosts list`)"),
                Pin::Label(l) => format!("no session host has the label `{l}`"),
            },
        ));
    }
    candidates.sort_by_key(|h| (live.iter().filter(|n| **n == h.name).count(), h.id));
    let mut why = Vec::new();
    for h in candidates {
        let load = live.iter().filter(|n| **n == h.name).count();
        if h.draining {
            why.push(format!("{} is draining", h.name));
            continue;
        }
        if load >= h.capacity as usize {
            why.push(format!("{} is full ({load} of {})", h.name, h.capacity));
            continue;
        }
        if h.unreachable_since.is_some() {
            why.push(format!("{} does not answer", h.name));
            continue;
        }
        match answering(sites, &h.name) {
            Ok(site) => return Ok((Some(site), None)),
            Err(e) => why.push(format!("{} does not answer: {e}", h.name)),
        }
    }
    let why = why.join("; ");
    // A host named with --host is the caller's choice: never silently elsewhere.
    if asked.is_none() && project.workspace.host_fallback == HostFallback::Local {
        return Ok((
            None,
            Some(format!("runs on the control plane's machine: {why}")),
        ));
    }
    Err(CoreError::Conflict(format!(
        "no session host can take this session: {why}"
    )))
}

enum Pin {
    Name(String),
    Label(String),
}

/// The host name of every live session on a host.
fn live_per_host(store: &impl SessionStore) -> CoreResult<Vec<String>> {
    let live = super::ops::live_sessions(store)?;
    Ok(live.into_iter().filter_map(|s| s.host).collect())
}

/// Checks every session host that has live sessions: one that does not answer is marked
/// unreachable (its sessions show it) and its connection dropped; one that answers is
/// marked reachable again and its live sessions are reconciled with its tmux as local
/// ones are ([`super::ops::reconcile`]).
pub fn watch(
    store: &(impl SessionStore + crate::hosts::HostStore),
    host: &Host<'_>,
) -> CoreResult<Watched> {
    let live = super::ops::live_sessions(store)?;
    let mut out = Watched::default();
    for h in host.sites.hosts()? {
        let on: Vec<Session> = live
            .iter()
            .filter(|s| s.host.as_deref() == Some(h.name.as_str()))
            .cloned()
            .collect();
        if on.is_empty() && h.unreachable_since.is_none() {
            continue;
        }
        match answering(host.sites, &h.name) {
            Ok(site) => {
                if store.set_host_unreachable(h.id, None)? {
                    out.back.push(h.name.clone());
                }
                out.changed += super::ops::reconcile_on(store, site.runtime.as_ref(), on)?;
            }
            Err(e) => {
                if store.set_host_unreachable(h.id, Some(time::OffsetDateTime::now_utc()))? {
                    out.down.push((h.name.clone(), e.to_string()));
                }
            }
        }
    }
    Ok(out)
}

/// What [`watch`] found.
#[derive(Debug, Default)]
pub struct Watched {
    /// Sessions reconciled (ended while unobserved).
    pub changed: usize,
    /// Hosts that stopped answering, with why.
    pub down: Vec<(String, String)>,
    /// Hosts that answer again.
    pub back: Vec<String>,
}

/// The site a session runs on (None: the control plane's machine). `Conflict` when its
/// host was removed since, or does not answer.
pub fn of_session(host: &Host<'_>, s: &Session) -> CoreResult<Option<Arc<Site>>> {
    of(host, s.id, s.host.as_deref())
}

/// [`of_session`] for session `id` on host `name` (None: the control plane's machine).
pub fn of(host: &Host<'_>, id: i64, name: Option<&str>) -> CoreResult<Option<Arc<Site>>> {
    let Some(name) = name else {
        return Ok(None);
    };
    match host.sites.open(name) {
        Ok(site) => Ok(Some(site)),
        Err(CoreError::NotFound(_)) => Err(CoreError::Conflict(format!(
            "session {id} ran on host {name}, which was removed"
        ))),
        Err(e) => Err(CoreError::Conflict(format!(
            "session {id} runs on host {name}, which does not answer: {e}"
        ))),
    }
}

#[cfg(test)]
#[path = "sites_tests.rs"]
mod tests;
