//! In-memory fakes of core's narrow ports, for unit tests of core's decisions without a
//! database, tmux or SSH (issue 22). Each fake does what its tests need in memory and
//! panics on a call no test of it should make, so a decision that starts using another
//! port shows up as a failing test rather than a silently wrong answer.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use aiops_types::{
    FileContent, FileEntry, GitBranchInfo, GitCommitInfo, GitDiff, GitStatus, PutTool, Session,
    Tool, ToolCredential, ToolCredentialKind, Transcript,
};

use crate::page::PageQuery;
use crate::ports::{
    GitContext, LaunchPlan, NewApiKeyRow, NewAudit, NewEvent, NewSessionRow, OneShot,
    OneShotOutput, OneShots, PaneInfo, Prepared, RawChanges, Runtime, SessionFilter, SessionStore,
    StateChange, ToolStore, Viewer, WorkingCopies, WorkspacePlan, WorktreeInfo,
};
use crate::sealed::Sealed;
use crate::sessions::sites::{Site, Sites};
use crate::{CoreError, CoreResult};

mod accounts;
mod both;
mod sync;
mod sync_ports;
mod tenancy;
mod tracker;
pub(crate) use accounts::FakeAccounts;
pub(crate) use both::Both;
pub(crate) use sync::{FakeSync, integration, link, sync_run};
pub(crate) use tenancy::{FakeTenancy, project as project_in, tenant};
pub(crate) use tracker::{FakeTrackers, remote_issue};

fn unused(what: &str) -> ! {
    panic!("the fake was asked for {what}, which this test does not expect")
}

/// A session from the fields decisions read; the rest are fixed.
pub(crate) fn session(id: i64, state: &str, host: Option<&str>) -> Session {
    serde_json::from_value(serde_json::json!({
        "id": id, "user_id": 1, "user": "a@example.com", "project_id": 1,
        "issue_id": id, "issue_title": "t", "tool": "shell", "prompt": "",
        "state": state, "detail": "", "exit_code": null, "yolo": false,
        "sandbox": "bubblewrap", "branch": format!("aiops/{id}-t"),
        "worktree_path": format!("/w/{id}"), "tmux_target": format!("=aiops-{id}-t"),
        "host": host, "host_unreachable": false,
        "created_at": "2026-12-07T12:00:00Z", "updated_at": "2026-12-07T12:00:00Z",
        "ended_at": null,
    }))
    .unwrap_or_else(|e| panic!("a session from JSON: {e}"))
}

/// Sessions in memory: listed (newest first, the filter applied), counted, their state
/// changed.
#[derive(Default)]
pub(crate) struct FakeSessions(pub Mutex<Vec<Session>>);

impl FakeSessions {
    pub(crate) fn with(sessions: Vec<Session>) -> Self {
        Self(Mutex::new(sessions))
    }
}

impl SessionStore for FakeSessions {
    fn insert_session(
        &self,
        _: &NewSessionRow,
        _: &NewApiKeyRow,
        _: NewAudit,
    ) -> CoreResult<Session> {
        unused("insert_session")
    }
    /// Owners see their sessions, `Viewer::All` every one.
    fn session(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Session>> {
        let all = self.0.lock().unwrap();
        Ok(all
            .iter()
            .find(|s| s.id == id && viewer.member_id().is_none_or(|u| s.user_id == u))
            .cloned())
    }
    fn list_sessions(&self, f: &SessionFilter, page: PageQuery) -> CoreResult<Vec<Session>> {
        let mut out: Vec<Session> = self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|s| !f.live || s.state.is_live())
            .filter(|s| f.user_id.is_none_or(|u| s.user_id == u))
            .filter(|s| f.issue_id.is_none_or(|i| s.issue_id == Some(i)))
            .filter(|s| f.project_id.is_none_or(|p| s.project_id == p))
            .cloned()
            .collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.id));
        out.truncate(page.limit as usize);
        Ok(out)
    }
    fn live_session_for(&self, _: i64, _: i64, _: &str) -> CoreResult<Option<Session>> {
        unused("live_session_for")
    }
    fn count_live_sessions(&self, user_id: i64) -> CoreResult<u64> {
        let all = self.0.lock().unwrap();
        Ok(all
            .iter()
            .filter(|s| s.user_id == user_id && s.state.is_live())
            .count() as u64)
    }
    fn set_session_state(
        &self,
        id: i64,
        change: &StateChange<'_>,
        _: Option<NewAudit>,
    ) -> CoreResult<Session> {
        let mut all = self.0.lock().unwrap();
        let s = all
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| CoreError::not_found(format!("session {id}")))?;
        if !change.from.contains(&s.state) {
            return Err(CoreError::Conflict(format!(
                "session {id} is {:?}",
                s.state
            )));
        }
        s.state = change.to;
        s.exit_code = change.exit_code;
        if let Some(d) = &change.detail {
            s.detail.clone_from(d);
        }
        Ok(s.clone())
    }
    fn restart_session(&self, _: i64, _: &NewApiKeyRow, _: NewAudit) -> CoreResult<Session> {
        unused("restart_session")
    }
    fn insert_event(&self, _: &NewEvent) -> CoreResult<i64> {
        unused("insert_event")
    }
    fn events_after(&self, _: Viewer, _: i64, _: u32) -> CoreResult<Vec<aiops_types::Event>> {
        unused("events_after")
    }
    fn last_event_id(&self) -> CoreResult<i64> {
        unused("last_event_id")
    }
    fn prune_events(&self, _: i64) -> CoreResult<usize> {
        unused("prune_events")
    }
}

