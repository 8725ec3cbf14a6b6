//! Blocked is waiting: the screens an agent shows when it needs its user before it can go
//! on (a folder-trust or login dialog, an error that ended its turn, an inline question),
//! known by their text on the rendered pane. The session recorder feeds it the screen as output
//! settles ([`DialogWatch`]); a dialog that appears makes the session `waiting` with a
//! detail saying what is asked, notified like any other wait, and one that goes away
//! (answered) makes it `running` again.
//!
//! Hooks come first where a tool has them (Claude's `Notification`, Codex's
//! `PermissionRequest`, which say more: what is asked), and this table leaves their
//! dialogs out, so a report never overwrites theirs; it covers what happens before or
//! outside them. Every text
//! was read off the real tool (Claude Code 2.1.332, Codex 0.171.0, Aider 0.86.2) on a
//! fresh home: a newer version that rewords a dialog just stops matching it, and the
//! session then says `running` as it did before this table.

use aiops_types::SessionReport;

use crate::ports::ToolKind;

/// Where on the screen a text must be.
#[derive(Clone, Copy)]
enum Scope {
    /// Anywhere: a full-screen dialog.
    Screen,
    /// On the last non-blank line: an inline question (the line stays in the scrollback
    /// once answered, so only the line being answered counts).
    LastLine,
    /// At the start of one of the last `n` non-blank lines: a line the tool prints above
    /// its input box when a turn ends on an error.
    LineStart(usize),
}

struct Known {
    kind: ToolKind,
    scope: Scope,
    /// Every one of these must be shown.
    texts: &'static [&'static str],
    /// What the session's detail says; `{line}` is replaced by the matched line.
    detail: &'static str,
    /// Whether its going away means the tool went on (a dialog answered), rather than
    /// the user starting something new (which the tool's own hooks report).
    answered_when_gone: bool,
}

const KNOWN: &[Known] = &[
    Known {
        kind: ToolKind::Claude,
        scope: Scope::Screen,
        texts: &["Accessing workspace", "Yes, I trust this folder"],
        detail: "Claude asks to trust this folder",
        answered_when_gone: true,
    },
    Known {
        kind: ToolKind::Claude,
        scope: Scope::Screen,
        texts: &[
            "Detected a custom API key",
            "Do you want to use this API key?",
        ],
        detail: "Claude asks whether to use the API key in its environment",
        answered_when_gone: true,
    },
    Known {
        kind: ToolKind::Claude,
        scope: Scope::Screen,
        texts: &["Unable to connect to Anthropic services"],
        detail: "Claude's first-run check cannot reach Anthropic",
        answered_when_gone: true,
    },
    Known {
        kind: ToolKind::Codex,
        scope: Scope::Screen,
        texts: &["Trust this folder?", "Trust and continue"],
        detail: "Codex asks to trust this folder",
        answered_when_gone: true,
    },
    Known {
        kind: ToolKind::Codex,
        scope: Scope::Screen,
        texts: &["Welcome to Codex", "Sign in with ChatGPT"],
        detail: "Codex asks to sign in",
        answered_when_gone: true,
    },
    Known {
        kind: ToolKind::Codex,
        scope: Scope::Screen,
        texts: &["Hooks need review"],
        detail: "Codex asks to review its hooks",
        answered_when_gone: true,
    },
    Known {
        kind: ToolKind::Codex,
        scope: Scope::LineStart(6),
        texts: &["■ "],
        detail: "Codex stopped: {line}",
        answered_when_gone: false,
    },
    Known {
        kind: ToolKind::Aider,
        scope: Scope::LastLine,
        texts: &["(Y)es/(N)o"],
        detail: "Aider asks: {line}",
        answered_when_gone: true,
    },
];

/// Longest detail taken from a screen line, in characters.
const MAX_LINE: usize = 200;

/// What blocks a tool of `kind` on `screen` (its text, one line per screen row): the
/// detail to report and whether its going away means it was answered.
pub fn blocking(kind: ToolKind, screen: &str) -> Option<(String, bool)> {
    let lines: Vec<&str> = screen
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    KNOWN.iter().filter(|k| k.kind == kind).find_map(|k| {
        let line = match k.scope {
            Scope::Screen => k.texts.iter().all(|t| screen.contains(t)).then_some(""),
            Scope::LastLine => lines
                .last()
                .copied()
                .filter(|l| k.texts.iter().all(|t| l.contains(t))),
            Scope::LineStart(n) => lines
                .iter()
                .rev()
                .take(n)
                .copied()
                .find(|l| k.texts.iter().any(|t| l.starts_with(t))),
        }?;
        let line: String = line
            .trim_start_matches(['■', ' '])
            .chars()
            .take(MAX_LINE)
            .collect();
        Some((k.detail.replace("{line}", &line), k.answered_when_gone))
    })
}

/// Whether a tool of `kind` shows its input prompt on `screen`, ready for a typed
/// message: Aider's last line is its prompt (`>`, or the edit mode's name before it, e.g.
/// `ask>`). Only Aider is typed to this way (the others take the prompt as an argument).
pub fn ready_for_input(kind: ToolKind, screen: &str) -> bool {
    let last = screen.lines().map(str::trim).rfind(|l| !l.is_empty());
    kind == ToolKind::Aider
        && last.is_some_and(|l| {
            l.strip_suffix('>').is_some_and(|mode| {
                mode.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
        })
}

/// Follows one session's screen: reports only changes, so a dialog is reported once when
/// it appears, and `running` once when an answered one goes away.
#[derive(Debug)]
pub struct DialogWatch {
    kind: ToolKind,
    /// The blocking screen last reported, and whether its going away means answered.
    shown: Option<(String, bool)>,
}

impl DialogWatch {
    /// A watch of a tool of `kind`, with nothing reported yet.
    pub fn new(kind: ToolKind) -> Self {
        Self { kind, shown: None }
    }

    /// Whether this kind has anything to watch for.
    pub fn watches(&self) -> bool {
        KNOWN.iter().any(|k| k.kind == self.kind)
    }

    /// The report `screen` calls for, if what blocks the tool changed since the last one.
    pub fn screen(&mut self, screen: &str) -> Option<SessionReport> {
        let now = blocking(self.kind, screen);
        if now.as_ref().map(|n| &n.0) == self.shown.as_ref().map(|s| &s.0) {
            return None;
        }
        let before = std::mem::replace(&mut self.shown, now.clone());
        match (now, before) {
            (Some((detail, _)), _) => Some(SessionReport {
                state: "waiting".into(),
                exit_code: None,
                detail: Some(detail),
            }),
            (None, Some((_, true))) => Some(SessionReport {
                state: "running".into(),
                exit_code: None,
                detail: None,
            }),
            (None, _) => None,
        }
    }
}

#[cfg(test)]
#[path = "dialogs_tests.rs"]
mod tests;
