//! The tracker side of the issue verbs: which link and credential act, the call, and the
//! stored copy updated from the tracker's answer in the same step.

use aiops_types::{Issue, Provider};

use crate::integrations::{acting_connection, tracker_error};
use crate::ports::{
    IntegrationRecord, IntegrationStore, IssueStore, LinkRecord, NewAudit, SyncStore, UserStore,
    Viewer,
};
use crate::sealed::SecretKey;
use crate::tracker::{RemoteIssue, Target, Tracker, TrackerError, Trackers};
use crate::{CoreError, CoreResult, Principal};

/// What a change to an issue needs from storage, the issue being native or a tracker's:
/// the issue and its comments ([`IssueStore`]); for a tracker-backed one also its link to
/// the tracker and the stored copy refreshed from the tracker's answer ([`SyncStore`]),
/// the integration whose credential acts ([`IntegrationStore`]), and the acting user,
/// whose email picks that credential and names the assignee there ([`UserStore`]).
/// Named because every issue verb that writes takes it, alone or with a few more.
pub trait IssueWritePorts: UserStore + IssueStore + IntegrationStore + SyncStore {}

impl<T: UserStore + IssueStore + IntegrationStore + SyncStore> IssueWritePorts for T {}

/// What tracker verbs need besides the store.
#[derive(Clone, Copy)]
pub struct TrackerAccess<'a> {
    /// Opens tracker clients.
    pub trackers: &'a dyn Trackers,
    /// Opens sealed tracker tokens.
    pub key: &'a SecretKey,
}

/// An open tracker client for one issue, acting as the caller when they have a token.
pub(crate) struct Remote {
    pub integration: IntegrationRecord,
    pub link: LinkRecord,
    pub remote_id: String,
    pub tracker: Box<dyn Tracker>,
    pub credential: &'static str,
}

fn link_parts(
    store: &impl IntegrationStore,
    link_id: i64,
) -> CoreResult<(IntegrationRecord, LinkRecord)> {
    let link = store
        .link(link_id)?
        .ok_or_else(|| CoreError::Conflict(format!("link {link_id} is gone")))?;
    let integration = store
        .integration(Viewer::All, link.link.integration_id)?
        .ok_or_else(|| {
            CoreError::Conflict(format!("integration {} is gone", link.link.integration_id))
        })?;
    Ok((integration, link))
}

fn open(
    store: &(impl UserStore + IntegrationStore),
    access: TrackerAccess<'_>,
    caller: &Principal,
    integration: IntegrationRecord,
    link: LinkRecord,
    remote_id: String,
) -> CoreResult<Remote> {
    let (conn, credential) = acting_connection(
        store,
        access.key,
        Some(caller.user_id),
        &integration,
        Some(&link),
    )?;
    let tracker = access
        .trackers
        .open(&conn)
        .map_err(|e| tracker_error(store, &integration.integration, credential, e))?;
    Ok(Remote {
        integration,
        link,
        remote_id,
        tracker,
        credential,
    })
}

impl Remote {
    /// The tracker client for a tracker-backed issue the caller already may see.
    pub fn for_issue(
        store: &(impl UserStore + IntegrationStore + SyncStore),
        access: TrackerAccess<'_>,
        caller: &Principal,
        issue: &Issue,
    ) -> CoreResult<Self> {
        let (link_id, remote_id) = store.issue_remote(issue.id)?.ok_or_else(|| {
            CoreError::Conflict(format!(
                "issue {} is no longer linked to its tracker (the project was unlinked)",
                issue.id
            ))
        })?;
        let (integration, link) = link_parts(store, link_id)?;
        open(store, access, caller, integration, link, remote_id)
    }

