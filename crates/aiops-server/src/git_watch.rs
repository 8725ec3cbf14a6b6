//! `session.git` events: each live session's working copy (and, for a worktree, its git
//! admin folder, where a commit moves `HEAD` and the index) is watched for changes
//! (`aiops_exec::tree_watch`, debounced), and each burst appends one `session.git` event
//! for its owner, so the Changes panel refreshes without polling. The set of watches
//! follows the live sessions: it is brought up to date whenever the event log moves (a
//! session started or ended) and every 30 s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aiops_core::page::PageQuery;
use aiops_core::ports::{NewEvent, SessionFilter, SessionStore};
use aiops_exec::tree_watch::{self, TreeWatch};
use aiops_types::Session;
use tokio::sync::mpsc;

use crate::state::AppState;

/// Writes closer together than this are one change.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// Most sessions watched (each recursive watch costs one inotify watch per folder).
const MAX_WATCHED: u32 = 200;

/// Runs until the server stops.
pub async fn run(st: AppState) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(i64, i64, i64)>();
    let mut watches: HashMap<i64, TreeWatch> = HashMap::new();
    let mut events = st.events();
    loop {
        sync(&st, &mut watches, &tx).await;
        let closed = st.closed();
        tokio::select! {
            Some((session, user, project)) = rx.recv() => announce(&st, session, user, project).await,
            r = events.changed() => if r.is_err() { return },
            () = tokio::time::sleep(Duration::from_secs(30)) => {}
            () = closed => return,
        }
    }
}

async fn sync(
    st: &AppState,
    watches: &mut HashMap<i64, TreeWatch>,
    tx: &mpsc::UnboundedSender<(i64, i64, i64)>,
) {
    let db = st.clone();
    let live = tokio::task::spawn_blocking(move || {
        let filter = SessionFilter {
            user_id: None,
            live: true,
            issue_id: None,
            project_id: None,
        };
        db.db().list_sessions(
            &filter,
            PageQuery {
                after: None,
                limit: MAX_WATCHED,
            },
        )
    })
    .await;
    let Ok(Ok(live)) = live else { return };
    watches.retain(|id, _| live.iter().any(|s| s.id == *id));
    for s in live {
        if watches.contains_key(&s.id) {
            continue;
        }
        let tx = tx.clone();
        let key = (s.id, s.user_id, s.project_id);
        match tree_watch::watch(&dirs(&s), DEBOUNCE, move || {
            let _ = tx.send(key);
        }) {
            Ok(w) => {
                watches.insert(s.id, w);
            }
            Err(e) => {
                tracing::warn!(session = s.id, error = %e, "cannot watch the session's working copy");
            }
        }
    }
}

/// The working copy, and a worktree's admin folder (`.git` is a file naming it).
fn dirs(s: &Session) -> Vec<PathBuf> {
    let work = PathBuf::from(&s.worktree_path);
    let mut out = vec![work.clone()];
    if let Ok(text) = std::fs::read_to_string(work.join(".git"))
        && let Some(admin) = text.trim().strip_prefix("gitdir:")
    {
        let admin = Path::new(admin.trim());
        if admin.is_dir() {
            out.push(admin.to_owned());
        }
    }
    out
}

async fn announce(st: &AppState, session: i64, user: i64, project: i64) {
    let event = NewEvent {
        kind: "session.git".into(),
        tenant_id: None,
        project_id: Some(project),
        user_id: Some(user),
        payload: serde_json::json!({ "session_id": session, "project_id": project }),
    };
    let db = st.clone();
    let _ = tokio::task::spawn_blocking(move || db.db().insert_event(&event)).await;
    st.notify_events();
}
