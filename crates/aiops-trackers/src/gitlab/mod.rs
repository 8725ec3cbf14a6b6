//! GitLab provider: the REST API v4 (`<instance>/api/v4`) of gitlab.com or a self-managed
//! instance, authenticated with a personal/project/group access token in `PRIVATE-TOKEN`.
//!
//! A [`Target`] is a project path (`group/sub/project`, sent URL-encoded as one path
//! segment) or a numeric project id. Issues are addressed by their project-scoped `iid`.
//!
//! Sync uses `updated_after` (inclusive) over the issue list ordered by `updated_at`
//! ascending and offset paging. GitLab has no `ETag`/`304` for issue lists, so every run
//! lists what changed. Offset paging can skip an issue when another one is edited while
//! we page (the edited issue jumps to the end and the rest shift by one); we notice this
//! because the edited issue then shows up twice, and answer with the old cursor and
//! `complete = false`, so the next run covers the same window again.
//!
//! Merge requests are in [`merge_requests`].

mod merge_requests;
mod wire;

use std::collections::HashMap;
use std::time::Duration;

use aiops_core::tracker::{
    Changes, Connection, MergeOptions, NewPullRequest, NewRemoteIssue, RemoteComment, RemoteIssue,
    RemoteIssuePatch, SyncCursor, Target, Tracker, TrackerError, TrackerResult,
};
use aiops_types::{IssueStatus, PullRequest, PullRequestState, Timestamp};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use ureq::http::Method;

use crate::http::{AuthScheme, Http, Reply, encode, next_link};

/// Items per page we ask for (GitLab's maximum).
const PER_PAGE: &str = "100";
/// A listing stops here (1,000,000 items) rather than follow a server that never ends.
const MAX_PAGES: usize = 10_000;

/// A GitLab client bound to one instance and one token.
pub struct GitLab {
    http: Http,
}

impl GitLab {
    /// `c.base_url` is the instance root (`https://gitlab.com`,
    /// `https://git.example.com/gitlab`); a URL already ending in `/api/v4` is accepted
    /// as is. Errors: [`TrackerError::Invalid`] for a base URL that is not http(s).
    pub fn open(c: &Connection, timeout: Duration) -> TrackerResult<Self> {
        let root = c.base_url.trim().trim_end_matches('/');
        let api = if root.ends_with("/api/v4") {
            root.to_owned()
        } else {
            format!("{root}/api/v4")
        };
        Ok(Self {
            http: Http::new(
                &api,
                AuthScheme::PrivateToken(c.token.clone()),
                vec![],
                timeout,
            )?,
        })
    }

    /// `PUT /projects/:id/issues/:iid` with `body`; the updated issue.
    /// <https://docs.gitlab.com/api/issues/#edit-an-issue>
    fn edit(&self, t: &Target, remote_id: &str, body: Value) -> TrackerResult<RemoteIssue> {
        let v = self
            .http
            .json(Method::PUT, &issue_path(t, remote_id)?, &[], Some(&body))?;
        wire::issue(&v)
    }

