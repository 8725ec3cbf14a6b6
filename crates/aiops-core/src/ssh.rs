//! SSH for git (issue 5): users' keys and projects' deploy keys, the server's own
//! known_hosts with first-use confirmation, and what a git command over ssh gets
//! ([`SshMaterial`]).
//!
//! Keys are parsed with the `ssh-key` crate (OpenSSH formats, PROTOCOL.key); a private key
//! is sealed at rest and opened only to hand it to one git command, which writes it to a
//! 0600 file in a 0700 directory for that command's duration. Host keys: an unknown host
//! is scanned once, its keys kept as `pending` with their `SHA256:` fingerprints, and git
//! refuses to talk to it (`StrictHostKeyChecking=yes`) until an admin confirms one.

use aiops_types::{AddSshKey, ConfirmKnownHost, KnownHost, Project, SshKey};
use serde_json::json;
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey};
use zeroize::Zeroizing;

use crate::ports::{
    HostKeyRecord, NewAudit, NewSshKeyRow, PrivateKeyRef, ProjectStore, SshStore, WorkingCopies,
};
use crate::sealed::SecretKey;
use crate::{CoreError, CoreResult, Principal};

/// Sealing context of private keys (binds the ciphertext to its purpose).
const SEAL_CONTEXT: &str = "ssh_key";
/// Longest private key accepted, bytes.
pub const MAX_KEY_BYTES: usize = 16 * 1024;
/// Longest key name, characters.
pub const MAX_KEY_NAME_CHARS: usize = 64;

/// The private key and host keys one git command over ssh needs.
#[derive(Clone)]
pub struct SshMaterial {
    /// The private key: its text, or a key file on the server's disk.
    pub key: KeySource,
    /// `known_hosts` lines of the repository's host: trusted keys only.
    pub known_hosts: String,
}

/// On the wire (to a session host's runtime, over SSH) the key travels as its text: a
/// key file is read first (by the sender); serializing one that was not is an
/// error, so no path of the control plane's disk is sent as if it were the host's.
impl serde::Serialize for SshMaterial {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeStruct};
        let KeySource::Inline(text) = &self.key else {
            return Err(S::Error::custom(
                "an SSH key file must be read before it is sent",
            ));
        };
        let mut st = s.serialize_struct("SshMaterial", 2)?;
        st.serialize_field("key", text.as_str())?;
        st.serialize_field("known_hosts", &self.known_hosts)?;
        st.end()
    }
}

impl<'de> serde::Deserialize<'de> for SshMaterial {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Wire {
            key: String,
            known_hosts: String,
        }
        let w = Wire::deserialize(d)?;
        Ok(SshMaterial {
            key: KeySource::Inline(Zeroizing::new(w.key)),
            known_hosts: w.known_hosts,
        })
    }
}

impl std::fmt::Debug for SshMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshMaterial").finish_non_exhaustive()
    }
}

/// Where a private key comes from when git runs.
#[derive(Clone)]
pub enum KeySource {
    /// OpenSSH private key text.
    Inline(Zeroizing<String>),
    /// A key file on the server's disk.
    Path(String),
}

/// An ssh endpoint parsed from a repository URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshHost {
    /// Host name or address.
    pub name: String,
    /// The SSH port (22 when the URL names none).
    pub port: u16,
}

impl SshHost {
    /// The `known_hosts` form: `name`, or `[name]:port` off port 22.
    pub fn known_hosts_name(&self) -> String {
        if self.port == 22 {
            self.name.clone()
        } else {
            format!("[{}]:{}", self.name, self.port)
        }
    }
}

