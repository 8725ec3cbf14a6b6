//! Answers are compressed for clients that accept it (gzip, brotli), except event
//! streams and what is compressed already; the UI's bundle and JSON pages shrink.

use std::process::Command;

use crate::common::{ServerProcess, run, text};

/// `curl` of `path` with `Accept-Encoding: enc`: (content-encoding, bytes on the wire).
fn fetch(server: &ServerProcess, path: &str, enc: &str) -> (String, usize) {
    let mut c = Command::new("curl");
    c.args(["-sS", "--max-time", "20", "-o", "/dev/null", "-w"])
        .arg("%header{content-encoding} %{size_download}")
        .args(["-H", &format!("Accept-Encoding: {enc}")])
        .args(["-H", &format!("Authorization: Bearer {}", server.admin_key)])
        .arg(format!("{}{path}", server.url));
    let out = run(c, None);
    let t = text(&out.stdout);
    let (e, n) = t.trim().rsplit_once(' ').unwrap_or(("", t.trim()));
    (e.trim().to_owned(), n.parse().unwrap_or(0))
}

#[test]
fn json_and_pages_are_compressed_for_clients_that_accept_it() {
    let server = ServerProcess::start();
    let (plain_enc, plain) = fetch(&server, "/api/openapi.json", "identity");
    assert_eq!(plain_enc, "");
    let (gz_enc, gz) = fetch(&server, "/api/openapi.json", "gzip");
    assert_eq!(gz_enc, "gzip");
    let (br_enc, br) = fetch(&server, "/api/openapi.json", "br");
    assert_eq!(br_enc, "br");
    assert!(
        gz * 4 < plain && br * 4 < plain,
        "identity {plain}, gzip {gz}, br {br}"
    );
    let (enc, _) = fetch(&server, "/api/v1/system/status", "gzip, br");
    assert!(enc == "br" || enc == "gzip", "{enc}");
}
