//! Pull requests of one GitHub repository over the REST API
//! (<https://docs.github.com/en/rest/pulls/pulls>): list, create (then assign), merge
//! (then delete the head branch), close. The [`Tracker`](aiops_core::tracker::Tracker)
//! methods in the parent module delegate here.
//!
//! GitHub numbers pull requests and issues in one sequence, so a pull request's number is
//! also an issue number: assignees go through the issues API, as GitHub documents for
//! pull requests.

use aiops_core::tracker::{MergeOptions, NewPullRequest, Target, TrackerError, TrackerResult};
use aiops_types::{MergeMethod, PullRequest, PullRequestState};
use serde_json::json;
use ureq::http::Method;

use super::{GitHub, MAX_PAGES, PER_PAGE, wire};
use crate::http::{encode, next_link};

impl GitHub {
    /// `GET /repos/{o}/{r}/pulls?state=open|closed|all&sort=created&direction=desc&per_page=`
    /// (<https://docs.github.com/en/rest/pulls/pulls#list-pull-requests>), following
    /// `Link: rel="next"` until `limit` pull requests are found. GitHub has no `merged`
    /// state: `Merged` and `Closed` both list `closed` and keep those with (without)
    /// `merged_at`.
    pub(super) fn list_pulls(
        &self,
        target: &Target,
        state: Option<PullRequestState>,
        limit: u32,
    ) -> TrackerResult<Vec<PullRequest>> {
        let path = format!("{}/pulls", wire::repo_path(target)?);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let (api_state, per_page) = match state {
            None => ("all", limit.min(100).to_string()),
            Some(PullRequestState::Open) => ("open", limit.min(100).to_string()),
            // Filtered here, so a page of `limit` may hold fewer: ask for full pages.
            Some(PullRequestState::Closed | PullRequestState::Merged) => {
                ("closed", PER_PAGE.to_owned())
            }
        };
        let query = [
            ("state", api_state.to_owned()),
            ("sort", "created".to_owned()),
            ("direction", "desc".to_owned()),
            ("per_page", per_page),
        ];
        let mut out = Vec::new();
        let mut reply = self.http.send(Method::GET, &path, &query, None, &[])?;
        for _ in 0..MAX_PAGES {
            let page = reply.json()?;
            let items = page.as_array().ok_or_else(|| {
                TrackerError::Upstream(
                    "GitHub answered a pull request listing that is not a list".into(),
                )
            })?;
            for v in items {
                let pr = wire::pull_request(v)?;
                if state.is_none_or(|s| pr.state == s) {
                    out.push(pr);
                    if out.len() == limit {
                        return Ok(out);
                    }
                }
            }
            match next_link(&reply) {
                Some(next) => reply = self.http.send(Method::GET, &next, &[], None, &[])?,
                None => return Ok(out),
            }
        }
        Err(TrackerError::Upstream(format!(
            "GitHub's pull request listing went on past {MAX_PAGES} pages"
        )))
    }

    /// `POST /repos/{o}/{r}/pulls` `{title, head, base, body, draft}`
    /// (<https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request>), then with an
    /// assignee `POST /repos/{o}/{r}/issues/{n}/assignees` `{assignees: [login]}`
    /// (<https://docs.github.com/en/rest/issues/assignees#add-assignees-to-an-issue>), which
    /// drops a login it cannot assign without an error: the returned assignees are GitHub's.
    ///
    /// Errors: `Invalid` (`422`) for a head or base branch that does not exist or a pull
    /// request that already exists for head → base. When the pull request was created but
    /// the assignment failed, the error says so and names its number.
    pub(super) fn create_pull(
        &self,
        target: &Target,
        pr: &NewPullRequest,
    ) -> TrackerResult<PullRequest> {
        let repo = wire::repo_path(target)?;
        let body = json!({
            "title": pr.title,
            "head": pr.source,
            "base": pr.target,
            "body": pr.description,
            "draft": pr.draft,
        });
        let mut created =
            wire::pull_request(&self.write(Method::POST, &format!("{repo}/pulls"), &body)?)?;
        if let Some(a) = &pr.assignee {
            let path = format!("{repo}/issues/{}/assignees", created.number);
            let issue = self
                .write(Method::POST, &path, &json!({ "assignees": [a] }))
                .map_err(|e| afterwards(e, &format!("#{} was created", created.number)))?;
            created.assignees = wire::logins(&issue);
            created.updated_at = wire::updated_at(&issue)?;
        }
        Ok(created)
    }

