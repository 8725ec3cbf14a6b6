//! The session recorder's dialog watch: the known blocking screens of the session's tool
//! ([`aiops_core::sessions::dialogs`]) looked for on the settled screen the recorder
//! renders ([`crate::render::RenderThread::start_watched`]).

use std::path::Path;

use aiops_core::ports::ToolKind;
use aiops_core::sessions::dialogs::DialogWatch;
use aiops_types::SessionReport;

use crate::render::ScreenWatch;

/// The watch for the session in `dir`, handing each report it calls for to `report` (on
/// the rendering thread: hand it on, do not block). None when the tool's kind has no
/// known dialogs, or the session has no hook file (it ended, or started before the hook
/// file named its kind).
pub fn dialog_watch(
    dir: &Path,
    mut report: impl FnMut(SessionReport) + Send + 'static,
) -> Option<ScreenWatch> {
    let hook = crate::launch::read_hook_file(dir).ok()?;
    let mut watch = DialogWatch::new(ToolKind::from_name(&hook.kind));
    if !watch.watches() {
        return None;
    }
    Some(Box::new(move |screen: &str| {
        if let Some(r) = watch.screen(screen) {
            report(r);
        }
    }))
}
