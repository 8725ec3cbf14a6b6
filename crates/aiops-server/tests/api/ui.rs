//! The web UI as `aiops serve` hands it out (the test command builds `ui/dist` first):
//! pages get `index.html` (the UI routes in the browser), hashed assets are immutable, a
//! missing asset or an unknown API path is a JSON 404 and never the page, and every
//! answer carries the CSP (no inline script, no framing) and the frame headers.

use reqwest::{Method, StatusCode};

use crate::common::TestServer;

const DIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/dist/index.html");

fn assert_locked_down(resp: &reqwest::Response, what: &str) {
    let h = resp.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in [
        "script-src 'self';",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{what}: CSP {csp:?} lacks {part:?}");
    }
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
}

#[tokio::test]
async fn pages_get_the_ui_assets_are_immutable_and_misses_are_json() {
    let index = std::fs::read_to_string(DIST)
        .expect("ui/dist is built before the tests (npm --prefix ui run build)");
    let s = TestServer::start().await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", s.url)).send();

    for page in ["/", "/issues", "/issues/42", "/sessions/7", "/setup"] {
        let resp = get(page).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{page}");
        assert_locked_down(&resp, page);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(resp.headers()["cache-control"], "no-cache", "{page}");
        assert_eq!(
            resp.text().await.unwrap(),
            index,
            "{page} is the UI's index.html"
        );
    }
    assert!(
        !index.contains("<script>"),
        "no inline script in index.html"
    );

    let script = index
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("index.html loads a script");
    assert!(script.starts_with("/assets/"), "{script}");
    let resp = get(script).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_locked_down(&resp, script);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(
        resp.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );

    for (path, status) in [
        ("/assets/index-gone.js", 404),
        ("/favicon-missing.png", 404),
        ("/api/v1/nope", 404),
        ("/api", 404),
    ] {
        let resp = get(path).await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}: a JSON error, never the page"
        );
    }
    let resp = http
        .request(Method::POST, format!("{}/issues", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "pages are GET only"
    );
}

#[tokio::test]
async fn a_raw_path_with_dot_dot_gets_nothing_from_disk() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start().await;
    let addr = s.url.trim_start_matches("http://").to_owned();
    for path in [
        "/../Cargo.toml",
        "/assets/../../../Cargo.toml",
        "/..%2f..%2fCargo.toml",
    ] {
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        tcp.write_all(req.as_bytes()).await.unwrap();
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).await.unwrap();
        assert!(
            !answer.contains("[workspace]") && !answer.contains("[package]"),
            "{path}: {answer}"
        );
    }
}

/// DNS rebinding: a page on another site that points its name at 127.0.0.1 reaches the
/// port, but its requests name that site in `Host`; a loopback server refuses them before
/// any route or credential, and still answers its own names.
#[tokio::test]
async fn a_loopback_server_refuses_requests_for_another_host() {
    let s = TestServer::start().await;
    let http = reqwest::Client::new();
    let port = s.url.rsplit(':').next().unwrap();
    let send = |host: String, path: &'static str| {
        http.get(format!("{}{path}", s.url))
            .header("host", host)
            .bearer_auth(&s.admin_key)
            .send()
    };
    for path in ["/api/v1/auth/me", "/", "/api/openapi.json"] {
        let resp = send(format!("rebind.example:{port}"), path).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{path}");
        assert_locked_down(&resp, path);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden", "{path}");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
    ] {
        let resp = send(host.clone(), "/api/v1/auth/me").await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{host}");
    }
}
