//! Reading a `text/event-stream` response
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html>): events end with a
//! blank line; `event:` names one (default `message`), `data:` lines carry its data.

use reqwest::Response;

use crate::{Client, ClientError};

/// Calls `on_event(name, data)` for each event of `resp` until it returns false or the
/// stream ends. Comments (keep-alives) and events without data are skipped.
pub(crate) async fn read(
    client: &Client,
    mut resp: Response,
    mut on_event: impl FnMut(&str, &str) -> bool,
) -> Result<(), ClientError> {
    // Bytes, not text, until an event is whole: a chunk may end inside a character.
    let mut pending: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| client.transport(e))? {
        pending.extend_from_slice(&chunk);
        while let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = pending.drain(..end + 2).collect();
            let block = String::from_utf8_lossy(&block);
            let mut name = "message";
            let mut data: Vec<&str> = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            if data.is_empty() {
                continue;
            }
            if !on_event(name, &data.join("\n")) {
                return Ok(());
            }
        }
    }
    Ok(())
}
