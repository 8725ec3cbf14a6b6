//! The terminal WebSocket against real sessions: a shell in tmux, typed to and read from
//! the way xterm.js does (binary frames, JSON resize and ack).

use std::num::NonZeroU16;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::common::{ServerProcess, json, runtime};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state};
use crate::trackers::Member;

/// Longest wait for something to appear on the terminal.
const WAIT: Duration = Duration::from_secs(30);

pub struct Term {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Everything received so far.
    seen: Vec<u8>,
    /// The screen those bytes draw: tmux may redraw a line in pieces (cursor moves
    /// between "seq-don" and "e-1" when its client lags), so a needle that is not in
    /// the byte stream is looked for on the screen too.
    screen: vt100::Parser,
}

impl Term {
    pub async fn open(
        server: &ServerProcess,
        session: i64,
        key: &str,
        query: &str,
    ) -> Result<Term, u16> {
        let url = format!(
            "{}/api/v1/sessions/{session}/terminal{query}",
            server.url.replacen("http://", "ws://", 1)
        );
        let mut req = url.into_client_request().unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {key}").parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Ok((ws, _)) => {
                let size = |name: &str, default: u16| -> NonZeroU16 {
                    let n = query
                        .trim_start_matches('?')
                        .split('&')
                        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                        .unwrap_or(default);
                    NonZeroU16::new(n).expect("a terminal size is not zero")
                };
                let screen = vt100::Parser::new(size("rows", 24), size("cols", 80), 0);
                Ok(Term {
                    ws,
                    seen: Vec::new(),
                    screen,
                })
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
            Err(e) => panic!("terminal handshake: {e}"),
        }
    }

    pub async fn type_text(&mut self, text: &str) {
        self.ws
            .send(Message::binary(text.as_bytes().to_vec()))
            .await
            .unwrap();
    }

    async fn resize(&mut self, cols: u16, rows: u16) {
        let msg = format!(r#"{{"type":"resize","cols":{cols},"rows":{rows}}}"#);
        self.ws.send(Message::text(msg)).await.unwrap();
        let nz = |n| NonZeroU16::new(n).expect("a terminal size is not zero");
        self.screen.set_size(nz(rows), nz(cols));
    }

    /// Reads (acking every frame, as xterm.js does after drawing) until the output
    /// received since `from` contains `needle`; returns where it ended.
    pub async fn wait_for(&mut self, from: usize, needle: &str) -> usize {
        let found = self.try_wait_for(from, needle, WAIT).await;
        found.unwrap_or_else(|| {
            let tail = String::from_utf8_lossy(&self.seen[self.seen.len().saturating_sub(3000)..])
                .into_owned();
            panic!("{needle:?} did not appear within {WAIT:?}; last output: {tail:?}")
        })
    }

    /// Reads until the server closes the socket; its close code (None: the connection
    /// ended without a close frame). Panics when it is still open after `within`.
    pub async fn wait_closed(&mut self, within: Duration) -> Option<u16> {
        let closed = tokio::time::timeout(within, async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                    Some(Ok(Message::Binary(b))) => {
                        self.seen.extend_from_slice(&b);
                        self.screen.process(&b);
                    }
                    Some(Ok(_)) => {}
                    None | Some(Err(_)) => return None,
                }
            }
        })
        .await;
        closed.unwrap_or_else(|_| panic!("the terminal was still open after {within:?}"))
    }

    /// Like [`wait_for`](Self::wait_for), giving up (None) after `within`.
    async fn try_wait_for(&mut self, from: usize, needle: &str, within: Duration) -> Option<usize> {
        tokio::time::timeout(within, async {
            // Only the new bytes (plus an overlap for a needle split across frames) are
            // searched each time, so 50 MB is not scanned over and over.
            let mut start = from;
            loop {
                if let Some(i) = find(&self.seen[start..], needle.as_bytes()) {
                    return start + i + needle.len();
                }
                if self.screen.screen().contents().contains(needle) {
                    return self.seen.len();
                }
                start = self.seen.len().saturating_sub(needle.len()).max(from);
                match self.ws.next().await {
                    Some(Ok(Message::Binary(b))) => {
                        self.seen.extend_from_slice(&b);
                        self.screen.process(&b);
                        let ack = format!(r#"{{"type":"ack","bytes":{}}}"#, b.len());
                        self.ws.send(Message::text(ack)).await.unwrap();
                    }
                    Some(Ok(_)) => {}
                    other => panic!("the terminal closed while waiting for {needle:?}: {other:?}"),
                }
            }
        })
        .await
        .ok()
    }
}

/// Shows the server's log when a test fails.
struct Explain<'a>(&'a ServerProcess);

