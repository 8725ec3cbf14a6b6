//! Unit tests of the shared HTTP path.
use super::*;

/// The TLS path has a crypto provider: a handshake against a peer that hangs up is a
/// transport error, not a panic ("no process-level CryptoProvider").
#[test]
fn https_calls_reach_the_tls_handshake() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = std::thread::spawn(move || drop(listener.accept()));
    let http = Http::new(
        &format!("https://127.0.0.1:{port}"),
        AuthScheme::Bearer(Token::new("t")),
        vec![],
        Duration::from_secs(5),
    )
    .unwrap();
    let err = http.send(Method::GET, "/user", &[], None, &[]).unwrap_err();
    assert!(matches!(err, TrackerError::Upstream(_)), "{err:?}");
    assert_eq!(http.requests(), 1);
    peer.join().unwrap();
}

#[test]
fn basic_auth_is_standard_base64() {
    assert_eq!(basic("a@b.c", "tok"), "YUBiLmM6dG9r");
    assert_eq!(basic("ab", "c"), "YWI6Yw==");
}

#[test]
fn query_components_are_percent_encoded() {
    assert_eq!(
        encode("updated >= \"2026-01-01 10:00\""),
        "updated%20%3E%3D%20%222026-01-01%2010%3A00%22"
    );
}

#[test]
fn next_link_is_found_among_rels() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "link",
        r#"<https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last""#
            .parse()
            .unwrap(),
    );
    let r = Reply {
        status: 200,
        headers,
        body: String::new(),
    };
    assert_eq!(next_link(&r).unwrap(), "https://api.github.com/x?page=3");
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon"), None);
}

#[test]
fn error_details_come_from_each_providers_body() {
    assert_eq!(
        detail(r#"{"message":"Bad credentials"}"#),
        ": Bad credentials"
    );
    assert_eq!(
        detail(r#"{"errorMessages":["Issue does not exist"],"errors":{}}"#),
        ": Issue does not exist"
    );
    assert_eq!(detail("<html>"), "");
}
