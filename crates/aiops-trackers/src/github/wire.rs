//! GitHub's JSON → the port's types, and the checks on what goes into a URL path.
//!
//! Shapes: the issue object of <https://docs.github.com/en/rest/issues/issues#get-an-issue>,
//! the comment object of
//! <https://docs.github.com/en/rest/issues/comments#get-an-issue-comment> and the pull
//! request object of <https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request>.

use aiops_core::tracker::{
    RemoteComment, RemoteIssue, Target, TrackerError, TrackerResult, normalise_status,
};
use aiops_types::{Provider, PullRequest, PullRequestState, Timestamp};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// `/repos/{owner}/{repo}` for a target `owner/repo`.
///
/// Errors: [`TrackerError::Invalid`] unless the target is exactly two non-empty segments
/// of `[A-Za-z0-9._-]` (and neither is `.` or `..`, which would change the path).
pub fn repo_path(target: &Target) -> TrackerResult<String> {
    let parts: Vec<&str> = target.external.split('/').collect();
    let ok = parts.len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.chars().all(|c| c == '.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        });
    if !ok {
        return Err(TrackerError::Invalid(format!(
            "`{}` is not a GitHub repository: expected owner/repo",
            target.external
        )));
    }
    Ok(format!("/repos/{}/{}", parts[0], parts[1]))
}

/// A positive decimal id (issue number, comment id) checked before it goes into a path.
pub fn number<'a>(what: &str, id: &'a str) -> TrackerResult<&'a str> {
    if !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(TrackerError::Invalid(format!(
            "`{id}` is not a GitHub {what} number"
        )))
    }
}

/// Whether a listed item is a pull request (GitHub lists them among issues).
pub fn is_pull_request(v: &Value) -> bool {
    v.get("pull_request").is_some_and(|p| !p.is_null())
}

/// An issue object as a [`RemoteIssue`]; `Upstream` when a required field is missing.
pub fn issue(v: &Value) -> TrackerResult<RemoteIssue> {
    let number = v
        .get("number")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed("issue", "number"))?;
    let state = text(v, "state").ok_or_else(|| malformed("issue", "state"))?;
    let labels = v
        .get("labels")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|l| l.as_str().or_else(|| l.get("name").and_then(Value::as_str)))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let assignee = v
        .get("assignees")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .or_else(|| v.get("assignee"))
        .and_then(login);
    Ok(RemoteIssue {
        remote_id: number.to_string(),
        external_id: format!("#{number}"),
        title: text(v, "title").ok_or_else(|| malformed("issue", "title"))?,
        description: text(v, "body").unwrap_or_default(),
        status: normalise_status(Provider::Github, &state),
        provider_status: state,
        labels,
        assignee,
        author: v.get("user").and_then(login),
        url: text(v, "html_url"),
        comments: v
            .get("comments")
            .and_then(Value::as_u64)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .unwrap_or(0),
        created_at: time_field(v, "issue", "created_at")?,
        updated_at: time_field(v, "issue", "updated_at")?,
        closed_at: match v.get("closed_at") {
            None | Some(Value::Null) => None,
            Some(_) => Some(time_field(v, "issue", "closed_at")?),
        },
    })
}

/// A comment object as a [`RemoteComment`]. A deleted account shows as GitHub's `ghost`.
pub fn comment(v: &Value) -> TrackerResult<RemoteComment> {
    let id = v
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed("comment", "id"))?;
    Ok(RemoteComment {
        remote_id: id.to_string(),
        author: v
            .get("user")
            .and_then(login)
            .unwrap_or_else(|| "ghost".into()),
        body: text(v, "body").unwrap_or_default(),
        created_at: time_field(v, "comment", "created_at")?,
        updated_at: time_field(v, "comment", "updated_at")?,
    })
}

