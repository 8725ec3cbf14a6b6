//! Watching a working copy for changes (inotify on Linux, FSEvents on macOS, through
//! the `notify` crate), debounced: many writes in a burst (an agent saving files, a
//! commit touching the index and refs) become one call. Used to tell the UI a session's
//! changes moved (`session.git`) instead of it polling.

use std::path::PathBuf;
use std::time::Duration;

use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

/// A live watch; dropping it stops watching.
pub struct TreeWatch {
    _debouncer: Debouncer<RecommendedWatcher>,
}

/// Watches `dirs` (recursively) and calls `on_change` once per burst of changes, at
/// most every `debounce`, on the watcher's own thread (hand the call on; do not block).
/// A directory that cannot be watched (gone, or the system's watch limit reached) is an
/// error, so the caller can do without.
pub fn watch(
    dirs: &[PathBuf],
    debounce: Duration,
    mut on_change: impl FnMut() + Send + 'static,
) -> std::io::Result<TreeWatch> {
    let mut debouncer = new_debouncer(debounce, move |r: DebounceEventResult| {
        if matches!(r, Ok(ref events) if !events.is_empty()) {
            on_change();
        }
    })
    .map_err(std::io::Error::other)?;
    for d in dirs {
        debouncer
            .watcher()
            .watch(d, RecursiveMode::Recursive)
            .map_err(|e| std::io::Error::other(format!("watching {}: {e}", d.display())))?;
    }
    Ok(TreeWatch {
        _debouncer: debouncer,
    })
}
