//! Redirects never carry a credential to another origin: a tracker (or anything between
//! it and aiops) that answers `302 Location: <another host or port>` gets the request
//! re-sent there without `Authorization`, `PRIVATE-TOKEN` or cookies, for every provider.
//! A same-origin redirect keeps working with the credential, and a target that breaks the
//! base-URL rules (plain `http://` off loopback) is refused without being contacted.

use std::time::Duration;

use aiops_core::tracker::{Connection, Token, Tracker, TrackerError};
use aiops_fakes::{Fake, Fault, github, gitlab, jira};
use aiops_types::Provider;

const TOKEN: &str = "tok-s3cr3t-0123456789";
const EMAIL: &str = "alice@example.com";
/// Headers that carry a credential in any provider's scheme (or a browser's).
const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "private-token",
    "cookie",
    "proxy-authorization",
];

fn open(provider: Provider, base_url: &str) -> Box<dyn Tracker> {
    let c = Connection {
        provider,
        base_url: base_url.to_owned(),
        token: Token::new(TOKEN),
        email: (provider == Provider::Jira).then(|| EMAIL.to_owned()),
        jira_close_transitions: vec![],
        jira_reopen_transitions: vec![],
    };
    let t: Box<dyn Tracker> = match provider {
        Provider::Github => {
            Box::new(aiops_trackers::github::GitHub::open(&c, Duration::from_secs(10)).unwrap())
        }
        Provider::Gitlab => {
            Box::new(aiops_trackers::gitlab::GitLab::open(&c, Duration::from_secs(10)).unwrap())
        }
        Provider::Jira => {
            Box::new(aiops_trackers::jira::Jira::open(&c, Duration::from_secs(10)).unwrap())
        }
        Provider::Native => unreachable!(),
    };
    t
}

/// `test_connection`'s request path per provider.
fn whoami_path(provider: Provider) -> &'static str {
    match provider {
        Provider::Github => "/user",
        Provider::Gitlab => "/api/v4/user",
        Provider::Jira => "/rest/api/3/myself",
        Provider::Native => unreachable!(),
    }
}

/// `first` redirects to `second` (another port: another origin); `second` must see the
/// request without any credential header.
fn assert_no_credential_crosses<S: Send + 'static>(
    provider: Provider,
    first: &Fake<S>,
    second: &Fake<S>,
) {
    let path = whoami_path(provider);
    first.fail_next(Fault::new(302, "").header("location", &format!("{}{path}", second.url())));
    let _ = open(provider, first.url()).test_connection();
    let seen = second.requests();
    assert_eq!(
        seen.len(),
        1,
        "{provider:?}: the redirect was followed once: {seen:?}"
    );
    for name in CREDENTIAL_HEADERS {
        assert!(
            !seen[0].headers.contains_key(name),
            "{provider:?}: `{name}` crossed to another origin: {:?}",
            seen[0].headers
        );
    }
}

#[test]
fn github_credentials_stay_on_their_origin() {
    let (a, b) = (github::start(), github::start());
    a.state().add_token(TOKEN, "alice");
    b.state().add_token(TOKEN, "alice");
    assert_no_credential_crosses(Provider::Github, &a, &b);
}

#[test]
fn gitlab_private_token_stays_on_its_origin() {
    let (a, b) = (gitlab::start(), gitlab::start());
    a.state().add_token(TOKEN, "alice");
    b.state().add_token(TOKEN, "alice");
    assert_no_credential_crosses(Provider::Gitlab, &a, &b);
}

#[test]
fn jira_basic_credentials_stay_on_their_origin() {
    let (a, b) = (jira::start(), jira::start());
    a.state().add_token(TOKEN, "alice");
    b.state().add_token(TOKEN, "alice");
    assert_no_credential_crosses(Provider::Jira, &a, &b);
}

#[test]
fn a_same_origin_redirect_is_followed_with_the_credential() {
    let gl = gitlab::start();
    gl.state().add_token(TOKEN, "alice");
    // A relative `Location`, as GitLab sends after a project was renamed.
    gl.fail_next(Fault::new(301, "").header("location", "/api/v4/user"));
    let who = open(Provider::Gitlab, gl.url())
        .test_connection()
        .expect("the redirect is followed on the same origin");
    assert!(who.contains("alice"), "{who}");
    let seen = gl.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[1]
            .headers
            .get("private-token")
            .and_then(|v| v.to_str().ok()),
        Some(TOKEN),
        "the second hop is on the same origin and keeps the token"
    );
}

#[test]
fn a_redirect_off_the_base_url_rules_is_refused_before_any_request() {
    let gh = github::start();
    gh.state().add_token(TOKEN, "alice");
    // Plain http:// to a non-loopback host would send the request in clear text.
    gh.fail_next(Fault::new(302, "").header("location", "http://tracker.example.invalid/user"));
    let err = open(Provider::Github, gh.url())
        .test_connection()
        .expect_err("an http:// redirect off loopback is refused");
    let TrackerError::Upstream(msg) = &err else {
        panic!("expected Upstream, got {err:?}");
    };
    assert!(
        msg.contains("redirect"),
        "the error names the redirect: {msg}"
    );
}

#[test]
fn redirect_loops_end_with_an_error() {
    let gh = github::start();
    gh.state().add_token(TOKEN, "alice");
    for _ in 0..20 {
        gh.fail_next(Fault::new(302, "").header("location", "/user"));
    }
    let err = open(Provider::Github, gh.url())
        .test_connection()
        .expect_err("too many redirects");
    assert!(matches!(err, TrackerError::Upstream(_)), "{err:?}");
    assert!(gh.requests().len() <= 6, "at most 5 redirects are followed");
}

#[test]
fn github_keeps_its_bearer_token_on_a_same_origin_redirect() {
    let gh = github::start();
    gh.state().add_token(TOKEN, "alice");
    // GitHub answers 301 for a renamed repository, on the same API origin.
    gh.fail_next(Fault::new(301, "").header("location", &format!("{}/user", gh.url())));
    open(Provider::Github, gh.url())
        .test_connection()
        .expect("the same-origin redirect keeps `Authorization`");
}
