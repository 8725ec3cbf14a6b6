//! Agents' own hook payloads read as session reports: what Claude Code passes on stdin to
//! a hook command (<https://docs.anthropic.com/en/docs/claude-code/hooks>, "Hook input"),
//! turned into the state and detail `POST /sessions/{id}/events` takes.

use serde_json::Value;

use crate::SessionReport;

/// The report for one Claude Code hook input, by its `hook_event_name`:
/// - `UserPromptSubmit`, `PreToolUse`, `PostToolUse`, `PostToolUseFailure` → `running`
///   (Claude is working, also after a permission prompt was approved);
/// - `Stop` → `waiting` (its turn ended);
/// - `StopFailure` → `waiting`, with the API error (`error`, `error_details`) as detail;
/// - `Notification` → `waiting`, with its `message` ("Claude needs your permission to
///   use Bash") as detail.
///
/// None for anything else (`SessionEnd`: the launcher reports the exit).
pub fn claude_hook_report(input: &Value) -> Option<SessionReport> {
    let text = |key: &str| {
        input
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    let (state, detail) = match text("hook_event_name")? {
        "UserPromptSubmit" | "PreToolUse" | "PostToolUse" | "PostToolUseFailure" => {
            ("running", None)
        }
        "Stop" => ("waiting", None),
        "StopFailure" => {
            let what = match (text("error"), text("error_details")) {
                (Some(e), Some(d)) => format!("{e}: {d}"),
                (Some(e), None) | (None, Some(e)) => e.to_owned(),
                (None, None) => "the turn failed".to_owned(),
            };
            (
                "waiting",
                Some(format!("Claude stopped on an error: {what}")),
            )
        }
        "Notification" => ("waiting", text("message").map(str::to_owned)),
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
    fn claude_hooks_map_to_true_states() {
        let r = |v: Value| claude_hook_report(&v).map(|r| (r.state, r.detail));
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
                Some(
                    "Claude stopped on an error: authentication_failed: 401 invalid x-api-key"
                        .into()
                )
            ))
        );
        assert_eq!(r(json!({"hook_event_name": "SessionEnd"})), None);
        assert_eq!(r(json!({"no": "event"})), None);
    }
}
