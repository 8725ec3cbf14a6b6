//! Storage of SSH keys and known hosts (issue 5).

use aiops_types::{KnownHost, SshKey};

use crate::CoreResult;
use crate::ports::NewAudit;
use crate::sealed::Sealed;

/// A key to store: a user's (`user_id`) or a project's deploy key (`project_id`), with
/// its private part sealed or as a path on the server's disk.
#[derive(Debug, Clone)]
pub struct NewSshKeyRow {
    pub user_id: Option<i64>,
    pub project_id: Option<i64>,
    pub name: String,
    pub public_key: String,
    pub fingerprint: String,
    pub private: PrivateKeyRef,
}

#[derive(Debug, Clone)]
pub enum PrivateKeyRef {
    Sealed(Sealed),
    Path(String),
}

/// A stored key with what git needs to use it.
#[derive(Debug, Clone)]
pub struct SshKeyRecord {
    pub key: SshKey,
    pub private: PrivateKeyRef,
}

/// A host key: what the API shows, plus the key itself for `known_hosts`.
#[derive(Debug, Clone)]
pub struct HostKeyRecord {
    pub host: KnownHost,
    pub public_key: String,
}

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
    fn deploy_key(&self, project_id: i64) -> CoreResult<Option<SshKeyRecord>>;
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
