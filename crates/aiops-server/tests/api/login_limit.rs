//! The login throttle from the attacker's side: failures are counted per account and per
//! client IP, an attempt is counted before its password is checked (so parallel guesses
//! cannot all slip through), and nobody's success resets someone else's counter.

use std::net::IpAddr;

use aiops_types::{Role, Scope};

use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestServer};

/// `login_failures_per_minute`'s default.
const LIMIT: usize = 10;
const VICTIM: &str = "victim@example.com";
const VICTIM_PASSWORD: &str = "user-password-1";

/// An HTTP client whose connections come from `from` (any 127.0.0.0/8 address works on
/// Linux), so one test can play several client IPs.
fn http_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// The status of one login attempt and its `Retry-After`, if any.
async fn login(
    http: &reqwest::Client,
    s: &TestServer,
    email: &str,
    pw: &str,
) -> (u16, Option<u64>) {
    let r = http
        .post(format!("{}/api/v1/auth/login", s.url))
        .json(&serde_json::json!({"email": email, "password": pw}))
        .send()
        .await
        .expect("login request");
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (r.status().as_u16(), retry)
}

#[tokio::test]
async fn parallel_wrong_passwords_reach_the_password_check_at_most_limit_times() {
    let s = TestServer::start().await;
    let http = reqwest::Client::new();
    let attempts = (0..60).map(|_| login(&http, &s, ADMIN_EMAIL, "wrong-password"));
    let answers = futures_util::future::join_all(attempts).await;
    let checked = answers.iter().filter(|(status, _)| *status != 429).count();
    assert!(
        checked <= LIMIT,
        "{checked} of 60 parallel attempts reached the password check (limit {LIMIT}): {answers:?}"
    );
    for (status, retry) in &answers {
        match status {
            401 => {}
            429 => assert!(
                retry.is_some_and(|r| (1..=60).contains(&r)),
                "a 429 says when to retry: {retry:?}"
            ),
            other => panic!("unexpected status {other}: {answers:?}"),
        }
    }
    assert_eq!(
        login(&http, &s, ADMIN_EMAIL, ADMIN_PASSWORD).await.0,
        429,
        "the right password waits out the window too"
    );
}

#[tokio::test]
async fn another_accounts_success_does_not_reset_the_attacked_accounts_counter() {
    let s = TestServer::start().await;
    s.user_with_key(VICTIM, Role::Member, &[Scope::Read]).await;
    let http = reqwest::Client::new();
    for i in 1..LIMIT {
        assert_eq!(login(&http, &s, VICTIM, "guess").await.0, 401, "guess {i}");
    }
    // The attacker signs in to their own account from the same address…
    assert_eq!(login(&http, &s, ADMIN_EMAIL, ADMIN_PASSWORD).await.0, 200);
    // …and still has only the one guess left on the victim.
    assert_eq!(login(&http, &s, VICTIM, "guess").await.0, 401, "last guess");
    let (status, retry) = login(&http, &s, VICTIM, "guess").await;
    assert_eq!(
        status, 429,
        "the success of another account reset the counter"
    );
    assert!(retry.is_some());
}

#[tokio::test]
async fn failures_count_per_account_across_addresses_and_per_address_across_accounts() {
    let s = TestServer::start().await;
    s.user_with_key(VICTIM, Role::Member, &[Scope::Read]).await;
    let first = http_from("127.0.0.1");
    for i in 1..=LIMIT {
        assert_eq!(login(&first, &s, VICTIM, "guess").await.0, 401, "guess {i}");
    }
    // Another address, the same account (spelt differently): the account is throttled.
    let second = http_from("127.0.0.2");
    let (status, retry) = login(&second, &s, " Victim@EXAMPLE.com", VICTIM_PASSWORD).await;
    assert_eq!(
        status, 429,
        "a new address must not get fresh guesses at an account"
    );
    assert!(retry.is_some());
    // That address may still sign in to another account.
    assert_eq!(login(&second, &s, ADMIN_EMAIL, ADMIN_PASSWORD).await.0, 200);
    // The first address is throttled for every account, including unknown ones.
    assert_eq!(
        login(&first, &s, "nobody@example.com", "guess").await.0,
        429,
        "an address that used up its failures waits, whatever account it tries next"
    );
}
