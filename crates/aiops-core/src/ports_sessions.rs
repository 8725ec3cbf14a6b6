//! Port traits for agent sessions: their rows and the event log ([`SessionStore`]), the
//! tool table ([`ToolStore`]), and the machine they run on ([`Runtime`]: git workspaces,
//! tmux, the session launcher), which `aiops-exec` implements.

use std::path::PathBuf;

use aiops_types::{
    Event, PutTool, Session, SessionState, Tool, ToolCredential, ToolCredentialKind, Transcript,
};

use crate::CoreResult;
use crate::page::PageQuery;
use crate::ports::{NewApiKeyRow, NewAudit, Viewer};
use crate::sealed::Sealed;

/// A session to insert (state `starting`), with the session-scoped key minted for it.
#[derive(Debug, Clone)]
pub struct NewSessionRow {
    /// Owner of the session (and of its key).
    pub user_id: i64,
    /// Project the session works in.
    pub project_id: i64,
    /// Issue it works on; `None` for a session on the project without an issue.
    pub issue_id: Option<i64>,
    /// Name of the tool it runs, from the tool table.
    pub tool: String,
    /// The tool runs with its `yolo_args` (its skip-permissions mode).
    pub yolo: bool,
    /// Initial prompt for tools that take one.
    pub prompt: String,
    /// Branch checked out in its working copy.
    pub branch: String,
    /// Directory of its working copy on the host running it.
    pub worktree_path: String,
    /// Text the tmux name is derived from (`aiops-<id>-<slug>`; the id is the row's).
    pub name_hint: String,
    /// The sandbox the command runs in (`bubblewrap`, `seatbelt`) or `none`.
    pub sandbox: String,
    /// The session host it runs on (issue 23); None: the control plane's machine.
    pub host_id: Option<i64>,
    /// Name of that session host, kept on the row.
    pub host_name: Option<String>,
}

/// A state change. `from` lists the states it may leave; any other current state is a
/// `Conflict` naming it, and nothing is written.
#[derive(Debug, Clone)]
pub struct StateChange<'a> {
    /// The state to enter; a state that is not live also stamps `ended_at` and revokes the
    /// session's keys.
    pub to: SessionState,
    /// States the session may be in for the change to apply.
    pub from: &'a [SessionState],
    /// The command's exit code, when it exited by itself.
    pub exit_code: Option<i32>,
    /// Why it failed, or the agent's last note; `None` stores an empty text.
    pub detail: Option<String>,
}

/// Which sessions `list_sessions` returns; `None`/`false` match all.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Only this user's sessions (None: everyone's; admins only).
    pub user_id: Option<i64>,
    /// Only live sessions (`starting`, `running`, `waiting`).
    pub live: bool,
    /// Only sessions on this issue.
    pub issue_id: Option<i64>,
    /// Only sessions in this project.
    pub project_id: Option<i64>,
}

/// An event for the log; the store fills `id` and `at`.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Event type, such as `session.state`.
    pub kind: String,
    /// Tenant whose members may see it (used when `user_id` and `project_id` are `None`).
    pub tenant_id: Option<i64>,
    /// Project whose members (and its tenant's) may see it, when `user_id` is `None`.
    pub project_id: Option<i64>,
    /// Visible to this user (and admins) only.
    pub user_id: Option<i64>,
    /// JSON body of the event, sent as is to the stream.
    pub payload: serde_json::Value,
}

/// Sessions and the event log. Every state change of a session appends a
/// `session.state` event carrying the session, in the same transaction; ending a
/// session revokes its session-scoped keys in that transaction too.
pub trait SessionStore {
    /// Inserts the session and its key (`key.user_id` is the owner), appends the audit
    /// row and the `starting` event.
    fn insert_session(
        &self,
        row: &NewSessionRow,
        key: &NewApiKeyRow,
        audit: NewAudit,
    ) -> CoreResult<Session>;
    /// Owners see their sessions; admins (`Viewer::All`) every session.
    fn session(&self, viewer: Viewer, id: i64) -> CoreResult<Option<Session>>;
    /// Newest first.
    fn list_sessions(&self, f: &SessionFilter, page: PageQuery) -> CoreResult<Vec<Session>>;
    /// A live session of `user_id` on `issue_id` with `tool`, to reuse.
    fn live_session_for(
        &self,
        user_id: i64,
        issue_id: i64,
        tool: &str,
    ) -> CoreResult<Option<Session>>;
    /// Number of the user's live sessions (`starting`, `running`, `waiting`).
    fn count_live_sessions(&self, user_id: i64) -> CoreResult<u64>;
    /// Moves the session to `change.to` (see [`StateChange`]), appends the audit row when
    /// given and the `session.state` event. `NotFound` for an unknown id.
    fn set_session_state(
        &self,
        id: i64,
        change: &StateChange<'_>,
        audit: Option<NewAudit>,
    ) -> CoreResult<Session>;
    /// Back to `starting` for a respawn, with a fresh session key (old ones revoked).
    fn restart_session(&self, id: i64, key: &NewApiKeyRow, audit: NewAudit) -> CoreResult<Session>;
    /// Appends an event to the log and returns its id.
    fn insert_event(&self, event: &NewEvent) -> CoreResult<i64>;
    /// Events after `after` the viewer may see, oldest first, at most `limit`.
    fn events_after(&self, viewer: Viewer, after: i64, limit: u32) -> CoreResult<Vec<Event>>;
    /// The newest event id (0 when none): where a stream without `Last-Event-ID` starts.
    fn last_event_id(&self) -> CoreResult<i64>;
    /// Deletes all but the newest `keep` events; returns how many went.
    fn prune_events(&self, keep: i64) -> CoreResult<usize>;
}

