//! GitHub provider: the issues of one repository over the REST API v3
//! (<https://docs.github.com/en/rest/issues>), on github.com (`https://api.github.com`) or
//! GitHub Enterprise Server (`https://host/api/v3`).
//!
//! Every request carries `Authorization: Bearer <token>`, `Accept:
//! application/vnd.github+json` and `X-GitHub-Api-Version: 2022-11-28`
//! (<https://docs.github.com/en/rest/about-the-rest-api/api-versions>). Issues are
//! addressed by number; pull requests, which GitHub lists among issues, are left out.
//!
//! Sync is one listing sorted by `updated_at`, ascending, 100 per page, from the cursor's
//! `since` (inclusive on GitHub's side), following `Link: rel="next"`. The first page is
//! asked with `If-None-Match: <cursor.etag>`: when nothing changed GitHub answers `304`,
//! which costs no quota (<https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate>).
//!
//! Pull requests are in [`pulls`], a single one with its checks in [`checks`].

mod checks;
mod pulls;
mod wire;

use std::collections::HashMap;
use std::time::Duration;

use aiops_core::tracker::{
    Changes, Connection, MergeOptions, NewPullRequest, NewRemoteIssue, RemoteComment, RemoteIssue,
    RemoteIssuePatch, SyncCursor, Target, Tracker, TrackerError, TrackerResult,
};
use aiops_types::{IssueStatus, PullRequest, PullRequestState, Timestamp};
use serde_json::{Map, Value, json};
use ureq::http::Method;

use crate::http::{AuthScheme, Http, Reply, next_link};

/// Headers GitHub asks every REST client to send.
const GITHUB_HEADERS: [(&str, &str); 2] = [
    ("Accept", "application/vnd.github+json"),
    ("X-GitHub-Api-Version", "2022-11-28"),
];
/// GitHub's largest page.
const PER_PAGE: &str = "100";
/// Pages one listing may follow (500,000 items) before the server is assumed to loop.
const MAX_PAGES: usize = 5000;

/// A [`Tracker`] for one GitHub credential.
pub struct GitHub {
    http: Http,
}

impl GitHub {
    /// `c.base_url` is the API root without a trailing slash. Sends nothing.
    ///
    /// Errors: [`TrackerError::Invalid`] when the base URL is not http(s).
    pub fn open(c: &Connection, timeout: Duration) -> TrackerResult<Self> {
        Ok(Self {
            http: Http::new(
                &c.base_url,
                AuthScheme::Bearer(c.token.clone()),
                GITHUB_HEADERS.to_vec(),
                timeout,
            )?,
        })
    }

    fn get(&self, path: &str) -> TrackerResult<Value> {
        self.http.json(Method::GET, path, &[], None)
    }

    fn write(&self, method: Method, path: &str, body: &Value) -> TrackerResult<Value> {
        self.http.json(method, path, &[], Some(body))
    }

    fn patch_issue(&self, t: &Target, remote_id: &str, body: &Value) -> TrackerResult<RemoteIssue> {
        let path = issue_path(t, remote_id)?;
        wire::issue(&self.write(Method::PATCH, &path, body)?)
    }

    /// One list request of the issues of `repo` updated since `since` (all when None).
    fn list(
        &self,
        repo: &str,
        since: Option<Timestamp>,
        etag: Option<&str>,
    ) -> TrackerResult<Reply> {
        let mut query = vec![
            ("state", "all".to_owned()),
            ("sort", "updated".to_owned()),
            ("direction", "asc".to_owned()),
            ("per_page", PER_PAGE.to_owned()),
        ];
        if let Some(s) = since {
            query.push(("since", wire::since(s)));
        }
        let headers: Vec<(&str, String)> = etag
            .map(|e| vec![("If-None-Match", e.to_owned())])
            .unwrap_or_default();
        self.http.send(
            Method::GET,
            &format!("{repo}/issues"),
            &query,
            None,
            &headers,
        )
    }

    /// Reads `first` and every page after it into `seen`.
    fn read_listing(&self, first: Reply, seen: &mut Seen) -> TrackerResult<()> {
        let mut reply = first;
        for _ in 0..MAX_PAGES {
            let items = reply.json()?;
            let items = items.as_array().ok_or_else(|| {
                TrackerError::Upstream("GitHub answered an issue listing that is not a list".into())
            })?;
            for v in items {
                seen.add(v)?;
            }
            match next_link(&reply) {
                Some(next) => reply = self.http.send(Method::GET, &next, &[], None, &[])?,
                None => return Ok(()),
            }
        }
        Err(TrackerError::Upstream(format!(
            "GitHub's issue listing went on past {MAX_PAGES} pages"
        )))
    }

    /// Every page of a list endpoint (`Link: rel="next"`), items in order.
    fn all_pages(&self, path: &str) -> TrackerResult<Vec<Value>> {
        let mut out = Vec::new();
        let mut reply = self.http.send(
            Method::GET,
            path,
            &[("per_page", PER_PAGE.to_owned())],
            None,
            &[],
        )?;
        for _ in 0..MAX_PAGES {
            match reply.json()? {
                Value::Array(items) => out.extend(items),
                _ => {
                    return Err(TrackerError::Upstream(format!(
                        "GitHub's {path} is not a list"
                    )));
                }
            }
            match next_link(&reply) {
                Some(next) => reply = self.http.send(Method::GET, &next, &[], None, &[])?,
                None => return Ok(out),
            }
        }
        Err(TrackerError::Upstream(format!(
            "{path} went on past {MAX_PAGES} pages"
        )))
    }
}

