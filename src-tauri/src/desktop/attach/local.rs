//! Local mode ("This computer"): the sessions' tmux server is on this machine, so the
//! attach command of `GET /sessions/{id}/attach` runs in a local PTY
//! (`aiops_exec::attach::local`), no SSH and no WebSocket in between — except for a
//! session on a session host, whose tmux is there: the server's bridge reaches it.

use std::sync::Arc;

use aiops_client::Client;

use super::remote::{Refusal, say};
use super::{Link, PageScreen};

/// Attaches session `session` at `cols` × `rows` in a local PTY. `Err`: the server's
/// refusal (not found, ended), or why `tmux attach` could not start.
pub async fn open(
    client: &Client,
    session: i64,
    (cols, rows): (u16, u16),
    screen: Arc<PageScreen>,
) -> Result<Link, Refusal> {
    let info = client.session_attach(session).await.map_err(say)?;
    if let Some(name) = &info.session_host {
        let note = super::remote::through_server(name);
        return super::websocket::open(client, session, cols, rows, screen, &note).await;
    }
    screen.transport("local", None);
    // Spawning (openpty, fork, exec) blocks briefly: not on an async worker.
    let attached = tauri::async_runtime::spawn_blocking(move || {
        let options = aiops_exec::attach::LocalOptions {
            read_only: info.read_only,
            raw: false,
        };
        aiops_exec::attach::local(&info.command, cols, rows, options, screen)
    })
    .await
    .map_err(|e| Refusal::message(e.to_string()))?
    .map_err(|e| Refusal::message(e.to_string()))?;
    Ok(Box::new(attached))
}