/// The ssh host of `url` (`ssh://[user@]host[:port]/…` or scp-like `[user@]host:path`);
/// None for https and local paths. `Invalid` for a host that is not a plain name or
/// address.
pub fn ssh_host(url: &str) -> CoreResult<Option<SshHost>> {
    let (authority, port) = if let Some(rest) = url.strip_prefix("ssh://") {
        let authority = rest.split('/').next().unwrap_or("");
        let authority = authority.rsplit('@').next().unwrap_or("");
        match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| CoreError::invalid("repo_url", format!("`{p}` is not a port")))?;
                (
                    h.trim_start_matches('[').trim_end_matches(']').to_owned(),
                    port,
                )
            }
            _ => (authority.to_owned(), 22),
        }
    } else if url.contains("://") || url.starts_with('/') {
        return Ok(None);
    } else {
        match url.split_once(':') {
            Some((authority, _)) if !authority.contains('/') => {
                (authority.rsplit('@').next().unwrap_or("").to_owned(), 22)
            }
            _ => return Ok(None),
        }
    };
    let ok = !authority.is_empty()
        && !authority.starts_with('-')
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c));
    if !ok || port == 0 {
        return Err(CoreError::invalid(
            "repo_url",
            format!("`{authority}` is not a host name or address"),
        ));
    }
    Ok(Some(SshHost {
        name: authority,
        port,
    }))
}

/// Public line and `SHA256:` fingerprint of an OpenSSH private key; `Invalid` for text
/// that is not one, or one with a passphrase (git runs without a prompt).
fn describe_private(text: &str, name: &str) -> CoreResult<(String, String)> {
    let key = PrivateKey::from_openssh(text.trim())
        .map_err(|_| CoreError::invalid("private_key", "not an OpenSSH private key"))?;
    if key.is_encrypted() {
        return Err(CoreError::invalid(
            "private_key",
            "the key has a passphrase; git runs without a prompt, so add a key without one",
        ));
    }
    public_of(key.public_key(), name)
}

fn public_of(key: &PublicKey, name: &str) -> CoreResult<(String, String)> {
    let mut key = key.clone();
    key.set_comment(name);
    let line = key
        .to_openssh()
        .map_err(|e| CoreError::Internal(format!("encoding a public key: {e}")))?;
    Ok((line, key.fingerprint(HashAlg::Sha256).to_string()))
}

/// The private part of a new key, from `req`: given, generated, or a path (admins).
fn private_of(
    caller: &Principal,
    secret: &SecretKey,
    req: &AddSshKey,
) -> CoreResult<(String, String, PrivateKeyRef)> {
    let name = req.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_KEY_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(CoreError::invalid("name", "a name of 1 to 64 characters"));
    }
    let text: Zeroizing<String> = match (&req.private_key, &req.path, req.generate) {
        (Some(k), None, false) => {
            if k.expose().len() > MAX_KEY_BYTES {
                return Err(CoreError::invalid("private_key", "the key is over 16 KiB"));
            }
            Zeroizing::new(k.expose().to_owned())
        }
        (None, None, true) => {
            let key =
                PrivateKey::random(&mut ssh_key::rand_core::OsRng, ssh_key::Algorithm::Ed25519)
                    .map_err(|e| CoreError::Internal(format!("generating a key: {e}")))?;
            let text = key
                .to_openssh(LineEnding::LF)
                .map_err(|e| CoreError::Internal(format!("encoding a key: {e}")))?;
            Zeroizing::new(text.to_string())
        }
        (None, Some(path), false) => {
            caller.require_admin("only admins refer to key files on the server's disk")?;
            if !path.starts_with('/') {
                return Err(CoreError::invalid("path", "an absolute path"));
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| CoreError::invalid("path", format!("cannot read {path}: {e}")))?;
            let (public, fingerprint) = describe_private(&text, name)?;
            return Ok((public, fingerprint, PrivateKeyRef::Path(path.clone())));
        }
        _ => {
            return Err(CoreError::invalid(
                "private_key",
                "give exactly one of private_key, path or generate",
            ));
        }
    };
    let (public, fingerprint) = describe_private(&text, name)?;
    let sealed = secret.seal(text.as_bytes(), SEAL_CONTEXT)?;
    Ok((public, fingerprint, PrivateKeyRef::Sealed(sealed)))
}

/// Adds one of the caller's keys.
pub fn add_key(
    store: &impl SshStore,
    secret: &SecretKey,
    caller: &Principal,
    req: &AddSshKey,
) -> CoreResult<SshKey> {
    let (public_key, fingerprint, private) = private_of(caller, secret, req)?;
    let row = NewSshKeyRow {
        user_id: Some(caller.user_id),
        project_id: None,
        name: req.name.trim().to_owned(),
        public_key,
        fingerprint: fingerprint.clone(),
        private,
    };
    let audit = NewAudit::by(caller, "ssh_key.add").detail(json!({ "fingerprint": fingerprint }));
    store.insert_ssh_key(&row, audit)
}

