//! The issue events of the event log (issue 20): `issue.created`, `issue.updated`,
//! `issue.closed`, `issue.commented` and `issue.deleted`, appended in the same transaction as the write
//! that causes them, so every write path (the API, sync, workflow, a session's key, chat)
//! emits each once. Visible to whoever sees the issue's project; the payload carries the
//! issue as it is now (`issue`) and, for a comment, the comment (`comment`).

use aiops_core::CoreResult;
use aiops_core::ports::{NewEvent, Viewer};
use aiops_types::{Comment, IssueStatus};
use rusqlite::Transaction;

use crate::issues::find;
use crate::sessions::insert_event;

/// What happened to an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssueEvent {
    Created,
    Updated,
    Closed,
    Commented,
    /// Deleted (native issues only); the payload is the issue as it was.
    Deleted,
}

impl IssueEvent {
    fn kind(self) -> &'static str {
        match self {
            Self::Created => "issue.created",
            Self::Updated => "issue.updated",
            Self::Closed => "issue.closed",
            Self::Commented => "issue.commented",
            Self::Deleted => "issue.deleted",
        }
    }

    /// `updated`, or `closed` when the write closed an open issue.
    pub(crate) fn change(before: Option<IssueStatus>, after: IssueStatus) -> Self {
        match (before, after) {
            (Some(IssueStatus::Open), IssueStatus::Closed) => Self::Closed,
            _ => Self::Updated,
        }
    }
}

/// Appends `what` for issue `issue_id` (and `comment`).
pub(crate) fn emit(
    tx: &Transaction<'_>,
    what: IssueEvent,
    issue_id: i64,
    comment: Option<&Comment>,
) -> CoreResult<()> {
    let Some(issue) = find(tx, Viewer::All, issue_id)? else {
        return Ok(());
    };
    let mut payload = serde_json::json!({ "issue": issue });
    if let Some(c) = comment {
        payload["comment"] = serde_json::to_value(c).unwrap_or_default();
    }
    insert_event(
        tx,
        &NewEvent {
            kind: what.kind().into(),
            tenant_id: None,
            project_id: Some(issue.project_id),
            user_id: None,
            payload,
        },
    )?;
    Ok(())
}

/// The status of issue `id` before a write.
pub(crate) fn status(tx: &Transaction<'_>, id: i64) -> CoreResult<Option<IssueStatus>> {
    Ok(find(tx, Viewer::All, id)?.map(|i| i.status))
}