    /// The numeric id of `username`, through `GET /users?username=`
    /// (<https://docs.gitlab.com/api/users/#list-users>). Unknown → `Invalid`.
    fn user_id(&self, username: &str) -> TrackerResult<u64> {
        let name = username.trim().trim_start_matches('@');
        let v = self.http.json(
            Method::GET,
            "/users",
            &[("username", name.to_owned())],
            None,
        )?;
        v.as_array()
            .into_iter()
            .flatten()
            .find(|u| {
                u.get("username")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .and_then(|u| u.get("id")?.as_u64())
            .ok_or_else(|| TrackerError::Invalid(format!("GitLab has no user `{name}`")))
    }

    /// Every item of a paged list, following `Link: rel="next"` or, when the link is
    /// missing or points outside the configured URL (a proxy rewriting hosts),
    /// `X-Next-Page` (<https://docs.gitlab.com/api/rest/#pagination>).
    fn all_pages(&self, path: &str, query: &[(&str, String)]) -> TrackerResult<Vec<Value>> {
        let mut items = Vec::new();
        let mut reply = self.http.send(Method::GET, path, query, None, &[])?;
        for _ in 0..MAX_PAGES {
            let Value::Array(page) = reply.json()? else {
                return Err(TrackerError::Upstream(format!(
                    "GitLab answered GET {path} with something other than a list"
                )));
            };
            if page.is_empty() {
                return Ok(items);
            }
            items.extend(page);
            reply = match self.next_page(&reply, path, query)? {
                Some(r) => r,
                None => return Ok(items),
            };
        }
        Err(TrackerError::Upstream(format!(
            "GitLab kept paging GET {path} past {MAX_PAGES} pages"
        )))
    }

    fn next_page(
        &self,
        reply: &Reply,
        path: &str,
        query: &[(&str, String)],
    ) -> TrackerResult<Option<Reply>> {
        let ours = format!("{}/", self.http.base_url());
        if let Some(url) = next_link(reply).filter(|u| u.starts_with(&ours)) {
            return self.http.send(Method::GET, &url, &[], None, &[]).map(Some);
        }
        let Some(page) = reply
            .header("x-next-page")
            .map(str::trim)
            .filter(|p| !p.is_empty())
        else {
            return Ok(None);
        };
        let mut q: Vec<(&str, String)> = query
            .iter()
            .filter(|(k, _)| *k != "page")
            .cloned()
            .collect();
        q.push(("page", page.to_owned()));
        self.http.send(Method::GET, path, &q, None, &[]).map(Some)
    }
}

impl Tracker for GitLab {
    /// `GET /user` → `username` (<https://docs.gitlab.com/api/users/#get-the-current-user>).
    fn test_connection(&self) -> TrackerResult<String> {
        let v = self.http.json(Method::GET, "/user", &[], None)?;
        v.get("username")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                TrackerError::Upstream("GitLab answered GET /user without a username".into())
            })
    }