/// Agent tools (what a session runs) and each user's sealed tool credentials.
pub trait ToolStore {
    /// All tools, built-in ones first, then by name.
    fn tools(&self) -> CoreResult<Vec<Tool>>;
    /// The tool with this name, or `None`.
    fn tool(&self, name: &str) -> CoreResult<Option<Tool>>;
    /// Creates or replaces the tool `name` (built-in ones included).
    fn put_tool(&self, name: &str, tool: &PutTool, audit: NewAudit) -> CoreResult<Tool>;
    /// Built-in tools cannot be deleted (`Conflict`).
    fn delete_tool(&self, name: &str, audit: NewAudit) -> CoreResult<()>;
    /// Which credentials the user has stored (kind and time, no values), by kind.
    fn tool_credentials(&self, user_id: i64) -> CoreResult<Vec<ToolCredential>>;
    /// The user's credentials with their sealed values, for a session's environment.
    fn sealed_tool_credentials(
        &self,
        user_id: i64,
    ) -> CoreResult<Vec<(ToolCredentialKind, Sealed)>>;
    /// Creates or replaces the user's credential of this kind.
    fn put_tool_credential(
        &self,
        user_id: i64,
        kind: ToolCredentialKind,
        sealed: &Sealed,
        audit: NewAudit,
    ) -> CoreResult<ToolCredential>;
    /// `NotFound` when there is none.
    fn delete_tool_credential(
        &self,
        user_id: i64,
        kind: ToolCredentialKind,
        audit: NewAudit,
    ) -> CoreResult<()>;
}

/// Where a session works: the base clone and, for worktree isolation, its worktree.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct WorkspacePlan {
    /// URL of the repository to clone.
    pub repo_url: String,
    /// The repository is a path on the server's disk (set by an admin).
    pub allow_file: bool,
    /// Branch a new worktree starts from.
    pub default_branch: String,
    /// `<root>/<user>/<tenant>/<project>/repo`.
    pub base: PathBuf,
    /// None: in place (the session works in `base`).
    pub worktree: Option<WorktreePlan>,
    /// Files copied from the base clone into a new worktree (relative paths); missing ones
    /// are skipped.
    pub setup_files: Vec<String>,
    /// Run once in a new worktree (argv, no shell); empty: none.
    pub setup_command: Vec<String>,
    /// Git author/committer identity (`GIT_AUTHOR_NAME`, …) for commits made while preparing.
    pub git_env: Vec<(String, String)>,
    /// Key and host keys when the repository is reached over ssh.
    pub ssh: Option<crate::ssh::SshMaterial>,
}

/// The issue's own worktree of a session: where it is and its branch.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct WorktreePlan {
    /// Directory of the worktree.
    pub path: PathBuf,
    /// Branch checked out there; created from the default branch when missing.
    pub branch: String,
}

/// What preparing did, for the caller to show.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Prepared {
    /// Where the session works.
    pub dir: PathBuf,
    /// The branch checked out there.
    pub branch: String,
    /// Non-fatal problems (a failed fetch, a missing setup file).
    pub warnings: Vec<String>,
}

