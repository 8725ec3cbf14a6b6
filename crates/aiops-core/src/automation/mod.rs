//! Automation (issue 19): Ansible runs through a Semaphore server or a local
//! `ansible-playbook`, as jobs linked to issues and sessions.
//!
//! A *target* belongs to a tenant, like a tracker integration: its members see it and
//! start runs on it; server admins and the tenant's admins create, change and delete it.
//! Its secrets (Semaphore API token, Ansible Vault password) are sealed at rest and never
//! returned. A *run* is a row here plus a job of kind `automation` (the job runner's
//! state, times, cancel and output, which is the run's log): [`runs`] validates a run
//! and builds what its job executes, [`semaphore`] follows a Semaphore task, [`local`]
//! plans an `ansible-playbook` command.

pub mod local;
pub mod runs;
pub mod semaphore;

use aiops_types::{
    AutomationKind, AutomationRun, AutomationTarget, AutomationTargetListParams,
    CreateAutomationTarget, Page, UpdateAutomationTarget,
};
use serde_json::json;

use crate::integrations::TokenChange;
use crate::page::PageQuery;
use crate::ports::{NewAudit, TenantStore, TokenWrite, Viewer};
use crate::sealed::{Sealed, SecretKey};
use crate::{CoreError, CoreResult, Principal, tenants, validate};

/// The seed system's defaults (`SEMAPHORE_HTTP_TIMEOUT`, `SEMAPHORE_TASK_TIMEOUT`,
/// `SEMAPHORE_POLL_INTERVAL`).
pub const DEFAULT_HTTP_TIMEOUT_SECS: u32 = 15;
/// Default of `task_timeout_secs`: 10 minutes.
pub const DEFAULT_TASK_TIMEOUT_SECS: u32 = 600;
/// Default of `poll_interval_secs`.
pub const DEFAULT_POLL_INTERVAL_SECS: u32 = 2;
/// Accepted `http_timeout_secs`, seconds.
pub const HTTP_TIMEOUT_SECS: std::ops::RangeInclusive<u32> = 1..=300;
/// Accepted `task_timeout_secs`, seconds (up to a day).
pub const TASK_TIMEOUT_SECS: std::ops::RangeInclusive<u32> = 10..=86_400;
/// Accepted `poll_interval_secs`, seconds.
pub const POLL_INTERVAL_SECS: std::ops::RangeInclusive<u32> = 1..=60;
/// Longest vault password accepted.
pub const MAX_VAULT_PASSWORD_BYTES: usize = 1024;

/// The job kind of a run.
pub const JOB_KIND: &str = "automation";

/// Associated data the secrets are sealed with: the row they belong to.
pub fn token_context(id: i64) -> String {
    format!("automation_target/{id}/token")
}
/// Associated data the vault password is sealed with: the row it belongs to.
pub fn vault_context(id: i64) -> String {
    format!("automation_target/{id}/vault_password")
}

/// A target's full mutable state (secrets aside).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    /// Tenant the target belongs to.
    pub tenant_id: i64,
    /// Name, unique within the tenant.
    pub name: String,
    /// Semaphore server or local `ansible-playbook`; fixed at creation.
    pub kind: AutomationKind,
    /// Semaphore: the server's root URL; `None` for local targets.
    pub base_url: Option<String>,
    /// Semaphore: the project runs go to unless a run names another.
    pub semaphore_project_id: Option<i64>,
    /// Semaphore: verify the server's TLS certificate.
    pub verify_tls: bool,
    /// Semaphore: timeout of one HTTP request, seconds.
    pub http_timeout_secs: u32,
    /// A run still going after this many seconds is stopped and fails.
    pub task_timeout_secs: u32,
    /// Semaphore: seconds between polls of a task's status and output.
    pub poll_interval_secs: u32,
    /// Local: inventory used when a run names none (a file relative to the repository, or
    /// an inline host list ending in a comma).
    pub inventory: Option<String>,
}