/// A machine's tmux as a list of panes; `down` makes every call fail as an unreachable
/// host's would.
#[derive(Default)]
pub(crate) struct FakeRuntime {
    pub panes: Mutex<Vec<PaneInfo>>,
    /// Exit statuses the launcher recorded, by session id.
    pub exits: Mutex<Vec<(i64, i32)>>,
    pub down: std::sync::atomic::AtomicBool,
}

impl FakeRuntime {
    /// A runtime whose tmux has `panes`: (tmux name, dead).
    pub(crate) fn with_panes(panes: &[(&str, bool)]) -> Self {
        let panes = panes
            .iter()
            .map(|(n, dead)| PaneInfo {
                tmux_name: (*n).to_owned(),
                dead: *dead,
            })
            .collect();
        Self {
            panes: Mutex::new(panes),
            ..Self::default()
        }
    }
}

impl OneShots for FakeRuntime {
    fn run_once(&self, _: &OneShot) -> CoreResult<OneShotOutput> {
        unused("run_once")
    }
    fn forget_one_shot(&self, _: &Path, _: &Path) -> CoreResult<()> {
        unused("forget_one_shot")
    }
}

impl Runtime for FakeRuntime {
    fn prepare(&self, _: &WorkspacePlan) -> CoreResult<Prepared> {
        unused("prepare")
    }
    fn read_text(&self, _: &Path, _: &str) -> Option<String> {
        unused("read_text")
    }
    fn write_context(&self, _: &Path, _: &str) -> CoreResult<()> {
        unused("write_context")
    }
    fn check_program(&self, _: &str) -> CoreResult<()> {
        unused("check_program")
    }
    fn sandbox_mechanism(&self) -> Option<&'static str> {
        unused("sandbox_mechanism")
    }
    fn launch(&self, _: &LaunchPlan) -> CoreResult<()> {
        unused("launch")
    }
    fn panes(&self) -> CoreResult<Vec<PaneInfo>> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(CoreError::Upstream("connection refused".into()));
        }
        Ok(self.panes.lock().unwrap().clone())
    }
    fn recorded_exit(&self, session_id: i64) -> Option<i32> {
        let exits = self.exits.lock().unwrap();
        exits
            .iter()
            .find(|(id, _)| *id == session_id)
            .map(|(_, c)| *c)
    }
    fn kill(&self, _: i64, _: &str) -> CoreResult<()> {
        unused("kill")
    }
    fn send(&self, _: &str, _: &str, _: bool) -> CoreResult<()> {
        unused("send")
    }
    fn transcript(&self, _: i64, _: Option<u32>, _: bool) -> CoreResult<Transcript> {
        unused("transcript")
    }
    fn attach_command(&self, _: &str, _: bool) -> Vec<String> {
        unused("attach_command")
    }
    fn worktrees(&self, _: &Path) -> CoreResult<Vec<WorktreeInfo>> {
        unused("worktrees")
    }
    fn remove_worktree(&self, _: &Path, _: &Path, _: bool) -> CoreResult<()> {
        unused("remove_worktree")
    }
}

/// Git that no test of these decisions runs.
pub(crate) struct NoGit;