/// A session's command and environment. `env` may hold secrets (the session key, tool
/// credentials): the runtime hands them to the pane through a 0600 file, never through
/// tmux arguments or keys typed into the pane.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LaunchPlan {
    /// Row id of the session.
    pub session_id: i64,
    /// Name of its tmux session (`aiops-<id>-<slug>`).
    pub tmux_name: String,
    /// Working directory of the command: the worktree, or the base clone.
    pub dir: PathBuf,
    /// The tool's program and arguments.
    pub argv: Vec<String>,
    /// Environment of the command: the tool's variables, the user's tool credentials, `HOME`,
    /// `PATH`, git identity and the session's `AIOPS_*` variables (`AIOPS_API_KEY` among them).
    pub env: Vec<(String, String)>,
    /// Which agent it is: the hooks written into the worktree so it reports its state
    /// (Claude, Codex) and what its tool home gets first.
    pub kind: ToolKind,
    /// Restart a dead (or live) pane of an existing tmux session instead of creating one.
    pub respawn: bool,
    /// A prompt to type at the tool's first input prompt (Aider, which takes none as an
    /// argument), through the session's own `send`.
    pub typed_prompt: Option<String>,
    /// What the runtime writes into the tool home first, so the tool's first-run screens
    /// never block the session.
    pub home_setup: HomeSetup,
    /// The owner's tool home (`$HOME` of the command, sandboxed or not); created 0700 with
    /// a minimal profile on first use.
    pub home: PathBuf,
    /// None: the command runs without a sandbox (`session_sandbox = "off"`, an admin's
    /// `--no-sandbox`, or no mechanism under `auto`).
    pub sandbox: Option<crate::sessions::sandbox::SandboxPlan>,
    /// The MCP servers the tool gets (issue 21): Claude Code in the worktree's
    /// `.mcp.json` (the runtime writes it), Codex through `-c mcp_servers.…` in `argv`.
    /// Their secrets are in `env`, by name.
    pub mcp: Vec<McpLaunch>,
}

/// One MCP server of a session's tool config. Values of secrets never appear here, only
/// the names of the session variables holding them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct McpLaunch {
    /// The server's name in the tool (`aiops`: tools `mcp__aiops__…` in Claude Code).
    pub name: String,
    /// A stdio server: program and arguments; empty for a remote one.
    pub command: Vec<String>,
    /// A remote (Streamable HTTP) server's URL.
    pub url: Option<String>,
    /// Session variables the stdio server's process gets, under the same names.
    pub env: Vec<String>,
    /// A remote server's header: its name and the session variable holding its value.
    pub header: Option<(String, String)>,
}

/// Which agent a tool is: its declared kind (`Tool::kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ToolKind {
    /// Claude Code.
    Claude,
    /// OpenAI Codex CLI.
    Codex,
    /// Aider.
    Aider,
    /// Any other program, run without hooks or a prepared tool home.
    #[default]
    Generic,
}

impl ToolKind {
    /// `claude`, `codex`, `aider` or `generic`: how `Tool::kind` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claude => "claude",
            Self::Codex => "codex",
            Self::Aider => "aider",
            Self::Generic => "generic",
        }
    }

    /// The kind `name` spells; anything unknown is generic.
    pub fn from_name(name: &str) -> Self {
        match name {
            "claude" => Self::Claude,
            "codex" => Self::Codex,
            "aider" => Self::Aider,
            _ => Self::Generic,
        }
    }
}

/// The first-run answers a tool's home gets before a session starts (issue 15): what a
/// person would click through once, decided here, written by the runtime into the
/// owner's tool home, merged with what is there.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct HomeSetup {
    /// Folders the tool may treat as trusted: the project's base clone (a worktree is
    /// trusted through its main repository).
    pub trusted: Vec<PathBuf>,
    /// Claude Code: the API key it should use without asking (only its last 20
    /// characters are written, which is how Claude records an approval).
    pub claude_key: Option<String>,
    /// Codex: its `auth.json` (the user's `codex_auth_json`, else an API-key login of
    /// their `openai_api_key`), 0600 in `~/.codex`.
    pub codex_auth: Option<String>,
    /// Codex: where the OpenAI API is (`openai_base_url` in its config.toml), from
    /// `OPENAI_BASE_URL` in the tool's environment, which Codex itself does not read.
    pub openai_base_url: Option<String>,
    /// Aider: the git identity for `~/.gitconfig` (it reads git's files, not the
    /// `GIT_AUTHOR_*` variables): name, email.
    pub git_identity: Option<(String, String)>,
}

impl std::fmt::Debug for HomeSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HomeSetup")
            .field("trusted", &self.trusted)
            .field("claude_key", &self.claude_key.as_ref().map(|_| "<set>"))
            .field("codex_auth", &self.codex_auth.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

/// A tool run once, non-interactively, outside tmux (the chat bot's `agent` answer): in
/// `dir` (made when missing) with `$HOME` = `home` (prepared like a session's), in the
/// sandbox when `sandbox` is given, killed after `timeout`.
#[derive(Debug, Clone)]
pub struct OneShot {
    /// Working directory of the run.
    pub dir: PathBuf,
    /// `$HOME` of the run (the tool home).
    pub home: PathBuf,
    /// Which agent the tool is; decides what `home_setup` writes.
    pub kind: ToolKind,
    /// First-run answers written into `home` before the run.
    pub home_setup: HomeSetup,
    /// The tool's program first; a prompt comes after `--`.
    pub argv: Vec<String>,
    /// Added to a cleared environment (`PATH`, `LANG` and the like pass through).
    pub env: Vec<(String, String)>,
    /// Sandbox to run in; `None`: unsandboxed.
    pub sandbox: Option<super::sessions::sandbox::SandboxPlan>,
    /// How long the run may take before it is killed.
    pub timeout: std::time::Duration,
}

/// What a [`OneShot`] printed: stdout whole (up to 8 MiB), and its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneShotOutput {
    /// Exit status: `Some(0)` on success; `None` when it ended without one (a signal).
    pub exit_code: Option<i32>,
    /// Everything it wrote to stdout; empty when it exited non-zero.
    pub stdout: String,
    /// The end of stderr, redacted.
    pub stderr: String,
}

