//! `GET /events`: the event log as Server-Sent Events
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html>). Each event's `id:`
//! is its row id, so a client that reconnects with `Last-Event-ID` (or `?after=`) gets
//! exactly what it missed; without either, the stream starts with the next event. The
//! stream sleeps until a write wakes it (no polling of tmux), re-checking the log every
//! few seconds for events written by other processes, and sends a keep-alive comment
//! every 15 s.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use aiops_core::ports::{SessionStore, Viewer};
use aiops_types::{ErrorBody, Event, EventParams};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::Stream;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Auth, Read};
use crate::error::{ApiQuery, ApiResult};
use crate::state::AppState;

/// Events read from the log at once.
const BATCH: u32 = 200;
/// Longest wait before the log is read again without a wake-up.
const RECHECK: Duration = Duration::from_secs(5);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// Session, issue and sync events the caller may see, as `text/event-stream`: `id:` the
/// event id, `event:` its kind, `data:` the [`Event`] as JSON.
#[utoipa::path(get, path = "/events", tag = "events", params(EventParams),
    security(("api_key" = ["read"])),
    responses((status = 200, description = "A `text/event-stream` of `Event`s, one per `data:` line", body = Event, content_type = "text/event-stream"),
        (status = 400, body = ErrorBody)))]
async fn events(
    a: Auth<Read>,
    State(st): State<AppState>,
    ApiQuery(q): ApiQuery<EventParams>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(q.after);
    let after = match resume {
        Some(id) => id.max(0),
        None => {
            st.run(aiops_core::ports::SessionStore::last_event_id)
                .await?
        }
    };
    let holder = crate::revocations::Holder {
        principal: a.principal.clone(),
        tenant_id: None,
    };
    let revoked = st.revoked(holder, a.revocations_seen);
    let cursor = Cursor {
        st: st.clone(),
        viewer: a.principal.viewer(),
        after,
        buffered: VecDeque::new(),
        wake: st.events(),
    };
    let stream = futures_util::stream::unfold(cursor, |mut c| async move {
        let e = c.next().await?;
        Some((Ok(to_sse(&e)), c))
    });
    // Ends with the server: a client reconnects with `Last-Event-ID` and misses nothing.
    let stream = futures_util::StreamExt::take_until(stream, st.closed());
    // Ends when the caller's access does (a revoked key, a disabled user, a removed
    // member): the stream must not outlive the decision that allowed it.
    let stream = futures_util::StreamExt::take_until(stream, revoked);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

struct Cursor {
    st: AppState,
    viewer: Viewer,
    after: i64,
    buffered: VecDeque<Event>,
    wake: tokio::sync::watch::Receiver<u64>,
}

impl Cursor {
    /// The next visible event, waiting for it; None ends the stream (store failure).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(e) = self.buffered.pop_front() {
                return Some(e);
            }
            // Mark the current wake-up seen before reading, so a write between the read
            // and the wait still wakes us.
            self.wake.borrow_and_update();
            let (viewer, after) = (self.viewer, self.after);
            let batch = self
                .st
                .run(move |db| db.events_after(viewer, after, BATCH))
                .await;
            match batch {
                Ok(b) if !b.is_empty() => {
                    self.after = b.last().map_or(self.after, |e| e.id);
                    self.buffered.extend(b);
                }
                Ok(_) => {
                    let _ = tokio::time::timeout(RECHECK, self.wake.changed()).await;
                }
                Err(e) => {
                    tracing::error!(error = ?e, "event stream stopped: cannot read the log");
                    return None;
                }
            }
        }
    }
}

fn to_sse(e: &Event) -> sse::Event {
    sse::Event::default()
        .id(e.id.to_string())
        .event(e.kind.as_str())
        .json_data(e)
        .unwrap_or_else(|_| sse::Event::default().comment("unencodable event"))
}
