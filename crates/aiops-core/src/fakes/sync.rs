//! The tracker side of the store in memory ([`FakeSync`]): integrations, project links,
//! sync runs and the tracker issues they write, recording every write in order. It
//! also carries accounts and tenancy fakes and answers their ports through them (see
//! `sync_ports.rs`), so one value is the whole store a sync or workflow decision takes.

use std::sync::Mutex;

use aiops_types::{
    Comment, Integration, Issue, PersonalCredential, ProjectLink, SyncRun, SyncState, Timestamp,
};

use super::{FakeAccounts, FakeTenancy, unused};
use crate::integrations::integration_token_context;
use crate::page::PageQuery;
use crate::ports::{
    Applied, IntegrationRecord, IntegrationRow, IntegrationStore, LinkRecord, NewAudit,
    PersonalRecord, SyncCounts, SyncStore, TokenWrite, Viewer,
};
use crate::sealed::SecretKey;
use crate::tracker::{RemoteComment, RemoteIssue, SyncCursor};
use crate::{CoreError, CoreResult};

/// Integration `id` (GitHub) of tenant 1 `acme`, with an API token sealed by `key`.
pub(crate) fn integration(id: i64, key: &SecretKey) -> IntegrationRecord {
    let integration: Integration = serde_json::from_value(serde_json::json!({
        "id": id, "tenant_id": 1, "tenant_slug": "acme", "provider": "github",
        "name": format!("gh{id}"), "base_url": "https://api.github.com", "email": null,
        "has_token": true, "healthy": null, "health_error": null, "health_checked_at": null,
        "jira_close_transitions": [], "jira_reopen_transitions": [], "sync_interval_secs": 300,
        "created_at": "2026-12-07T12:00:00Z", "updated_at": "2026-12-07T12:00:00Z",
    }))
    .unwrap_or_else(|e| panic!("an integration from JSON: {e}"));
    let token = key
        .seal(b"ghp_test", &integration_token_context(id))
        .unwrap_or_else(|e| panic!("sealing a token: {e}"));
    IntegrationRecord {
        integration,
        token: Some(token),
    }
}

/// Link `id` of project `project_id` to integration `integration_id`, targeting
/// `external`; never synced, no token of its own.
pub(crate) fn link(id: i64, project_id: i64, integration_id: i64, external: &str) -> LinkRecord {
    let link: ProjectLink = serde_json::from_value(serde_json::json!({
        "id": id, "project_id": project_id, "integration_id": integration_id,
        "integration_name": format!("gh{integration_id}"), "provider": "github",
        "external": external, "has_token": false, "last_synced_at": null,
        "created_at": "2026-12-07T12:00:00Z",
    }))
    .unwrap_or_else(|e| panic!("a link from JSON: {e}"));
    LinkRecord {
        link,
        token: None,
        cursor: SyncCursor::default(),
        last_full_sync_at: None,
    }
}

/// Run `id` of integration `integration_id` in `state`, counts zero.
pub(crate) fn sync_run(id: i64, integration_id: i64, state: SyncState) -> SyncRun {
    serde_json::from_value(serde_json::json!({
        "id": id, "integration_id": integration_id, "state": state, "trigger": "manual",
        "queued_at": "2026-12-07T12:00:00Z", "started_at": null, "finished_at": null,
        "issues_seen": 0, "issues_created": 0, "issues_updated": 0, "issues_removed": 0,
        "comments_fetched": 0, "requests": 0, "error": null,
    }))
    .unwrap_or_else(|e| panic!("a sync run from JSON: {e}"))
}

/// What storing one tracker issue reports, decided by the test.
pub(crate) type Outcome = fn(&RemoteIssue) -> Applied;

