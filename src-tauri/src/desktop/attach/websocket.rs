//! The server's terminal WebSocket (`GET /api/v1/sessions/{id}/terminal`, protocol in
//! `aiops-server`'s `routes/terminal.rs`), opened here with the connection's key: the
//! terminal of a remote server when SSH is not possible.
//!
//! `wss:` for an `https://` server, over rustls with the certificate checks the API
//! client (reqwest) makes: the platform verifier (on Linux the system's CA store, which
//! honours `SSL_CERT_FILE` / `SSL_CERT_DIR`), the aws-lc-rs provider, HTTP/1.1 by ALPN
//! (a WebSocket upgrade is an HTTP/1.1 request).

use std::sync::Arc;

use aiops_client::Client;
use aiops_exec::attach::{Screen, close};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, http};

use super::remote::Refusal;
use super::{Link, PageScreen};

/// What the page sends: input bytes or a control text (`resize`, `ack`).
pub enum ToServer {
    Input(Vec<u8>),
    Control(String),
}

/// Opens session `session`'s terminal socket at `cols` × `rows` and streams it to
/// `screen`; `note` (why SSH was not used) goes to the page with the transport.
/// `Err`: the server refused the upgrade (its message), or could not be reached.
pub async fn open(
    client: &Client,
    session: i64,
    cols: u16,
    rows: u16,
    screen: Arc<PageScreen>,
    note: &str,
) -> Result<Link, Refusal> {
    let (url, authorization) = client
        .terminal_endpoint(session, cols, rows)
        .map_err(|e| Refusal::message(e.to_string()))?;
    let mut request = url
        .into_client_request()
        .map_err(|e| Refusal::message(e.to_string()))?;
    request.headers_mut().insert(
        http::header::AUTHORIZATION,
        authorization
            .parse()
            .map_err(|_| Refusal::message("a key that is not a header value"))?,
    );
    let tls = request.uri().scheme_str() == Some("wss");
    let host = request.uri().host().unwrap_or_default().to_owned();
    let port = request
        .uri()
        .port_u16()
        .unwrap_or(if tls { 443 } else { 80 });
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| Refusal::message(format!("cannot reach {host}:{port}: {e}")))?;
    // A keystroke's echo is a few bytes that must not wait for more (Nagle).
    let _ = tcp.set_nodelay(true);
    if tls {
        let stream = tls_connect(&host, tcp).await?;
        start(request, stream, screen, note).await
    } else {
        start(request, tcp, screen, note).await
    }
}

/// TLS to `host` over `tcp`, checked as the API client checks it (see the module doc).
async fn tls_connect(
    host: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Refusal> {
    use rustls::crypto::CryptoProvider;
    let tls_err = |e: &dyn std::fmt::Display| Refusal::message(format!("TLS to {host}: {e}"));
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

/// The upgrade over `stream`, then one task each way.
async fn start<S>(
    request: http::Request<()>,
    stream: S,
    screen: Arc<PageScreen>,
    note: &str,
) -> Result<Link, Refusal>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .map_err(refusal)?;
    screen.transport("websocket", Some(note).filter(|n| !n.is_empty()));
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    tauri::async_runtime::spawn(async move {
        while let Some(m) = rx.recv().await {
            let message = match m {
                ToServer::Input(bytes) => Message::Binary(bytes.into()),
                ToServer::Control(text) => Message::Text(text.into()),
            };
            if sink.send(message).await.is_err() {
                return;
            }
        }
        // The page closed the tab: detach (the session keeps running).
        let _ = sink.send(Message::Close(None)).await;
    });
    tauri::async_runtime::spawn(async move {
        let (mut code, mut reason) = (close::DROPPED, String::from("the connection dropped"));
        while let Some(message) = stream.next().await {
            match message {
                Ok(Message::Binary(bytes)) => {
                    if !screen.output(&bytes) {
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
        // Removes the terminal: dropping its sender ends the writer, closing the socket.
        screen.ended(code, &reason);
    });
    Ok(Link::Socket(tx))
}

/// The one line to show when the upgrade was refused: the server's error message when
/// it sent its JSON error body.
fn refusal(e: tokio_tungstenite::tungstenite::Error) -> Refusal {
    use tokio_tungstenite::tungstenite::Error;
    Refusal::message(match e {
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
