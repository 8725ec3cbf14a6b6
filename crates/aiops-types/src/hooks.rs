//! Agents' own hook payloads read as session reports: what Claude Code
//! (<https://docs.anthropic.com/en/docs/claude-code/hooks>, "Hook input") and Codex
//! (`hooks.json`, the same event names and fields; verified with Codex 0.171) pass on
//! stdin to a hook command, turned into the state and detail `POST /sessions/{id}/events`
//! takes; and the commands aiops installs as hooks.

use serde_json::Value;

use crate::SessionReport;

/// The hook command aiops installs for Claude Code and Codex: reports what the hook's
/// input on stdin means ([`hook_report`]). It prints nothing (a hook's stdout goes into
/// the model's context), never fails the hook, and does nothing where `AIOPS_BIN` is
/// unset (the worktree or the tool home used outside aiops). Run by `sh -c`.
pub const HOOK_COMMAND: &str =
    "[ -z \"$AIOPS_BIN\" ] || \"$AIOPS_BIN\" sessions event --hook >/dev/null 2>&1 || true";

/// What a tool without hook input (Aider's `--notifications-command`) runs when it waits
/// for its user: reports `waiting`; silent and harmless like [`HOOK_COMMAND`].
pub const WAITING_COMMAND: &str =
    "[ -z \"$AIOPS_BIN\" ] || \"$AIOPS_BIN\" sessions event waiting >/dev/null 2>&1 || true";

/// The report for one hook input, by its `hook_event_name`:
/// - `UserPromptSubmit`, `PreToolUse`, `PostToolUse`, `PostToolUseFailure` → `running`
///   (the agent is working, also after a permission prompt was approved);
/// - `Stop` → `waiting` (its turn ended);
/// - `StopFailure` (Claude) → `waiting`, with the API error (`error`, `error_details`) as
///   detail;
/// - `Notification` (Claude) → `waiting`, with its `message` ("Claude needs your
///   permission to use Bash") as detail;
/// - `PermissionRequest` → `waiting`, with what is asked (`tool_input.command`, else the
///   tool's name) as detail.
///
/// None for anything else (`SessionStart`, `SessionEnd`: the launcher reports the exit).
pub fn hook_report(input: &Value) -> Option<SessionReport> {
    fn text(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }
    let field = |key: &str| text(input.get(key));
    let (state, detail) = match field("hook_event_name")? {
        "UserPromptSubmit" | "PreToolUse" | "PostToolUse" | "PostToolUseFailure" => {
            ("running", None)
        }
        "Stop" => ("waiting", None),
        "StopFailure" => {
            let what = match (field("error"), field("error_details")) {
                (Some(e), Some(d)) => format!("{e}: {d}"),
                (Some(e), None) | (None, Some(e)) => e.to_owned(),
                (None, None) => "the turn failed".to_owned(),
            };
            ("waiting", Some(format!("stopped on an error: {what}")))
        }
        "Notification" => ("waiting", field("message").map(str::to_owned)),
        "PermissionRequest" => {
            let asked = text(input.pointer("/tool_input/command"))
                .map(|c| format!("asks to run: {c}"))
                .or_else(|| field("tool_name").map(|t| format!("asks to use {t}")))
                .unwrap_or_else(|| "asks for permission".to_owned());
            ("waiting", Some(asked))
        }
        _ => return None,
    };
    Some(SessionReport {
        state: state.to_owned(),
        exit_code: None,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn claude_and_codex_hooks_map_to_true_states() {
        let r = |v: Value| hook_report(&v).map(|r| (r.state, r.detail));
        assert_eq!(
            r(json!({"hook_event_name": "PostToolUse", "tool_name": "Bash"})),
            Some(("running".into(), None))
        );
        assert_eq!(
            r(json!({"hook_event_name": "Notification",
                     "message": "Claude needs your permission to use Bash"})),
            Some((
                "waiting".into(),
                Some("Claude needs your permission to use Bash".into())
            ))
        );
        assert_eq!(
            r(
                json!({"hook_event_name": "StopFailure", "error": "authentication_failed",
                     "error_details": "401 invalid x-api-key"})
            ),
            Some((
                "waiting".into(),
                Some("stopped on an error: authentication_failed: 401 invalid x-api-key".into())
            ))
        );
        // Codex's approval prompt (its `PermissionRequest` hook input).
        assert_eq!(
            r(
                json!({"hook_event_name": "PermissionRequest", "tool_name": "Bash",
                     "tool_input": {"command": "curl -s http://example.com",
                                    "description": "Fetch the page"}})
            ),
            Some((
                "waiting".into(),
                Some("asks to run: curl -s http://example.com".into())
            ))
        );
        assert_eq!(
            r(json!({"hook_event_name": "PermissionRequest", "tool_name": "Edit"})),
            Some(("waiting".into(), Some("asks to use Edit".into())))
        );
        assert_eq!(r(json!({"hook_event_name": "SessionEnd"})), None);
        assert_eq!(r(json!({"hook_event_name": "SessionStart"})), None);
        assert_eq!(r(json!({"no": "event"})), None);
    }
}
