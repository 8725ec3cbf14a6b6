//! Pull requests (GitHub) and merge requests (GitLab) of a project's repository, through
//! the project's code-host link with the caller's own token when they stored one (so the
//! pull request is theirs), else the integration's.
//!
//! A pull request made for an issue links it in its description, the way each tracker
//! connects the two: `Closes #N` for an issue of the same GitHub repository or GitLab
//! project (closing keywords: docs.github.com "Linking a pull request to an issue",
//! docs.gitlab.com "Closing issues automatically"), the key (`PROJ-12`) for Jira, which
//! links any pull request that mentions it, and the issue's URL otherwise.

use aiops_types::{
    CreatePullRequest, Issue, IssuePullRequest, MergePullRequest, Provider, PullRequest,
    PullRequestQuery, PullRequestState,
};
use serde_json::json;

use crate::issues::{self, IssueWritePorts, Remote, TrackerAccess};
use crate::ports::{
    AuditStore, IntegrationStore, IssueStore, NewAudit, ProjectStore, SessionStore, SyncStore,
    UserStore,
};
use crate::tracker::{MergeOptions, NewPullRequest};
use crate::{CoreError, CoreResult, Principal};

/// Most pull requests a list returns.
const LIST_LIMIT: u32 = 100;
const MAX_TITLE: usize = 256;
const MAX_DESCRIPTION: usize = 64 * 1024;

fn project_of(
    store: &impl ProjectStore,
    caller: &Principal,
    project_id: i64,
) -> CoreResult<aiops_types::Project> {
    store
        .project(caller.viewer(), project_id)?
        .ok_or_else(|| CoreError::not_found(format!("project {project_id}")))
}

/// Open (default), closed, merged or all pull requests, newest first (at most 100).
pub fn list(
    store: &(impl UserStore + ProjectStore + IntegrationStore + SyncStore),
    access: TrackerAccess<'_>,
    caller: &Principal,
    project_id: i64,
    q: &PullRequestQuery,
) -> CoreResult<Vec<PullRequest>> {
    let state = match q.state.as_deref().unwrap_or("open") {
        "open" => Some(PullRequestState::Open),
        "closed" => Some(PullRequestState::Closed),
        "merged" => Some(PullRequestState::Merged),
        "all" => None,
        other => {
            return Err(CoreError::invalid(
                "state",
                format!("unknown state `{other}` (open, closed, merged or all)"),
            ));
        }
    };
    project_of(store, caller, project_id)?;
    let r = Remote::for_code_host(store, access, caller, project_id, q.provider)?;
    r.tracker
        .pull_requests(&r.target(), state, LIST_LIMIT)
        .map_err(|e| r.error(store, None, e))
}

/// One pull request (GitLab: merge request `iid`) with whether the provider would merge
/// it now and its head commit's checks, for the ship step's buttons.
pub fn get(
    store: &(impl UserStore + ProjectStore + IntegrationStore + SyncStore),
    access: TrackerAccess<'_>,
    caller: &Principal,
    project_id: i64,
    number: u64,
    provider: Option<Provider>,
) -> CoreResult<PullRequest> {
    project_of(store, caller, project_id)?;
    let r = Remote::for_code_host(store, access, caller, project_id, provider)?;
    r.tracker
        .pull_request(&r.target(), number)
        .map_err(|e| r.error(store, None, e))
}

/// Opens a pull request from `source` into `target` (default: the project's default
/// branch). With `issue_id`, the description links the issue (see the module doc).
pub fn create(
    store: &(impl IssueWritePorts + ProjectStore + SessionStore + AuditStore),
    access: TrackerAccess<'_>,
    caller: &Principal,
    project_id: i64,
    req: &CreatePullRequest,
) -> CoreResult<PullRequest> {
    let title = req.title.trim();
    if title.is_empty() || title.len() > MAX_TITLE {
        return Err(CoreError::invalid("title", "a title of 1 to 256 bytes"));
    }
    let description = req.description.clone().unwrap_or_default();
    if description.len() > MAX_DESCRIPTION {
        return Err(CoreError::invalid(
            "description",
            "the description is over 64 KiB",
        ));
    }
    let source = branch_name("source", &req.source)?;
    let project = store
        .project(caller.viewer(), project_id)?
        .ok_or_else(|| CoreError::not_found(format!("project {project_id}")))?;
    if let Some(g) = caller.session {
        // An agent opens a pull request from its own session's branch only.
        caller.confine_project(project_id)?;
        let own = crate::sessions::ops::get_own(store, caller, g.session_id)?;
        if own.branch != source {
            return Err(CoreError::Forbidden(format!(
                "a session key opens pull requests from its own branch `{}` only",
                own.branch
            )));
        }
    }
    let target = match req.target.as_deref() {
        Some(t) => branch_name("target", t)?,
        None => project.default_branch.clone(),
    };
    if source == target {
        return Err(CoreError::invalid(
            "source",
            "source and target are the same branch",
        ));
    }
    let r = Remote::for_code_host(store, access, caller, project_id, req.provider)?;
    let issue = match req.issue_id {
        Some(id) => {
            let issue = issues::get(store, caller, id)?;
            if issue.project_id != project_id {
                return Err(CoreError::invalid(
                    "issue_id",
                    format!("issue {id} is not in project {project_id}"),
                ));
            }
            Some(issue)
        }
        None => None,
    };
    let description = match &issue {
        Some(i) => {
            // "Closes #N" only names an issue of the repository the pull request is in.
            let same_repo = store
                .issue_remote(i.id)?
                .is_some_and(|(link, _)| link == r.link.link.id);
            with_issue_link(&description, i, same_repo)
        }
        None => description,
    };
    let assignee = r.identity(store, req.assignee.as_deref())?;
    let new = NewPullRequest {
        title: title.to_owned(),
        description,
        source: source.clone(),
        target: target.clone(),
        draft: req.draft,
        assignee,
    };
    let pr = r
        .tracker
        .create_pull_request(&r.target(), &new)
        .map_err(|e| r.error(store, None, e))?;
    store.append_audit(
        NewAudit::by(caller, "pull_request.create")
            .target("project", project_id)
            .detail(json!({
                "number": pr.number, "provider": pr.provider.as_str(),
                "source": source, "target": target, "issue_id": req.issue_id,
            })),
    )?;
    remember(store, project_id, req.issue_id, &pr)?;
    Ok(pr)
}

