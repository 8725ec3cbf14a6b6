//! API keys verified recently, so a request needs no database read to authenticate.
//!
//! An entry is used only while the store has committed no write since it was read
//! ([`aiops_db::Db::generation`]): revoking a key, disabling or demoting a user, and every
//! other write invalidate the whole cache at once, so a cached answer is never staler than
//! a fresh lookup would be. Entries also expire after [`MAX_AGE`] so `last_used_at` keeps
//! being recorded (once a minute) and an expiring key is re-checked. Keys are the SHA-256
//! digests the store already uses, never the secrets.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aiops_core::Principal;

/// Longest an entry is trusted even without writes.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// More distinct keys than this and the cache starts over (a bound, not an LRU).
const MAX_ENTRIES: usize = 1024;

struct Entry {
    principal: Principal,
    generation: u64,
    at: Instant,
    /// The key's own expiry.
    expires_at: Option<time::OffsetDateTime>,
}

#[derive(Default)]
pub struct AuthCache {
    entries: Mutex<HashMap<Vec<u8>, Entry>>,
}

impl AuthCache {
    /// The principal cached for `digest`, when still valid at `generation` and `now`.
    pub fn get(
        &self,
        digest: &[u8],
        generation: u64,
        now: time::OffsetDateTime,
    ) -> Option<Principal> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let e = entries.get(digest)?;
        let fresh = e.generation == generation
            && e.at.elapsed() < MAX_AGE
            && e.expires_at.is_none_or(|t| t > now);
        fresh.then(|| e.principal.clone())
    }

    /// Remembers a principal read while the store was at `generation`.
    pub fn put(
        &self,
        digest: Vec<u8>,
        principal: Principal,
        generation: u64,
        expires_at: Option<time::OffsetDateTime>,
    ) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            digest,
            Entry {
                principal,
                generation,
                at: Instant::now(),
                expires_at,
            },
        );
    }
}
