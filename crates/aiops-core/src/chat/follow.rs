//! Sessions started with `work` in a chat: their state changes are told there.

use aiops_types::SessionState;

use super::interpret::Interpreter;
use crate::CoreResult;

impl Interpreter<'_> {
    /// Tells each chat that follows a session what became of it since the last look:
    /// when it waits for its user, and when it ended (then it is no longer followed).
    /// Other changes (running again) are noted silently. Returns how many notes went
    /// out.
    pub fn follow_sessions(&self) -> CoreResult<usize> {
        let id = self.integration.id;
        let mut told = 0;
        for w in self.state.chat_session_watches(id)? {
            let Some(s) = self.ops.watched_session(w.session_id)? else {
                self.state.end_chat_watch(id, w.session_id)?;
                continue;
            };
            if s.state == w.state {
                continue;
            }
            let name = format!(
                "Session {} ({}{})",
                s.id,
                s.tool,
                s.issue_title
                    .as_deref()
                    .map(|t| format!(", {t}"))
                    .unwrap_or_default()
            );
            let note = match s.state {
                SessionState::Waiting => Some(format!(
                    "{name} is waiting for you.{}",
                    self.link_line(s.id)
                )),
                SessionState::Exited => Some(match s.exit_code {
                    Some(code) => format!("{name} exited (code {code})."),
                    None => format!("{name} exited."),
                }),
                SessionState::Failed => Some(format!("{name} failed: {}", s.detail)),
                SessionState::Killed => Some(format!("{name} was killed.")),
                SessionState::Starting | SessionState::Running => None,
            };
            if let Some(text) = note {
                self.say(&w.chat_id, w.reply_to.as_deref(), &text, &[])?;
                told += 1;
            }
            if s.state.is_live() {
                self.state.set_chat_watch_state(id, s.id, s.state)?;
            } else {
                self.state.end_chat_watch(id, s.id)?;
            }
        }
        Ok(told)
    }

    /// ` Open it: <url>` when the server knows its address.
    pub(super) fn link_line(&self, session_id: i64) -> String {
        self.ops
            .link(&format!("/sessions/{session_id}"))
            .map(|u| format!(" Open it: {u}"))
            .unwrap_or_default()
    }
}
