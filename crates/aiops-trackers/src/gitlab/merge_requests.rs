//! Merge requests of one GitLab project (<https://docs.gitlab.com/api/merge_requests/>):
//! list, get, create, merge (rebasing first when asked), close. The
//! [`Tracker`](aiops_core::tracker::Tracker) methods in the parent module delegate here.
//!
//! Merge requests are addressed by their project-scoped `iid`, numbered apart from issues.

use std::time::Duration;

use aiops_core::tracker::{MergeOptions, NewPullRequest, Target, TrackerError, TrackerResult};
use aiops_types::{MergeMethod, PullRequest, PullRequestState};
use serde_json::{Value, json};
use ureq::http::Method;

use super::{GitLab, MAX_PAGES, project_path, wire};

/// Waits between polls of a rebase GitLab runs in the background (about 10 s in all):
/// a rebase of an agent's branch takes a second or two; one that takes longer is left
/// to finish and the merge asked again later.
const REBASE_WAITS: [Duration; 7] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(2),
    Duration::from_secs(2),
    Duration::from_secs(2),
];

/// The title prefix GitLab reads as "draft" on every version since 14.0
/// (<https://docs.gitlab.com/user/project/merge_requests/drafts/>); the create API has no
/// draft flag of its own on older ones.
const DRAFT_PREFIX: &str = "Draft: ";

impl GitLab {
    /// `GET /projects/:id/merge_requests?state=opened|closed|merged|all&order_by=created_at
    /// &sort=desc&per_page=` (<https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests>),
    /// pages followed until `limit` merge requests. `Open` lists `opened` only (a `locked`
    /// one shows under `None`, as open).
    pub(super) fn list_merge_requests(
        &self,
        target: &Target,
        state: Option<PullRequestState>,
        limit: u32,
    ) -> TrackerResult<Vec<PullRequest>> {
        let path = format!("{}/merge_requests", project_path(target)?);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let state = match state {
            None => "all",
            Some(PullRequestState::Open) => "opened",
            Some(PullRequestState::Closed) => "closed",
            Some(PullRequestState::Merged) => "merged",
        };
        let query = [
            ("state", state.to_owned()),
            ("order_by", "created_at".to_owned()),
            ("sort", "desc".to_owned()),
            ("per_page", limit.min(100).to_string()),
        ];
        let mut out = Vec::new();
        let mut reply = self.http.send(Method::GET, &path, &query, None, &[])?;
        for _ in 0..MAX_PAGES {
            let Value::Array(page) = reply.json()? else {
                return Err(TrackerError::Upstream(format!(
                    "GitLab answered GET {path} with something other than a list"
                )));
            };
            for v in &page {
                out.push(wire::merge_request(v)?);
                if out.len() == limit {
                    return Ok(out);
                }
            }
            if page.is_empty() {
                return Ok(out);
            }
            match self.next_page(&reply, &path, &query)? {
                Some(next) => reply = next,
                None => return Ok(out),
            }
        }
        Err(TrackerError::Upstream(format!(
            "GitLab kept paging GET {path} past {MAX_PAGES} pages"
        )))
    }

    /// `POST /projects/:id/merge_requests` `{source_branch, target_branch, title,
    /// description, assignee_id}` (<https://docs.gitlab.com/api/merge_requests/#create-mr>).
    /// A draft gets the `Draft: ` title prefix; the assignee's id is looked up first, so
    /// an unknown username is `Invalid` before anything is created.
    ///
    /// Errors: `Invalid` for `409` (an open merge request exists for the branches already)
    /// and `422` (a branch does not exist).
    pub(super) fn create_merge_request(
        &self,
        target: &Target,
        pr: &NewPullRequest,
    ) -> TrackerResult<PullRequest> {
        let path = format!("{}/merge_requests", project_path(target)?);
        let title = if pr.draft && !is_draft_title(&pr.title) {
            format!("{DRAFT_PREFIX}{}", pr.title)
        } else {
            pr.title.clone()
        };
        let mut body = json!({
            "source_branch": pr.source,
            "target_branch": pr.target,
            "title": title,
            "description": pr.description,
        });
        if let Some(a) = &pr.assignee {
            body["assignee_id"] = json!(self.user_id(a)?);
        }
        wire::merge_request(&self.http.json(Method::POST, &path, &[], Some(&body))?)
    }