impl Drop for Explain<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("server stderr:\n{}", self.0.stderr());
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A server, a project and a `shell` session of `key`'s user on a new issue.
pub fn shell_session(server: &ServerProcess, title: &str, as_member: Option<&Member>) -> i64 {
    let issue = demo_issue(server, title);
    let issue = issue["id"].as_i64().unwrap().to_string();
    let args = ["-o", "json", "issues", "work", &issue, "--tool", "shell"];
    let s = match as_member {
        Some(m) => crate::common::json_of(m.command(server, &args[2..]), None, "issues work"),
        None => json(server, &args[2..]),
    };
    let id = s["id"].as_i64().unwrap();
    wait_state(server, id, "running");
    id
}

#[test]
fn typing_resizing_interrupting_and_50_mb_through_the_terminal() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let id = shell_session(&server, "Terminal", None);
    let _explain = Explain(&server);
    runtime().block_on(async {
        let mut t = Term::open(&server, id, &server.admin_key, "?cols=100&rows=30")
            .await
            .unwrap();
        // The shell computes, so this is its output, not the echo of what was typed.
        t.type_text("echo typed-$((6*7))\r").await;
        let at = t.wait_for(0, "typed-42").await;

        // The new size reaches the shell asynchronously (tmux resizes the window, then
        // the shell gets SIGWINCH): ask again until it reports it.
        t.resize(123, 40).await;
        let mut resized = None;
        for _ in 0..60 {
            t.type_text("echo cols=$(tput cols)\r").await;
            resized = t
                .try_wait_for(at, "cols=123", Duration::from_millis(500))
                .await;
            if resized.is_some() {
                break;
            }
        }
        let at = resized.expect("the shell sees 123 columns after the resize");

        t.type_text("yes\r").await;
        // tmux draws each line as `y`, erase-to-end-of-line, newline.
        let at = t.wait_for(at, "y\x1b[K\r\ny\x1b[K\r\ny\x1b[K\r\n").await;
        t.type_text("\x03").await;
        t.type_text("echo after-$((1+1))\r").await;
        let at = t.wait_for(at, "after-2").await;

        // ~50 MB through pane → tmux → PTY → socket, with acks; the end arrives. tmux
        // redraws rather than forwards when its client lags (a loaded machine: five
        // rounds once brought less than 1 MB), so what reaches the socket can be less
        // than the pane printed: print again until more than the flow-control window went
        // through, i.e. acks resumed a paused terminal, or the deadline passes.
        let mut at = at;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
        let mut round = 0;
        while t.seen.len() <= 1024 * 1024 && std::time::Instant::now() < deadline {
            t.type_text(&format!("seq 1 6500000; echo seq-done-$((2*{round}+1))\r"))
                .await;
            at = t.wait_for(at, &format!("seq-done-{}", 2 * round + 1)).await;
            round += 1;
        }
        assert!(
            t.seen.len() > 1024 * 1024,
            "more than the flow-control window came through"
        );
    });
}

#[test]
fn members_cannot_attach_to_others_sessions_and_admins_watch_unless_they_ask() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let mona = Member::create(&server, "mona@example.com");
    let bob = Member::create(&server, "bob@example.com");
    let id = shell_session(&server, "Mona's shell", Some(&mona));
    runtime().block_on(async {
        let refused = Term::open(&server, id, &bob.key, "").await.err();
        assert_eq!(
            refused,
            Some(404),
            "another member does not even see the session"
        );

        let mut admin = Term::open(&server, id, &server.admin_key, "")
            .await
            .unwrap();
        admin.type_text("echo admin-typed-$((40+2))\r").await;
        let mut own = Term::open(&server, id, &mona.key, "").await.unwrap();
        own.type_text("echo mona-typed-$((2+3))\r").await;
        own.wait_for(0, "mona-typed-5").await;
        // The admin watches: Mona's command shows up on the admin's terminal too...
        admin.wait_for(0, "mona-typed-5").await;
        // ...but the admin's keystrokes were dropped (they were sent first).
        assert!(
            find(&own.seen, b"admin-typed-42").is_none()
                && find(&own.seen, b"admin-typed").is_none(),
            "an admin's attach to another user's session is read-only"
        );
        // Unless the admin asks to type, which is audited.
        let mut support = Term::open(&server, id, &server.admin_key, "?mode=write")
            .await
            .unwrap();
        support.type_text("echo admin-wrote-$((1+1))\r").await;
        support.wait_for(0, "admin-wrote-2").await;
    });
    let log = crate::common::sqlite(
        &server.data_dir.join("aiops.db"),
        &format!(
            "SELECT count(*) FROM audit_log WHERE action = 'session.attach_write' AND target_id = '{id}'"
        ),
    );
    assert_eq!(
        log, "1",
        "the admin's typing into mona's session is in the audit log"
    );
}
