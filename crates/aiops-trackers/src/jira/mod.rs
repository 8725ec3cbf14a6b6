//! Jira Cloud provider over REST API v3
//! (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/>).
//!
//! Auth is Basic `email:api_token`
//! (<https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/>).
//! A target is a project key (`PROJ`) or `jql:<filter>`; issues are addressed by key
//! (`PROJ-12`). Descriptions and comments travel as ADF and are converted to and from
//! Markdown in [`adf`]. Closing and reopening go through workflow transitions.

pub mod adf;
mod wire;

use std::collections::HashSet;
use std::time::Duration;

use aiops_core::tracker::{
    Changes, Connection, JIRA_CLOSE_TRANSITIONS, JIRA_REOPEN_TRANSITIONS, NewRemoteIssue,
    RemoteComment, RemoteIssue, RemoteIssuePatch, SyncCursor, Target, Tracker, TrackerError,
    TrackerResult,
};
use aiops_types::IssueStatus;
use serde_json::{Value, json};
use ureq::http::Method;

use crate::http::{AuthScheme, Http};
use wire::{FIELDS, Scope};

/// Issue type of issues aiops creates. Every Jira Cloud software and business project
/// template has it.
pub const ISSUE_TYPE: &str = "Task";
/// Page size asked of the search; Jira may answer with fewer (it trims pages carrying
/// many fields), so paging follows `nextPageToken`, never counts.
const SEARCH_PAGE: u32 = 100;
/// Page size asked for comments (Jira's maximum for that endpoint).
const COMMENT_PAGE: u32 = 100;
/// How far before the cursor a sync looks again: JQL compares at minute granularity and
/// the clocks of Jira's search index may lag a little.
const OVERLAP: time::Duration = time::Duration::minutes(2);

/// A Jira Cloud client for one connection (`base_url` like `https://acme.atlassian.net`).
pub struct Jira {
    http: Http,
    close_transitions: Vec<String>,
    reopen_transitions: Vec<String>,
}

impl Jira {
    /// `Invalid` when the connection has no account email (Basic auth needs it) or the
    /// base URL is malformed.
    pub fn open(c: &Connection, timeout: Duration) -> TrackerResult<Self> {
        let email = c
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .ok_or_else(|| TrackerError::Invalid("Jira needs the account email".into()))?;
        let auth = AuthScheme::Basic {
            email: email.to_owned(),
            token: c.token.clone(),
        };
        let names = |configured: &[String], defaults: &[&str]| {
            if configured.is_empty() {
                defaults.iter().map(|s| (*s).to_owned()).collect()
            } else {
                configured.to_vec()
            }
        };
        Ok(Self {
            http: Http::new(&c.base_url, auth, vec![], timeout)?,
            close_transitions: names(&c.jira_close_transitions, JIRA_CLOSE_TRANSITIONS),
            reopen_transitions: names(&c.jira_reopen_transitions, JIRA_REOPEN_TRANSITIONS),
        })
    }

    fn issue_path(key: &str) -> String {
        format!("/rest/api/3/issue/{key}")
    }

    /// <https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get>
    fn read(&self, key: &str) -> TrackerResult<RemoteIssue> {
        let query = [("fields", FIELDS.join(","))];
        let value = self
            .http
            .json(Method::GET, &Self::issue_path(key), &query, None)?;
        wire::issue(&value, self.http.base_url())
    }
}

