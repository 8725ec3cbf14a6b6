//! SSH keys for git over ssh and the server's known hosts (issue 5):
//! `/me/ssh-keys…`, `/projects/{id}/deploy-key`, `/known-hosts…`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// An SSH key as the API shows it: never the private part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SshKey {
    /// The key's id.
    pub id: i64,
    /// The name given when it was added (1..=64 characters).
    pub name: String,
    /// One OpenSSH line, `ssh-ed25519 AAAA… name`: what to add to GitHub/GitLab.
    pub public_key: String,
    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// `sealed` (the private key is encrypted in aiops's database) or `path` (a key file
    /// on the server's disk, for single-user installs).
    pub storage: String,
    /// The project whose deploy key this is; None for a user's own key.
    pub project_id: Option<i64>,
    /// When the key was added (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/me/ssh-keys` and `PUT /api/v1/projects/{id}/deploy-key`: exactly one of
/// `private_key`, `path` or `generate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "deploy laptop", "generate": true}))]
pub struct AddSshKey {
    /// 1..=64 characters after trimming, no control characters.
    pub name: String,
    /// An OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----` …) without a
    /// passphrase (git runs without a prompt), at most 16 KiB. Write-only: never returned.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Password)]
    pub private_key: Option<crate::Secret>,
    /// An absolute path to a key file on the server's disk (admins only: it is read as
    /// the server's own user).
    #[serde(default)]
    pub path: Option<String>,
    /// Generate an Ed25519 key; its public part is in the answer.
    #[serde(default)]
    pub generate: bool,
}

/// A host key aiops has seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KnownHost {
    /// `name` for port 22, `[name]:port` otherwise (the known_hosts form).
    pub host: String,
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, …
    pub key_type: String,
    /// `SHA256:…`: compare with the host's published fingerprints before confirming.
    pub fingerprint: String,
    /// `pending` (seen, not trusted yet) or `trusted`.
    pub status: String,
    /// When aiops first saw this key (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub seen_at: OffsetDateTime,
    /// When it was confirmed as trusted (RFC 3339, UTC); absent while `pending`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub confirmed_at: Option<OffsetDateTime>,
}

/// `POST /api/v1/known-hosts/confirm`: trust a pending key after comparing fingerprints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"host": "github.com", "fingerprint": "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"}))]
pub struct ConfirmKnownHost {
    /// The host as listed: `name`, or `[name]:port` for a port other than 22.
    pub host: String,
    /// The fingerprint you compared; must match the pending key's.
    pub fingerprint: String,
}

/// Query of `DELETE /api/v1/known-hosts`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KnownHostQuery {
    /// The host whose key to forget: `name`, or `[name]:port` for a port other than 22.
    pub host: String,
}
