//! Self-update of a standalone binary: a release manifest signed with minisign
//! (<https://jedisct1.github.io/minisign/>, Ed25519 over the BLAKE2b-512 of the file),
//! naming per target the binary's URL and SHA-256. The signature is checked against a
//! public key compiled in (or configured), the binary's sum against the signed manifest,
//! so a compromised download server can neither forge a release nor swap its binary.
//!
//! Manifest (JSON, at `update_url`; its signature at `update_url` + `.minisig`):
//! `{"version": "0.2.0", "notes": "…", "assets": [{"target": "x86_64-linux",
//! "url": "https://…/aiops", "sha256": "…", "size": 123}]}`.

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::{CoreError, CoreResult};

/// The release key's public half (`packaging/minisign.pub`); releases of this project
/// are signed with its secret half, held by the release owner, never in the repository.
pub const RELEASE_PUBLIC_KEY: &str = "RWQ9UUm+T4ySGW2p0KLQV3EaPFB9chxjxQE98zjhO5PmB7iSiayBlohT";

/// Largest manifest or signature read.
pub const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// The signed release manifest: a version and one binary per target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseManifest {
    /// The release's version (`0.2.0`).
    pub version: String,
    /// Release notes, free text, if any.
    #[serde(default)]
    pub notes: Option<String>,
    /// The binaries, one per target.
    pub assets: Vec<Asset>,
}

/// One binary of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    /// `<arch>-<os>`: `x86_64-linux`, `aarch64-linux`, `x86_64-macos`, `aarch64-macos`.
    pub target: String,
    /// Where the binary is downloaded from.
    pub url: String,
    /// Lowercase hex SHA-256 of the binary.
    pub sha256: String,
    /// Size in bytes, for information (the checksum is what is checked).
    #[serde(default)]
    pub size: Option<u64>,
}

/// Downloads for an update (HTTP in `aiops-trackers`; a test serves files locally).
pub trait Releases {
    /// The body at `url`, refused beyond `max_bytes`.
    fn fetch(&self, url: &str, max_bytes: u64) -> CoreResult<Vec<u8>>;
    /// Streams the body at `url` into `out`, reporting bytes so far; returns the size.
    fn download(&self, url: &str, out: &mut dyn Write, progress: &dyn Fn(u64)) -> CoreResult<u64>;
}

/// This binary's target name in a manifest.
pub fn target() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

/// Checks `signature` (a `.minisig` file's text) over `manifest` with `public_key`
/// (base64, empty = [`RELEASE_PUBLIC_KEY`]) and parses the manifest. `Invalid` when the
/// key or signature is unreadable, the signature does not verify, or the JSON is bad.
pub fn verify_manifest(
    manifest: &[u8],
    signature: &str,
    public_key: &str,
) -> CoreResult<ReleaseManifest> {
    let key = if public_key.trim().is_empty() {
        RELEASE_PUBLIC_KEY
    } else {
        public_key.trim()
    };
    let bad = |m: String| CoreError::invalid("update", m);
    let pk = minisign_verify::PublicKey::from_base64(key)
        .map_err(|e| bad(format!("the update public key is unreadable: {e}")))?;
    let sig = minisign_verify::Signature::decode(signature)
        .map_err(|e| bad(format!("the release signature is unreadable: {e}")))?;
    pk.verify(manifest, &sig, false).map_err(|_| {
        bad(
            "the release manifest's signature does not verify with the trusted key: \
             refusing the update"
                .into(),
        )
    })?;
    serde_json::from_slice(manifest)
        .map_err(|e| bad(format!("the release manifest is unreadable: {e}")))
}

/// The numeric parts of a version (`0.10.2` → [0, 10, 2]); a pre-release suffix is
/// ignored.
fn parts(v: &str) -> Vec<u64> {
    v.trim_start_matches('v')
        .split(['-', '+'])
        .next()
        .unwrap_or("")
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

/// True when `candidate` is a newer version than `current`.
pub fn is_newer(current: &str, candidate: &str) -> bool {
    parts(candidate) > parts(current)
}

/// The manifest's asset for this target; `Invalid` when there is none.
pub fn asset_for<'m>(m: &'m ReleaseManifest, target: &str) -> CoreResult<&'m Asset> {
    m.assets.iter().find(|a| a.target == target).ok_or_else(|| {
        CoreError::invalid(
            "update",
            format!("release {} has no binary for {target}", m.version),
        )
    })
}

/// Checks that a downloaded binary's `--version` line names `version`.
pub fn check_version_line(line: &str, version: &str) -> CoreResult<()> {
    if line.split_whitespace().nth(1) == Some(version) {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "update",
            format!("the downloaded binary says `{line}`, not version {version}: refusing it"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(is_newer("0.1.0", "0.1.1"));
        assert!(is_newer("0.9.0", "0.10.0"));
        assert!(is_newer("v1.2.3", "1.3.0"));
        assert!(!is_newer("0.2.0", "0.1.9"));
        assert!(!is_newer("0.2.0", "0.2.0"));
        assert!(!is_newer("0.2.0", "0.2.0-rc1"));
    }

    #[test]
    fn signatures_from_other_keys_or_of_other_bytes_fail() {
        // The example key and signature of the minisign-verify documentation.
        let pk = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3";
        let sig = "untrusted comment: signature from minisign secret key\n\
RUQf6LRCGA9i559r3g7V1qNyJDApGip8MfqcadIgT9CuhV3EMhHoN1mGTkUidF/z7SrlQgXdy8ofjb7bNJJylDOocrCo8KLzZwo=\n\
trusted comment: timestamp:1633700835\tfile:test\tprehashed\n\
wLMDjy9FLAuxZ3q4NlEvkgtyhrr0gtTu6KC4KBJdITbbOeAi1zBIYo0v4iTgt8jJpIidRJnp94ABQkJAgAooBQ==\n";
        // Verifies, then fails as JSON: the bytes are `test`.
        let e = verify_manifest(b"test", sig, pk).unwrap_err().to_string();
        assert!(e.contains("manifest is unreadable"), "{e}");
        let e = verify_manifest(b"tesT", sig, pk).unwrap_err().to_string();
        assert!(e.contains("does not verify"), "{e}");
        let e = verify_manifest(b"test", sig, "").unwrap_err().to_string();
        assert!(e.contains("does not verify"), "another key: {e}");
    }

    #[test]
    fn the_binary_must_say_the_manifest_version() {
        assert!(check_version_line("aiops 0.2.0", "0.2.0").is_ok());
        assert!(check_version_line("aiops 0.1.0", "0.2.0").is_err());
        assert!(check_version_line("", "0.2.0").is_err());
    }
}
