//! Redirects, followed here rather than by ureq, so each hop decides its own headers.
//!
//! ureq's own following strips `Authorization` but not GitLab's `PRIVATE-TOKEN`, and strips
//! `Authorization` even on the same origin (so a GitHub 301 for a renamed repository came
//! back 401). Here a hop keeps the credential only while every hop so far stayed on the
//! base URL's origin (RFC 6454: scheme, host and port); once a redirect leaves it, the
//! credential is gone for the rest of the chain. Every target must pass the same rules as
//! a configured base URL ([`aiops_core::integrations::base_url`]: `https://`, or
//! `http://` to loopback only, no user info), checked before it is contacted.
//!
//! Methods follow RFC 9110 §15.4: `303` turns the request into a `GET` without a body
//! (`HEAD` stays), `301`/`302` turn a `POST` into a `GET`, `307`/`308` repeat the method
//! and body.

use aiops_core::tracker::{TrackerError, TrackerResult};
use ureq::http::Method;

/// Longest chain of redirects one request follows.
pub const MAX_REDIRECTS: usize = 5;

/// Header names that carry a credential in some scheme; never sent off the base origin,
/// whoever added them.
const CREDENTIAL_HEADERS: [&str; 7] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "private-token",
    "job-token",
    "deploy-token",
    "x-api-key",
];

pub fn is_credential_header(name: &str) -> bool {
    CREDENTIAL_HEADERS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(name))
}

pub use aiops_core::validate::origin;

/// The absolute URL a `Location` value names, relative to the request's `current` URL
/// (RFC 9110 §10.2.2, RFC 3986 §5.2: absolute, `//authority…`, `/path`, `?query` or a
/// relative path); the fragment is dropped. Refused when it breaks the base-URL rules.
pub fn resolve(current: &str, location: &str, what: &str) -> TrackerResult<String> {
    let location = location.trim();
    let location = location.split('#').next().unwrap_or("");
    let refuse = |why: &str| {
        TrackerError::Upstream(format!(
            "{what}: the tracker redirected to a URL aiops does not follow ({why})"
        ))
    };
    if location.is_empty() || location.chars().any(|c| c.is_control() || c == ' ') {
        return Err(refuse("empty or with spaces or control characters"));
    }
    let here = origin(current).ok_or_else(|| refuse("no origin to resolve against"))?;
    let scheme = here.split("://").next().unwrap_or("https");
    let path_and_query = &current[current.find("://").map_or(0, |i| i + 3)..];
    let path_and_query = path_and_query
        .find('/')
        .map_or("/", |i| &path_and_query[i..]);
    let path = path_and_query.split('?').next().unwrap_or("/");
    // `scheme:` before any `/`, `?` (RFC 3986 §3.1): an absolute reference.
    let has_scheme = location
        .split(['/', '?'])
        .next()
        .and_then(|first| first.split_once(':'))
        .is_some_and(|(s, _)| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
    let target = if has_scheme {
        location.to_owned()
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if location.starts_with('/') {
        format!("{here}{location}")
    } else if location.starts_with('?') {
        format!("{here}{path}{location}")
    } else {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{here}{dir}/{location}")
    };
    let target_origin = origin(&target).ok_or_else(|| refuse("not an http(s) URL"))?;
    aiops_core::integrations::base_url(&target_origin).map_err(|e| refuse(&e.to_string()))?;
    Ok(target)
}

/// A redirect status this client follows.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The method of the next hop and whether the body goes with it (RFC 9110 §15.4).
pub fn next_method(status: u16, method: &Method) -> (Method, bool) {
    match status {
        303 if *method != Method::HEAD => (Method::GET, false),
        301 | 302 if *method == Method::POST => (Method::GET, false),
        _ => (method.clone(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(current: &str, location: &str) -> String {
        resolve(current, location, "GET /x").unwrap()
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin("HTTPS://Api.GitHub.com:443/user?x=1").as_deref(),
            Some("https://api.github.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080/a").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_ne!(origin("https://h/a"), origin("http://h/a"));
        assert_ne!(origin("https://h/a"), origin("https://h:8443/a"));
        assert_eq!(origin("https://user@h/a"), None);
        assert_eq!(origin("ftp://h/a"), None);
    }

    #[test]
    fn locations_resolve_like_rfc_3986() {
        let cur = "https://gl.example.com/api/v4/projects/1/issues?page=2";
        assert_eq!(
            ok(cur, "https://other.example.com/x"),
            "https://other.example.com/x"
        );
        assert_eq!(ok(cur, "//cdn.example.com/y"), "https://cdn.example.com/y");
        assert_eq!(
            ok(cur, "/api/v4/user#frag"),
            "https://gl.example.com/api/v4/user"
        );
        assert_eq!(
            ok(cur, "?page=3"),
            "https://gl.example.com/api/v4/projects/1/issues?page=3"
        );
        assert_eq!(
            ok(cur, "notes"),
            "https://gl.example.com/api/v4/projects/1/notes"
        );
    }

    #[test]
    fn targets_obey_the_base_url_rules() {
        let cur = "https://api.github.com/user";
        for bad in [
            "http://evil.example/x",
            "https://user:pw@evil.example/x",
            "ftp://evil.example/x",
            "javascript:alert(1)",
            "/a b",
            "",
        ] {
            assert!(
                resolve(cur, bad, "GET /user").is_err(),
                "{bad} was accepted"
            );
        }
        assert!(resolve(cur, "http://127.0.0.1:9/x", "GET /user").is_ok());
    }

    #[test]
    fn methods_change_as_rfc_9110_says() {
        assert_eq!(next_method(303, &Method::POST), (Method::GET, false));
        assert_eq!(next_method(303, &Method::HEAD), (Method::HEAD, true));
        assert_eq!(next_method(302, &Method::POST), (Method::GET, false));
        assert_eq!(next_method(302, &Method::DELETE), (Method::DELETE, true));
        assert_eq!(next_method(307, &Method::POST), (Method::POST, true));
        assert_eq!(next_method(308, &Method::PUT), (Method::PUT, true));
    }
}