/// One tmux pane aiops owns, as found on its socket.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaneInfo {
    /// Name of the tmux session.
    pub tmux_name: String,
    /// Its pane's command has exited (the pane stays until killed or respawned).
    pub dead: bool,
}

/// The machine sessions run on.
pub trait Runtime: OneShots + Send + Sync {
    /// Clones (or fetches) the base clone, adds or reuses the worktree, copies setup
    /// files and runs the setup command in a new worktree. Safe to call again.
    fn prepare(&self, plan: &WorkspacePlan) -> CoreResult<Prepared>;
    /// A text file of the working copy (`AGENTS.md`, an existing `AGENTS.override.md`).
    fn read_text(&self, dir: &std::path::Path, name: &str) -> Option<String>;
    /// Writes `AGENTS.override.md` in `dir` and keeps it out of git (`info/exclude`).
    fn write_context(&self, dir: &std::path::Path, text: &str) -> CoreResult<()>;
    /// `Invalid` naming the program when it is not installed.
    fn check_program(&self, program: &str) -> CoreResult<()>;
    /// The sandbox mechanism that works on this machine (`bubblewrap`, `seatbelt`), if
    /// any; probed once.
    fn sandbox_mechanism(&self) -> Option<&'static str>;
    /// Starts the session's command in a new tmux session, or respawns its pane when
    /// `plan.respawn` and it exists; writes the tool home and hooks first.
    fn launch(&self, plan: &LaunchPlan) -> CoreResult<()>;
    /// The tmux sessions on aiops's socket, live or with a dead pane.
    fn panes(&self) -> CoreResult<Vec<PaneInfo>>;
    /// The exit status the session's launcher recorded, if its command ended.
    fn recorded_exit(&self, session_id: i64) -> Option<i32>;
    /// Ends the tmux session; a session already gone is not an error.
    /// Also removes what the session kept for its command (the hook's session key, the
    /// Codex `auth.json`).
    fn kill(&self, session_id: i64, tmux_name: &str) -> CoreResult<()>;
    /// Pastes `text` into the session's pane, then presses Enter when `enter`.
    fn send(&self, tmux_name: &str, text: &str, enter: bool) -> CoreResult<()>;
    /// The recorded output (redacted), the last `tail` lines when given: the rendered log
    /// (what the screen showed, then what the pane shows now), or the raw stream when
    /// `raw` or when the session has no rendered log (`Transcript::rendered` says which).
    fn transcript(&self, session_id: i64, tail: Option<u32>, raw: bool) -> CoreResult<Transcript>;
    /// `tmux -S <socket> attach-session -t =<name>` (`-r` when read-only).
    fn attach_command(&self, tmux_name: &str, read_only: bool) -> Vec<String>;
    /// The worktrees of the base clone at `base` (none when it does not exist).
    fn worktrees(&self, base: &std::path::Path) -> CoreResult<Vec<WorktreeInfo>>;
    /// Removes a worktree; `Conflict` listing the changes when it has some and not `force`.
    fn remove_worktree(
        &self,
        base: &std::path::Path,
        path: &std::path::Path,
        force: bool,
    ) -> CoreResult<()>;
}

/// Tools run once outside tmux, on the machine sessions run on (the chat agent's port).
pub trait OneShots: Send + Sync {
    /// Runs a tool once (see [`OneShot`]). Errors: `Invalid` when the program is not
    /// installed, `Upstream` when it outlived its timeout (it is killed), `Conflict`
    /// when the sandbox no longer works; a non-zero exit is an output, not an error.
    fn run_once(&self, run: &OneShot) -> CoreResult<OneShotOutput>;
    /// Removes a folder made for [`OneShots::run_once`] and all it holds, and what the
    /// tool kept in `home` of its conversations there; one already gone is not an error.
    fn forget_one_shot(&self, dir: &std::path::Path, home: &std::path::Path) -> CoreResult<()>;
}

/// A worktree as git reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorktreeInfo {
    /// Directory of the worktree.
    pub path: PathBuf,
    /// Branch checked out there; empty for a detached HEAD.
    pub branch: String,
    /// Paths with changes (`git status`: modified, staged or untracked).
    pub dirty: Vec<String>,
}