/// Integrations, links, runs and tracker issues in memory, with the writes made.
#[derive(Default)]
pub(crate) struct FakeSync {
    pub integrations: Vec<IntegrationRecord>,
    pub links: Mutex<Vec<LinkRecord>>,
    /// Personal records: (user id, integration id, record).
    pub personal: Vec<(i64, i64, PersonalRecord)>,
    pub runs: Mutex<Vec<SyncRun>>,
    /// What `apply_remote_issues` reports for an issue not in `remotes`; None: created
    /// (id 1000 + its number), comments stale when it has comments.
    pub outcome: Option<Outcome>,
    /// What `mark_removed` answers.
    pub removed: u32,
    /// Stored issues (read by `issue`, changed by `apply_remote_issues`).
    pub issues: Mutex<Vec<Issue>>,
    /// Tracker issues: (issue id, link id, remote id).
    pub remotes: Vec<(i64, i64, String)>,
    /// Writes in order: `apply <n>`, `replace_comments <issue id>`, `progress <seen>`,
    /// `mark_removed <link> <ids>`, `save_cursor <link> full|partial`, `queue_sync <id>`,
    /// `request_full_sync <id>`, `health <id> <error>`, `put_comment <issue id>: <body>`,
    /// `event <kind>`, `start <run>`, `finish <run> <state>`.
    pub log: Mutex<Vec<String>>,
    /// Cursors saved: (link id, cursor, full).
    pub cursors: Mutex<Vec<(i64, SyncCursor, bool)>>,
    /// The runs' counts as last saved by `sync_progress`.
    pub progress: Mutex<Vec<SyncCounts>>,
    pub accounts: FakeAccounts,
    pub tenancy: FakeTenancy,
}

impl FakeSync {
    /// The writes made so far.
    pub(crate) fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub(super) fn write(&self, entry: String) {
        self.log.lock().unwrap().push(entry);
    }

    /// Whether `viewer` sees tenant `tenant_id`'s integrations: members of the tenant.
    fn sees(&self, viewer: Viewer, tenant_id: i64) -> bool {
        viewer.member_id().is_none_or(|u| {
            self.tenancy
                .tenant_members
                .iter()
                .any(|(t, m, _)| *t == tenant_id && *m == u)
        })
    }
}