    /// `PUT /projects/:id/merge_requests/:iid/merge` `{squash, should_remove_source_branch,
    /// merge_commit_message | squash_commit_message}`
    /// (<https://docs.gitlab.com/api/merge_requests/#merge-a-merge-request>). `Rebase`
    /// first asks `PUT …/rebase` and waits for it ([`Self::rebase`]); GitLab then merges
    /// the rebased branch the way the project is set to (fast-forward or merge commit).
    ///
    /// Errors: `Invalid` with GitLab's message for `405` (not open, draft, checks not
    /// passed), `406` (conflicts, before 16.0), `409` (head moved) and `422` (the merge
    /// failed), and for a failed rebase.
    pub(super) fn merge_merge_request(
        &self,
        target: &Target,
        iid: u64,
        merge: &MergeOptions,
    ) -> TrackerResult<PullRequest> {
        let mr = mr_path(target, iid)?;
        if merge.method == MergeMethod::Rebase {
            self.rebase(&mr, iid)?;
        }
        let squash = merge.method == MergeMethod::Squash;
        let mut body = json!({
            "squash": squash,
            "should_remove_source_branch": merge.delete_branch,
        });
        if let Some(message) = merge.message.as_deref().filter(|m| !m.trim().is_empty()) {
            let key = if squash {
                "squash_commit_message"
            } else {
                "merge_commit_message"
            };
            body[key] = json!(message);
        }
        let v = self
            .http
            .json(Method::PUT, &format!("{mr}/merge"), &[], Some(&body))?;
        wire::merge_request(&v)
    }

    /// `GET /projects/:id/merge_requests/:iid`
    /// (<https://docs.gitlab.com/api/merge_requests/#get-single-mr>), with its merge
    /// status and head pipeline read by [`wire::readiness`].
    pub(super) fn get_merge_request(
        &self,
        target: &Target,
        iid: u64,
    ) -> TrackerResult<PullRequest> {
        let v = self
            .http
            .json(Method::GET, &mr_path(target, iid)?, &[], None)?;
        let mut pr = wire::merge_request(&v)?;
        wire::readiness(&mut pr, &v);
        Ok(pr)
    }

    /// `PUT /projects/:id/merge_requests/:iid` `{state_event: "close"}`
    /// (<https://docs.gitlab.com/api/merge_requests/#update-mr>).
    pub(super) fn close_merge_request(
        &self,
        target: &Target,
        iid: u64,
    ) -> TrackerResult<PullRequest> {
        let body = json!({ "state_event": "close" });
        let v = self
            .http
            .json(Method::PUT, &mr_path(target, iid)?, &[], Some(&body))?;
        wire::merge_request(&v)
    }

    /// `PUT …/merge_requests/:iid/rebase` (`202`, the rebase runs in the background), then
    /// `GET …/merge_requests/:iid?include_rebase_in_progress=true` until
    /// `rebase_in_progress` is false, waiting [`REBASE_WAITS`] in between
    /// (<https://docs.gitlab.com/api/merge_requests/#rebase-a-merge-request>). A finished
    /// rebase with `merge_error` set failed: `Invalid`. One still running after the last
    /// wait is `Upstream` (try again later).
    fn rebase(&self, mr: &str, iid: u64) -> TrackerResult<()> {
        self.http
            .json(Method::PUT, &format!("{mr}/rebase"), &[], None)?;
        let query = [("include_rebase_in_progress", "true".to_owned())];
        let mut waits = REBASE_WAITS.iter();
        loop {
            let v = self.http.json(Method::GET, mr, &query, None)?;
            if !v
                .get("rebase_in_progress")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                return match v.get("merge_error").and_then(Value::as_str) {
                    Some(e) if !e.trim().is_empty() => Err(TrackerError::Invalid(format!(
                        "GitLab could not rebase !{iid}: {e}"
                    ))),
                    _ => Ok(()),
                };
            }
            match waits.next() {
                Some(wait) => std::thread::sleep(*wait),
                None => {
                    let total: Duration = REBASE_WAITS.iter().sum();
                    return Err(TrackerError::Upstream(format!(
                        "GitLab was still rebasing !{iid} after {} s; merge again once it is done",
                        total.as_secs()
                    )));
                }
            }
        }
    }
}

/// `/projects/<id>/merge_requests/<iid>`.
fn mr_path(t: &Target, iid: u64) -> TrackerResult<String> {
    Ok(format!("{}/merge_requests/{iid}", project_path(t)?))
}

/// Whether GitLab already reads `title` as a draft (`Draft:`, `[Draft]`, `(Draft)`, any
/// case).
fn is_draft_title(title: &str) -> bool {
    let t = title.trim_start().to_ascii_lowercase();
    ["draft:", "[draft]", "(draft)"]
        .iter()
        .any(|p| t.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_prefixes_are_recognised() {
        for t in ["Draft: x", "draft:x", "  [Draft] x", "(DRAFT) x"] {
            assert!(is_draft_title(t), "{t}");
        }
        assert!(!is_draft_title("Drafting the plan"));
    }

    #[test]
    fn rebase_waits_stay_short() {
        let total: Duration = REBASE_WAITS.iter().sum();
        assert!(total <= Duration::from_secs(15), "bounded: {total:?}");
    }
}
