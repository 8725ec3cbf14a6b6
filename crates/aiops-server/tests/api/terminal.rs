//! The terminal WebSocket's handshake, with a real WebSocket client: a foreign `Origin`
//! and a missing or bad credential are refused with 403 before anything runs; the
//! server's own origin and origin-less clients with a key get as far as the session
//! lookup (404 for a session that does not exist). Attaching to a live session is tested
//! with the sessions API.

use aiops_types::Scope;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, http};

use crate::common::TestServer;

/// Opens the terminal of session `id` with `headers`; the refused handshake's status and
/// JSON body, or None when the server accepted the upgrade.
async fn handshake(
    s: &TestServer,
    id: i64,
    query: &str,
    headers: &[(&str, &str)],
) -> Option<(u16, Value)> {
    let url = format!(
        "{}/api/v1/sessions/{id}/terminal{query}",
        s.url.replacen("http://", "ws://", 1)
    );
    let mut req = url.into_client_request().expect("request");
    for (k, v) in headers {
        req.headers_mut().insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok(_) => None,
        Err(Error::Http(resp)) => {
            let body = resp
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            Some((resp.status().as_u16(), body))
        }
        Err(e) => panic!("the handshake failed without an HTTP answer: {e}"),
    }
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

#[tokio::test]
async fn a_foreign_origin_is_refused_even_with_a_valid_key() {
    let s = TestServer::start().await;
    let auth = bearer(&s.admin_key);
    for origin in [
        "http://evil.example",
        "null",
        // The right host with the wrong scheme or port is another origin.
        &s.url.replacen("http://", "https://", 1),
        &format!("{}1", s.url),
    ] {
        let got = handshake(&s, 1, "", &[("authorization", &auth), ("origin", origin)]).await;
        let (status, body) = got.expect("the upgrade was refused");
        assert_eq!(status, 403, "Origin {origin}: {body}");
        assert_eq!(body["error"]["code"], "forbidden", "{body}");
    }
}

#[tokio::test]
async fn no_credential_or_a_bad_one_is_refused_with_403() {
    let s = TestServer::start().await;
    let (_, read_key) = s
        .user_with_key("m@example.com", aiops_types::Role::Member, &[Scope::Read])
        .await;
    let same_origin = s.url.clone();
    for (what, headers) in [
        ("no credential", vec![]),
        (
            "no credential, own origin",
            vec![("origin", same_origin.as_str())],
        ),
        (
            "malformed key",
            vec![("authorization", "Bearer aiops_not-a-key")],
        ),
        ("foreign cookie", vec![("cookie", "aiops_session=forged")]),
    ] {
        let (status, body) = handshake(&s, 1, "", &headers)
            .await
            .expect("the upgrade was refused");
        assert_eq!(status, 403, "{what}: {body}");
        assert_eq!(body["error"]["code"], "forbidden", "{what}: {body}");
    }
    // A read-scoped member key passes the credential check and reaches the lookup.
    let auth = bearer(&read_key);
    let (status, _) = handshake(&s, 1, "?mode=read", &[("authorization", &auth)])
        .await
        .expect("no such session");
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_unknown_session_refuses_the_handshake_with_404() {
    let s = TestServer::start().await;
    let auth = bearer(&s.admin_key);
    let own = s.url.clone();
    for headers in [
        vec![("authorization", auth.as_str())],
        // The server's own origin passes the Origin check (as the web UI's page would).
        vec![("authorization", auth.as_str()), ("origin", own.as_str())],
    ] {
        let (status, body) = handshake(&s, 999_999, "?mode=read&cols=120&rows=40", &headers)
            .await
            .expect("the upgrade was refused");
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["code"], "not_found", "{body}");
    }
}

#[tokio::test]
async fn out_of_range_sizes_and_unknown_modes_are_bad_input() {
    let s = TestServer::start().await;
    let auth = bearer(&s.admin_key);
    for query in ["?cols=0", "?rows=1001", "?cols=70000", "?mode=admin"] {
        let (status, body) = handshake(&s, 1, query, &[("authorization", &auth)])
            .await
            .expect("the upgrade was refused");
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input", "{query}: {body}");
    }
}

#[tokio::test]
async fn a_browser_session_cookie_is_a_credential_from_the_servers_own_page_only() {
    let s = TestServer::start().await;
    let (_, cookie) = s
        .anonymous()
        .login(
            crate::common::ADMIN_EMAIL,
            &aiops_client::Secret::new(crate::common::ADMIN_PASSWORD),
        )
        .await
        .expect("login");
    let cookie = format!("aiops_session={}", cookie.0.expose());
    let own = s.url.clone();
    let (status, body) = handshake(&s, 7, "", &[("cookie", &cookie), ("origin", &own)])
        .await
        .expect("no such session");
    assert_eq!(status, 404, "the cookie was accepted: {body}");
    let (status, body) = handshake(
        &s,
        7,
        "",
        &[("cookie", &cookie), ("origin", "http://evil.example")],
    )
    .await
    .expect("the upgrade was refused");
    assert_eq!(
        status, 403,
        "a cross-site page cannot use the cookie: {body}"
    );
}
