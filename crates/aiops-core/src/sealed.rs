//! Encryption at rest for provider tokens, bot tokens and SSH private keys.
//!
//! XChaCha20-Poly1305 (RFC 8439 ChaCha20-Poly1305 with the extended 192-bit nonce of
//! draft-irtf-cfrg-xchacha), one 256-bit key per data dir (`secret.key`). A random nonce
//! per value is safe at this size. Each ciphertext carries the id of its key, so a key can
//! be rotated while old rows are still readable, and is bound (as associated data) to the
//! row it belongs to, so a ciphertext copied onto another row does not decrypt.
//!
//! The key file is read and written by the server; this module only turns its text into a
//! key and back.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{CoreError, CoreResult};

const FILE_HEADER: &str = "aiops-secret-key v1";
const NONCE_LEN: usize = 24;

/// The data dir's encryption key. Never printed: `Debug` shows only its id.
pub struct SecretKey {
    id: String,
    key: Key,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A sealed value as stored: `blob` = nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Id of the key that sealed it (8 hex digits derived from the key).
    pub key_id: String,
    /// Nonce (24 bytes), then ciphertext and tag (16 bytes).
    pub blob: Vec<u8>,
}

impl SecretKey {
    fn from_bytes(bytes: [u8; 32]) -> Self {
        // The id names the key without revealing it: 8 hex digits of SHA-256("aiops key" ‖ key).
        let digest = Sha256::new()
            .chain_update(b"aiops key")
            .chain_update(bytes)
            .finalize();
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            id,
            key: Key::from(bytes),
        }
    }

    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    /// The key's id: 8 hex digits of SHA-256 over `aiops key` and the key, safe to show.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key file's text: `aiops-secret-key v1 <id> <base64 key>` and a newline.
    pub fn to_file_text(&self) -> String {
        format!("{FILE_HEADER} {} {}\n", self.id, STANDARD.encode(self.key))
    }

    /// Parses the key file's text; refuses anything else (and a key whose id does not
    /// match, which means the file was edited or corrupted).
    pub fn from_file_text(text: &str) -> CoreResult<Self> {
        let bad = |why: &str| {
            CoreError::Internal(format!("secret.key is not a valid aiops key file: {why}"))
        };
        let rest = text
            .trim()
            .strip_prefix(FILE_HEADER)
            .ok_or_else(|| bad("unknown header"))?;
        let mut parts = rest.split_whitespace();
        let (Some(id), Some(b64), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected an id and a key"));
        };
        let raw = STANDARD
            .decode(b64)
            .map_err(|_| bad("the key is not base64"))?;
        let bytes: [u8; 32] = raw.try_into().map_err(|_| bad("the key is not 256 bits"))?;
        let key = Self::from_bytes(bytes);
        if key.id != id {
            return Err(bad("the key does not match its id"));
        }
        Ok(key)
    }

    /// Encrypts `plaintext` bound to `context` (e.g. `integration:42:token`).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> CoreResult<Sealed> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = XChaCha20Poly1305::new(&self.key)
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CoreError::Internal("encryption failed".into()))?;
        let mut blob = nonce.to_vec();
        blob.extend(ciphertext);
        Ok(Sealed {
            key_id: self.id.clone(),
            blob,
        })
    }

    /// Decrypts a value sealed by this key for the same `context`. Fails (never returns
    /// garbage) on another key, another context, or any changed byte.
    pub fn open(&self, sealed: &Sealed, context: &str) -> CoreResult<Vec<u8>> {
        if sealed.key_id != self.id {
            return Err(CoreError::Internal(format!(
                "value was sealed with key {}, but this data dir's key is {}",
                sealed.key_id, self.id
            )));
        }
        if sealed.blob.len() < NONCE_LEN {
            return Err(CoreError::Internal("sealed value is truncated".into()));
        }
        let (nonce, ciphertext) = sealed.blob.split_at(NONCE_LEN);
        XChaCha20Poly1305::new(&self.key)
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CoreError::Internal("sealed value failed authentication".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_binds_to_key_and_context() {
        let key = SecretKey::generate();
        let sealed = key.seal(b"ghp_token", "integration:1:token").unwrap();
        assert_eq!(
            key.open(&sealed, "integration:1:token").unwrap(),
            b"ghp_token"
        );
        assert!(
            !sealed.blob.windows(9).any(|w| w == b"ghp_token"),
            "ciphertext hides the token"
        );
        assert!(
            key.open(&sealed, "integration:2:token").is_err(),
            "bound to its row"
        );
        assert!(
            SecretKey::generate()
                .open(&sealed, "integration:1:token")
                .is_err(),
            "bound to its key"
        );
        let mut tampered = sealed.clone();
        *tampered.blob.last_mut().unwrap() ^= 1;
        assert!(
            key.open(&tampered, "integration:1:token").is_err(),
            "tampering is detected"
        );
        assert_ne!(
            key.seal(b"x", "c").unwrap().blob,
            key.seal(b"x", "c").unwrap().blob,
            "fresh nonce"
        );
    }

    #[test]
    fn key_file_round_trips_and_refuses_edits() {
        let key = SecretKey::generate();
        let text = key.to_file_text();
        let back = SecretKey::from_file_text(&text).unwrap();
        assert_eq!(back.id(), key.id());
        let sealed = key.seal(b"v", "c").unwrap();
        assert_eq!(back.open(&sealed, "c").unwrap(), b"v");
        assert!(!format!("{key:?}").contains(&text.split_whitespace().last().unwrap()[..10]));
        let edited = text.replace(key.id(), "00000000");
        assert!(SecretKey::from_file_text(&edited).is_err());
        assert!(SecretKey::from_file_text("nonsense").is_err());
    }
}