/// A pull request object (listed or single) as a [`PullRequest`]. Merged is `closed` with
/// `merged_at` set: only the single-item answer has `merged`. `merge_commit` is
/// `merge_commit_sha` once merged (before that GitHub fills it with a test merge).
pub fn pull_request(v: &Value) -> TrackerResult<PullRequest> {
    const WHAT: &str = "pull request";
    let number = v
        .get("number")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed(WHAT, "number"))?;
    let merged = v.get("merged_at").is_some_and(|m| !m.is_null());
    let state = match text(v, "state").as_deref() {
        Some("open") => PullRequestState::Open,
        Some("closed") if merged => PullRequestState::Merged,
        Some("closed") => PullRequestState::Closed,
        _ => return Err(malformed(WHAT, "state")),
    };
    let branch = |side: &str| {
        v.get(side)
            .and_then(|b| b.get("ref"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| malformed(WHAT, &format!("{side}.ref")))
    };
    Ok(PullRequest {
        provider: Provider::Github,
        number,
        title: text(v, "title").ok_or_else(|| malformed(WHAT, "title"))?,
        description: text(v, "body").unwrap_or_default(),
        state,
        draft: v.get("draft").and_then(Value::as_bool).unwrap_or(false),
        source: branch("head")?,
        target: branch("base")?,
        author: v.get("user").and_then(login),
        assignees: logins(v),
        url: text(v, "html_url").ok_or_else(|| malformed(WHAT, "html_url"))?,
        merge_commit: if merged {
            text(v, "merge_commit_sha")
        } else {
            None
        },
        created_at: time_field(v, WHAT, "created_at")?,
        updated_at: time_field(v, WHAT, "updated_at")?,
        mergeable: None,
        merge_status: None,
        checks: None,
    })
}

/// The logins of an issue's or pull request's `assignees`.
pub fn logins(v: &Value) -> Vec<String> {
    v.get("assignees")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(login).collect())
        .unwrap_or_default()
}

/// The head branch of a pull request when it lives in `target` itself (not in a fork,
/// whose branches this repository cannot delete).
pub fn own_head_branch(v: &Value, target: &Target) -> Option<String> {
    let head = v.get("head")?;
    let repo = head.get("repo")?.get("full_name")?.as_str()?;
    repo.eq_ignore_ascii_case(&target.external)
        .then(|| head.get("ref")?.as_str().map(str::to_owned))
        .flatten()
}

/// `updated_at` of any listed item (issue or pull request).
pub fn updated_at(v: &Value) -> TrackerResult<Timestamp> {
    time_field(v, "issue", "updated_at")
}

/// A `since` value as GitHub documents it (`YYYY-MM-DDTHH:MM:SSZ`). Sub-seconds are cut
/// off, which moves the bound earlier and so never skips an update.
pub fn since(t: Timestamp) -> String {
    let t = t
        .to_offset(UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

fn time_field(v: &Value, what: &str, field: &str) -> TrackerResult<Timestamp> {
    let s = v
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(what, field))?;
    OffsetDateTime::parse(s, &Rfc3339)
        .map(|t| t.to_offset(UtcOffset::UTC))
        .map_err(|_| {
            TrackerError::Upstream(format!(
                "GitHub sent a {what} whose `{field}` is not an RFC 3339 time: {s:?}"
            ))
        })
}

fn text(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::to_owned)
}

fn login(user: &Value) -> Option<String> {
    user.get("login").and_then(Value::as_str).map(str::to_owned)
}

