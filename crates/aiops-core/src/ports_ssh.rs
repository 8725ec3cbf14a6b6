//! Storage of SSH keys and known hosts (issue 5).

use aiops_types::{KnownHost, SshKey};

use crate::CoreResult;
use crate::ports::NewAudit;
use crate::sealed::Sealed;

/// A key to store: a user's (`user_id`) or a project's deploy key (`project_id`), with
/// its private part sealed or as a path on the server's disk.
#[derive(Debug, Clone)]
pub struct NewSshKeyRow {
    /// Owner of a personal key; `None` for a deploy key.
    pub user_id: Option<i64>,
    /// Project of a deploy key; `None` for a user's key.
    pub project_id: Option<i64>,
    /// Label of the key, unique among the user's keys.
    pub name: String,
    /// Public key in OpenSSH form (`ssh-ed25519 AAAA… comment`).
    pub public_key: String,
    /// `SHA256:…` fingerprint of the public key.
    pub fingerprint: String,
    /// Where the private key is.
    pub private: PrivateKeyRef,
}

/// Where a stored private key is.
#[derive(Debug, Clone)]
pub enum PrivateKeyRef {
    /// Stored in the database, sealed with the server's secret key.
    Sealed(Sealed),
    /// An absolute path of a key file on the server's disk (only admins may set one).
    Path(String),
}

/// A stored key with what git needs to use it.
#[derive(Debug, Clone)]
pub struct SshKeyRecord {
    /// The key as the API shows it.
    pub key: SshKey,
    /// Where its private part is.
    pub private: PrivateKeyRef,
}

/// A host key: what the API shows, plus the key itself for `known_hosts`.
#[derive(Debug, Clone)]
pub struct HostKeyRecord {
    /// The host key as the API shows it (host, fingerprint, trusted or pending).
    pub host: KnownHost,
    /// The key in `known_hosts` form (`<type> <base64>`).
    pub public_key: String,
}

/// Users' SSH keys, projects' deploy keys and the known SSH host keys.
pub trait SshStore {
    /// A user's own keys, oldest first.
    fn ssh_keys(&self, user_id: i64) -> CoreResult<Vec<SshKey>>;
    /// The key git uses for a user: their oldest.
    fn user_ssh_key(&self, user_id: i64) -> CoreResult<Option<SshKeyRecord>>;
    /// Any stored key by id (a user's or a deploy key), with its private part.
    fn ssh_key_record(&self, id: i64) -> CoreResult<Option<SshKeyRecord>>;
    /// Inserts a user's key (`Conflict` for a name they already use) or sets a project's
    /// deploy key (replacing the previous one).
    fn insert_ssh_key(&self, row: &NewSshKeyRow, audit: NewAudit) -> CoreResult<SshKey>;
    /// Deletes a user's key; `NotFound` when it is not theirs.
    fn delete_ssh_key(&self, user_id: i64, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// The project's deploy key with its private part, or `None`.
    fn deploy_key(&self, project_id: i64) -> CoreResult<Option<SshKeyRecord>>;
    /// Deletes the project's deploy key; `NotFound` when it has none.
    fn delete_deploy_key(&self, project_id: i64, audit: NewAudit) -> CoreResult<()>;
    /// Every host key, by host.
    fn known_hosts(&self) -> CoreResult<Vec<KnownHost>>;
    /// The keys of `host` (known_hosts form), trusted and pending.
    fn host_keys(&self, host: &str) -> CoreResult<Vec<HostKeyRecord>>;
    /// Records keys seen on first contact as `pending` (keys already stored are kept).
    fn add_pending_host_keys(&self, keys: &[HostKeyRecord]) -> CoreResult<()>;
    /// Trusts the pending key of `host` with `fingerprint`; `NotFound` when none.
    fn trust_host_key(
        &self,
        host: &str,
        fingerprint: &str,
        user_id: i64,
        audit: NewAudit,
    ) -> CoreResult<KnownHost>;
    /// Forgets every key of `host` (e.g. after the host's keys changed).
    fn delete_known_host(&self, host: &str, audit: NewAudit) -> CoreResult<()>;
}