    /// `GET /projects/:id/issues?scope=all&order_by=updated_at&sort=asc&per_page=100`
    /// (+ `updated_after=<RFC 3339>`), every page
    /// (<https://docs.gitlab.com/api/issues/#list-project-issues>). Each iid appears once
    /// (its newest copy); the issue at the old cursor comes back again because
    /// `updated_after` is inclusive. `cursor.etag` stays `None`.
    fn changes(&self, target: &Target, cursor: &SyncCursor) -> TrackerResult<Changes> {
        let mut query = vec![
            ("scope", "all".to_owned()),
            ("order_by", "updated_at".to_owned()),
            ("sort", "asc".to_owned()),
            ("per_page", PER_PAGE.to_owned()),
        ];
        if let Some(since) = cursor.since {
            query.push(("updated_after", rfc3339(since)?));
        }
        let items = self.all_pages(&format!("{}/issues", project_path(target)?), &query)?;
        let mut issues: Vec<RemoteIssue> = Vec::with_capacity(items.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut raced = false;
        for v in &items {
            let issue = wire::issue(v)?;
            match seen.get(&issue.remote_id) {
                Some(&k) => {
                    raced = true;
                    if issue.updated_at >= issues[k].updated_at {
                        issues[k] = issue;
                    }
                }
                None => {
                    seen.insert(issue.remote_id.clone(), issues.len());
                    issues.push(issue);
                }
            }
        }
        let newest = issues.iter().map(|i| i.updated_at).max();
        let since = if raced {
            cursor.since
        } else {
            cursor.since.max(newest)
        };
        Ok(Changes {
            issues,
            cursor: SyncCursor { since, etag: None },
            not_modified: false,
            complete: cursor.since.is_none() && !raced,
        })
    }

    /// `GET /projects/:id/issues/:iid` (<https://docs.gitlab.com/api/issues/#single-project-issue>).
    fn get_issue(&self, target: &Target, remote_id: &str) -> TrackerResult<RemoteIssue> {
        let v = self
            .http
            .json(Method::GET, &issue_path(target, remote_id)?, &[], None)?;
        wire::issue(&v)
    }

    /// `POST /projects/:id/issues` with `title`, `description`, `labels` (comma-separated)
    /// and `assignee_ids` (<https://docs.gitlab.com/api/issues/#new-issue>). An unknown
    /// assignee or a label containing a comma is `Invalid` before anything is created.
    fn create_issue(&self, target: &Target, issue: &NewRemoteIssue) -> TrackerResult<RemoteIssue> {
        let mut body = json!({ "title": issue.title, "description": issue.description });
        if !issue.labels.is_empty() {
            body["labels"] = json!(label_list(&issue.labels)?);
        }
        if let Some(a) = &issue.assignee {
            body["assignee_ids"] = json!([self.user_id(a)?]);
        }
        let path = format!("{}/issues", project_path(target)?);
        let v = self.http.json(Method::POST, &path, &[], Some(&body))?;
        wire::issue(&v)
    }

    /// `PUT /projects/:id/issues/:iid` with the given fields only; `labels` replaces the
    /// set (an empty string clears it). An empty patch just reads the issue.
    fn update_issue(
        &self,
        target: &Target,
        remote_id: &str,
        patch: &RemoteIssuePatch,
    ) -> TrackerResult<RemoteIssue> {
        let mut body = serde_json::Map::new();
        if let Some(t) = &patch.title {
            body.insert("title".into(), json!(t));
        }
        if let Some(d) = &patch.description {
            body.insert("description".into(), json!(d));
        }
        if let Some(l) = &patch.labels {
            body.insert("labels".into(), json!(label_list(l)?));
        }
        if body.is_empty() {
            // GitLab refuses an edit without parameters (400).
            return self.get_issue(target, remote_id);
        }
        self.edit(target, remote_id, Value::Object(body))
    }

    /// `PUT /projects/:id/issues/:iid` with `state_event=close|reopen`.
    fn set_status(
        &self,
        target: &Target,
        remote_id: &str,
        status: IssueStatus,
    ) -> TrackerResult<RemoteIssue> {
        let event = match status {
            IssueStatus::Open => "reopen",
            IssueStatus::Closed => "close",
        };
        self.edit(target, remote_id, json!({ "state_event": event }))
    }

    /// `PUT /projects/:id/issues/:iid` with `assignee_ids=[id]`, or `[0]` to unassign
    /// (the documented "set to 0 to unassign all assignees").
    fn assign(
        &self,
        target: &Target,
        remote_id: &str,
        assignee: Option<&str>,
    ) -> TrackerResult<RemoteIssue> {
        // A bad iid is refused before spending a request on the user lookup.
        issue_path(target, remote_id)?;
        let id = match assignee {
            Some(a) => self.user_id(a)?,
            None => 0,
        };
        self.edit(target, remote_id, json!({ "assignee_ids": [id] }))
    }

    /// `GET /projects/:id/issues/:iid/notes?sort=asc&order_by=created_at&per_page=100`,
    /// every page, system notes left out
    /// (<https://docs.gitlab.com/api/notes/#list-project-issue-notes>).
    fn comments(&self, target: &Target, remote_id: &str) -> TrackerResult<Vec<RemoteComment>> {
        let path = format!("{}/notes", issue_path(target, remote_id)?);
        let query = [
            ("sort", "asc".to_owned()),
            ("order_by", "created_at".to_owned()),
            ("per_page", PER_PAGE.to_owned()),
        ];
        let mut out = Vec::new();
        for v in self.all_pages(&path, &query)? {
            out.extend(wire::comment(&v)?);
        }
        Ok(out)
    }

    /// `POST /projects/:id/issues/:iid/notes` with `body`
    /// (<https://docs.gitlab.com/api/notes/#create-new-issue-note>).
    fn add_comment(
        &self,
        target: &Target,
        remote_id: &str,
        body: &str,
    ) -> TrackerResult<RemoteComment> {
        let path = format!("{}/notes", issue_path(target, remote_id)?);
        let v = self
            .http
            .json(Method::POST, &path, &[], Some(&json!({ "body": body })))?;
        user_note(&v)
    }

    /// `PUT /projects/:id/issues/:iid/notes/:note_id` with `body`
    /// (<https://docs.gitlab.com/api/notes/#modify-existing-issue-note>).
    fn edit_comment(
        &self,
        target: &Target,
        remote_id: &str,
        comment_id: &str,
        body: &str,
    ) -> TrackerResult<RemoteComment> {
        let note: u64 = comment_id.trim().parse().map_err(|_| {
            TrackerError::Invalid(format!("`{comment_id}` is not a GitLab note id"))
        })?;
        let path = format!("{}/notes/{note}", issue_path(target, remote_id)?);
        let v = self
            .http
            .json(Method::PUT, &path, &[], Some(&json!({ "body": body })))?;
        user_note(&v)
    }

    fn pull_requests(
        &self,
        target: &Target,
        state: Option<PullRequestState>,
        limit: u32,
    ) -> TrackerResult<Vec<PullRequest>> {
        self.list_merge_requests(target, state, limit)
    }

    fn pull_request(&self, target: &Target, number: u64) -> TrackerResult<PullRequest> {
        self.get_merge_request(target, number)
    }

    fn create_pull_request(
        &self,
        target: &Target,
        pr: &NewPullRequest,
    ) -> TrackerResult<PullRequest> {
        self.create_merge_request(target, pr)
    }

    fn merge_pull_request(
        &self,
        target: &Target,
        number: u64,
        merge: &MergeOptions,
    ) -> TrackerResult<PullRequest> {
        self.merge_merge_request(target, number, merge)
    }

    fn close_pull_request(&self, target: &Target, number: u64) -> TrackerResult<PullRequest> {
        self.close_merge_request(target, number)
    }

    fn requests(&self) -> u32 {
        self.http.requests()
    }
}

/// `/projects/<id>`: a numeric id as is, a path URL-encoded into one segment.
fn project_path(t: &Target) -> TrackerResult<String> {
    let p = t.external.trim().trim_matches('/');
    if p.is_empty() {
        return Err(TrackerError::Invalid(
            "the GitLab project is empty: give `group/project` or a numeric id".into(),
        ));
    }
    Ok(format!("/projects/{}", encode(p)))
}

/// `/projects/<id>/issues/<iid>`; a non-numeric iid is `Invalid`.
fn issue_path(t: &Target, remote_id: &str) -> TrackerResult<String> {
    let iid: u64 = remote_id
        .trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| {
            TrackerError::Invalid(format!("`{remote_id}` is not a GitLab issue number"))
        })?;
    Ok(format!("{}/issues/{iid}", project_path(t)?))
}

/// GitLab takes labels as one comma-separated string, so a comma inside a name would
/// silently split it in two.
fn label_list(labels: &[String]) -> TrackerResult<String> {
    if let Some(l) = labels.iter().find(|l| l.contains(',')) {
        return Err(TrackerError::Invalid(format!(
            "GitLab label names cannot contain a comma: `{l}`"
        )));
    }
    Ok(labels.join(","))
}

fn user_note(v: &Value) -> TrackerResult<RemoteComment> {
    wire::comment(v)?.ok_or_else(|| {
        TrackerError::Upstream("GitLab answered a comment with a system note".into())
    })
}

fn rfc3339(t: Timestamp) -> TrackerResult<String> {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| TrackerError::Upstream(format!("cannot format {t}: {e}")))
}
