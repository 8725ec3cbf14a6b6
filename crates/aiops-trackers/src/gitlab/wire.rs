//! GitLab's JSON (issues and notes) read into the port's types. Any missing or malformed
//! field the port needs is a [`TrackerError::Upstream`] naming the field.
//!
//! Shapes: <https://docs.gitlab.com/api/issues/#single-project-issue> and
//! <https://docs.gitlab.com/api/notes/#list-project-issue-notes>.

use aiops_core::tracker::{
    RemoteComment, RemoteIssue, TrackerError, TrackerResult, normalise_status,
};
use aiops_types::{Provider, Timestamp};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

/// An issue object (`iid`, `title`, `description`, `state`, `labels`, `assignees`,
/// `author`, `web_url`, `user_notes_count`, `created_at`, `updated_at`, `closed_at`).
pub(super) fn issue(v: &Value) -> TrackerResult<RemoteIssue> {
    let iid = v
        .get("iid")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("an issue without a numeric `iid`"))?;
    let what = format!("issue #{iid}");
    let state = text(v, "state", &what)?;
    Ok(RemoteIssue {
        remote_id: iid.to_string(),
        external_id: format!("#{iid}"),
        title: text(v, "title", &what)?,
        description: v
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        status: normalise_status(Provider::Gitlab, &state),
        provider_status: state,
        labels: labels(v),
        assignee: v
            .get("assignees")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .or_else(|| v.get("assignee"))
            .and_then(username),
        author: v.get("author").and_then(username),
        url: v.get("web_url").and_then(Value::as_str).map(str::to_owned),
        comments: v
            .get("user_notes_count")
            .and_then(Value::as_u64)
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        created_at: time(v, "created_at", &what)?,
        updated_at: time(v, "updated_at", &what)?,
        closed_at: optional_time(v, "closed_at", &what)?,
    })
}

/// A note object; `None` for a system note (GitLab's own record of a change, e.g.
/// "closed" or "assigned to @x"), which is not a comment.
pub(super) fn comment(v: &Value) -> TrackerResult<Option<RemoteComment>> {
    if v.get("system").and_then(Value::as_bool).unwrap_or(false) {
        return Ok(None);
    }
    let id = v
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("a note without a numeric `id`"))?;
    let what = format!("note {id}");
    let created_at = time(v, "created_at", &what)?;
    Ok(Some(RemoteComment {
        remote_id: id.to_string(),
        author: v
            .get("author")
            .and_then(|a| username(a).or_else(|| a.get("name")?.as_str().map(str::to_owned)))
            .unwrap_or_default(),
        body: v
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        created_at,
        updated_at: optional_time(v, "updated_at", &what)?.unwrap_or(created_at),
    }))
}

/// `labels` is an array of names (or of objects with `name` when the caller asked for
/// `with_labels_details`).
fn labels(v: &Value) -> Vec<String> {
    v.get("labels")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|l| l.as_str().or_else(|| l.get("name")?.as_str()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn username(user: &Value) -> Option<String> {
    user.get("username")?.as_str().map(str::to_owned)
}

fn text(v: &Value, field: &str, what: &str) -> TrackerResult<String> {
    v.get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| bad(&format!("{what} without a `{field}`")))
}

fn time(v: &Value, field: &str, what: &str) -> TrackerResult<Timestamp> {
    optional_time(v, field, what)?.ok_or_else(|| bad(&format!("{what} without a `{field}`")))
}

/// GitLab prints RFC 3339 with milliseconds (`2026-01-01T00:00:00.000Z`).
fn optional_time(v: &Value, field: &str, what: &str) -> TrackerResult<Option<Timestamp>> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Timestamp::parse(s, &Rfc3339)
            .map(|t| Some(t.to_offset(time::UtcOffset::UTC)))
            .map_err(|_| bad(&format!("{what} has an unreadable `{field}` ({s})"))),
        Some(_) => Err(bad(&format!("{what} has a non-text `{field}`"))),
    }
}

fn bad(what: &str) -> TrackerError {
    TrackerError::Upstream(format!("GitLab answered {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn issue_reads_gitlab_shape_with_milliseconds() {
        let v = json!({
            "iid": 7, "title": "T", "description": null, "state": "closed",
            "labels": ["bug", {"name": "ui"}],
            "assignees": [{"username": "ann"}], "assignee": {"username": "bob"},
            "author": {"username": "cy"}, "web_url": "https://g/x/-/issues/7",
            "user_notes_count": 2,
            "created_at": "2026-01-01T00:00:00.000Z",
            "updated_at": "2026-01-01T00:00:01.250Z",
            "closed_at": "2026-01-01T00:00:01.250Z"
        });
        let i = issue(&v).unwrap();
        assert_eq!(i.remote_id, "7");
        assert_eq!(i.external_id, "#7");
        assert_eq!(i.description, "");
        assert_eq!(i.status, aiops_types::IssueStatus::Closed);
        assert_eq!(i.labels, ["bug", "ui"]);
        assert_eq!(
            i.assignee.as_deref(),
            Some("ann"),
            "assignees[] wins over assignee"
        );
        assert_eq!(i.updated_at.millisecond(), 250);
        assert!(i.closed_at.is_some());
    }

    #[test]
    fn malformed_issue_is_an_upstream_error_not_a_panic() {
        let err = issue(&json!({"iid": 1, "title": "T", "state": "opened",
            "created_at": "yesterday", "updated_at": "2026-01-01T00:00:00Z"}))
        .unwrap_err();
        assert!(matches!(err, TrackerError::Upstream(m) if m.contains("created_at")));
        assert!(issue(&json!({"title": "no iid"})).is_err());
    }

    #[test]
    fn system_notes_are_not_comments() {
        let n = json!({"id": 3, "body": "closed", "system": true,
            "author": {"username": "a"}, "created_at": "2026-01-01T00:00:00.000Z"});
        assert_eq!(comment(&n).unwrap(), None);
    }
}
