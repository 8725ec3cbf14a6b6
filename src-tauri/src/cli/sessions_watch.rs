//! What `aiops sessions record` shows the pane's settled screen to: the session's dialog
//! watch ([`aiops_exec::watch`]), which reports `waiting` with what a known dialog asks
//! when one appears, and `running` when an answered one goes away.
//!
//! Reports go out on a thread of their own, in order, so a slow server never holds the
//! recorder (tmux drops what a slow reader has not taken).

use std::path::Path;
use std::sync::mpsc;

use aiops_types::SessionReport;

/// The watch for the session in `dir` (None: nothing to watch for, see
/// [`aiops_exec::watch::dialog_watch`]).
pub(super) fn dialog_watch(dir: &Path) -> Option<aiops_exec::render::ScreenWatch> {
    let (tx, rx) = mpsc::channel::<SessionReport>();
    let watch = aiops_exec::watch::dialog_watch(dir, move |r| {
        let _ = tx.send(r);
    })?;
    let dir = dir.to_owned();
    std::thread::Builder::new()
        .name("report".to_owned())
        .spawn(move || {
            for report in rx {
                // Read each time: a respawn gives the session a new key.
                let Ok(hook) = aiops_exec::launch::read_hook_file(&dir) else {
                    continue;
                };
                // Nobody sees this process's output: a report that did not get through
                // is noted in the session dir (the error names the URL, never the key).
                if let Err(e) = super::send_report(&hook.url, &hook.key, hook.session_id, &report) {
                    let _ = std::fs::write(dir.join("watch.err"), format!("{e}\n"));
                }
            }
        })
        .ok()?;
    Some(watch)
}