fn malformed(what: &str, field: &str) -> TrackerError {
    TrackerError::Upstream(format!("GitHub sent a {what} without `{field}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(s: &str) -> Target {
        Target { external: s.into() }
    }

    #[test]
    fn targets_are_owner_slash_repo() {
        assert_eq!(
            repo_path(&target("octo-org/hello.world_2")).unwrap(),
            "/repos/octo-org/hello.world_2"
        );
        for bad in [
            "octo", "a/b/c", "/b", "a/", "a/..", "a b/c", "a/b?x=1", "a/%2e",
        ] {
            assert!(
                matches!(repo_path(&target(bad)), Err(TrackerError::Invalid(_))),
                "{bad} must be refused before it reaches a URL"
            );
        }
    }

    #[test]
    fn ids_are_digits() {
        assert_eq!(number("issue", "42").unwrap(), "42");
        assert!(number("issue", "4/2").is_err());
        assert!(number("issue", "").is_err());
    }

    #[test]
    fn issue_maps_every_field() {
        let v = json!({
            "number": 7, "title": "T", "body": null, "state": "closed",
            "labels": [{"name": "bug"}, "ui"],
            "assignee": {"login": "second"}, "assignees": [{"login": "first"}],
            "user": {"login": "author"}, "html_url": "https://github.com/o/r/issues/7",
            "comments": 3, "created_at": "2026-01-01T00:00:01Z",
            "updated_at": "2026-01-01T00:00:02Z", "closed_at": "2026-01-01T00:00:02Z"
        });
        let i = issue(&v).unwrap();
        assert_eq!(i.remote_id, "7");
        assert_eq!(i.external_id, "#7");
        assert_eq!(i.description, "");
        assert_eq!(i.status, aiops_types::IssueStatus::Closed);
        assert_eq!(i.labels, vec!["bug", "ui"]);
        assert_eq!(i.assignee.as_deref(), Some("first"));
        assert_eq!(i.author.as_deref(), Some("author"));
        assert_eq!(i.comments, 3);
        assert!(i.closed_at.is_some());
    }

    #[test]
    fn malformed_issue_is_an_upstream_error() {
        let e = issue(&json!({"title": "no number"})).unwrap_err();
        assert!(matches!(e, TrackerError::Upstream(ref m) if m.contains("number")));
        let e = issue(&json!({"number": 1, "title": "t", "state": "open",
            "created_at": "yesterday", "updated_at": "2026-01-01T00:00:00Z"}))
        .unwrap_err();
        assert!(matches!(e, TrackerError::Upstream(ref m) if m.contains("created_at")));
    }

    #[test]
    fn pull_request_state_follows_merged_at() {
        let pr = |state: &str, merged_at: Value| {
            json!({
                "number": 4, "title": "T", "body": "B", "state": state, "draft": true,
                "head": {"ref": "feat/x", "repo": {"full_name": "O/R"}}, "base": {"ref": "main"},
                "user": {"login": "al"}, "assignees": [{"login": "bo"}],
                "html_url": "https://github.com/o/r/pull/4", "merged_at": merged_at,
                "merge_commit_sha": "abc", "created_at": "2026-01-01T00:00:01Z",
                "updated_at": "2026-01-01T00:00:02Z"
            })
        };
        let open = pull_request(&pr("open", Value::Null)).unwrap();
        assert_eq!(open.state, PullRequestState::Open);
        assert_eq!(
            open.merge_commit, None,
            "a test merge is not a merge commit"
        );
        assert_eq!(
            (open.source.as_str(), open.target.as_str()),
            ("feat/x", "main")
        );
        assert_eq!(open.assignees, ["bo"]);
        assert!(open.draft);
        let merged = pull_request(&pr("closed", json!("2026-01-01T00:00:02Z"))).unwrap();
        assert_eq!(merged.state, PullRequestState::Merged);
        assert_eq!(merged.merge_commit.as_deref(), Some("abc"));
        let closed = pull_request(&pr("closed", Value::Null)).unwrap();
        assert_eq!(closed.state, PullRequestState::Closed);
        let v = pr("open", Value::Null);
        assert_eq!(
            own_head_branch(&v, &target("o/r")).as_deref(),
            Some("feat/x")
        );
        assert_eq!(own_head_branch(&v, &target("fork/r")), None);
    }

    #[test]
    fn since_is_whole_seconds_in_utc() {
        let t = OffsetDateTime::parse("2026-01-01T02:00:00.900+02:00", &Rfc3339).unwrap();
        assert_eq!(since(t), "2026-01-01T00:00:00Z");
    }
}
