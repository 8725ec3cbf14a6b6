//! Session hosts (issue 23): machines that run sessions, reached over SSH with a key
//! aiops holds and host keys an admin confirmed. Admins only: a host runs every user's
//! agents. This module keeps the registry (add, change, drain, remove) and checks a host
//! ([`test()`]); placing sessions on hosts builds on it.

mod target;

pub use target::{SshTarget, parse_ssh};

use aiops_types::{Host, HostCheck, HostCheckItem, NewHost, UpdateHost};
use serde_json::json;

use crate::ports::{NewAudit, SessionStore, SshStore, WorkingCopies};
use crate::sealed::SecretKey;
use crate::ssh::{KeySource, SshHost, SshMaterial, open_key, trusted_keys};
use crate::{CoreError, CoreResult, Principal};

/// The root when none is given: `.aiops` in the SSH user's home.
pub const DEFAULT_ROOT: &str = ".aiops";
/// Live sessions a host takes when none is given.
pub const DEFAULT_CAPACITY: u32 = 4;
const MAX_CAPACITY: u32 = 1000;
const MAX_LABELS: usize = 16;
/// What a host must have for sessions; the agent CLIs are reported, not required.
pub const REQUIRED: [&str; 5] = ["ssh", "tmux", "git", "bubblewrap", "sandbox"];

/// A host as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRow {
    /// Unique name: lower-case letters, digits and `-`.
    pub name: String,
    /// The SSH login.
    pub target: SshTarget,
    /// Where the host keeps base clones and worktrees: absolute, or relative to the SSH
    /// user's home.
    pub root: String,
    /// The SSH key aiops logs in with.
    pub key_id: Option<i64>,
    /// Free-form labels projects can pin (`gpu`, `big`).
    pub labels: Vec<String>,
    /// Most live sessions the host takes.
    pub capacity: u32,
    /// A draining host takes no new sessions; its live ones run on.
    pub draining: bool,
}

