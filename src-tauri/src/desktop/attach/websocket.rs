//! The server's terminal WebSocket (`GET /api/v1/sessions/{id}/terminal`) as a terminal of
//! the window: `aiops_client::terminal` opens it with the connection's key (the webview
//! never holds it) and streams it to the page; flow control is the server's engine's.

use std::sync::Arc;

use aiops_client::Client;

use super::remote::Refusal;
use super::{Link, PageScreen};

/// Opens session `session`'s terminal socket at `cols` × `rows` and streams it to
/// `screen`; `note` (why SSH was not used) goes to the page with the transport, before
/// any output. `Err`: the server refused the upgrade (its message), or could not be
/// reached.
pub async fn open(
    client: &Client,
    session: i64,
    cols: u16,
    rows: u16,
    screen: Arc<PageScreen>,
    note: &str,
) -> Result<Link, Refusal> {
    let connected = client
        .terminal(session, cols, rows)
        .await
        .map_err(|e| Refusal::message(e.0))?;
    screen.transport("websocket", Some(note).filter(|n| !n.is_empty()));
    Ok(Box::new(connected.start(screen)))
}