/// What a listing has shown so far: issues by number (newest version wins) and the newest
/// `updated_at` of any item, pull requests included (they bound the next `since` too).
#[derive(Default)]
struct Seen {
    issues: HashMap<String, RemoteIssue>,
    newest: Option<Timestamp>,
}

impl Seen {
    fn add(&mut self, v: &Value) -> TrackerResult<()> {
        let at = wire::updated_at(v)?;
        self.newest = self.newest.max(Some(at));
        if wire::is_pull_request(v) {
            return Ok(());
        }
        let issue = wire::issue(v)?;
        match self.issues.get(&issue.remote_id) {
            Some(old) if old.updated_at > issue.updated_at => {}
            _ => {
                self.issues.insert(issue.remote_id.clone(), issue);
            }
        }
        Ok(())
    }

    /// Oldest change first, as listed.
    fn into_issues(self) -> Vec<RemoteIssue> {
        let mut v: Vec<RemoteIssue> = self.issues.into_values().collect();
        v.sort_by_key(|i| (i.updated_at, i.remote_id.parse::<u64>().unwrap_or(0)));
        v
    }
}

fn issue_path(t: &Target, remote_id: &str) -> TrackerResult<String> {
    Ok(format!(
        "{}/issues/{}",
        wire::repo_path(t)?,
        wire::number("issue", remote_id)?
    ))
}

