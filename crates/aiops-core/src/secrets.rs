//! Credential primitives: argon2id password hashes, API keys, session tokens.
//!
//! Passwords: argon2id with the OWASP Password Storage Cheat Sheet's first configuration
//! (m = 19 MiB, t = 2, p = 1), PHC string format. API keys and session tokens: 256 random
//! bits, stored only as their SHA-256 digest, so verification is one indexed lookup.
//! SHA-256 without a salt is sound here because the secret is random, not chosen by a human.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{CoreError, CoreResult};

/// Every API key starts with this, so secret scanners (and our redactor) recognise it.
pub const API_KEY_PREFIX: &str = "aiops_";
/// Characters of a key shown in lists: the prefix plus four.
const SHOWN_PREFIX_LEN: usize = API_KEY_PREFIX.len() + 4;

/// Shortest password accepted, characters.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest password accepted, bytes (longer ones are never hashed).
pub const MAX_PASSWORD_LEN: usize = 1024;

fn argon2() -> Argon2<'static> {
    // OWASP: m=19456 KiB, t=2, p=1. Params::new only fails on out-of-range values.
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks length limits; the upper bound keeps a hash request from being a DoS.
pub fn check_password_policy(password: &str) -> CoreResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(CoreError::invalid(
            "password",
            format!("password must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(CoreError::invalid("password", "password is too long"));
    }
    Ok(())
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). ~20 ms.
pub fn hash_password(password: &str) -> CoreResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| CoreError::Internal(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("hashing password: {e}")))
}

/// Verifies a password against a stored PHC string. Unparsable hashes never verify.
pub fn verify_password(password: &str, phc: &str) -> bool {
    if password.len() > MAX_PASSWORD_LEN {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the email is unknown so that an
/// unknown email costs the same time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(&random_token()).unwrap_or_else(|_| "$argon2id$invalid".to_owned())
    })
}

/// 256 random bits as 43 base64url characters.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a secret, the only form in which keys and session tokens are stored.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A freshly minted API key: `secret` is shown once; `digest` and `prefix` are stored.
pub struct NewKeySecret {
    /// The whole key (`aiops_` + 43 base64url characters), shown once.
    pub secret: String,
    /// SHA-256 of the key, stored to look it up.
    pub digest: Vec<u8>,
    /// The first characters (`aiops_` plus four), stored to show in lists.
    pub prefix: String,
}

/// Mints a new API key: `aiops_` followed by 256 random bits in base64url.
pub fn new_api_key() -> NewKeySecret {
    let secret = format!("{API_KEY_PREFIX}{}", random_token());
    NewKeySecret {
        digest: digest(&secret),
        prefix: secret[..SHOWN_PREFIX_LEN].to_owned(),
        secret,
    }
}

/// Cheap shape check before any lookup: `aiops_` + 43 base64url characters.
pub fn looks_like_api_key(candidate: &str) -> bool {
    candidate.strip_prefix(API_KEY_PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Constant-time comparison for tokens compared outside the database (CSRF, setup).
pub fn tokens_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn api_keys_have_shape_prefix_and_digest() {
        let k = new_api_key();
        assert!(looks_like_api_key(&k.secret), "{}", k.secret);
        assert!(k.secret.starts_with(&k.prefix));
        assert_eq!(k.digest, digest(&k.secret));
        assert!(!looks_like_api_key("aiops_short"));
        assert!(!looks_like_api_key(&k.secret.replace("aiops_", "other_")));
    }

    #[test]
    fn policy_rejects_short_passwords() {
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy("long enough").is_ok());
    }
}
