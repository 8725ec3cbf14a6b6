//! The client side of a session's terminal WebSocket (`GET /api/v1/sessions/{id}/terminal`,
//! protocol in `aiops-server`'s `routes/terminal.rs` and `aiops_types::terminal`), opened
//! with the client's API key: the desktop's terminal of a remote server when SSH is not
//! possible, and of a session on a session host. Feature `terminal`.
//!
//! The socket is a [`Terminal`] like the desktop's own PTYs: output to a [`Screen`],
//! input, resizes and acks in. Flow control is the server's (its terminal engine stops
//! reading the PTY until acks arrive); this side carries the acks and counts nothing.
//!
//! `wss:` for an `https://` server, over rustls with the certificate checks the API
//! client (reqwest) makes: the platform verifier (on Linux the system's CA store, which
//! honours `SSL_CERT_FILE` / `SSL_CERT_DIR`), the aws-lc-rs provider, HTTP/1.1 by ALPN
//! (a WebSocket upgrade is an HTTP/1.1 request).

use std::sync::Arc;

use aiops_types::TerminalControl;
use aiops_types::terminal::{MAX_SIDE, Screen, Terminal, close};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, http};

use crate::Client;

/// Why a terminal socket did not open: one line for the user (the server's own message
/// when it refused the upgrade with its JSON error body).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TerminalError(pub String);

/// A TCP or TLS stream, whichever the URL asked for.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A terminal socket whose upgrade the server accepted; [`Connected::start`] streams it.
pub struct Connected {
    ws: WebSocketStream<Box<dyn Stream>>,
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connected")
    }
}

impl Client {
    /// Opens session `session`'s terminal socket at `cols` × `rows` cells with this
    /// client's API key (the `Authorization` header; the key never reaches a webview).
    ///
    /// Errors: no API key, an unreachable server, a TLS failure, or the server's refusal
    /// (403 credential or `Origin`, 404 unknown session, 409 ended session) with its
    /// message.
    pub async fn terminal(
        &self,
        session: i64,
        cols: u16,
        rows: u16,
    ) -> Result<Connected, TerminalError> {
        let say = |e: &dyn std::fmt::Display| TerminalError(e.to_string());
        let (url, authorization) = self
            .terminal_endpoint(session, cols, rows)
            .map_err(|e| say(&e))?;
        let mut request = url.into_client_request().map_err(|e| say(&e))?;
        let authorization = authorization
            .parse()
            .map_err(|_| say(&"a key that is not a header value"))?;
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, authorization);
        let tls = request.uri().scheme_str() == Some("wss");
        let host = request.uri().host().unwrap_or_default().to_owned();
        let port = request
            .uri()
            .port_u16()
            .unwrap_or(if tls { 443 } else { 80 });
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| say(&format!("cannot reach {host}:{port}: {e}")))?;
        // A keystroke's echo is a few bytes that must not wait for more (Nagle).
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Stream> = if tls {
            Box::new(tls_connect(&host, tcp).await?)
        } else {
            Box::new(tcp)
        };
        let (ws, _) = tokio_tungstenite::client_async(request, stream)
            .await
            .map_err(refusal)?;
        Ok(Connected {
            ws,
            runtime: tokio::runtime::Handle::current(),
        })
    }
}

impl Connected {
    /// Streams the socket to `screen` (output, then [`Screen::ended`] with the server's
    /// close code, or [`close::DROPPED`] when the connection broke) on two tasks of the
    /// runtime that opened it. Dropping the returned terminal closes the socket (the
    /// server detaches; the session keeps running).
    pub fn start(self, screen: Arc<dyn Screen>) -> TerminalSocket {
        let (mut sink, mut stream) = self.ws.split();
        let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
        // Weak: the writer ends when the returned terminal is dropped.
        let to_writer = tx.downgrade();
        self.runtime.spawn(async move {
            while let Some(message) = rx.recv().await {
                if sink.send(message).await.is_err() {
                    return;
                }
            }
            let _ = sink.send(Message::Close(None)).await;
        });
        self.runtime.spawn(async move {
            let (mut code, mut reason) = (close::DROPPED, String::from("the connection dropped"));
            while let Some(message) = stream.next().await {
                match message {
                    Ok(Message::Binary(bytes)) => {
                        if !screen.output(&bytes) {
                            // Nobody listens: close, so the server detaches.
                            if let Some(tx) = to_writer.upgrade() {
                                let _ = tx.send(Message::Close(None));
                            }
                            (code, reason) = (close::NORMAL, "detached".to_owned());
                            break;
                        }
                    }
                    Ok(Message::Close(frame)) => {
                        (code, reason) = match frame {
                            Some(CloseFrame { code, reason }) => (code.into(), reason.to_string()),
                            None => (close::NORMAL, String::new()),
                        };
                        break;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        reason = e.to_string();
                        break;
                    }
                }
            }
            screen.ended(code, &reason);
        });
        TerminalSocket { tx }
    }
}

/// A started terminal socket. Dropping it closes the socket.
#[derive(Debug)]
pub struct TerminalSocket {
    tx: mpsc::UnboundedSender<Message>,
}

impl TerminalSocket {
    fn control(&self, control: TerminalControl) {
        if let Ok(text) = serde_json::to_string(&control) {
            let _ = self.tx.send(Message::Text(text.into()));
        }
    }
}

impl Terminal for TerminalSocket {
    fn input(&self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            let _ = self.tx.send(Message::Binary(bytes.into()));
        }
    }

    /// Out of range sizes are not sent: the server would close the socket for them.
    fn resize(&self, cols: u16, rows: u16) {
        let ok = 1..=MAX_SIDE;
        if ok.contains(&cols) && ok.contains(&rows) {
            self.control(TerminalControl::Resize { cols, rows });
        }
    }

    fn ack(&self, bytes: u64) {
        self.control(TerminalControl::Ack { bytes });
    }
}

/// TLS to `host` over `tcp`, checked as the API client checks it (see the module doc).
async fn tls_connect(
    host: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, TerminalError> {
    use rustls::crypto::CryptoProvider;
    let tls_err = |e: &dyn std::fmt::Display| TerminalError(format!("TLS to {host}: {e}"));
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let verifier =
        rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| tls_err(&e))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(&e))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(|e| tls_err(&e))?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| tls_err(&e))
}

/// The one line to show when the upgrade was refused: the server's error message when
/// it sent its JSON error body.
fn refusal(e: tokio_tungstenite::tungstenite::Error) -> TerminalError {
    use tokio_tungstenite::tungstenite::Error;
    TerminalError(match e {
        Error::Http(resp) => {
            let status = resp.status();
            resp.body()
                .as_deref()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("the server refused the terminal ({status})"))
        }
        other => other.to_string(),
    })
}