impl IntegrationStore for FakeSync {
    fn list_integrations(
        &self,
        viewer: Viewer,
        _: Option<i64>,
        page: PageQuery,
    ) -> CoreResult<Vec<Integration>> {
        Ok(self
            .integrations
            .iter()
            .map(|r| &r.integration)
            .filter(|i| self.sees(viewer, i.tenant_id))
            .filter(|i| page.after.is_none_or(|a| i.id > a))
            .take(page.fetch() as usize)
            .cloned()
            .collect())
    }
    fn integration(&self, viewer: Viewer, id: i64) -> CoreResult<Option<IntegrationRecord>> {
        Ok(self
            .integrations
            .iter()
            .find(|r| r.integration.id == id && self.sees(viewer, r.integration.tenant_id))
            .cloned())
    }
    fn insert_integration(
        &self,
        _: &IntegrationRow,
        _: TokenWrite<'_>,
        _: NewAudit,
    ) -> CoreResult<Integration> {
        unused("insert_integration")
    }
    fn update_integration(
        &self,
        _: i64,
        _: &IntegrationRow,
        _: TokenWrite<'_>,
        _: NewAudit,
    ) -> CoreResult<Integration> {
        unused("update_integration")
    }
    fn delete_integration(&self, _: i64, _: NewAudit) -> CoreResult<()> {
        unused("delete_integration")
    }
    fn set_integration_health(&self, id: i64, error: Option<&str>) -> CoreResult<()> {
        self.write(format!("health {id} {}", error.unwrap_or("ok")));
        Ok(())
    }
    fn list_links(
        &self,
        project_id: Option<i64>,
        integration_id: Option<i64>,
    ) -> CoreResult<Vec<LinkRecord>> {
        let all = self.links.lock().unwrap();
        Ok(all
            .iter()
            .filter(|l| project_id.is_none_or(|p| l.link.project_id == p))
            .filter(|l| integration_id.is_none_or(|i| l.link.integration_id == i))
            .cloned()
            .collect())
    }
    fn link(&self, id: i64) -> CoreResult<Option<LinkRecord>> {
        let all = self.links.lock().unwrap();
        Ok(all.iter().find(|l| l.link.id == id).cloned())
    }
    fn insert_link(
        &self,
        _: i64,
        _: i64,
        _: &str,
        _: TokenWrite<'_>,
        _: NewAudit,
    ) -> CoreResult<ProjectLink> {
        unused("insert_link")
    }
    fn delete_link(&self, _: i64, _: NewAudit) -> CoreResult<()> {
        unused("delete_link")
    }
    fn request_full_sync(&self, integration_id: i64) -> CoreResult<()> {
        self.write(format!("request_full_sync {integration_id}"));
        Ok(())
    }
    fn save_cursor(&self, link_id: i64, cursor: &SyncCursor, full: bool) -> CoreResult<()> {
        let kind = if full { "full" } else { "partial" };
        self.write(format!("save_cursor {link_id} {kind}"));
        self.cursors
            .lock()
            .unwrap()
            .push((link_id, cursor.clone(), full));
        Ok(())
    }
    fn personal_credentials(&self, _: i64) -> CoreResult<Vec<PersonalCredential>> {
        unused("personal_credentials")
    }
    fn personal_record(&self, user_id: i64, iid: i64) -> CoreResult<Option<PersonalRecord>> {
        Ok(self
            .personal
            .iter()
            .find(|(u, i, _)| *u == user_id && *i == iid)
            .map(|(_, _, r)| r.clone()))
    }
    fn put_personal_credential(
        &self,
        _: i64,
        _: i64,
        _: TokenWrite<'_>,
        _: Option<Option<&str>>,
        _: Option<Option<&str>>,
        _: NewAudit,
    ) -> CoreResult<PersonalCredential> {
        unused("put_personal_credential")
    }
    fn delete_personal_credential(&self, _: i64, _: i64, _: NewAudit) -> CoreResult<()> {
        unused("delete_personal_credential")
    }
}