/// Storage of hosts.
pub trait HostStore {
    /// By name.
    fn list_hosts(&self) -> CoreResult<Vec<Host>>;
    /// The host with this id, or `None`.
    fn host(&self, id: i64) -> CoreResult<Option<Host>>;
    /// `Conflict` for a name in use.
    fn insert_host(&self, row: &HostRow, audit: NewAudit) -> CoreResult<Host>;
    /// Writes the row's root, key, labels, capacity and draining (the name and SSH login
    /// stay as they are); `NotFound` for an unknown id.
    fn update_host(&self, id: i64, row: &HostRow, audit: NewAudit) -> CoreResult<Host>;
    /// Removes the host; `NotFound` for an unknown id.
    fn delete_host(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// Stores the result of a `test` and returns the host; `NotFound` for an unknown id.
    fn record_host_check(&self, id: i64, check: &HostCheck) -> CoreResult<Host>;
    /// Marks the host unreachable since `since` (None: it answers again); true when that
    /// changed.
    fn set_host_unreachable(
        &self,
        id: i64,
        since: Option<aiops_types::Timestamp>,
    ) -> CoreResult<bool>;
}

/// Commands on a host over SSH; `aiops-exec` implements it with OpenSSH.
pub trait HostShell: Send + Sync {
    /// Logs in with `ssh` and reports what the host has: `ssh` (the login itself),
    /// `tmux`, `git`, `bubblewrap`, `sandbox` (a bubblewrap sandbox starts there) and the
    /// agent CLIs. A login that fails is `Upstream` with ssh's message.
    fn probe(&self, target: &SshTarget, ssh: &SshMaterial) -> CoreResult<Vec<HostCheckItem>>;
}

const ADMINS_ONLY: &str = "only admins manage session hosts (they run every user's agents)";

/// Every session host, by name. Admins only (`Forbidden`).
pub fn list(store: &impl HostStore, caller: &Principal) -> CoreResult<Vec<Host>> {
    caller.require_admin(ADMINS_ONLY)?;
    store.list_hosts()
}

/// The host; `NotFound` for an unknown id. Admins only (`Forbidden`).
pub fn get(store: &impl HostStore, caller: &Principal, id: i64) -> CoreResult<Host> {
    caller.require_admin(ADMINS_ONLY)?;
    store
        .host(id)?
        .ok_or_else(|| CoreError::not_found(format!("host {id}")))
}

/// Adds a host. Nothing is sent to it: `test` logs in (and meets its host key first).
pub fn add(
    store: &(impl SshStore + HostStore),
    caller: &Principal,
    req: &NewHost,
) -> CoreResult<Host> {
    caller.require_admin(ADMINS_ONLY)?;
    let name = host_name(&req.name)?;
    let target = parse_ssh(&req.ssh)?;
    let key_id = match req.key_id {
        Some(id) => own_key(store, caller, id)?,
        None => store
            .user_ssh_key(caller.user_id)?
            .map(|k| k.key.id)
            .ok_or_else(|| {
                CoreError::invalid(
                    "key_id",
                    "aiops logs in to a host with one of your SSH keys: add one with `aiops ssh-keys add` (then put its public key in the host's authorized_keys)",
                )
            })?,
    };
    let row = HostRow {
        name,
        target,
        root: root(req.root.as_deref().unwrap_or(DEFAULT_ROOT))?,
        key_id: Some(key_id),
        labels: labels(&req.labels)?,
        capacity: capacity(req.capacity.unwrap_or(DEFAULT_CAPACITY))?,
        draining: false,
    };
    let audit = NewAudit::by(caller, "host.add")
        .target("host", &row.name)
        .detail(json!({ "ssh": row.target.to_string(), "root": row.root }));
    store.insert_host(&row, audit)
}

/// Changes the fields given; `draining: true` stops new sessions from landing there.
pub fn update(
    store: &(impl SshStore + HostStore),
    caller: &Principal,
    id: i64,
    req: &UpdateHost,
) -> CoreResult<Host> {
    let host = get(store, caller, id)?;
    let mut row = row_of(&host)?;
    if let Some(d) = req.draining {
        row.draining = d;
    }
    if let Some(l) = &req.labels {
        row.labels = labels(l)?;
    }
    if let Some(c) = req.capacity {
        row.capacity = capacity(c)?;
    }
    if let Some(r) = &req.root {
        row.root = root(r)?;
    }
    if let Some(k) = req.key_id {
        row.key_id = Some(own_key(store, caller, k)?);
    }
    let audit = NewAudit::by(caller, "host.update")
        .target("host", &row.name)
        .detail(json!({ "draining": row.draining, "capacity": row.capacity }));
    store.update_host(id, &row, audit)
}

/// Removes a host. `Conflict` while sessions live there: they would lose the machine
/// they run on (drain it, let them end or kill them, then remove it).
pub fn remove(
    store: &(impl SessionStore + HostStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<()> {
    let host = get(store, caller, id)?;
    let live = crate::sessions::ops::live_sessions(store)?
        .into_iter()
        .filter(|s| s.host.as_deref() == Some(host.name.as_str()))
        .count();
    if live > 0 {
        return Err(CoreError::Conflict(format!(
            "{live} live session(s) run on host {}: drain it (`aiops hosts drain {}`) and \
             end them first",
            host.name, host.name
        )));
    }
    let audit = NewAudit::by(caller, "host.remove").target("host", &host.name);
    store.delete_host(id, audit)
}

/// Logs in to the host and records what it has. The first contact records the host's
/// keys as pending and is a `Conflict` naming their fingerprints, as for git over SSH:
/// an admin compares them and confirms one (`aiops known-hosts confirm`).
pub fn test(
    store: &(impl SshStore + HostStore),
    secret: &SecretKey,
    git: &dyn WorkingCopies,
    shell: &dyn HostShell,
    caller: &Principal,
    id: i64,
) -> CoreResult<Host> {
    let host = get(store, caller, id)?;
    let (target, material) = login(store, secret, git, &host)?;
    let items = match shell.probe(&target, &material) {
        Ok(items) => items,
        Err(e) => vec![HostCheckItem {
            name: "ssh".into(),
            ok: false,
            version: None,
            detail: Some(e.to_string()),
        }],
    };
    let ok = REQUIRED
        .iter()
        .all(|need| items.iter().any(|i| i.name == *need && i.ok));
    let check = HostCheck {
        ok,
        checked_at: time::OffsetDateTime::now_utc(),
        items,
    };
    store.record_host_check(id, &check)
}

/// How the control plane logs in to `host`: its SSH login, and aiops's key with the
/// host's confirmed keys. The first contact records the host's keys as pending and is a
/// `Conflict` naming their fingerprints (see [`test()`]).
pub fn login(
    store: &impl SshStore,
    secret: &SecretKey,
    git: &dyn WorkingCopies,
    host: &Host,
) -> CoreResult<(SshTarget, SshMaterial)> {
    let row = row_of(host)?;
    let key = host_key(store, secret, host)?;
    let endpoint = SshHost {
        name: row.target.address.clone(),
        port: row.target.port,
    };
    let known_hosts = trusted_keys(store, git, &endpoint)?;
    Ok((row.target, SshMaterial { key, known_hosts }))
}

/// The key the host is reached with.
fn host_key(store: &impl SshStore, secret: &SecretKey, host: &Host) -> CoreResult<KeySource> {
    let missing = || {
        CoreError::invalid(
            "key_id",
            format!(
                "host {} has no SSH key (it was deleted): set one with `aiops hosts update {} --key ID`",
                host.name, host.name
            ),
        )
    };
    let id = host.key_id.ok_or_else(missing)?;
    let record = store.ssh_key_record(id)?.ok_or_else(missing)?;
    open_key(secret, record.private)
}

/// `id` when it is one of the caller's own keys.
fn own_key(store: &impl SshStore, caller: &Principal, id: i64) -> CoreResult<i64> {
    if store.ssh_keys(caller.user_id)?.iter().any(|k| k.id == id) {
        Ok(id)
    } else {
        Err(CoreError::invalid(
            "key_id",
            format!("SSH key {id} is not one of yours (`aiops ssh-keys list`)"),
        ))
    }
}

fn row_of(h: &Host) -> CoreResult<HostRow> {
    Ok(HostRow {
        name: h.name.clone(),
        target: SshTarget {
            user: h.ssh_user.clone(),
            address: h.address.clone(),
            port: h.port,
        },
        root: h.root.clone(),
        key_id: h.key_id,
        labels: h.labels.clone(),
        capacity: h.capacity,
        draining: h.draining,
    })
}

fn host_name(name: &str) -> CoreResult<String> {
    let ok = (1..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-');
    if ok {
        Ok(name.to_owned())
    } else {
        Err(CoreError::invalid(
            "name",
            "1 to 63 of a-z, 0-9 and -, not starting with -",
        ))
    }
}

/// A path on the host: absolute or relative to the SSH user's home, without `..`, and
/// nothing a shell or an option parser could read as more than a path.
fn root(path: &str) -> CoreResult<String> {
    let path = path.trim();
    let bad = path.is_empty()
        || path.len() > 255
        || path.starts_with('-')
        || path.starts_with('~')
        || path.split('/').any(|c| c == "..")
        || path.chars().any(char::is_control);
    if bad {
        return Err(CoreError::invalid(
            "root",
            "an absolute path, or one relative to the SSH user's home, without `..`",
        ));
    }
    Ok(path.trim_end_matches('/').to_owned())
}

fn labels(given: &[String]) -> CoreResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for l in given {
        let l = l.trim();
        let ok = (1..=32).contains(&l.len())
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
        if !ok {
            return Err(CoreError::invalid(
                "labels",
                format!("`{l}`: a label is 1 to 32 of a-z, 0-9, -, _ and ."),
            ));
        }
        if !out.iter().any(|o| o == l) {
            out.push(l.to_owned());
        }
    }
    if out.len() > MAX_LABELS {
        return Err(CoreError::invalid(
            "labels",
            format!("at most {MAX_LABELS} labels"),
        ));
    }
    Ok(out)
}

fn capacity(n: u32) -> CoreResult<u32> {
    if (1..=MAX_CAPACITY).contains(&n) {
        Ok(n)
    } else {
        Err(CoreError::invalid(
            "capacity",
            format!("1 to {MAX_CAPACITY} live sessions"),
        ))
    }
}

/// A project's `session_host`: a host's name, or `label:<label>`. Checked for form only:
/// a pin may name a host added later, and placement says when none matches.
pub fn pin(value: &str) -> CoreResult<String> {
    let value = value.trim();
    let checked = match value.strip_prefix("label:") {
        Some(label) => labels(&[label.to_owned()]).map(|l| format!("label:{}", l[0])),
        None => host_name(value),
    };
    checked.map_err(|_| {
        CoreError::invalid(
            "session_host",
            format!("`{value}`: a session host's name, or label:<label>"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project's pin is a host's name or `label:<label>`, refused on its own field.
    #[test]
    fn a_pin_is_a_host_name_or_a_label() {
        assert_eq!(pin(" build-1 ").unwrap(), "build-1");
        assert_eq!(pin("label:gpu.big").unwrap(), "label:gpu.big");
        for bad in ["", "Build", "label:", "label:GPU", "label:a b", "-x"] {
            let err = pin(bad).map(|_| ()).unwrap_err();
            assert!(
                matches!(&err, CoreError::Invalid { field: Some("session_host"), message } if message.contains("label:<label>")),
                "{bad:?}: {err:?}"
            );
        }
        assert!(pin("label").is_ok(), "a host may be named `label`");
    }

    /// Labels are trimmed, kept once each, and at most MAX_LABELS.
    #[test]
    fn labels_are_deduplicated_and_bounded() {
        let given: Vec<String> = [" gpu", "big", "gpu "].map(String::from).to_vec();
        assert_eq!(labels(&given).unwrap(), ["gpu", "big"]);
        let many: Vec<String> = (0..=MAX_LABELS).map(|i| format!("l{i}")).collect();
        assert!(labels(&many).is_err());
    }

    #[test]
    fn names_roots_labels_and_capacities_are_checked() {
        assert!(host_name("build-1").is_ok());
        for bad in ["", "-x", "Build", "a b", "a.b", &"x".repeat(64)] {
            assert!(host_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(root("/srv/aiops/").unwrap(), "/srv/aiops");
        assert_eq!(root(".aiops").unwrap(), ".aiops");
        for bad in ["", "-rf", "~/x", "/srv/../etc", "a\nb"] {
            assert!(root(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            labels(&["gpu".into(), "gpu".into(), "big".into()]).unwrap(),
            ["gpu", "big"]
        );
        assert!(labels(&["GPU".into()]).is_err());
        assert!(capacity(0).is_err() && capacity(1001).is_err() && capacity(4).is_ok());
    }

    #[test]
    fn pins_are_host_names_or_labels() {
        assert_eq!(pin(" build-1 ").unwrap(), "build-1");
        assert_eq!(pin("label:gpu").unwrap(), "label:gpu");
        for bad in ["Build 1", "label:", "label:GPU", "-x", "label:a b"] {
            assert!(pin(bad).is_err(), "{bad}");
        }
    }
}