impl WorkingCopies for NoGit {
    fn status(&self, _: &GitContext) -> CoreResult<GitStatus> {
        unused("git status")
    }
    fn list_files(&self, _: &GitContext, _: &str) -> CoreResult<Vec<FileEntry>> {
        unused("git ls-files")
    }
    fn read_file(&self, _: &GitContext, _: &str) -> CoreResult<FileContent> {
        unused("a file")
    }
    fn pull(&self, _: &GitContext, _: bool) -> CoreResult<String> {
        unused("git pull")
    }
    fn push(&self, _: &GitContext, _: &str) -> CoreResult<String> {
        unused("git push")
    }
    fn commit(&self, _: &GitContext, _: &str, _: &[String]) -> CoreResult<String> {
        unused("git commit")
    }
    fn commit_staged(&self, _: &GitContext, _: &str) -> CoreResult<String> {
        unused("git commit")
    }
    fn create_branch(&self, _: &GitContext, _: &str, _: Option<&str>) -> CoreResult<String> {
        unused("git branch")
    }
    fn checkout(&self, _: &GitContext, _: &str) -> CoreResult<String> {
        unused("git checkout")
    }
    fn branches(&self, _: &GitContext) -> CoreResult<Vec<GitBranchInfo>> {
        unused("git branch -a")
    }
    fn log(&self, _: &GitContext, _: Option<&str>, _: u32) -> CoreResult<Vec<GitCommitInfo>> {
        unused("git log")
    }
    fn diff(&self, _: &GitContext, _: Option<&str>, _: bool) -> CoreResult<GitDiff> {
        unused("git diff")
    }
    fn head(&self, _: &GitContext) -> CoreResult<(String, String)> {
        unused("git HEAD")
    }
    fn remote_branches(&self, _: &GitContext, _: &str) -> CoreResult<Vec<String>> {
        unused("git ls-remote")
    }
    fn changes(&self, _: &GitContext, _: &str) -> CoreResult<RawChanges> {
        unused("git changes")
    }
    fn stage(&self, _: &GitContext, _: &[String]) -> CoreResult<()> {
        unused("git add")
    }
    fn unstage(&self, _: &GitContext, _: &[String]) -> CoreResult<()> {
        unused("git restore --staged")
    }
    fn scan_host_keys(&self, _: &str, _: u16) -> CoreResult<Vec<String>> {
        unused("ssh-keyscan")
    }
}

/// Session hosts in memory, each with its own [`FakeRuntime`]; records which hosts were
/// opened and forgotten.
#[derive(Default)]
pub(crate) struct FakeSites {
    pub hosts: Vec<aiops_types::Host>,
    pub runtimes: Mutex<Vec<(String, Arc<FakeRuntime>)>>,
    pub opened: Mutex<Vec<String>>,
    pub forgotten: Mutex<HashSet<String>>,
}

/// A host row: `name`, id `id`, `labels`, `capacity`.
pub(crate) fn host(id: i64, name: &str, labels: &[&str], capacity: u32) -> aiops_types::Host {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": name, "ssh_user": "aiops", "address": format!("{name}.example.com"),
        "port": 22, "root": "/srv/aiops", "key_id": null, "labels": labels,
        "capacity": capacity, "draining": false, "last_check": null,
        "created_at": "2026-12-07T12:00:00Z", "updated_at": "2026-12-07T12:00:00Z",
        "unreachable_since": null,
    }))
    .unwrap_or_else(|e| panic!("a host from JSON: {e}"))
}

impl FakeSites {
    pub(crate) fn of(hosts: Vec<aiops_types::Host>) -> Self {
        let runtimes = hosts
            .iter()
            .map(|h| (h.name.clone(), Arc::new(FakeRuntime::default())))
            .collect();
        Self {
            hosts,
            runtimes: Mutex::new(runtimes),
            ..Self::default()
        }
    }

    /// Host `name`'s runtime.
    pub(crate) fn runtime(&self, name: &str) -> Arc<FakeRuntime> {
        let all = self.runtimes.lock().unwrap();
        let found = all.iter().find(|(n, _)| n == name);
        found
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| unused(name))
    }
}