/// Keeps the pull request's state on the issue it was opened for (inbox rows show it).
fn remember(
    store: &impl IssueStore,
    project_id: i64,
    issue_id: Option<i64>,
    pr: &PullRequest,
) -> CoreResult<()> {
    let row = IssuePullRequest {
        provider: pr.provider,
        number: pr.number,
        url: pr.url.clone(),
        state: pr.state,
    };
    store.record_pull_request(project_id, issue_id, &row)
}

/// Merges with `method`, optionally deleting the source branch.
pub fn merge(
    store: &(impl IssueWritePorts + ProjectStore + AuditStore),
    access: TrackerAccess<'_>,
    caller: &Principal,
    project_id: i64,
    number: u64,
    req: &MergePullRequest,
) -> CoreResult<PullRequest> {
    if req
        .message
        .as_ref()
        .is_some_and(|m| m.len() > MAX_DESCRIPTION)
    {
        return Err(CoreError::invalid("message", "the message is over 64 KiB"));
    }
    let project = project_of(store, caller, project_id)?;
    let r = Remote::for_code_host(store, access, caller, project_id, req.provider)?;
    let options = MergeOptions {
        method: req.method.unwrap_or(project.merge_method),
        delete_branch: req.delete_branch,
        message: req.message.clone().filter(|m| !m.trim().is_empty()),
    };
    let pr = r
        .tracker
        .merge_pull_request(&r.target(), number, &options)
        .map_err(|e| r.error(store, None, e))?;
    store.append_audit(
        NewAudit::by(caller, "pull_request.merge")
            .target("project", project_id)
            .detail(json!({
                "number": number, "provider": pr.provider.as_str(),
                "method": options.method.as_str(), "delete_branch": req.delete_branch,
            })),
    )?;
    remember(store, project_id, None, &pr)?;
    Ok(pr)
}

/// Closes without merging.
pub fn close(
    store: &(impl IssueWritePorts + ProjectStore + AuditStore),
    access: TrackerAccess<'_>,
    caller: &Principal,
    project_id: i64,
    number: u64,
    provider: Option<Provider>,
) -> CoreResult<PullRequest> {
    project_of(store, caller, project_id)?;
    let r = Remote::for_code_host(store, access, caller, project_id, provider)?;
    let pr = r
        .tracker
        .close_pull_request(&r.target(), number)
        .map_err(|e| r.error(store, None, e))?;
    store.append_audit(
        NewAudit::by(caller, "pull_request.close")
            .target("project", project_id)
            .detail(json!({ "number": number, "provider": pr.provider.as_str() })),
    )?;
    remember(store, project_id, None, &pr)?;
    Ok(pr)
}

/// A branch name as a code host's API takes it: the refs themselves are checked by the
/// host; this refuses what can never be a branch before a request is made.
fn branch_name(field: &'static str, name: &str) -> CoreResult<String> {
    let name = name.trim();
    crate::validate::not_full_ref(field, name)?;
    let bad = name.is_empty()
        || name.len() > 255
        || name.starts_with('-')
        || name.contains("..")
        || name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c));
    if bad {
        return Err(CoreError::invalid(
            field,
            format!("`{name}` is not a branch name"),
        ));
    }
    Ok(name.to_owned())
}

/// `description` with the issue's link appended unless it already has it.
fn with_issue_link(description: &str, issue: &Issue, same_repo: bool) -> String {
    let link = match issue.provider {
        Provider::Github | Provider::Gitlab if same_repo => {
            format!("Closes {}", issue.external_id)
        }
        Provider::Jira => issue.external_id.clone(),
        _ => match &issue.url {
            Some(url) => format!("Resolves {url}"),
            None => format!("Resolves aiops issue {}: {}", issue.id, issue.title),
        },
    };
    if description.contains(&link) {
        return description.to_owned();
    }
    match description.trim_end() {
        "" => link,
        text => format!("{text}\n\n{link}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_that_can_never_be_branches_are_refused() {
        for bad in [
            "",
            "-x",
            "--upload-pack=x",
            "a..b",
            "a b",
            "a:b",
            "x\ny",
            "a~1",
            "a^",
            "refs/heads/x",
        ] {
            assert!(branch_name("source", bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            branch_name("source", " aiops/1-fix ").unwrap(),
            "aiops/1-fix"
        );
    }
}
