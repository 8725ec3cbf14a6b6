//! Failed-login limiter: at most N failures per client IP **and** per account (the
//! normalised email) in a sliding minute; further attempts get 429 with `Retry-After`
//! until the oldest failure leaves the window. In memory on purpose: it guards one
//! process, and a restart forgetting it is harmless.
//!
//! An attempt is *reserved* (counted as a failure) before its password is checked, in the
//! same lock as the check, so N parallel guesses cannot all pass the check before any of
//! them is counted. A success only takes back its own reservation: it resets nobody's
//! counter, so signing in to one's own account does not buy more guesses at another
//! account from the same address (OWASP Authentication Cheat Sheet, "Login Throttling").

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked addresses or accounts, stale ones are dropped on the next
/// reservation.
const SWEEP_AT: usize = 10_000;
/// Longest account key kept, in bytes (an email is at most 254): a 1 MiB "email" must not
/// become a 1 MiB map key.
const MAX_ACCOUNT_KEY: usize = 320;

/// Attempts in the window, each with the id of its reservation.
type Attempts = VecDeque<(Instant, u64)>;

#[derive(Default)]
struct Counters {
    by_ip: HashMap<IpAddr, Attempts>,
    by_account: HashMap<String, Attempts>,
    next_id: u64,
}

pub struct LoginLimiter {
    max_failures: usize,
    counters: Mutex<Counters>,
}

/// One attempt counted in advance; [`LoginLimiter::succeeded`] takes it back. Dropping it
/// leaves it counted (a failure, or a request that went away mid-check).
#[must_use = "a reservation is a failure unless `succeeded` takes it back"]
pub struct Reservation {
    ip: IpAddr,
    account: String,
    id: u64,
}

impl LoginLimiter {
    pub fn new(max_failures: u32) -> Self {
        Self {
            max_failures: max_failures as usize,
            counters: Mutex::new(Counters::default()),
        }
    }

    /// Counts an attempt at `account` (an email, normalised here) from `ip` before its
    /// password is checked. `Err(retry_after_secs)` when the address or the account has
    /// used up its failures for now (nothing is counted then).
    pub fn reserve(&self, ip: IpAddr, account: &str, now: Instant) -> Result<Reservation, u64> {
        let account = account_key(account);
        let mut c = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if c.by_ip.len() > SWEEP_AT {
            sweep(&mut c.by_ip, now);
        }
        if c.by_account.len() > SWEEP_AT {
            sweep(&mut c.by_account, now);
        }
        let wait_ip = self.wait(c.by_ip.get_mut(&ip), now);
        let wait_account = self.wait(c.by_account.get_mut(&account), now);
        if let Some(wait) = wait_ip.max(wait_account) {
            return Err(wait);
        }
        c.next_id += 1;
        let id = c.next_id;
        c.by_ip.entry(ip).or_default().push_back((now, id));
        c.by_account
            .entry(account.clone())
            .or_default()
            .push_back((now, id));
        Ok(Reservation { ip, account, id })
    }

    /// The attempt succeeded: it does not count against its address or account.
    pub fn succeeded(&self, r: Reservation) {
        let mut c = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        forget(&mut c.by_ip, &r.ip, r.id);
        forget(&mut c.by_account, &r.account, r.id);
    }

    /// Seconds to wait when `attempts` (pruned to the window here) are at the limit.
    fn wait(&self, attempts: Option<&mut Attempts>, now: Instant) -> Option<u64> {
        let q = attempts?;
        while q
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) >= WINDOW)
        {
            q.pop_front();
        }
        match q.front() {
            Some((oldest, _)) if q.len() >= self.max_failures => {
                let wait = WINDOW.saturating_sub(now.duration_since(*oldest));
                Some(wait.as_secs().max(1))
            }
            _ => None,
        }
    }
}

/// The account an email names, as the store looks it up (`auth::normalize_email`).
fn account_key(email: &str) -> String {
    let mut key = aiops_core::auth::normalize_email(email);
    if key.len() > MAX_ACCOUNT_KEY {
        let mut end = MAX_ACCOUNT_KEY;
        while !key.is_char_boundary(end) {
            end -= 1;
        }
        key.truncate(end);
    }
    key
}

fn sweep<K: Eq + Hash>(map: &mut HashMap<K, Attempts>, now: Instant) {
    map.retain(|_, q| {
        q.back()
            .is_some_and(|(t, _)| now.duration_since(*t) < WINDOW)
    });
}

fn forget<K: Eq + Hash>(map: &mut HashMap<K, Attempts>, key: &K, id: u64) {
    if let Some(q) = map.get_mut(key) {
        q.retain(|(_, i)| *i != id);
        if q.is_empty() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn eleventh_attempt_in_a_minute_is_refused_then_allowed_after_the_window() {
        let l = LoginLimiter::new(10);
        let t0 = Instant::now();
        for i in 0..10 {
            let r = l.reserve(ip("127.0.0.1"), &format!("u{i}@x"), t0);
            assert!(r.is_ok(), "attempt {i} refused");
        }
        let wait = l
            .reserve(ip("127.0.0.1"), "other@x", t0 + Duration::from_secs(1))
            .err()
            .expect("the address is throttled");
        assert!((58..=60).contains(&wait), "retry after {wait}");
        assert!(
            l.reserve(ip("127.0.0.2"), "other@x", t0).is_ok(),
            "other IPs unaffected"
        );
        assert!(l.reserve(ip("127.0.0.1"), "other@x", t0 + WINDOW).is_ok());
    }

    #[test]
    fn an_account_is_throttled_from_every_address_and_spelling() {
        let l = LoginLimiter::new(3);
        let t0 = Instant::now();
        for i in 0..3 {
            let _ = l
                .reserve(ip(&format!("10.0.0.{i}")), "a@x.org", t0)
                .unwrap();
        }
        assert!(l.reserve(ip("10.0.0.9"), " A@X.org ", t0).is_err());
        assert!(l.reserve(ip("10.0.0.9"), "b@x.org", t0).is_ok());
    }

    #[test]
    fn a_success_takes_back_only_its_own_reservation() {
        let l = LoginLimiter::new(2);
        let t0 = Instant::now();
        let _ = l.reserve(ip("10.0.0.1"), "victim@x", t0).unwrap();
        let mine = l.reserve(ip("10.0.0.1"), "me@x", t0).unwrap();
        l.succeeded(mine);
        let _ = l.reserve(ip("10.0.0.2"), "victim@x", t0).unwrap();
        assert!(
            l.reserve(ip("10.0.0.3"), "victim@x", t0).is_err(),
            "the victim's failures stand"
        );
        assert!(
            l.reserve(ip("10.0.0.1"), "me@x", t0).is_ok(),
            "the success did not count"
        );
    }
}
