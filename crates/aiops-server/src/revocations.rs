//! Revoked access, announced to the long-lived answers that authenticated before it.
//!
//! A request is authorised once, when it starts; event streams (`GET /events`) and
//! terminal WebSockets then run for hours. When a key is revoked, a user disabled or
//! demoted, a browser session ended, or a member removed from a tenant, the route that did
//! it [`publish`](Revocations::publish)es a [`Revocation`]; each stream and terminal waits
//! on [`Revocations::ended`] and stops when one affects its principal.
//!
//! No revocation is missed between a stream's authentication and its first wait: the auth
//! extractor notes the sequence number [`current`](Revocations::current) *before* it reads
//! the credential, and `ended` looks at every revocation after that number. The last
//! [`KEPT`] revocations are kept for this; a waiter that fell further behind ends (its
//! client reconnects and is authenticated afresh), so a burst can only end streams early,
//! never let one live on.

use std::collections::VecDeque;
use std::sync::Mutex;

use aiops_core::Principal;
use aiops_types::AuthMethod;
use tokio::sync::watch;

/// Revocations remembered for waiters that have not looked yet.
const KEPT: usize = 256;

/// Access that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// API key `id` was revoked.
    ApiKey(i64),
    /// Browser session `id` ended (sign-out).
    WebSession(i64),
    /// Every browser session of user `id` ended (password change).
    WebSessionsOf(i64),
    /// User `id` was disabled or lost a role: all their access is re-decided.
    User(i64),
    /// User `user_id` is no longer a member of tenant `tenant_id`.
    Membership { user_id: i64, tenant_id: i64 },
}

/// What a long-lived answer runs on behalf of: the caller, and for a terminal the tenant
/// of the session's project.
#[derive(Debug, Clone)]
pub struct Holder {
    pub principal: Principal,
    pub tenant_id: Option<i64>,
}

impl Revocation {
    /// Whether this revocation ends `h`'s access. A membership removal ends an event
    /// stream of that user whatever tenant it shows (it reconnects and sees less), a
    /// terminal only in that tenant, and nothing of an admin (admins see every tenant).
    pub fn affects(&self, h: &Holder) -> bool {
        let p = &h.principal;
        match *self {
            Self::ApiKey(id) => p.method == AuthMethod::ApiKey && p.credential_id == id,
            Self::WebSession(id) => p.method == AuthMethod::Session && p.credential_id == id,
            Self::WebSessionsOf(user) => p.method == AuthMethod::Session && p.user_id == user,
            Self::User(user) => p.user_id == user,
            Self::Membership { user_id, tenant_id } => {
                p.user_id == user_id && !p.is_admin() && h.tenant_id.is_none_or(|t| t == tenant_id)
            }
        }
    }
}

pub struct Revocations {
    /// The newest revocations with their sequence numbers, oldest first.
    log: Mutex<VecDeque<(u64, Revocation)>>,
    /// The sequence number of the newest revocation (0: none yet).
    seq: watch::Sender<u64>,
}

impl Default for Revocations {
    fn default() -> Self {
        Self {
            log: Mutex::new(VecDeque::new()),
            seq: watch::Sender::new(0),
        }
    }
}

impl Revocations {
    /// The sequence number of the newest revocation; note it before authenticating.
    pub fn current(&self) -> u64 {
        *self.seq.borrow()
    }

    /// Announces `r` to every waiter. Call it after the change is committed.
    pub fn publish(&self, r: Revocation) {
        let mut log = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let next = *self.seq.borrow() + 1;
        log.push_back((next, r));
        if log.len() > KEPT {
            log.pop_front();
        }
        // Under the log's lock, so sequence numbers and log order agree.
        self.seq.send_replace(next);
    }

    /// Resolves once a revocation published after sequence number `since` affects `h`.
    pub fn ended(
        &self,
        h: Holder,
        since: u64,
    ) -> impl std::future::Future<Output = ()> + Send + use<'_> {
        let mut rx = self.seq.subscribe();
        async move {
            let mut seen = since;
            loop {
                let newest = *rx.borrow_and_update();
                if newest > seen && self.affected(&h, seen, newest) {
                    return;
                }
                seen = seen.max(newest);
                if rx.changed().await.is_err() {
                    return std::future::pending().await;
                }
            }
        }
    }

    /// Whether a revocation numbered `(after, upto]` affects `h`; true when some of them
    /// are no longer kept.
    fn affected(&self, h: &Holder, after: u64, upto: u64) -> bool {
        let log = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if log.front().is_none_or(|(first, _)| *first > after + 1) {
            return true;
        }
        log.iter()
            .filter(|(n, _)| *n > after && *n <= upto)
            .any(|(_, r)| r.affects(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiops_types::{Role, Scope};
    use std::time::Duration;

    fn holder(user: i64, method: AuthMethod, credential: i64, tenant: Option<i64>) -> Holder {
        Holder {
            principal: Principal {
                user_id: user,
                email: "m@x".into(),
                role: Role::Member,
                scopes: vec![Scope::Read, Scope::Write],
                method,
                credential_id: credential,
                ip: None,
                session: None,
            },
            tenant_id: tenant,
        }
    }

    #[test]
    fn each_revocation_affects_only_its_principal() {
        let key = holder(7, AuthMethod::ApiKey, 3, Some(1));
        assert!(Revocation::ApiKey(3).affects(&key));
        assert!(!Revocation::ApiKey(4).affects(&key));
        assert!(
            !Revocation::WebSession(3).affects(&key),
            "a session id is not a key id"
        );
        assert!(Revocation::User(7).affects(&key));
        assert!(!Revocation::User(8).affects(&key));
        assert!(
            Revocation::Membership {
                user_id: 7,
                tenant_id: 1
            }
            .affects(&key)
        );
        assert!(
            !Revocation::Membership {
                user_id: 7,
                tenant_id: 2
            }
            .affects(&key)
        );
        let stream = holder(7, AuthMethod::Session, 3, None);
        assert!(
            Revocation::Membership {
                user_id: 7,
                tenant_id: 2
            }
            .affects(&stream)
        );
        assert!(Revocation::WebSessionsOf(7).affects(&stream));
        assert!(!Revocation::WebSessionsOf(7).affects(&key));
    }

    #[tokio::test]
    async fn a_revocation_between_authentication_and_the_wait_is_not_missed() {
        let r = Revocations::default();
        let since = r.current();
        r.publish(Revocation::ApiKey(1));
        r.publish(Revocation::ApiKey(3));
        let h = holder(7, AuthMethod::ApiKey, 3, None);
        tokio::time::timeout(Duration::from_secs(5), r.ended(h.clone(), since))
            .await
            .expect("ended by the earlier revocation");
        let later = r.current();
        let wait = r.ended(h, later);
        tokio::pin!(wait);
        r.publish(Revocation::ApiKey(9));
        assert!(
            futures_util::FutureExt::now_or_never(&mut wait).is_none(),
            "another key's revocation does not end it"
        );
        r.publish(Revocation::User(7));
        tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .expect("ended by its user's revocation");
    }

    #[tokio::test]
    async fn a_waiter_that_fell_behind_the_kept_log_ends() {
        let r = Revocations::default();
        let since = r.current();
        for i in 0..(KEPT as i64 + 10) {
            r.publish(Revocation::ApiKey(1000 + i));
        }
        let h = holder(7, AuthMethod::ApiKey, 3, None);
        tokio::time::timeout(Duration::from_secs(5), r.ended(h, since))
            .await
            .expect("ends rather than risk a missed revocation");
    }
}