/// A target with its sealed secrets, for the domain only.
#[derive(Debug, Clone)]
pub struct TargetRecord {
    /// The target as the API shows it.
    pub target: AutomationTarget,
    /// Semaphore: its sealed API token.
    pub token: Option<Sealed>,
    /// Local: its sealed Ansible Vault password.
    pub vault_password: Option<Sealed>,
}

/// A run as queued: what it runs and what it links to (its job is attached after).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    /// Target it runs on.
    pub target_id: i64,
    /// The target's tenant.
    pub tenant_id: i64,
    /// Local: the project whose repository holds the playbook.
    pub project_id: Option<i64>,
    /// Session it is linked to (a local run uses its worktree).
    pub session_id: Option<i64>,
    /// Issue that gets a comment with the result when the run ends.
    pub issue_id: Option<i64>,
    /// User who started it.
    pub requested_by: i64,
    /// Semaphore: the task template to run.
    pub template_id: Option<i64>,
    /// Semaphore: the project the task runs in.
    pub semaphore_project_id: Option<i64>,
    /// Local: the playbook, relative to the repository.
    pub playbook: Option<String>,
    /// Local: the inventory to use.
    pub inventory: Option<String>,
    /// The overrides asked for (extra_vars, limit, tags, skip_tags, check, diff, writable).
    pub options: serde_json::Value,
}

/// Storage of targets and runs. Reads take the caller's [`Viewer`]: a member sees only
/// their tenants' rows.
pub trait AutomationStore {
    /// Oldest first.
    fn list_automation_targets(
        &self,
        viewer: Viewer,
        tenant_id: Option<i64>,
        page: PageQuery,
    ) -> CoreResult<Vec<AutomationTarget>>;
    /// The target with its sealed secrets, or `None` when it does not exist or its tenant is
    /// not visible.
    fn automation_target(&self, viewer: Viewer, id: i64) -> CoreResult<Option<TargetRecord>>;
    /// Inserts a target with its secrets as `token` and `vault` say; `Conflict` when the
    /// name is taken within the tenant.
    fn insert_automation_target(
        &self,
        row: &TargetRow,
        token: TokenWrite<'_>,
        vault: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<AutomationTarget>;
    /// Writes the whole [`TargetRow`] and the secrets as `token` and `vault` say.
    /// `NotFound` for an unknown id, `Conflict` when the new name is taken.
    fn update_automation_target(
        &self,
        id: i64,
        row: &TargetRow,
        token: TokenWrite<'_>,
        vault: TokenWrite<'_>,
        audit: NewAudit,
    ) -> CoreResult<AutomationTarget>;
    /// Also removes its runs (their jobs stay in the job list).
    fn delete_automation_target(&self, id: i64, audit: NewAudit) -> CoreResult<()>;

    /// Inserts a queued run (its job is attached with `set_automation_run_job`).
    fn insert_automation_run(&self, run: &NewRun, audit: NewAudit) -> CoreResult<AutomationRun>;
    /// Links the run to the job that executes it.
    fn set_automation_run_job(&self, id: i64, job_id: i64) -> CoreResult<()>;
    /// Records what the run learned while running: Semaphore's task id, the exit code.
    fn note_automation_run(
        &self,
        id: i64,
        remote_task_id: Option<i64>,
        exit_code: Option<i32>,
    ) -> CoreResult<()>;
    /// The run, or `None` when it does not exist or its tenant is not visible.
    fn automation_run(&self, viewer: Viewer, id: i64) -> CoreResult<Option<AutomationRun>>;
    /// Newest first.
    fn list_automation_runs(
        &self,
        viewer: Viewer,
        filter: &RunFilter,
        page: PageQuery,
    ) -> CoreResult<Vec<AutomationRun>>;
}

/// Which runs a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// Only runs on this target.
    pub target_id: Option<i64>,
    /// Only runs of this project.
    pub project_id: Option<i64>,
    /// Only runs linked to this session.
    pub session_id: Option<i64>,
    /// Only runs linked to this issue.
    pub issue_id: Option<i64>,
}