impl Tracker for Jira {
    /// `GET /rest/api/3/myself` → the accountId
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get>).
    fn test_connection(&self) -> TrackerResult<String> {
        let me = self
            .http
            .json(Method::GET, "/rest/api/3/myself", &[], None)?;
        me.get("accountId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| TrackerError::Upstream("Jira's /myself answer has no accountId".into()))
    }

    /// Enhanced JQL search, `POST /rest/api/3/search/jql`, every page by `nextPageToken`
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post>).
    ///
    /// With a cursor the JQL adds `updated >= "<since − 2 min>"`. JQL reads that time in
    /// the *user's profile time zone*, at minute granularity; we format it in UTC. The
    /// 2-minute overlap plus de-duplication by key covers the minute rounding and small
    /// clock skew, and a zone east of UTC only widens the window. A profile zone west of
    /// UTC narrows it by the offset: such accounts should use UTC in their Jira profile
    /// (the time-zone-free alternative, a relative `updated >= -Nm`, would depend on
    /// our clock instead).
    fn changes(&self, target: &Target, cursor: &SyncCursor) -> TrackerResult<Changes> {
        let base = Scope::parse(target)?.jql();
        let jql = match cursor.since {
            Some(since) => format!(
                "{base} AND updated >= \"{}\" ORDER BY updated ASC",
                wire::jql_time(since - OVERLAP)?
            ),
            None => format!("{base} ORDER BY updated ASC"),
        };
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({ "jql": jql, "fields": FIELDS, "maxResults": SEARCH_PAGE });
            if let Some(token) = &token {
                body["nextPageToken"] = json!(token);
            }
            let page = self
                .http
                .json(Method::POST, "/rest/api/3/search/jql", &[], Some(&body))?;
            let issues = page
                .get("issues")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    TrackerError::Upstream("Jira's search answer has no `issues`".into())
                })?;
            for issue in issues {
                found.push(wire::issue(issue, self.http.base_url())?);
            }
            let next = page
                .get("nextPageToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty());
            let is_last = page
                .get("isLast")
                .and_then(Value::as_bool)
                .unwrap_or(next.is_none());
            match next {
                Some(next) if !is_last => {
                    if token.as_deref() == Some(next) {
                        return Err(TrackerError::Upstream(
                            "Jira's search returned the same page token twice".into(),
                        ));
                    }
                    token = Some(next.to_owned());
                }
                _ => break,
            }
        }
        // An issue edited while we page can come back twice; the later copy is newer.
        let mut keys = HashSet::new();
        let mut issues: Vec<RemoteIssue> = found
            .into_iter()
            .rev()
            .filter(|i| keys.insert(i.remote_id.clone()))
            .collect();
        issues.reverse();
        let newest = issues.iter().map(|i| i.updated_at).max();
        let since = match (cursor.since, newest) {
            (Some(old), Some(new)) => Some(old.max(new)),
            (old, new) => new.or(old),
        };
        Ok(Changes {
            issues,
            cursor: SyncCursor { since, etag: None },
            not_modified: false,
            complete: cursor.since.is_none(),
        })
    }

    fn get_issue(&self, target: &Target, remote_id: &str) -> TrackerResult<RemoteIssue> {
        Scope::parse(target)?;
        self.read(wire::issue_key(remote_id)?)
    }

    /// `POST /rest/api/3/issue`, then a read of the new issue
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post>).
    /// A `jql:` target has no project to create in → `Invalid`.
    fn create_issue(&self, target: &Target, issue: &NewRemoteIssue) -> TrackerResult<RemoteIssue> {
        let Scope::Project(project) = Scope::parse(target)? else {
            return Err(TrackerError::Invalid(
                "a `jql:` Jira target has no project to create issues in; link a project key"
                    .into(),
            ));
        };
        let mut fields = json!({
            "project": { "key": project },
            "summary": issue.title,
            "issuetype": { "name": ISSUE_TYPE },
            "labels": issue.labels,
        });
        if let Some(doc) = adf::markdown_to_adf(&issue.description) {
            fields["description"] = doc;
        }
        if let Some(account) = &issue.assignee {
            fields["assignee"] = json!({ "accountId": account });
        }
        let created = self.http.json(
            Method::POST,
            "/rest/api/3/issue",
            &[],
            Some(&json!({ "fields": fields })),
        )?;
        let key = created
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| TrackerError::Upstream("Jira created an issue without a key".into()))?;
        self.read(wire::issue_key(key)?)
    }

    /// `PUT /rest/api/3/issue/{key}` (`204`), then a read
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put>).
    /// An empty description clears it (`null`); labels replace the whole set.
    fn update_issue(
        &self,
        target: &Target,
        remote_id: &str,
        patch: &RemoteIssuePatch,
    ) -> TrackerResult<RemoteIssue> {
        Scope::parse(target)?;
        let key = wire::issue_key(remote_id)?;
        let mut fields = serde_json::Map::new();
        if let Some(title) = &patch.title {
            fields.insert("summary".into(), json!(title));
        }
        if let Some(description) = &patch.description {
            let doc = adf::markdown_to_adf(description).unwrap_or(Value::Null);
            fields.insert("description".into(), doc);
        }
        if let Some(labels) = &patch.labels {
            fields.insert("labels".into(), json!(labels));
        }
        if !fields.is_empty() {
            let body = json!({ "fields": fields });
            self.http
                .send(Method::PUT, &Self::issue_path(key), &[], Some(&body), &[])?;
        }
        self.read(key)
    }

    /// Reads the issue; unless already in the wanted state, takes a workflow transition
    /// (`GET`/`POST /rest/api/3/issue/{key}/transitions`) chosen by
    /// [`wire::pick_transition`] and reads it again
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-post>).
    /// No usable transition → `Invalid` naming the ones Jira offered.
    fn set_status(
        &self,
        target: &Target,
        remote_id: &str,
        status: IssueStatus,
    ) -> TrackerResult<RemoteIssue> {
        Scope::parse(target)?;
        let key = wire::issue_key(remote_id)?;
        let current = self.read(key)?;
        if current.status == status {
            return Ok(current);
        }
        let path = format!("{}/transitions", Self::issue_path(key));
        let offered = wire::transitions(&self.http.json(Method::GET, &path, &[], None)?)?;
        let closing = status == IssueStatus::Closed;
        let names = if closing {
            &self.close_transitions
        } else {
            &self.reopen_transitions
        };
        let Some(chosen) = wire::pick_transition(&offered, names, closing) else {
            let available: Vec<&str> = offered.iter().map(|t| t.name.as_str()).collect();
            return Err(TrackerError::Invalid(format!(
                "no Jira transition to {} {key}: tried {}; available: {}",
                if closing { "close" } else { "reopen" },
                names.join(", "),
                if available.is_empty() {
                    "none".to_owned()
                } else {
                    available.join(", ")
                }
            )));
        };
        let body = json!({ "transition": { "id": chosen.id } });
        self.http.send(Method::POST, &path, &[], Some(&body), &[])?;
        self.read(key)
    }

    /// The first offered transition into the `indeterminate` category (`Start Progress`,
    /// `In Progress` by name first), via `GET|POST …/transitions`
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-post>).
    fn start_progress(
        &self,
        target: &Target,
        remote_id: &str,
    ) -> TrackerResult<Option<RemoteIssue>> {
        Scope::parse(target)?;
        let key = wire::issue_key(remote_id)?;
        let path = format!("{}/transitions", Self::issue_path(key));
        let offered = wire::transitions(&self.http.json(Method::GET, &path, &[], None)?)?;
        let by_name = ["Start Progress", "In Progress"].iter().find_map(|wanted| {
            offered
                .iter()
                .find(|t| t.name.trim().eq_ignore_ascii_case(wanted))
        });
        let Some(chosen) =
            by_name.or_else(|| offered.iter().find(|t| t.category == "indeterminate"))
        else {
            return Ok(None);
        };
        let body = json!({ "transition": { "id": chosen.id } });
        self.http.send(Method::POST, &path, &[], Some(&body), &[])?;
        self.read(key).map(Some)
    }

    /// `PUT /rest/api/3/issue/{key}/assignee` with `{accountId}` (`null` unassigns)
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-assignee-put>).
    fn assign(
        &self,
        target: &Target,
        remote_id: &str,
        assignee: Option<&str>,
    ) -> TrackerResult<RemoteIssue> {
        Scope::parse(target)?;
        let key = wire::issue_key(remote_id)?;
        let path = format!("{}/assignee", Self::issue_path(key));
        let body = json!({ "accountId": assignee });
        self.http.send(Method::PUT, &path, &[], Some(&body), &[])?;
        self.read(key)
    }

    /// `GET /rest/api/3/issue/{key}/comment`, oldest first, offset paging
    /// (`startAt`/`maxResults`/`total`) until every comment is read
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-get>).
    fn comments(&self, target: &Target, remote_id: &str) -> TrackerResult<Vec<RemoteComment>> {
        Scope::parse(target)?;
        let key = wire::issue_key(remote_id)?;
        let path = format!("{}/comment", Self::issue_path(key));
        let mut out = Vec::new();
        loop {
            let query = [
                ("startAt", out.len().to_string()),
                ("maxResults", COMMENT_PAGE.to_string()),
                ("orderBy", "created".to_owned()),
            ];
            let page = self.http.json(Method::GET, &path, &query, None)?;
            let comments = page
                .get("comments")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    TrackerError::Upstream("Jira's comment page has no `comments`".into())
                })?;
            for comment in comments {
                out.push(wire::comment(comment)?);
            }
            let total = page.get("total").and_then(Value::as_u64).unwrap_or(0);
            if comments.is_empty() || out.len() as u64 >= total {
                return Ok(out);
            }
        }
    }

    /// `POST /rest/api/3/issue/{key}/comment` with `{body: ADF}`
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post>).
    fn add_comment(
        &self,
        target: &Target,
        remote_id: &str,
        body: &str,
    ) -> TrackerResult<RemoteComment> {
        Scope::parse(target)?;
        let key = wire::issue_key(remote_id)?;
        let doc = comment_body(body)?;
        let path = format!("{}/comment", Self::issue_path(key));
        let value = self
            .http
            .json(Method::POST, &path, &[], Some(&json!({ "body": doc })))?;
        wire::comment(&value)
    }

    /// `PUT /rest/api/3/issue/{key}/comment/{id}` with `{body: ADF}`
    /// (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-id-put>).
    fn edit_comment(
        &self,
        target: &Target,
        remote_id: &str,
        comment_id: &str,
        body: &str,
    ) -> TrackerResult<RemoteComment> {
        Scope::parse(target)?;
        let key = wire::issue_key(remote_id)?;
        let id = wire::comment_id(comment_id)?;
        let doc = comment_body(body)?;
        let path = format!("{}/comment/{id}", Self::issue_path(key));
        let value = self
            .http
            .json(Method::PUT, &path, &[], Some(&json!({ "body": doc })))?;
        wire::comment(&value)
    }

    fn requests(&self) -> u32 {
        self.http.requests()
    }
}

/// Jira refuses empty comments; saying so here spares a request.
fn comment_body(markdown: &str) -> TrackerResult<Value> {
    adf::markdown_to_adf(markdown)
        .ok_or_else(|| TrackerError::Invalid("a Jira comment needs a body".into()))
}
