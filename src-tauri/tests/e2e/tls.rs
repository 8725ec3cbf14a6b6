//! `aiops serve --tls-cert … --tls-key …`: HTTPS on the given certificate, a `Secure`
//! session cookie, and a clear one-line refusal of a key that cannot be loaded.

use std::process::Command;

use crate::common::{
    ADMIN_EMAIL, ADMIN_PASSWORD, ServerProcess, have_tool, isolated, run, runtime, text,
};

/// A self-signed certificate for 127.0.0.1, made with the openssl CLI. Not a CA
/// (`CA:FALSE`), so a client given it as its only trusted root (`SSL_CERT_FILE`) accepts
/// it as the server's own certificate (webpki refuses a CA certificate there).
pub fn self_signed(dir: &std::path::Path) -> (String, String) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl req failed: {}",
        text(&out.stderr)
    );
    (cert.display().to_string(), key.display().to_string())
}

#[test]
fn serves_https_and_marks_the_cookie_secure() {
    if !have_tool("openssl") {
        eprintln!("skipped: no openssl CLI to make a test certificate");
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(certs.path());
    // Through the environment layer of the settings, as a service unit would set it.
    let server =
        ServerProcess::start_with(true, &[("AIOPS_TLS_CERT", &cert), ("AIOPS_TLS_KEY", &key)]);
    let url = server.url.clone();

    runtime().block_on(async {
        // Self-signed for this test only; what is checked is that TLS is served.
        let http = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        let health = http
            .get(format!("{url}/api/v1/system/health"))
            .send()
            .await
            .expect("an HTTPS answer");
        assert_eq!(health.status(), 200);
        let login = http
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("; Secure"),
            "a session cookie over TLS must be Secure: {cookie}"
        );
        let plain =
            reqwest::get(url.replace("https://", "http://") + "/api/v1/system/health").await;
        assert!(
            plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()),
            "plain HTTP is not served on the TLS port"
        );
    });
}

#[test]
fn an_unreadable_key_is_one_line_and_no_listening() {
    let tmp = tempfile::tempdir().unwrap();
    let mut serve = isolated(tmp.path());
    serve
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem",
            "--data-dir",
        ])
        .arg(tmp.path().join("data"));
    let out = run(serve, None);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let err: Vec<_> = text(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("error:"))
        .map(str::to_owned)
        .collect();
    assert_eq!(err.len(), 1, "one error line: {}", text(&out.stderr));
    assert!(
        err[0].contains("/nonexistent/cert.pem"),
        "names the file: {}",
        err[0]
    );
    assert!(
        !text(&out.stdout).contains("listening"),
        "nothing listens without the key"
    );
}