/// A session's key reaches its own session and issue only; automation runs code on
/// hosts, which an agent must not start.
pub(crate) fn no_session_key(caller: &Principal) -> CoreResult<()> {
    match caller.session {
        Some(_) => Err(CoreError::Forbidden(
            "a session key cannot reach automation".into(),
        )),
        None => Ok(()),
    }
}

fn http_url(value: &str) -> CoreResult<String> {
    crate::integrations::base_url(value)
}

fn within(
    field: &'static str,
    value: u32,
    range: std::ops::RangeInclusive<u32>,
) -> CoreResult<u32> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(CoreError::invalid(
            field,
            format!(
                "{field} must be between {} and {} seconds",
                range.start(),
                range.end()
            ),
        ))
    }
}

/// A vault password as typed: kept exactly (spaces may be part of it) but for one
/// trailing newline; at most [`MAX_VAULT_PASSWORD_BYTES`], no NUL.
fn vault_change(value: Option<&str>, clearable: bool) -> CoreResult<TokenChange> {
    match value {
        None => Ok(TokenChange::Keep),
        Some(v) if clearable && v.is_empty() => Ok(TokenChange::Clear),
        Some(v) => {
            let v = v.strip_suffix('\n').unwrap_or(v);
            if v.is_empty() || v.len() > MAX_VAULT_PASSWORD_BYTES || v.contains('\0') {
                return Err(CoreError::invalid(
                    "vault_password",
                    format!(
                        "vault password must be 1..={MAX_VAULT_PASSWORD_BYTES} bytes without NUL"
                    ),
                ));
            }
            Ok(TokenChange::Set(v.to_owned()))
        }
    }
}

/// Checks the fields a kind needs and refuses those of the other kind.
fn check_kind(row: &TargetRow, has_token: bool, has_vault: bool) -> CoreResult<()> {
    match row.kind {
        AutomationKind::Semaphore => {
            if row.base_url.is_none() {
                return Err(CoreError::invalid(
                    "base_url",
                    "a semaphore target needs base_url (https://semaphore.example.com)",
                ));
            }
            if !has_token {
                return Err(CoreError::invalid(
                    "token",
                    "a semaphore target needs an API token (Semaphore → your user → API tokens)",
                ));
            }
            if row.semaphore_project_id.is_none() {
                return Err(CoreError::invalid(
                    "semaphore_project_id",
                    "a semaphore target needs its default project id",
                ));
            }
            if row.inventory.is_some() || has_vault {
                return Err(CoreError::invalid(
                    "inventory",
                    "inventory and vault_password belong to local targets (Semaphore keeps its own)",
                ));
            }
        }
        AutomationKind::Local => {
            if row.base_url.is_some() || has_token || row.semaphore_project_id.is_some() {
                return Err(CoreError::invalid(
                    "base_url",
                    "base_url, token and semaphore_project_id belong to semaphore targets",
                ));
            }
        }
    }
    Ok(())
}

fn project_id(value: Option<i64>) -> CoreResult<Option<i64>> {
    match value {
        Some(id) if id < 1 => Err(CoreError::invalid(
            "semaphore_project_id",
            "semaphore_project_id must be 1 or more",
        )),
        v => Ok(v),
    }
}

/// Targets the caller can see, oldest first; only of the tenant `params.tenant` (id or
/// slug) when given. `Forbidden` for a session key.
pub fn list(
    store: &(impl TenantStore + AutomationStore),
    caller: &Principal,
    params: &AutomationTargetListParams,
    page: PageQuery,
) -> CoreResult<Page<AutomationTarget>> {
    no_session_key(caller)?;
    let tenant_id = match params.tenant.as_deref() {
        Some(t) => Some(tenants::get(store, caller, t)?.id),
        None => None,
    };
    let rows = store.list_automation_targets(caller.viewer(), tenant_id, page)?;
    Ok(page.finish(rows, |t| t.id))
}

