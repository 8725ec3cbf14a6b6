//! The session recorder's screen watch: the known blocking screens of the session's tool
//! ([`aiops_core::sessions::dialogs`]) looked for on the settled screen the recorder
//! renders ([`crate::render::RenderThread::start_watched`]), and, for a tool that takes
//! its prompt typed (Aider), the moment its input prompt first shows.

use std::path::Path;

use aiops_core::ports::ToolKind;
use aiops_core::sessions::dialogs::{self, DialogWatch};
use aiops_types::SessionReport;

use crate::render::ScreenWatch;

/// What the watch asks of the session.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    /// A state report (a dialog appeared, or an answered one went away).
    Report(SessionReport),
    /// The tool is at its input prompt for the first time: type this (then Enter).
    Type(String),
}

/// The watch for the session in `dir`, handing what it calls for to `on` (on the
/// rendering thread: hand it on, do not block). None when there is nothing to watch
/// for (the tool's kind has no known dialogs and nothing is to be typed) or the session
/// has no hook file (it ended, or started before the hook file named its kind).
pub fn dialog_watch(
    dir: &Path,
    mut on: impl FnMut(WatchEvent) + Send + 'static,
) -> Option<ScreenWatch> {
    let hook = crate::launch::read_hook_file(dir).ok()?;
    let kind = ToolKind::from_name(&hook.kind);
    let mut watch = DialogWatch::new(kind);
    let mut typed = hook.typed_prompt.filter(|p| !p.is_empty());
    if !watch.watches() && typed.is_none() {
        return None;
    }
    Some(Box::new(move |screen: &str| {
        if let Some(r) = watch.screen(screen) {
            on(WatchEvent::Report(r));
        }
        if typed.is_some() && dialogs::ready_for_input(kind, screen) {
            on(WatchEvent::Type(typed.take().unwrap_or_default()));
        }
    }))
}

/// Types `text` and Enter into the pane of the session in `dir` (`<data>/sessions/<id>`),
/// as `sessions send` does. Not through the API: a session's own key may not type into
/// its pane (a prompt-injected agent would answer its own permission prompts).
pub fn type_text(dir: &Path, text: &str) -> Result<(), String> {
    let hook = crate::launch::read_hook_file(dir).map_err(|e| e.to_string())?;
    let data = dir
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("{} is not a session dir", dir.display()))?;
    crate::tmux::Tmux::new(data)
        .send_text(&hook.tmux_name, text, true)
        .map_err(|e| e.to_string())
}
