//! Storage ports of tracker integrations, project links, personal tokens and sync runs.
//! Re-exported from [`crate::ports`].

use aiops_types::{
    Comment, Integration, PersonalCredential, ProjectLink, Provider, SyncRun, SyncState, Timestamp,
};

use crate::CoreResult;
use crate::page::PageQuery;
use crate::ports::{NewAudit, Viewer};
use crate::sealed::Sealed;
use crate::tracker::{RemoteComment, RemoteIssue, SyncCursor};

/// Seals a token for the row whose id the store passes in (ids are known only inside
/// the insert's transaction, and the ciphertext is bound to its row).
pub type Sealer<'a> = &'a dyn Fn(i64) -> CoreResult<Sealed>;

/// What to do with a stored token.
pub enum TokenWrite<'a> {
    /// Leave the stored token as it is.
    Keep,
    /// Remove the stored token.
    Clear,
    /// Store a new token, sealed for the row by the given [`Sealer`].
    Seal(Sealer<'a>),
}

/// The full mutable state of an integration (token aside).
pub struct IntegrationRow {
    /// Tenant the integration belongs to.
    pub tenant_id: i64,
    /// Tracker kind: `github`, `gitlab` or `jira`.
    pub provider: Provider,
    /// Name, unique within the tenant.
    pub name: String,
    /// API root, such as `https://api.github.com` or `https://acme.atlassian.net`.
    pub base_url: String,
    /// Jira: the Atlassian account email the API token belongs to.
    pub email: Option<String>,
    /// Jira: transition names tried in order to close an issue; empty: the defaults.
    pub jira_close_transitions: Vec<String>,
    /// Jira: transition names tried in order to reopen an issue; empty: the defaults.
    pub jira_reopen_transitions: Vec<String>,
    /// Seconds between scheduled syncs; 0 turns scheduled sync off.
    pub sync_interval_secs: u32,
}

/// An integration with its sealed token, for the domain only.
#[derive(Debug, Clone)]
pub struct IntegrationRecord {
    /// The integration as the API shows it.
    pub integration: Integration,
    /// Its sealed API token, if one is stored.
    pub token: Option<Sealed>,
}

/// A project link with its sealed token override and sync cursor.
#[derive(Debug, Clone)]
pub struct LinkRecord {
    /// The link as the API shows it.
    pub link: ProjectLink,
    /// The link's own sealed token, used instead of the integration's; `None`: none.
    pub token: Option<Sealed>,
    /// Where the next incremental sync starts.
    pub cursor: SyncCursor,
    /// When the link last had a full listing; `None` makes the next sync a full one.
    pub last_full_sync_at: Option<Timestamp>,
}

/// A user's stored token and identity for one integration.
#[derive(Debug, Clone, Default)]
pub struct PersonalRecord {
    /// The user's sealed personal token, if stored.
    pub token: Option<Sealed>,
    /// The user's identity at the tracker: GitHub login, GitLab username or Jira accountId.
    pub login: Option<String>,
    /// Jira: the Atlassian account email the personal token belongs to.
    pub email: Option<String>,
}