    /// `PUT /repos/{o}/{r}/pulls/{n}/merge` `{merge_method, commit_title, commit_message}`
    /// (<https://docs.github.com/en/rest/pulls/pulls#merge-a-pull-request>), then `GET` of
    /// the pull request for its merged state. `message`'s first line is the commit title,
    /// the rest its message (a rebase makes no commit of its own, so it is not sent then).
    /// With `delete_branch`, `DELETE /repos/{o}/{r}/git/refs/heads/{branch}`
    /// (<https://docs.github.com/en/rest/git/refs#delete-a-reference>) for a head branch in
    /// this repository (a fork's is left alone); "Reference does not exist" (`422`) means
    /// it is gone already.
    ///
    /// Errors: `Invalid` with GitHub's message for `405` (closed, draft, conflicts, a method
    /// the repository does not allow) and `409` (head moved); a failed branch deletion
    /// after the merge says the merge happened.
    pub(super) fn merge_pull(
        &self,
        target: &Target,
        number: u64,
        merge: &MergeOptions,
    ) -> TrackerResult<PullRequest> {
        let repo = wire::repo_path(target)?;
        let pull = format!("{repo}/pulls/{number}");
        let mut body = json!({ "merge_method": merge.method.as_str() });
        if let Some(message) = merge.message.as_deref().map(str::trim)
            && !message.is_empty()
            && merge.method != MergeMethod::Rebase
        {
            let (title, rest) = message.split_once('\n').unwrap_or((message, ""));
            body["commit_title"] = json!(title.trim());
            if !rest.trim().is_empty() {
                body["commit_message"] = json!(rest.trim());
            }
        }
        self.write(Method::PUT, &format!("{pull}/merge"), &body)?;
        let v = self.get(&pull)?;
        let merged = wire::pull_request(&v)?;
        if merge.delete_branch
            && let Some(branch) = wire::own_head_branch(&v, target)
        {
            self.delete_branch(&repo, &branch)
                .map_err(|e| afterwards(e, &format!("#{number} was merged")))?;
        }
        Ok(merged)
    }

    /// `PATCH /repos/{o}/{r}/pulls/{n}` `{state: "closed"}`
    /// (<https://docs.github.com/en/rest/pulls/pulls#update-a-pull-request>).
    pub(super) fn close_pull(&self, target: &Target, number: u64) -> TrackerResult<PullRequest> {
        let path = format!("{}/pulls/{number}", wire::repo_path(target)?);
        wire::pull_request(&self.write(Method::PATCH, &path, &json!({ "state": "closed" }))?)
    }

    fn delete_branch(&self, repo: &str, branch: &str) -> TrackerResult<()> {
        let path = format!("{repo}/git/refs/heads/{}", branch_path(branch)?);
        match self.http.send(Method::DELETE, &path, &[], None, &[]) {
            Ok(_) => Ok(()),
            Err(TrackerError::Invalid(m)) if m.contains("Reference does not exist") => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// A branch name as ref path segments, each percent-encoded (`feat/a b` → `feat/a%20b`):
/// GitHub's `{ref}` spans several segments. Empty, `.` and `..` segments would change
/// the path and are no git branch name anyway.
fn branch_path(branch: &str) -> TrackerResult<String> {
    let segments: Vec<&str> = branch.split('/').collect();
    if segments
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return Err(TrackerError::Invalid(format!(
            "`{branch}` is not a branch name GitHub can address"
        )));
    }
    Ok(segments
        .iter()
        .map(|s| encode(s))
        .collect::<Vec<_>>()
        .join("/"))
}

/// The error of a second step, saying that the first one (`done`) happened: a caller
/// retrying the whole verb would otherwise create a duplicate or merge twice.
fn afterwards(e: TrackerError, done: &str) -> TrackerError {
    let say = |m: String| format!("{done}, then: {m}");
    match e {
        TrackerError::Unauthorized(m) => TrackerError::Unauthorized(say(m)),
        TrackerError::NotFound(m) => TrackerError::NotFound(say(m)),
        TrackerError::Invalid(m) => TrackerError::Invalid(say(m)),
        TrackerError::Upstream(m) => TrackerError::Upstream(say(m)),
        e @ TrackerError::RateLimited { .. } => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_segments_are_encoded_one_by_one() {
        assert_eq!(branch_path("aiops/1-fix it").unwrap(), "aiops/1-fix%20it");
        assert_eq!(branch_path("a?b#c").unwrap(), "a%3Fb%23c");
        for bad in ["", "a//b", "../x", "a/.", "/a"] {
            assert!(branch_path(bad).is_err(), "{bad:?} must not reach a URL");
        }
    }
}