    /// The tracker client for creating an issue in a project: the link of `provider`, or
    /// the project's only link when `provider` is None. None: create a native issue.
    pub fn for_new_issue(
        store: &(impl UserStore + IntegrationStore),
        access: TrackerAccess<'_>,
        caller: &Principal,
        project_id: i64,
        req: &aiops_types::CreateIssue,
    ) -> CoreResult<Option<Self>> {
        let provider = req.provider;
        if provider == Some(Provider::Native) {
            if req.integration.is_some() {
                return Err(CoreError::invalid(
                    "integration",
                    "a native issue goes through no integration",
                ));
            }
            return Ok(None);
        }
        let links = store.list_links(Some(project_id), None)?;
        if let Some(i) = req.integration {
            let link = links
                .into_iter()
                .find(|l| {
                    l.link.integration_id == i && provider.is_none_or(|p| l.link.provider == p)
                })
                .ok_or_else(|| {
                    CoreError::invalid(
                        "integration",
                        format!("project {project_id} has no link to integration {i}"),
                    )
                })?;
            let (integration, link) = link_parts(store, link.link.id)?;
            return open(store, access, caller, integration, link, String::new()).map(Some);
        }
        let link = match provider {
            Some(p) => links
                .into_iter()
                .find(|l| l.link.provider == p)
                .ok_or_else(|| {
                    CoreError::invalid(
                        "provider",
                        format!("project {project_id} has no {} link", p.as_str()),
                    )
                })?,
            None if links.is_empty() => return Ok(None),
            None if links.len() == 1 => links.into_iter().next().expect("one link"),
            None => {
                return Err(CoreError::invalid(
                    "provider",
                    format!(
                        "project {project_id} has several trackers: choose one with provider or integration"
                    ),
                ));
            }
        };
        let (integration, link) = link_parts(store, link.link.id)?;
        open(store, access, caller, integration, link, String::new()).map(Some)
    }

    /// The client of the project's code host, acting as the caller: the GitHub or
    /// GitLab link of `provider`, or the project's only one when `provider` is None.
    pub fn for_code_host(
        store: &(impl UserStore + IntegrationStore),
        access: TrackerAccess<'_>,
        caller: &Principal,
        project_id: i64,
        provider: Option<Provider>,
    ) -> CoreResult<Self> {
        let hosts: Vec<_> = store
            .list_links(Some(project_id), None)?
            .into_iter()
            .filter(|l| matches!(l.link.provider, Provider::Github | Provider::Gitlab))
            .filter(|l| provider.is_none_or(|p| l.link.provider == p))
            .collect();
        let link = match hosts.as_slice() {
            [one] => one.link.id,
            [] => {
                return Err(CoreError::invalid(
                    "provider",
                    format!("project {project_id} has no GitHub or GitLab link for pull requests"),
                ));
            }
            _ => {
                return Err(CoreError::invalid(
                    "provider",
                    format!(
                        "project {project_id} links several code hosts: choose one with provider"
                    ),
                ));
            }
        };
        let (integration, link) = link_parts(store, link)?;
        open(store, access, caller, integration, link, String::new())
    }

    pub fn target(&self) -> Target {
        Target {
            external: self.link.link.external.clone(),
        }
    }

    /// A tracker failure as a domain error. A tracker that no longer knows the issue
    /// gets it marked as removed upstream.
    pub fn error(
        &self,
        store: &(impl IntegrationStore + SyncStore),
        issue_id: Option<i64>,
        e: TrackerError,
    ) -> CoreError {
        if let (TrackerError::NotFound(_), Some(id)) = (&e, issue_id) {
            let _ = store.mark_issue_removed(id);
        }
        tracker_error(store, &self.integration.integration, self.credential, e)
    }

    /// Stores the tracker's answer (with the audit row) and returns the stored issue.
    pub fn apply(
        &self,
        store: &(impl IssueStore + SyncStore),
        issue: &RemoteIssue,
        audit: NewAudit,
    ) -> CoreResult<Issue> {
        let applied =
            store.apply_remote_issues(&self.link.link, std::slice::from_ref(issue), Some(audit))?;
        let id = applied
            .first()
            .map(|a| a.issue_id)
            .ok_or_else(|| CoreError::Internal("stored issue missing".into()))?;
        store
            .issue(Viewer::All, id)?
            .ok_or_else(|| CoreError::Internal("stored issue missing".into()))
    }

    /// The tracker identity for an assignee given as an aiops user's email (their
    /// recorded login for this integration) or as a tracker login / accountId directly.
    pub fn identity(
        &self,
        store: &(impl UserStore + IntegrationStore),
        value: Option<&str>,
    ) -> CoreResult<Option<String>> {
        let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        if !v.contains('@') {
            return Ok(Some(v.to_owned()));
        }
        let user = store
            .user_by_email(&v.to_ascii_lowercase())?
            .filter(|u| !u.user.disabled)
            .ok_or_else(|| CoreError::invalid("assignee", format!("no active user {v}")))?;
        let iid = self.integration.integration.id;
        store
            .personal_record(user.user.id, iid)?
            .and_then(|r| r.login)
            .map(Some)
            .ok_or_else(|| {
                CoreError::invalid(
                    "assignee",
                    format!(
                        "{v} has no {} identity recorded for integration `{}` (`aiops credentials set {iid} --login …`)",
                        self.integration.integration.provider.as_str(),
                        self.integration.integration.name
                    ),
                )
            })
    }
}