impl Sites for FakeSites {
    fn hosts(&self) -> CoreResult<Vec<aiops_types::Host>> {
        Ok(self.hosts.clone())
    }
    fn open(&self, name: &str) -> CoreResult<Arc<Site>> {
        let h = self
            .hosts
            .iter()
            .find(|h| h.name == name)
            .ok_or_else(|| CoreError::not_found(format!("session host `{name}`")))?;
        self.opened.lock().unwrap().push(name.to_owned());
        let root = Path::new(&h.root);
        Ok(Arc::new(Site {
            host_id: h.id,
            host_name: h.name.clone(),
            runtime: self.runtime(name),
            git: Arc::new(NoGit),
            workspace_root: root.join("workspaces"),
            homes_root: root.join("homes"),
            tools: root.join("tools"),
            aiops_bin: root.join("bin/aiops").display().to_string(),
            path: "/usr/bin:/bin".into(),
            login: (h.ssh_user.clone(), h.address.clone(), h.port),
            ssh_terminal: Vec::new(),
        }))
    }
    fn forget(&self, name: &str) {
        self.forgotten.lock().unwrap().insert(name.to_owned());
    }
}

/// Tool credentials in memory, sealed as the store keeps them: (user, kind, sealed).
#[derive(Default)]
pub(crate) struct FakeTools(pub Mutex<Vec<(i64, ToolCredentialKind, Sealed)>>);

impl ToolStore for FakeTools {
    fn tools(&self) -> CoreResult<Vec<Tool>> {
        unused("tools")
    }
    fn tool(&self, _: &str) -> CoreResult<Option<Tool>> {
        unused("tool")
    }
    fn put_tool(&self, _: &str, _: &PutTool, _: NewAudit) -> CoreResult<Tool> {
        unused("put_tool")
    }
    fn delete_tool(&self, _: &str, _: NewAudit) -> CoreResult<()> {
        unused("delete_tool")
    }
    fn tool_credentials(&self, user_id: i64) -> CoreResult<Vec<ToolCredential>> {
        let all = self.0.lock().unwrap();
        Ok(all
            .iter()
            .filter(|(u, _, _)| *u == user_id)
            .map(|(_, kind, _)| credential(*kind))
            .collect())
    }
    fn sealed_tool_credentials(
        &self,
        user_id: i64,
    ) -> CoreResult<Vec<(ToolCredentialKind, Sealed)>> {
        let all = self.0.lock().unwrap();
        Ok(all
            .iter()
            .filter(|(u, _, _)| *u == user_id)
            .map(|(_, k, s)| (*k, s.clone()))
            .collect())
    }
    fn put_tool_credential(
        &self,
        user_id: i64,
        kind: ToolCredentialKind,
        sealed: &Sealed,
        _: NewAudit,
    ) -> CoreResult<ToolCredential> {
        let mut all = self.0.lock().unwrap();
        all.retain(|(u, k, _)| !(*u == user_id && *k == kind));
        all.push((user_id, kind, sealed.clone()));
        Ok(credential(kind))
    }
    fn delete_tool_credential(
        &self,
        user_id: i64,
        kind: ToolCredentialKind,
        _: NewAudit,
    ) -> CoreResult<()> {
        let mut all = self.0.lock().unwrap();
        let before = all.len();
        all.retain(|(u, k, _)| !(*u == user_id && *k == kind));
        if all.len() == before {
            return Err(CoreError::not_found(format!(
                "{} credential",
                kind.as_str()
            )));
        }
        Ok(())
    }
}

fn credential(kind: ToolCredentialKind) -> ToolCredential {
    serde_json::from_value(serde_json::json!({
        "kind": kind, "updated_at": "2026-12-07T12:00:00Z",
    }))
    .unwrap_or_else(|e| panic!("a tool credential from JSON: {e}"))
}

/// A tool named `name` of kind `kind` (`claude`, `codex`, `aider`, `generic`).
pub(crate) fn tool(name: &str, kind: &str) -> Tool {
    serde_json::from_value(serde_json::json!({
        "name": name, "command": name, "args": [], "yolo_args": [], "env": {},
        "prompt": "argument", "kind": kind, "hooks": "", "builtin": false, "installed": true,
    }))
    .unwrap_or_else(|e| panic!("a tool from JSON: {e}"))
}

/// A member's principal (user `user_id`, an API key).
pub(crate) fn member(user_id: i64) -> crate::Principal {
    crate::Principal {
        user_id,
        email: format!("u{user_id}@example.com"),
        role: aiops_types::Role::Member,
        scopes: aiops_types::Role::Member.scopes(),
        method: aiops_types::AuthMethod::ApiKey,
        credential_id: 1,
        ip: None,
        session: None,
    }
}