/// The target with its sealed secrets; `NotFound` for a tenant the caller is not in.
pub fn record(
    store: &impl AutomationStore,
    caller: &Principal,
    id: i64,
) -> CoreResult<TargetRecord> {
    no_session_key(caller)?;
    store
        .automation_target(caller.viewer(), id)?
        .ok_or_else(|| CoreError::not_found(format!("automation target {id}")))
}

/// The target as the API shows it; `NotFound` when the caller cannot see it,
/// `Forbidden` for a session key.
pub fn get(
    store: &impl AutomationStore,
    caller: &Principal,
    id: i64,
) -> CoreResult<AutomationTarget> {
    Ok(record(store, caller, id)?.target)
}

/// Creates a target in `req.tenant`: fills the defaults, checks the timeouts against
/// their ranges and that the fields fit the kind (`Invalid`), seals the token and vault
/// password. Only server admins and the tenant's admins (`Forbidden`).
pub fn create(
    store: &(impl TenantStore + AutomationStore),
    key: &SecretKey,
    caller: &Principal,
    req: &CreateAutomationTarget,
) -> CoreResult<AutomationTarget> {
    let tenant = tenants::administered(store, caller, &req.tenant, "manage automation targets")?;
    let row = TargetRow {
        tenant_id: tenant.id,
        name: validate::name("name", &req.name)?,
        kind: req.kind,
        base_url: req.base_url.as_deref().map(http_url).transpose()?,
        semaphore_project_id: project_id(req.semaphore_project_id)?,
        verify_tls: req.verify_tls.unwrap_or(true),
        http_timeout_secs: within(
            "http_timeout_secs",
            req.http_timeout_secs.unwrap_or(DEFAULT_HTTP_TIMEOUT_SECS),
            HTTP_TIMEOUT_SECS,
        )?,
        task_timeout_secs: within(
            "task_timeout_secs",
            req.task_timeout_secs.unwrap_or(DEFAULT_TASK_TIMEOUT_SECS),
            TASK_TIMEOUT_SECS,
        )?,
        poll_interval_secs: within(
            "poll_interval_secs",
            req.poll_interval_secs.unwrap_or(DEFAULT_POLL_INTERVAL_SECS),
            POLL_INTERVAL_SECS,
        )?,
        inventory: local::inventory(req.inventory.as_deref())?,
    };
    let token =
        TokenChange::from_request(req.token.as_ref().map(aiops_types::Secret::expose), false)?;
    let vault = vault_change(
        req.vault_password.as_ref().map(aiops_types::Secret::expose),
        false,
    )?;
    check_kind(&row, token.changed(), vault.changed())?;
    let seal_token = |id| token.seal(key, &token_context(id));
    let seal_vault = |id| vault.seal(key, &vault_context(id));
    let audit = NewAudit::by(caller, "automation_target.create").detail(json!({
        "tenant_id": tenant.id, "name": row.name, "kind": row.kind.as_str(),
        "base_url": row.base_url, "has_token": token.changed(),
        "has_vault_password": vault.changed(),
    }));
    store.insert_automation_target(
        &row,
        token.write(&seal_token),
        vault.write(&seal_vault),
        audit,
    )
}

