//! The workflow verbs agents and people use to report on an issue (`aiops workflow
//! claim|progress|submit|approve|complete`): each is one or two of the plain verbs
//! (assign, start progress, commit, comment, close) done as the caller, so comments at
//! a tracker carry the caller's name when they have a personal token.

use aiops_types::{
    AssignIssue, CommentBody, GitCommit, IssueStatus, WorkflowRequest, WorkflowResult, WorkflowVerb,
};

use super::{IssueWritePorts, TrackerAccess, assign, comment, get, set_status, start_progress};
use crate::page::PageQuery;
use crate::ports::{AuditStore, ProjectStore, SessionFilter, SessionStore};
use crate::sessions::Host;
use crate::{CoreError, CoreResult, Principal};

/// Runs `verb` on issue `id`. `Invalid` when the verb needs a message and has none, or
/// when `req.project` is not the issue's project; errors of the underlying verbs as they
/// are (nothing after a failed step runs).
pub fn run(
    store: &(impl IssueWritePorts + ProjectStore + SessionStore + AuditStore),
    access: TrackerAccess<'_>,
    host: &Host<'_>,
    caller: &Principal,
    id: i64,
    verb: WorkflowVerb,
    req: &WorkflowRequest,
) -> CoreResult<WorkflowResult> {
    let message = req
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let more = req
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let needed = || CoreError::invalid("message", format!("{} needs a message", verb.as_str()));
    let say =
        |text: String| comment(store, access, caller, id, &CommentBody { body: text }).map(Some);
    let (comment, commit) = match verb {
        WorkflowVerb::Claim => {
            let me = AssignIssue {
                assignee: Some(caller.email.clone()),
                user: None,
            };
            assign(store, access, caller, id, &me)?;
            start_progress(store, access, caller, id)?;
            (None, None)
        }
        WorkflowVerb::Progress => {
            let text = join(message, more).ok_or_else(needed)?;
            (say(format!("**Progress:** {text}"))?, None)
        }
        WorkflowVerb::Submit => {
            let message = message.ok_or_else(needed)?;
            let issue = get(store, caller, id)?;
            if let Some(named) = req.project.filter(|p| *p != issue.project_id) {
                return Err(CoreError::invalid(
                    "project",
                    format!(
                        "issue {id} is in project {}/{} (id {}), not in project {named}",
                        issue.tenant_slug, issue.project_slug, issue.project_id
                    ),
                ));
            }
            let session = match req.session {
                Some(s) => Some(s),
                None if caller.session.is_some() => None,
                None => live_session(store, caller, id)?,
            };
            let commit = GitCommit {
                session,
                message: message.to_owned(),
                files: req.files.clone(),
                staged: false,
            };
            let done = crate::git::commit(store, host, caller, issue.project_id, &commit)?;
            let short = done.head.get(..7).unwrap_or(&done.head);
            let line = format!("**Submitted** `{short}` on `{}`: {message}", done.branch);
            let text = join(Some(&line), more).unwrap_or(line.clone());
            (say(text)?, Some(done))
        }
        WorkflowVerb::Approve => {
            let text = match message {
                Some(m) => format!("**Ready for review:** {m}"),
                None => "**Ready for review.**".to_owned(),
            };
            (say(text)?, None)
        }
        WorkflowVerb::Complete => {
            let text = format!("**Completed:** {}", message.ok_or_else(needed)?);
            let posted = say(text)?;
            set_status(store, access, caller, id, IssueStatus::Closed)?;
            (posted, None)
        }
    };
    Ok(WorkflowResult {
        issue: get(store, caller, id)?,
        comment,
        commit,
    })
}

/// `first`, then `second` after a blank line; either alone; `None` when both are.
fn join(first: Option<&str>, second: Option<&str>) -> Option<String> {
    match (first, second) {
        (Some(a), Some(b)) => Some(format!("{a}\n\n{b}")),
        (a, b) => a.or(b).map(str::to_owned),
    }
}

/// The caller's newest live session on the issue, if any.
fn live_session(
    store: &impl SessionStore,
    caller: &Principal,
    issue_id: i64,
) -> CoreResult<Option<i64>> {
    let filter = SessionFilter {
        user_id: Some(caller.user_id),
        live: true,
        issue_id: Some(issue_id),
        project_id: None,
    };
    let page = PageQuery {
        after: None,
        limit: 1,
    };
    Ok(store.list_sessions(&filter, page)?.first().map(|s| s.id))
}

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