/// Tracker integrations, project links and users' personal tracker tokens.
pub trait IntegrationStore {
    /// Integrations of tenants the viewer belongs to, oldest first.
    fn list_integrations(
        &self,
        viewer: Viewer,
        tenant_id: Option<i64>,
        page: PageQuery,
    ) -> CoreResult<Vec<Integration>>;
    /// The integration with its sealed token, or `None` when it does not exist or its
    /// tenant is not visible.
    fn integration(&self, viewer: Viewer, id: i64) -> CoreResult<Option<IntegrationRecord>>;
    /// `Conflict` when the name is taken within the tenant.
    fn insert_integration(
        &self,
        row: &IntegrationRow,
        token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<Integration>;
    /// Writes the whole [`IntegrationRow`] and the token as `token` says; resets the health
    /// state. `NotFound` for an unknown id, `Conflict` when the name is taken.
    fn update_integration(
        &self,
        id: i64,
        row: &IntegrationRow,
        token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<Integration>;
    /// Also removes its links and the issues synced through them.
    fn delete_integration(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// Records the outcome of a connection test or sync: `None` healthy, `Some` the error.
    fn set_integration_health(&self, id: i64, error: Option<&str>) -> CoreResult<()>;

    /// Links of a project and/or an integration, oldest first.
    fn list_links(
        &self,
        project_id: Option<i64>,
        integration_id: Option<i64>,
    ) -> CoreResult<Vec<LinkRecord>>;
    /// The link with this id, or `None`.
    fn link(&self, id: i64) -> CoreResult<Option<LinkRecord>>;
    /// `Conflict` when the project is already linked to the integration.
    fn insert_link(
        &self,
        project_id: i64,
        integration_id: i64,
        external: &str,
        token: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<ProjectLink>;
    /// Also removes the issues synced through the link (they are the tracker's, not ours).
    fn delete_link(&self, id: i64, audit: NewAudit) -> CoreResult<()>;
    /// Makes the next sync of every link of the integration a full listing.
    fn request_full_sync(&self, integration_id: i64) -> CoreResult<()>;
    /// Stores where the next sync starts; `full` records a complete listing.
    fn save_cursor(&self, link_id: i64, cursor: &SyncCursor, full: bool) -> CoreResult<()>;

    /// The user's personal credentials (no token values), by integration id.
    fn personal_credentials(&self, user_id: i64) -> CoreResult<Vec<PersonalCredential>>;
    /// The user's stored token and identity for one integration, or `None`.
    fn personal_record(
        &self,
        user_id: i64,
        integration_id: i64,
    ) -> CoreResult<Option<PersonalRecord>>;
    /// `login`, `email`: None keeps it, Some(None) clears it.
    fn put_personal_credential(
        &self,
        user_id: i64,
        integration_id: i64,
        token: TokenWrite<'_>,
        login: Option<Option<&str>>,
        email: Option<Option<&str>>,
        audit: NewAudit,
    ) -> CoreResult<PersonalCredential>;
    /// `NotFound` when there was nothing stored.
    fn delete_personal_credential(
        &self,
        user_id: i64,
        integration_id: i64,
        audit: NewAudit,
    ) -> CoreResult<()>;
}

/// What storing one tracker issue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// Row id of the stored issue.
    pub issue_id: i64,
    /// The issue was new to aiops.
    pub created: bool,
    /// The stored copy differed (new `updated_at` or content).
    pub changed: bool,
    /// Comments must be fetched: new with comments, or `updated_at`/count changed while
    /// the issue has (or had) comments.
    pub comments_stale: bool,
}

/// Counts of a sync run so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    /// Issues the tracker reported as changed.
    pub issues_seen: u32,
    /// Issues new to aiops.
    pub issues_created: u32,
    /// Issues aiops had that changed.
    pub issues_updated: u32,
    /// Issues marked as gone upstream.
    pub issues_removed: u32,
    /// Issues whose comments were fetched.
    pub comments_fetched: u32,
    /// HTTP requests made to the tracker.
    pub requests: u32,
}

/// Sync runs and what they write: tracker issues and comments copied into aiops.
pub trait SyncStore {
    /// Queues a run unless one is queued or running for the integration; returns that one
    /// then.
    fn queue_sync(
        &self,
        integration_id: i64,
        trigger: &str,
        requested_by: Option<i64>,
    ) -> CoreResult<SyncRun>;
    /// Marks a queued run running; None when it is not queued any more.
    fn start_sync(&self, run_id: i64) -> CoreResult<Option<SyncRun>>;
    /// Ids of queued runs, oldest first.
    fn queued_syncs(&self) -> CoreResult<Vec<i64>>;
    /// Saves the run's counts so far.
    fn sync_progress(&self, run_id: i64, counts: &SyncCounts) -> CoreResult<()>;
    /// Ends the run in `state` with its counts and error, and returns it; `NotFound` for an
    /// unknown run.
    fn finish_sync(
        &self,
        run_id: i64,
        state: SyncState,
        counts: &SyncCounts,
        error: Option<&str>,
    ) -> CoreResult<SyncRun>;
    /// Runs left `running` by a stopped server become `failed`; returns how many.
    fn fail_interrupted_syncs(&self) -> CoreResult<u64>;
    /// Integrations with scheduled sync whose last run was queued at least
    /// `sync_interval_secs` before `now`, with no run queued or running.
    fn due_integrations(&self, now: Timestamp) -> CoreResult<Vec<i64>>;
    /// The run, or `None` when it does not exist or its integration's tenant is not visible.
    fn sync_run(&self, viewer: Viewer, id: i64) -> CoreResult<Option<SyncRun>>;
    /// Newest first.
    fn list_sync_runs(
        &self,
        viewer: Viewer,
        integration_id: Option<i64>,
        page: PageQuery,
    ) -> CoreResult<Vec<SyncRun>>;

    /// Upserts tracker issues of a link (one transaction); the audit row, when given, is
    /// written with them.
    fn apply_remote_issues(
        &self,
        link: &ProjectLink,
        issues: &[RemoteIssue],
        audit: Option<NewAudit>,
    ) -> CoreResult<Vec<Applied>>;
    /// Replaces an issue's comments with the tracker's; keeps `author_user_id` of the
    /// comments aiops posted.
    fn replace_remote_comments(&self, issue_id: i64, comments: &[RemoteComment]) -> CoreResult<()>;
    /// Upserts one comment aiops posted or edited through the tracker.
    fn put_remote_comment(
        &self,
        issue_id: i64,
        comment: &RemoteComment,
        author_user_id: Option<i64>,
        audit: NewAudit,
    ) -> CoreResult<Comment>;
    /// Marks the link's issues whose remote ids are not in `present` as removed upstream
    /// (closed); returns how many were newly marked.
    fn mark_removed(&self, link_id: i64, present: &[String]) -> CoreResult<u32>;
    /// Marks one issue as removed upstream (the tracker answered 404/410 for it).
    fn mark_issue_removed(&self, issue_id: i64) -> CoreResult<()>;
    /// `(link_id, remote_id)` of a tracker issue; None for native ones.
    fn issue_remote(&self, issue_id: i64) -> CoreResult<Option<(i64, String)>>;
    /// The tracker's id of a comment.
    fn comment_remote_id(&self, comment_id: i64) -> CoreResult<Option<String>>;
}