/// The caller's own SSH keys, oldest first.
pub fn list_keys(store: &impl SshStore, caller: &Principal) -> CoreResult<Vec<SshKey>> {
    store.ssh_keys(caller.user_id)
}

/// Deletes one of the caller's keys; `NotFound` when it is not theirs.
pub fn delete_key(store: &impl SshStore, caller: &Principal, id: i64) -> CoreResult<()> {
    let audit = NewAudit::by(caller, "ssh_key.delete").target("ssh_key", id);
    store.delete_ssh_key(caller.user_id, id, audit)
}

fn admin_project(
    store: &impl ProjectStore,
    caller: &Principal,
    project_id: i64,
) -> CoreResult<Project> {
    caller.require_admin("only admins manage deploy keys")?;
    store
        .project(caller.viewer(), project_id)?
        .ok_or_else(|| CoreError::not_found(format!("project {project_id}")))
}

/// Sets (replaces) a project's deploy key: used for its repository by users without a
/// key of their own.
pub fn set_deploy_key(
    store: &(impl ProjectStore + SshStore),
    secret: &SecretKey,
    caller: &Principal,
    project_id: i64,
    req: &AddSshKey,
) -> CoreResult<SshKey> {
    admin_project(store, caller, project_id)?;
    let (public_key, fingerprint, private) = private_of(caller, secret, req)?;
    let row = NewSshKeyRow {
        user_id: None,
        project_id: Some(project_id),
        name: req.name.trim().to_owned(),
        public_key,
        fingerprint: fingerprint.clone(),
        private,
    };
    let audit = NewAudit::by(caller, "project.deploy_key_set")
        .target("project", project_id)
        .detail(json!({ "fingerprint": fingerprint }));
    store.insert_ssh_key(&row, audit)
}

/// The project's deploy key (no private part). Admins only (`Forbidden`); `NotFound`
/// when the project has none.
pub fn deploy_key(
    store: &(impl ProjectStore + SshStore),
    caller: &Principal,
    project_id: i64,
) -> CoreResult<SshKey> {
    admin_project(store, caller, project_id)?;
    store
        .deploy_key(project_id)?
        .map(|k| k.key)
        .ok_or_else(|| CoreError::not_found(format!("a deploy key of project {project_id}")))
}

/// Removes the project's deploy key. Admins only (`Forbidden`); `NotFound` when it has
/// none.
pub fn delete_deploy_key(
    store: &(impl ProjectStore + SshStore),
    caller: &Principal,
    project_id: i64,
) -> CoreResult<()> {
    admin_project(store, caller, project_id)?;
    let audit = NewAudit::by(caller, "project.deploy_key_delete").target("project", project_id);
    store.delete_deploy_key(project_id, audit)
}

/// Every known SSH host key, trusted and pending, by host; any signed-in user may read
/// them.
pub fn known_hosts(store: &impl SshStore, caller: &Principal) -> CoreResult<Vec<KnownHost>> {
    let _ = caller;
    store.known_hosts()
}

/// Trusts a pending host key. Admins only: every user's git then talks to that host.
pub fn confirm_host(
    store: &impl SshStore,
    caller: &Principal,
    req: &ConfirmKnownHost,
) -> CoreResult<KnownHost> {
    caller.require_admin("only admins confirm host keys (they apply to every user)")?;
    let audit = NewAudit::by(caller, "known_host.confirm")
        .target("known_host", &req.host)
        .detail(json!({ "fingerprint": req.fingerprint }));
    store.trust_host_key(
        req.host.trim(),
        req.fingerprint.trim(),
        caller.user_id,
        audit,
    )
}

/// Forgets every key of `host` (`name`, or `[name]:port` off port 22). Admins only
/// (`Forbidden`); `NotFound` when no key of it is known.
pub fn forget_host(store: &impl SshStore, caller: &Principal, host: &str) -> CoreResult<()> {
    caller.require_admin("only admins remove known hosts")?;
    let audit = NewAudit::by(caller, "known_host.delete").target("known_host", host);
    store.delete_known_host(host, audit)
}