/// Changes the fields `req` gives (the kind stays); an empty token or vault password
/// clears it. Only server admins and the tenant's admins (`Forbidden`); `Invalid` as for
/// [`create`].
pub fn update(
    store: &(impl TenantStore + AutomationStore),
    key: &SecretKey,
    caller: &Principal,
    id: i64,
    req: &UpdateAutomationTarget,
) -> CoreResult<AutomationTarget> {
    let current = record(store, caller, id)?;
    let t = &current.target;
    tenants::require_admin_of(
        store,
        caller,
        t.tenant_id,
        &t.tenant_slug,
        "manage automation targets",
    )?;
    let row = TargetRow {
        tenant_id: t.tenant_id,
        name: match req.name.as_deref() {
            Some(n) => validate::name("name", n)?,
            None => t.name.clone(),
        },
        kind: t.kind,
        base_url: match req.base_url.as_deref() {
            Some(u) => Some(http_url(u)?),
            None => t.base_url.clone(),
        },
        semaphore_project_id: project_id(req.semaphore_project_id.or(t.semaphore_project_id))?,
        verify_tls: req.verify_tls.unwrap_or(t.verify_tls),
        http_timeout_secs: within(
            "http_timeout_secs",
            req.http_timeout_secs.unwrap_or(t.http_timeout_secs),
            HTTP_TIMEOUT_SECS,
        )?,
        task_timeout_secs: within(
            "task_timeout_secs",
            req.task_timeout_secs.unwrap_or(t.task_timeout_secs),
            TASK_TIMEOUT_SECS,
        )?,
        poll_interval_secs: within(
            "poll_interval_secs",
            req.poll_interval_secs.unwrap_or(t.poll_interval_secs),
            POLL_INTERVAL_SECS,
        )?,
        inventory: match req.inventory.as_deref() {
            Some(i) => local::inventory(Some(i))?,
            None => t.inventory.clone(),
        },
    };
    let token =
        TokenChange::from_request(req.token.as_ref().map(aiops_types::Secret::expose), true)?;
    let vault = vault_change(
        req.vault_password.as_ref().map(aiops_types::Secret::expose),
        true,
    )?;
    let has = |change: &TokenChange, stored: bool| match change {
        TokenChange::Keep => stored,
        TokenChange::Clear => false,
        TokenChange::Set(_) => true,
    };
    check_kind(
        &row,
        has(&token, t.has_token),
        has(&vault, t.has_vault_password),
    )?;
    let seal_token = |id| token.seal(key, &token_context(id));
    let seal_vault = |id| vault.seal(key, &vault_context(id));
    let audit = NewAudit::by(caller, "automation_target.update")
        .target("automation_target", id)
        .detail(json!({
            "name": row.name, "base_url": row.base_url,
            "token_changed": token.changed(), "vault_password_changed": vault.changed(),
        }));
    store.update_automation_target(
        id,
        &row,
        token.write(&seal_token),
        vault.write(&seal_vault),
        audit,
    )
}

/// Deletes the target and its runs (their jobs stay). Only server admins and the
/// tenant's admins (`Forbidden`); `NotFound` when the caller cannot see it.
pub fn delete(
    store: &(impl TenantStore + AutomationStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<()> {
    let t = get(store, caller, id)?;
    tenants::require_admin_of(
        store,
        caller,
        t.tenant_id,
        &t.tenant_slug,
        "manage automation targets",
    )?;
    let audit = NewAudit::by(caller, "automation_target.delete")
        .target("automation_target", id)
        .detail(json!({ "name": t.name }));
    store.delete_automation_target(id, audit)
}

/// The target's secrets in clear, for the run's work only (never logged).
pub struct Secrets {
    /// Semaphore: the API token.
    pub token: Option<zeroize::Zeroizing<String>>,
    /// Local: the Ansible Vault password.
    pub vault_password: Option<zeroize::Zeroizing<String>>,
}

/// Opens the target's sealed secrets; `Internal` when one does not open or is not UTF-8.
pub fn open_secrets(key: &SecretKey, record: &TargetRecord) -> CoreResult<Secrets> {
    let open = |sealed: &Option<Sealed>, context: String| -> CoreResult<_> {
        sealed
            .as_ref()
            .map(|s| {
                let bytes = zeroize::Zeroizing::new(key.open(s, &context)?);
                String::from_utf8(bytes.to_vec())
                    .map(zeroize::Zeroizing::new)
                    .map_err(|_| {
                        CoreError::Internal("a sealed automation secret is not text".into())
                    })
            })
            .transpose()
    };
    let id = record.target.id;
    Ok(Secrets {
        token: open(&record.token, token_context(id))?,
        vault_password: open(&record.vault_password, vault_context(id))?,
    })
}
