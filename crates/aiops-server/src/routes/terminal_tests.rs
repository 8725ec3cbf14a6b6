//! The terminal's socket loop over a real WebSocket and a real PTY, without sessions:
//! a bare route runs [`attach`] with a plain argv (`cat`, `yes`, `true`) instead of
//! `tmux attach`. Keystrokes echo, read-only drops them, output pauses above the high
//! watermark until acked, bad control messages and the program's exit close the socket.
//! Also the Origin rule and the control messages' parsing. (The handshake's checks are in
//! `tests/api/terminal.rs`; tmux attach itself in aiops-exec's `tests/pty.rs`.)

use std::time::Duration;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::*;
use aiops_types::terminal::{HIGH_WATERMARK, LOW_WATERMARK};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

const DEADLINE: Duration = Duration::from_secs(10);

/// A terminal target of no session: the route's argv is given instead of tmux's.
pub(super) fn bare_target(read_only: bool) -> TerminalTarget {
    TerminalTarget {
        session_id: 1,
        tenant_id: None,
        tmux_name: "unused".into(),
        read_only,
        host: None,
    }
}

/// A server whose only route attaches a WebSocket to `argv` in a PTY; a connected client.
async fn connect(argv: &[&str], read_only: bool) -> Client {
    let argv: Vec<std::ffi::OsString> = argv.iter().map(Into::into).collect();
    let target = bare_target(read_only);
    let app = Router::new().route(
        "/t",
        get(move |ws: WebSocketUpgrade| async move {
            ws.on_upgrade(move |socket| {
                attach(
                    socket,
                    target,
                    argv,
                    (80, 24),
                    std::future::pending(),
                    std::future::pending(),
                )
            })
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/t", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The next message, failing the test after the deadline.
async fn next(c: &mut Client) -> Option<WsMessage> {
    tokio::time::timeout(DEADLINE, c.next())
        .await
        .expect("timed out waiting for a message")
        .map(|m| m.expect("a readable message"))
}

/// Reads output until it contains `needle` (all of it returned).
async fn output_until(c: &mut Client, needle: &str) -> String {
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains(needle) {
        match next(c).await {
            Some(WsMessage::Binary(b)) => seen.extend_from_slice(&b),
            Some(WsMessage::Ping(_) | WsMessage::Pong(_)) => {}
            other => panic!("expected output with {needle:?}, got {other:?}"),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// Reads until the server's close frame and returns its code and reason.
async fn close_frame(c: &mut Client) -> (CloseCode, String) {
    loop {
        match next(c).await {
            Some(WsMessage::Close(Some(f))) => return (f.code, f.reason.to_string()),
            Some(WsMessage::Binary(_) | WsMessage::Ping(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

fn json(v: serde_json::Value) -> WsMessage {
    WsMessage::text(v.to_string())
}

#[tokio::test]
async fn keystrokes_reach_the_program_and_its_output_comes_back_as_binary() {
    let mut c = connect(&["cat"], false).await;
    c.send(json(
        serde_json::json!({"type": "resize", "cols": 100, "rows": 30}),
    ))
    .await
    .unwrap();
    c.send(WsMessage::binary(b"hello ws\r".to_vec()))
        .await
        .unwrap();
    // The terminal echoes the line and cat prints it again.
    let out = output_until(&mut c, "hello ws\r\nhello ws").await;
    assert!(out.starts_with("hello ws"), "{out:?}");
    // Ending the program (^D on an empty line) ends the terminal with a normal close.
    c.send(WsMessage::binary(vec![4])).await.unwrap();
    let (code, reason) = close_frame(&mut c).await;
    assert_eq!(code, CloseCode::Normal, "{reason}");
}

#[tokio::test]
async fn a_read_only_terminal_drops_keystrokes() {
    let mut c = connect(&["cat"], true).await;
    c.send(WsMessage::binary(b"typed\r".to_vec()))
        .await
        .unwrap();
    // Resizing is allowed read-only; then nothing may arrive: cat never saw a key.
    c.send(json(
        serde_json::json!({"type": "resize", "cols": 90, "rows": 20}),
    ))
    .await
    .unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(300), c.next()).await;
    assert!(
        quiet.is_err(),
        "a read-only keystroke was echoed: {quiet:?}"
    );
}

#[tokio::test]
async fn output_pauses_above_the_high_watermark_until_acked() {
    let mut c = connect(&["yes", "aiops flow control"], false).await;
    let mut got: u64 = 0;
    while got <= HIGH_WATERMARK {
        match next(&mut c).await {
            Some(WsMessage::Binary(b)) => got += b.len() as u64,
            Some(WsMessage::Ping(_)) => {}
            other => panic!("expected output, got {other:?}"),
        }
    }
    // Unacked: the server stops after the frame that crossed the watermark. Whatever was
    // in flight then is at most one coalesced frame.
    loop {
        match tokio::time::timeout(Duration::from_millis(500), c.next()).await {
            Err(_) => break,
            Ok(Some(Ok(WsMessage::Binary(b)))) => got += b.len() as u64,
            Ok(other) => panic!("unexpected {other:?}"),
        }
        assert!(
            got <= HIGH_WATERMARK + 2 * CHUNK as u64,
            "{got} bytes sent without an ack: no flow control"
        );
    }
    // Acking down to just above the low watermark is not enough to resume…
    let keep = LOW_WATERMARK + 1;
    c.send(json(
        serde_json::json!({"type": "ack", "bytes": got - keep}),
    ))
    .await
    .unwrap();
    let still = tokio::time::timeout(Duration::from_millis(300), c.next()).await;
    assert!(still.is_err(), "resumed above the low watermark: {still:?}");
    // …below it is.
    c.send(json(serde_json::json!({"type": "ack", "bytes": 2})))
        .await
        .unwrap();
    output_until(&mut c, "aiops flow control").await;
}

#[tokio::test]
async fn bad_control_messages_close_with_policy_violation() {
    for bad in [
        serde_json::json!({"type": "resize", "cols": 0, "rows": 24}).to_string(),
        serde_json::json!({"type": "resize", "cols": 1001, "rows": 24}).to_string(),
        "not json".to_owned(),
    ] {
        let mut c = connect(&["cat"], false).await;
        // Unknown types are skipped (newer clients), so the bad one is what closes.
        c.send(json(serde_json::json!({"type": "hello"})))
            .await
            .unwrap();
        c.send(WsMessage::text(bad.clone())).await.unwrap();
        let (code, reason) = close_frame(&mut c).await;
        assert_eq!(code, CloseCode::Policy, "{bad}: {reason}");
    }
}

#[tokio::test]
async fn a_program_that_cannot_start_closes_with_an_internal_error() {
    let mut c = connect(&["aiops-no-such-program"], false).await;
    let (code, _) = close_frame(&mut c).await;
    assert_eq!(code, CloseCode::Error);
    let mut c = connect(&["true"], false).await;
    let (code, reason) = close_frame(&mut c).await;
    assert_eq!(code, CloseCode::Normal, "{reason}");
}

#[tokio::test]
async fn a_paste_larger_than_the_watermark_does_not_deadlock_a_paused_terminal() {
    // 3 MiB of lines into `cat`, whose copy pauses the terminal (above the high
    // watermark) while the client's acks are still queued behind the input in the same
    // stream. Echo is off: under output pressure the kernel's line discipline drops echoes
    // (n_tty's echo buffer overflows), so only cat's copy has an exact length. (tmux attach
    // puts its terminal in raw mode, so production output has no such echo either.)
    let mut c = connect(&["sh", "-c", "stty -echo && echo READY && exec cat"], false).await;
    output_until(&mut c, "READY\r\n").await;
    let (mut sink, mut stream) = c.split();
    let (to_sink, mut queued) = tokio::sync::mpsc::unbounded_channel::<WsMessage>();
    tokio::spawn(async move {
        while let Some(m) = queued.recv().await {
            if sink.send(m).await.is_err() {
                return;
            }
        }
    });
    // In 1 KiB frames (a fast typist, or a client that splits pastes): far more messages
    // than the channel to the PTY thread holds.
    let frame = format!("{}\n", "a".repeat(99)).repeat(10);
    let frames = 3 * 1024;
    for _ in 0..frames {
        to_sink.send(WsMessage::binary(frame.clone())).unwrap();
    }
    let end = "END-OF-PASTE\n";
    to_sink.send(WsMessage::binary(end)).unwrap();
    // cat's copy, every `\n` written as `\r\n` (the terminal's `onlcr`); the marker's
    // line is the last output.
    let lines = frames * 10 + 1;
    let expected = frames * frame.len() + end.len() + lines;
    let read_all = async {
        let mut tail = Vec::new();
        let mut total = 0;
        while !String::from_utf8_lossy(&tail).contains("END-OF-PASTE\r\n") {
            let b = match stream.next().await {
                Some(Ok(WsMessage::Binary(b))) => b,
                Some(Ok(_)) => continue,
                other => panic!("the terminal ended mid-paste: {other:?}"),
            };
            let ack = serde_json::json!({"type": "ack", "bytes": b.len()});
            to_sink.send(json(ack)).unwrap();
            total += b.len();
            tail.extend_from_slice(&b);
            tail.drain(..tail.len().saturating_sub(16));
        }
        total
    };
    let total = tokio::time::timeout(Duration::from_secs(30), read_all)
        .await
        .expect("the paste's copy never came back: deadlocked");
    assert_eq!(total, expected, "bytes of the paste were lost on the way");
}

fn settings(public_url: &str, tls: bool) -> Settings {
    let mut s = Settings::for_data_dir(std::path::Path::new("/nonexistent"));
    s.public_url = public_url.into();
    if tls {
        s.tls_cert = "c.pem".into();
        s.tls_key = "k.pem".into();
    }
    s
}

#[test]
fn origins_must_be_the_servers_own() {
    let plain = settings("", false);
    let host = Some("127.0.0.1:8080");
    assert!(origin_allowed("http://127.0.0.1:8080", host, &plain));
    assert!(origin_allowed("HTTP://127.0.0.1:8080", host, &plain));
    for foreign in [
        "http://evil.example",
        "https://127.0.0.1:8080",
        "http://127.0.0.1:8081",
        "http://127.0.0.1:8080.evil.example",
        "null",
        "",
    ] {
        assert!(!origin_allowed(foreign, host, &plain), "{foreign}");
    }
    assert!(!origin_allowed("http://127.0.0.1:8080", None, &plain));
    assert!(origin_allowed(
        "http://example.com",
        Some("example.com:80"),
        &plain
    ));

    let tls = settings("", true);
    assert!(origin_allowed(
        "https://aiops.lan",
        Some("aiops.lan:443"),
        &tls
    ));
    assert!(!origin_allowed("http://aiops.lan", Some("aiops.lan"), &tls));

    // Behind a proxy: the Host the server sees is the inner one.
    let proxied = settings("https://aiops.example.com/", false);
    let inner = Some("127.0.0.1:8080");
    assert!(origin_allowed("https://aiops.example.com", inner, &proxied));
    assert!(!origin_allowed("http://aiops.example.com", inner, &proxied));
    assert!(!origin_allowed("https://evil.example", inner, &proxied));
}

#[test]
fn control_messages_parse_and_unknown_types_are_ignored() {
    let parse = |s: &str| serde_json::from_str::<Control>(s).ok();
    assert_eq!(
        parse(r#"{"type":"resize","cols":120,"rows":40}"#),
        Some(Control::Resize {
            cols: 120,
            rows: 40
        })
    );
    assert_eq!(
        parse(r#"{"type":"ack","bytes":65536}"#),
        Some(Control::Ack { bytes: 65536 })
    );
    assert_eq!(parse(r#"{"type":"hello"}"#), Some(Control::Unknown));
    assert_eq!(parse(r#"{"type":"resize","cols":70000,"rows":1}"#), None);
    assert_eq!(parse("resize 80 24"), None);
}