impl SyncStore for FakeSync {
    /// The run queued or running for the integration, else a new queued one.
    fn queue_sync(&self, integration_id: i64, _: &str, _: Option<i64>) -> CoreResult<SyncRun> {
        self.write(format!("queue_sync {integration_id}"));
        let mut runs = self.runs.lock().unwrap();
        let pending = runs.iter().find(|r| {
            r.integration_id == integration_id
                && matches!(r.state, SyncState::Queued | SyncState::Running)
        });
        if let Some(r) = pending {
            return Ok(r.clone());
        }
        let run = sync_run(100 + runs.len() as i64, integration_id, SyncState::Queued);
        runs.push(run.clone());
        Ok(run)
    }
    fn start_sync(&self, run_id: i64) -> CoreResult<Option<SyncRun>> {
        self.write(format!("start {run_id}"));
        let mut runs = self.runs.lock().unwrap();
        Ok(runs
            .iter_mut()
            .find(|r| r.id == run_id && r.state == SyncState::Queued)
            .map(|r| {
                r.state = SyncState::Running;
                r.clone()
            }))
    }
    fn queued_syncs(&self) -> CoreResult<Vec<i64>> {
        unused("queued_syncs")
    }
    fn sync_progress(&self, _: i64, counts: &SyncCounts) -> CoreResult<()> {
        self.write(format!("progress {}", counts.issues_seen));
        self.progress.lock().unwrap().push(*counts);
        Ok(())
    }
    fn finish_sync(
        &self,
        run_id: i64,
        state: SyncState,
        counts: &SyncCounts,
        error: Option<&str>,
    ) -> CoreResult<SyncRun> {
        self.write(format!("finish {run_id} {state:?}"));
        let mut runs = self.runs.lock().unwrap();
        let r = runs
            .iter_mut()
            .find(|r| r.id == run_id)
            .ok_or_else(|| CoreError::not_found(format!("sync run {run_id}")))?;
        r.state = state;
        r.issues_seen = counts.issues_seen;
        r.issues_created = counts.issues_created;
        r.issues_updated = counts.issues_updated;
        r.issues_removed = counts.issues_removed;
        r.comments_fetched = counts.comments_fetched;
        r.requests = counts.requests;
        r.error = error.map(str::to_owned);
        Ok(r.clone())
    }
    fn fail_interrupted_syncs(&self) -> CoreResult<u64> {
        unused("fail_interrupted_syncs")
    }
    fn due_integrations(&self, _: Timestamp) -> CoreResult<Vec<i64>> {
        unused("due_integrations")
    }
    fn sync_run(&self, _: Viewer, id: i64) -> CoreResult<Option<SyncRun>> {
        Ok(self
            .runs
            .lock()
            .unwrap()
            .iter()
            .find(|r| r.id == id)
            .cloned())
    }
    fn list_sync_runs(&self, _: Viewer, _: Option<i64>, _: PageQuery) -> CoreResult<Vec<SyncRun>> {
        unused("list_sync_runs")
    }
    /// An issue in `remotes` gets its stored copy changed from the tracker's; any other
    /// is reported as `outcome` says.
    fn apply_remote_issues(
        &self,
        link: &ProjectLink,
        issues: &[RemoteIssue],
        _: Option<NewAudit>,
    ) -> CoreResult<Vec<Applied>> {
        self.write(format!("apply {}", issues.len()));
        let mut stored = self.issues.lock().unwrap();
        Ok(issues
            .iter()
            .map(|i| {
                let known = self
                    .remotes
                    .iter()
                    .find(|(_, l, r)| *l == link.id && *r == i.remote_id);
                if let Some((id, _, _)) = known {
                    if let Some(s) = stored.iter_mut().find(|s| s.id == *id) {
                        s.status = i.status;
                        s.provider_status.clone_from(&i.provider_status);
                        s.assignee.clone_from(&i.assignee);
                    }
                    return Applied {
                        issue_id: *id,
                        created: false,
                        changed: true,
                        comments_stale: false,
                    };
                }
                match self.outcome {
                    Some(f) => f(i),
                    None => Applied {
                        issue_id: 1000 + i.remote_id.parse::<i64>().unwrap_or(0),
                        created: true,
                        changed: true,
                        comments_stale: i.comments > 0,
                    },
                }
            })
            .collect())
    }
    fn replace_remote_comments(&self, issue_id: i64, _: &[RemoteComment]) -> CoreResult<()> {
        self.write(format!("replace_comments {issue_id}"));
        Ok(())
    }
    fn put_remote_comment(
        &self,
        issue_id: i64,
        c: &RemoteComment,
        author_user_id: Option<i64>,
        _: NewAudit,
    ) -> CoreResult<Comment> {
        self.write(format!("put_comment {issue_id}: {}", c.body));
        Ok(serde_json::from_value(serde_json::json!({
            "id": 1, "issue_id": issue_id, "author": c.author, "author_user_id": author_user_id,
            "body": c.body, "created_at": "2026-12-07T12:00:00Z",
            "updated_at": "2026-12-07T12:00:00Z",
        }))
        .unwrap_or_else(|e| panic!("a comment from JSON: {e}")))
    }
    fn mark_removed(&self, link_id: i64, present: &[String]) -> CoreResult<u32> {
        self.write(format!("mark_removed {link_id} {}", present.join(",")));
        Ok(self.removed)
    }
    fn mark_issue_removed(&self, _: i64) -> CoreResult<()> {
        unused("mark_issue_removed")
    }
    fn issue_remote(&self, issue_id: i64) -> CoreResult<Option<(i64, String)>> {
        Ok(self
            .remotes
            .iter()
            .find(|(i, _, _)| *i == issue_id)
            .map(|(_, l, r)| (*l, r.clone())))
    }
    fn comment_remote_id(&self, _: i64) -> CoreResult<Option<String>> {
        unused("comment_remote_id")
    }
}