impl Tracker for GitHub {
    /// `GET /user` → the token's login
    /// (<https://docs.github.com/en/rest/users/users#get-the-authenticated-user>).
    fn test_connection(&self) -> TrackerResult<String> {
        let me = self.get("/user")?;
        me.get("login")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| TrackerError::Upstream("GitHub's /user has no `login`".into()))
    }

    /// `GET /repos/{o}/{r}/issues?state=all&sort=updated&direction=asc&per_page=100[&since=]`
    /// (<https://docs.github.com/en/rest/issues/issues#list-repository-issues>).
    ///
    /// The new cursor's `since` is the newest `updated_at` listed (pull requests included)
    /// and its `etag` the `ETag` of this run's first page, sent back as `If-None-Match`: a
    /// repository unchanged since is asked the same first page and answers a free `304`.
    /// A full listing (no `since`) has a first page the next run never asks for, so it asks
    /// once more for the page the next run will ask for (`since` = newest) and keeps that
    /// page's `ETag`; its items are merged in. GitHub's `since` is inclusive: after an
    /// incremental run with changes, the next run lists the newest issue once more, and
    /// the run after that gets the `304`.
    fn changes(&self, target: &Target, cursor: &SyncCursor) -> TrackerResult<Changes> {
        let repo = wire::repo_path(target)?;
        let first = self.list(&repo, cursor.since, cursor.etag.as_deref())?;
        if first.status == 304 {
            return Ok(Changes {
                issues: Vec::new(),
                cursor: cursor.clone(),
                not_modified: true,
                // Nothing was listed, so nothing can be concluded about deletions.
                complete: false,
            });
        }
        let mut etag = first.header("etag").map(str::to_owned);
        let mut seen = Seen::default();
        self.read_listing(first, &mut seen)?;
        if cursor.since.is_none()
            && let Some(newest) = seen.newest
        {
            let next_first = self.list(&repo, Some(newest), None)?;
            etag = next_first.header("etag").map(str::to_owned);
            self.read_listing(next_first, &mut seen)?;
            if seen.newest != Some(newest) {
                // Something changed meanwhile: the next run asks for another URL.
                etag = None;
            }
        }
        let since = seen.newest.max(cursor.since);
        Ok(Changes {
            issues: seen.into_issues(),
            cursor: SyncCursor { since, etag },
            not_modified: false,
            complete: cursor.since.is_none(),
        })
    }

    /// `GET /repos/{o}/{r}/issues/{n}`
    /// (<https://docs.github.com/en/rest/issues/issues#get-an-issue>). A pull request's
    /// number is `NotFound`; a deleted issue (`410`) too.
    fn get_issue(&self, target: &Target, remote_id: &str) -> TrackerResult<RemoteIssue> {
        let v = self.get(&issue_path(target, remote_id)?)?;
        if wire::is_pull_request(&v) {
            return Err(TrackerError::NotFound(format!(
                "#{remote_id} is a pull request, not an issue"
            )));
        }
        wire::issue(&v)
    }

    /// `POST /repos/{o}/{r}/issues` `{title, body, labels, assignees}`
    /// (<https://docs.github.com/en/rest/issues/issues#create-an-issue>). Unknown labels are
    /// created by GitHub; an assignee who cannot be assigned is `Invalid` (`422`).
    fn create_issue(&self, target: &Target, issue: &NewRemoteIssue) -> TrackerResult<RemoteIssue> {
        let mut body = json!({
            "title": issue.title,
            "body": issue.description,
            "labels": issue.labels,
        });
        if let Some(a) = &issue.assignee {
            body["assignees"] = json!([a]);
        }
        let path = format!("{}/issues", wire::repo_path(target)?);
        wire::issue(&self.write(Method::POST, &path, &body)?)
    }

    /// `PATCH /repos/{o}/{r}/issues/{n}` with only the given fields (`labels` replaces the
    /// set) (<https://docs.github.com/en/rest/issues/issues#update-an-issue>). An empty
    /// patch reads the issue instead.
    fn update_issue(
        &self,
        target: &Target,
        remote_id: &str,
        patch: &RemoteIssuePatch,
    ) -> TrackerResult<RemoteIssue> {
        let mut body = Map::new();
        if let Some(t) = &patch.title {
            body.insert("title".into(), json!(t));
        }
        if let Some(d) = &patch.description {
            body.insert("body".into(), json!(d));
        }
        if let Some(l) = &patch.labels {
            body.insert("labels".into(), json!(l));
        }
        if body.is_empty() {
            return self.get_issue(target, remote_id);
        }
        self.patch_issue(target, remote_id, &Value::Object(body))
    }

    /// `PATCH …/issues/{n}` `{state: "open"}` or `{state: "closed", state_reason:
    /// "completed"}` (<https://docs.github.com/en/rest/issues/issues#update-an-issue>).
    fn set_status(
        &self,
        target: &Target,
        remote_id: &str,
        status: IssueStatus,
    ) -> TrackerResult<RemoteIssue> {
        let body = match status {
            IssueStatus::Open => json!({"state": "open"}),
            IssueStatus::Closed => json!({"state": "closed", "state_reason": "completed"}),
        };
        self.patch_issue(target, remote_id, &body)
    }

    /// `PATCH …/issues/{n}` `{assignees: [login]}`, or `[]` to unassign
    /// (<https://docs.github.com/en/rest/issues/issues#update-an-issue>). GitHub drops a
    /// login it cannot assign without an error: the returned issue shows who is assigned.
    fn assign(
        &self,
        target: &Target,
        remote_id: &str,
        assignee: Option<&str>,
    ) -> TrackerResult<RemoteIssue> {
        let list: Vec<&str> = assignee.into_iter().collect();
        self.patch_issue(target, remote_id, &json!({ "assignees": list }))
    }

    /// `GET /repos/{o}/{r}/issues/{n}/comments?per_page=100`, every page, oldest first
    /// (<https://docs.github.com/en/rest/issues/comments#list-issue-comments>).
    fn comments(&self, target: &Target, remote_id: &str) -> TrackerResult<Vec<RemoteComment>> {
        let path = format!("{}/comments", issue_path(target, remote_id)?);
        self.all_pages(&path)?.iter().map(wire::comment).collect()
    }

    /// `POST /repos/{o}/{r}/issues/{n}/comments` `{body}`
    /// (<https://docs.github.com/en/rest/issues/comments#create-an-issue-comment>).
    fn add_comment(
        &self,
        target: &Target,
        remote_id: &str,
        body: &str,
    ) -> TrackerResult<RemoteComment> {
        let path = format!("{}/comments", issue_path(target, remote_id)?);
        wire::comment(&self.write(Method::POST, &path, &json!({ "body": body }))?)
    }

    /// `PATCH /repos/{o}/{r}/issues/comments/{id}` `{body}`
    /// (<https://docs.github.com/en/rest/issues/comments#update-an-issue-comment>); GitHub
    /// addresses comments by id alone, `remote_id` is only checked.
    fn edit_comment(
        &self,
        target: &Target,
        remote_id: &str,
        comment_id: &str,
        body: &str,
    ) -> TrackerResult<RemoteComment> {
        wire::number("issue", remote_id)?;
        let path = format!(
            "{}/issues/comments/{}",
            wire::repo_path(target)?,
            wire::number("comment", comment_id)?
        );
        wire::comment(&self.write(Method::PATCH, &path, &json!({ "body": body }))?)
    }

    fn pull_requests(
        &self,
        target: &Target,
        state: Option<PullRequestState>,
        limit: u32,
    ) -> TrackerResult<Vec<PullRequest>> {
        self.list_pulls(target, state, limit)
    }

    fn pull_request(&self, target: &Target, number: u64) -> TrackerResult<PullRequest> {
        self.get_pull(target, number)
    }

    fn create_pull_request(
        &self,
        target: &Target,
        pr: &NewPullRequest,
    ) -> TrackerResult<PullRequest> {
        self.create_pull(target, pr)
    }

    fn merge_pull_request(
        &self,
        target: &Target,
        number: u64,
        merge: &MergeOptions,
    ) -> TrackerResult<PullRequest> {
        self.merge_pull(target, number, merge)
    }

    fn close_pull_request(&self, target: &Target, number: u64) -> TrackerResult<PullRequest> {
        self.close_pull(target, number)
    }

    fn requests(&self) -> u32 {
        self.http.requests()
    }
}
