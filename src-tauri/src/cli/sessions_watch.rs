//! What `aiops sessions record` shows the pane's settled screen to: the session's screen
//! watch ([`aiops_exec::watch`]), which reports `waiting` with what a known dialog asks
//! when one appears and `running` when an answered one goes away (through the API with
//! the session's own key), and types the prompt of a tool that takes it typed (Aider) at
//! its first input prompt.
//!
//! Requests go out on a thread of their own, in order, so a slow server never holds the
//! recorder (tmux drops what a slow reader has not taken).

use std::path::Path;
use std::sync::mpsc;

use aiops_exec::watch::WatchEvent;

/// The watch for the session in `dir` (None: nothing to watch for, see
/// [`aiops_exec::watch::dialog_watch`]).
pub(super) fn dialog_watch(dir: &Path) -> Option<aiops_exec::render::ScreenWatch> {
    let (tx, rx) = mpsc::channel::<WatchEvent>();
    let watch = aiops_exec::watch::dialog_watch(dir, move |e| {
        let _ = tx.send(e);
    })?;
    let dir = dir.to_owned();
    std::thread::Builder::new()
        .name("watch".to_owned())
        .spawn(move || {
            for event in rx {
                // Read each time: a respawn gives the session a new key.
                let Ok(hook) = aiops_exec::launch::read_hook_file(&dir) else {
                    continue;
                };
                let sent = match &event {
                    WatchEvent::Report(r) => {
                        super::send_report(&hook.url, &hook.key, hook.session_id, r)
                    }
                    WatchEvent::Type(text) => aiops_exec::watch::type_text(&dir, text),
                };
                // Nobody sees this process's output: what did not get through is noted
                // in the session dir (the error names the URL, never the key).
                if let Err(e) = sent {
                    let _ = std::fs::write(dir.join("watch.err"), format!("{e}\n"));
                }
            }
        })
        .ok()?;
    Some(watch)
}
