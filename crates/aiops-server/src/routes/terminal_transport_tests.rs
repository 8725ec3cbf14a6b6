//! The terminal scenarios every transport runs (aiops-exec's `tests/attach/scenarios.rs`:
//! typing, resizing, detaching, flow control, read-only, a page gone, a killed session),
//! here over this route and a real WebSocket: the route's [`attach`] on a real tmux
//! session, the client side being `aiops_client::terminal` (the desktop's WebSocket
//! transport).

#[path = "../../../aiops-exec/tests/attach/scenarios.rs"]
mod scenarios;
#[path = "../../../aiops-exec/tests/attach/support.rs"]
mod support;

use support::Attach;

use std::sync::Arc;

use aiops_client::{Client, Credential, Secret};
use aiops_types::terminal::{Screen, Terminal};
use axum::Router;
use axum::extract::Query;
use axum::extract::ws::WebSocketUpgrade;
use axum::routing::get;

use super::attach;

/// A runtime serving bare terminal routes, and a function that starts a terminal over one.
struct Transport {
    runtime: tokio::runtime::Runtime,
}

#[derive(serde::Deserialize)]
struct Size {
    cols: u16,
    rows: u16,
}

impl Transport {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        Self { runtime }
    }

    /// A server whose terminal route attaches `a.argv`, and the socket's client end.
    fn start(&self, a: Attach, screen: Arc<dyn Screen>) -> Box<dyn Terminal> {
        let argv: Vec<std::ffi::OsString> = a.argv.iter().map(Into::into).collect();
        let target = super::tests::bare_target(a.read_only);
        let app = Router::new().route(
            "/api/v1/sessions/1/terminal",
            get(
                move |ws: WebSocketUpgrade, Query(size): Query<Size>| async move {
                    ws.on_upgrade(move |socket| {
                        let (never, never_either) =
                            (std::future::pending(), std::future::pending());
                        attach(
                            socket,
                            target,
                            argv,
                            (size.cols, size.rows),
                            never,
                            never_either,
                        )
                    })
                },
            ),
        );
        self.runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(async move { axum::serve(listener, app).await });
            let key = Credential::ApiKey(Secret::new("aiops_unused".to_owned()));
            let client = Client::new(&url, key).unwrap();
            let connected = client.terminal(1, a.cols, a.rows).await.expect("upgraded");
            Box::new(connected.start(screen)) as Box<dyn Terminal>
        })
    }
}

#[test]
fn websocket_types_resizes_and_detaches() {
    let (tmp, t) = (tempfile::tempdir().unwrap(), Transport::new());
    scenarios::types_resizes_and_detaches(tmp.path(), &|a, s| t.start(a, s));
}

#[test]
fn websocket_output_pauses_without_acks_and_resumes_with_them() {
    let (tmp, t) = (tempfile::tempdir().unwrap(), Transport::new());
    scenarios::output_pauses_without_acks_and_resumes_with_them(tmp.path(), &|a, s| t.start(a, s));
}

#[test]
fn websocket_read_only_gone_screens_and_killed_sessions() {
    let (tmp, t) = (tempfile::tempdir().unwrap(), Transport::new());
    scenarios::read_only_gone_screens_and_killed_sessions(tmp.path(), &|a, s| t.start(a, s));
}

#[test]
fn websocket_a_paste_larger_than_the_window_arrives_whole() {
    let (tmp, t) = (tempfile::tempdir().unwrap(), Transport::new());
    scenarios::a_paste_larger_than_the_window_arrives_whole(tmp.path(), &|a, s| t.start(a, s));
}
