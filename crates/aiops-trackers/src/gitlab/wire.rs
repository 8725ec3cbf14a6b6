//! GitLab's JSON (issues, notes, merge requests) read into the port's types. Any missing
//! or malformed field the port needs is a [`TrackerError::Upstream`] naming the field.
//!
//! Shapes: <https://docs.gitlab.com/api/issues/#single-project-issue>,
//! <https://docs.gitlab.com/api/notes/#list-project-issue-notes> and
//! <https://docs.gitlab.com/api/merge_requests/#get-single-mr>.

use aiops_core::tracker::{
    RemoteComment, RemoteIssue, TrackerError, TrackerResult, normalise_status,
};
use aiops_types::{Provider, PullRequest, PullRequestChecks, PullRequestState, Timestamp};
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

/// A merge request object as a [`PullRequest`]: `opened` and `locked` are open. The merge
/// commit is `merge_commit_sha`, else `squash_commit_sha`, else (a fast-forward merge
/// makes no commit of its own) the merged head `sha`. Drafts: `draft`, or
/// `work_in_progress` on instances older than 14.0.
pub(super) fn merge_request(v: &Value) -> TrackerResult<PullRequest> {
    let iid = v
        .get("iid")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("a merge request without a numeric `iid`"))?;
    let what = format!("merge request !{iid}");
    let state = match text(v, "state", &what)?.as_str() {
        "opened" | "locked" => PullRequestState::Open,
        "closed" => PullRequestState::Closed,
        "merged" => PullRequestState::Merged,
        other => return Err(bad(&format!("{what} in an unknown state `{other}`"))),
    };
    let sha = |field: &str| {
        v.get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let flag = |field: &str| v.get(field).and_then(Value::as_bool);
    Ok(PullRequest {
        provider: Provider::Gitlab,
        number: iid,
        title: text(v, "title", &what)?,
        description: v
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        state,
        draft: flag("draft")
            .or_else(|| flag("work_in_progress"))
            .unwrap_or(false),
        source: text(v, "source_branch", &what)?,
        target: text(v, "target_branch", &what)?,
        author: v.get("author").and_then(username),
        assignees: match v.get("assignees").and_then(Value::as_array) {
            Some(a) => a.iter().filter_map(username).collect(),
            None => v.get("assignee").and_then(username).into_iter().collect(),
        },
        url: text(v, "web_url", &what)?,
        merge_commit: match state {
            PullRequestState::Merged => sha("merge_commit_sha")
                .or_else(|| sha("squash_commit_sha"))
                .or_else(|| sha("sha")),
            _ => None,
        },
        created_at: time(v, "created_at", &what)?,
        updated_at: time(v, "updated_at", &what)?,
        mergeable: None,
        merge_status: None,
        checks: None,
    })
}

/// What only the single merge request answer carries: `detailed_merge_status` (GitLab
/// 15.6+; `merge_status` before) as [`PullRequest::mergeable`] and `merge_status`, and
/// `head_pipeline` as one check
/// (<https://docs.gitlab.com/api/merge_requests/#get-single-mr>). Mergeable: only
/// `mergeable` (`can_be_merged` on old instances); unknown while GitLab is still checking
/// (`checking`, `unchecked`, `preparing`, `approvals_syncing`). The pipeline failed when
/// `failed` or `canceled`, passed when `success` or `skipped`, and is pending otherwise
/// (`created`, `running`, `manual`, …).
pub(super) fn readiness(pr: &mut PullRequest, v: &Value) {
    if pr.state != PullRequestState::Open {
        return;
    }
    let status = v
        .get("detailed_merge_status")
        .or_else(|| v.get("merge_status"))
        .and_then(Value::as_str);
    pr.mergeable = match status {
        Some("mergeable" | "can_be_merged") => Some(true),
        None | Some("checking" | "unchecked" | "preparing" | "approvals_syncing") => None,
        Some(_) => Some(false),
    };
    pr.merge_status = status.map(str::to_owned);
    pr.checks = v
        .get("head_pipeline")
        .filter(|p| p.is_object())
        .and_then(|p| {
            let (failed, pending) = match p.get("status").and_then(Value::as_str)? {
                "failed" | "canceled" => (1, 0),
                "success" | "skipped" => (0, 0),
                _ => (0, 1),
            };
            let url = p.get("web_url").and_then(Value::as_str).map(str::to_owned);
            PullRequestChecks::from_counts(1, failed, pending, url)
        });
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
    fn merge_request_states_and_commits() {
        let mr = |state: &str, merge: Value, squash: Value| {
            json!({
                "iid": 3, "title": "Draft: T", "description": null, "state": state,
                "draft": true, "source_branch": "aiops/3-x", "target_branch": "main",
                "author": {"username": "al"}, "assignees": [{"username": "bo"}],
                "web_url": "https://g/x/-/merge_requests/3", "sha": "head",
                "merge_commit_sha": merge, "squash_commit_sha": squash,
                "created_at": "2026-01-01T00:00:00.000Z",
                "updated_at": "2026-01-01T00:00:01.000Z"
            })
        };
        let open = merge_request(&mr("opened", Value::Null, Value::Null)).unwrap();
        assert_eq!(open.state, PullRequestState::Open);
        assert_eq!(open.merge_commit, None);
        assert!(open.draft);
        assert_eq!(
            (open.source.as_str(), open.target.as_str()),
            ("aiops/3-x", "main")
        );
        assert_eq!(open.assignees, ["bo"]);
        assert_eq!(open.description, "");
        let locked = merge_request(&mr("locked", Value::Null, Value::Null)).unwrap();
        assert_eq!(locked.state, PullRequestState::Open);
        let squashed = merge_request(&mr("merged", Value::Null, json!("sq"))).unwrap();
        assert_eq!(squashed.state, PullRequestState::Merged);
        assert_eq!(squashed.merge_commit.as_deref(), Some("sq"));
        let both = merge_request(&mr("merged", json!("mc"), json!("sq"))).unwrap();
        assert_eq!(both.merge_commit.as_deref(), Some("mc"));
        let ff = merge_request(&mr("merged", Value::Null, Value::Null)).unwrap();
        assert_eq!(ff.merge_commit.as_deref(), Some("head"), "fast-forward");
        assert!(merge_request(&mr("weird", Value::Null, Value::Null)).is_err());
    }

    #[test]
    fn system_notes_are_not_comments() {
        let n = json!({"id": 3, "body": "closed", "system": true,
            "author": {"username": "a"}, "created_at": "2026-01-01T00:00:00.000Z"});
        assert_eq!(comment(&n).unwrap(), None);
    }
}