/// What git needs to reach `project`'s repository over ssh as `user_id`: their own key
/// (else the project's deploy key) and the host's trusted keys. None when the repository
/// is not reached over ssh. `Invalid` without any key; `Conflict` naming the fingerprints
/// while the host's key is not confirmed (scanned and recorded on first contact).
pub fn material(
    store: &impl SshStore,
    secret: &SecretKey,
    git: &dyn WorkingCopies,
    user_id: i64,
    project: &Project,
) -> CoreResult<Option<SshMaterial>> {
    let Some(host) = ssh_host(&project.repo_url)? else {
        return Ok(None);
    };
    let record = match store.user_ssh_key(user_id)? {
        Some(k) => k,
        None => store.deploy_key(project.id)?.ok_or_else(|| {
            CoreError::invalid(
                "ssh_key",
                format!(
                    "{} is reached over ssh: add your key with `aiops ssh-keys add` (or ask an admin for a deploy key)",
                    project.repo_url
                ),
            )
        })?,
    };
    let known_hosts = trusted_keys(store, git, &host)?;
    let key = open_key(secret, record.private)?;
    Ok(Some(SshMaterial { key, known_hosts }))
}

pub(crate) fn open_key(secret: &SecretKey, private: PrivateKeyRef) -> CoreResult<KeySource> {
    Ok(match private {
        PrivateKeyRef::Sealed(s) => {
            let bytes = Zeroizing::new(secret.open(&s, SEAL_CONTEXT)?);
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| CoreError::Internal("a sealed ssh key is not text".into()))?;
            KeySource::Inline(Zeroizing::new(text))
        }
        PrivateKeyRef::Path(p) => KeySource::Path(p),
    })
}

/// The user's own ssh key (not a deploy key), opened: what an Ansible run as that user
/// reaches its hosts with. None when they have none.
pub fn user_key(
    store: &impl SshStore,
    secret: &SecretKey,
    user_id: i64,
) -> CoreResult<Option<KeySource>> {
    store
        .user_ssh_key(user_id)?
        .map(|k| open_key(secret, k.private))
        .transpose()
}

/// The `known_hosts` lines of `host`'s trusted keys; scans and records unknown hosts.
pub(crate) fn trusted_keys(
    store: &impl SshStore,
    git: &dyn WorkingCopies,
    host: &SshHost,
) -> CoreResult<String> {
    let name = host.known_hosts_name();
    let mut keys = store.host_keys(&name)?;
    if keys.is_empty() {
        let scanned = git.scan_host_keys(&host.name, host.port)?;
        let mut records = Vec::new();
        for line in scanned {
            let Ok(key) = PublicKey::from_openssh(&line) else {
                continue;
            };
            let (public_key, fingerprint) = public_of(&key, "")?;
            records.push(HostKeyRecord {
                host: KnownHost {
                    host: name.clone(),
                    key_type: key.algorithm().as_str().to_owned(),
                    fingerprint,
                    status: "pending".into(),
                    seen_at: time::OffsetDateTime::now_utc(),
                    confirmed_at: None,
                },
                public_key: public_key.trim().to_owned(),
            });
        }
        if records.is_empty() {
            return Err(CoreError::Upstream(format!(
                "{name} offered no ssh host key"
            )));
        }
        store.add_pending_host_keys(&records)?;
        keys = store.host_keys(&name)?;
    }
    let trusted: Vec<String> = keys
        .iter()
        .filter(|k| k.host.status == "trusted")
        .map(|k| format!("{name} {}\n", k.public_key))
        .collect();
    if trusted.is_empty() {
        let prints: Vec<String> = keys
            .iter()
            .map(|k| format!("{} {}", k.host.key_type, k.host.fingerprint))
            .collect();
        return Err(CoreError::Conflict(format!(
            "the host key of {name} is not confirmed yet ({}); compare it with the host's published fingerprint, then: aiops known-hosts confirm '{name}' <fingerprint>",
            prints.join(", ")
        )));
    }
    Ok(trusted.concat())
}

#[cfg(test)]
#[path = "ssh_tests.rs"]
mod tests;
