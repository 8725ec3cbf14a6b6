//! Failed-login limiter: at most N failures per IP in a sliding minute; further attempts
//! get 429 with `Retry-After` until the oldest failure leaves the window. In memory on
//! purpose: it guards one process, and a restart forgetting it is harmless.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked addresses, stale ones are dropped on the next failure.
const SWEEP_AT: usize = 10_000;

pub struct LoginLimiter {
    max_failures: usize,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max_failures: u32) -> Self {
        Self {
            max_failures: max_failures as usize,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(retry_after_secs)` when `ip` has used up its failures for now.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(q) = map.get_mut(&ip) else {
            return Ok(());
        };
        while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            q.pop_front();
        }
        match q.front() {
            Some(oldest) if q.len() >= self.max_failures => {
                let wait = WINDOW.saturating_sub(now.duration_since(*oldest));
                Err(wait.as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, ip: IpAddr, now: Instant) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > SWEEP_AT {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        map.entry(ip).or_default().push_back(now);
    }

    pub fn record_success(&self, ip: IpAddr) {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleventh_attempt_in_a_minute_is_refused_then_allowed_after_the_window() {
        let l = LoginLimiter::new(10);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(l.check(ip, t0).is_ok(), "attempt {i} refused");
            l.record_failure(ip, t0);
        }
        let wait = l.check(ip, t0 + Duration::from_secs(1)).unwrap_err();
        assert!((58..=60).contains(&wait), "retry after {wait}");
        assert!(
            l.check("127.0.0.2".parse().unwrap(), t0).is_ok(),
            "other IPs unaffected"
        );
        assert!(l.check(ip, t0 + WINDOW).is_ok());
    }
}
