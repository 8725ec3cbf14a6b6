//! Agent sessions (a coding agent in tmux inside a worktree), the tools they run, and the
//! event stream (`/api/v1/events`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// `starting → running ⇄ waiting → exited | failed | killed`. The last three are final
/// until a respawn, which starts the session again (`starting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Being set up (worktree, tmux pane, command).
    Starting,
    /// The agent is working.
    Running,
    /// The agent waits for the developer (a permission prompt, or its turn ended).
    Waiting,
    /// The command ended by itself; `exit_code` says how.
    Exited,
    /// aiops could not start it, or it vanished without an exit status.
    Failed,
    /// Ended through `kill`.
    Killed,
}

impl SessionState {
    /// Every state, in life order.
    pub const ALL: [Self; 6] = [
        Self::Starting,
        Self::Running,
        Self::Waiting,
        Self::Exited,
        Self::Failed,
        Self::Killed,
    ];

    /// The lowercase wire name, e.g. `running`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Exited => "exited",
            Self::Failed => "failed",
            Self::Killed => "killed",
        }
    }

    /// Still has (or is getting) a live pane.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Starting | Self::Running | Self::Waiting)
    }
}

impl std::str::FromStr for SessionState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown session state `{s}` (expected starting, running, waiting, exited, failed or killed)"
                )
            })
    }
}

/// An agent session: a tool's command in a tmux pane, in a worktree or the base clone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// The session's id.
    pub id: i64,
    /// The owner's user id.
    pub user_id: i64,
    /// The owner's email.
    pub user: String,
    /// The project it works in.
    pub project_id: i64,
    /// The issue it works on; None for a session started on a project without an issue.
    pub issue_id: Option<i64>,
    /// The issue's title when there is one (for lists and notifications).
    pub issue_title: Option<String>,
    /// The tool it runs, a name from the tool table (`claude`, `codex`, `aider`, `shell`,
    /// …).
    pub tool: String,
    /// The tool runs in its skip-permissions mode (`yolo_args`).
    pub yolo: bool,
    /// What contains the command: `bubblewrap` (Linux), `seatbelt` (macOS), or `none` (the
    /// server runs sessions unsandboxed, or an admin started this one with `no_sandbox`).
    pub sandbox: String,
    /// The session host it runs on (issue 23); None: the control plane's own machine.
    #[serde(default)]
    pub host: Option<String>,
    /// Its session host does not answer: its state is the last one known, until the host
    /// is back and the session is checked again.
    #[serde(default)]
    pub host_unreachable: bool,
    /// The initial prompt given to tools that take one.
    pub prompt: String,
    /// Where the session is in its life.
    pub state: SessionState,
    /// Set once the command exited by itself.
    pub exit_code: Option<i32>,
    /// Why it failed, or the agent's last note.
    pub detail: String,
    /// The branch checked out in its working copy.
    pub branch: String,
    /// The working copy's directory on the host running it.
    pub worktree_path: String,
    /// The exact tmux target (`=<name>`) on aiops's socket.
    pub tmux_target: String,
    /// When it was started (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it ended (RFC 3339, UTC); absent while live.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
}

/// `POST /api/v1/issues/{id}/work`: claim the issue and start (or reuse) its session.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"tool": "claude", "prompt": "Start with the failing test.", "yolo": false}))]
#[serde(deny_unknown_fields)]
pub struct WorkIssue {
    /// A name from the tool table (`claude`, `codex`, `aider`, `shell`, custom). Empty or
    /// absent: the owner's `default_tool`, else the server's, else the first installed of
    /// claude, codex, aider, shell (named in `notes`).
    #[serde(default)]
    pub tool: String,
    /// Initial prompt for tools that take one; default "Read AGENTS.override.md and
    /// resolve the issue".
    #[serde(default)]
    pub prompt: Option<String>,
    /// The tool's skip-permissions mode; refused unless the admin allows it; audited.
    #[serde(default)]
    pub yolo: bool,
    /// Admins only: start the session as this user (id or email).
    #[serde(default)]
    pub user: Option<String>,
    /// Admins only, audited: run this session without the sandbox (refused when the
    /// server's `session_sandbox` is `required`).
    #[serde(default)]
    pub no_sandbox: bool,
    /// Run it on this session host (`local`: the control plane's machine) instead of
    /// where the project places its sessions.
    #[serde(default)]
    pub host: Option<String>,
}

/// `POST /api/v1/sessions`: a session on a project without an issue (in the base clone).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"project": "demo/web", "tool": "claude", "prompt": "Look at the open bugs.", "yolo": false}))]
#[serde(deny_unknown_fields)]
pub struct StartSession {
    /// Project id, slug, or `tenant/slug` (a slug in several of the caller's tenants is
    /// a 400 naming each `tenant/slug`).
    pub project: String,
    /// As in `WorkIssue`: empty or absent picks the default tool.
    #[serde(default)]
    pub tool: String,
    /// Initial prompt for tools that take one; none by default (no issue to resolve).
    #[serde(default)]
    pub prompt: Option<String>,
    /// The tool's skip-permissions mode; refused unless the admin allows it; audited.
    #[serde(default)]
    pub yolo: bool,
    /// Admins only: start the session as this user (id or email).
    #[serde(default)]
    pub user: Option<String>,
    /// Admins only, audited: run without the sandbox.
    #[serde(default)]
    pub no_sandbox: bool,
    /// As in `WorkIssue`: a session host, or `local`.
    #[serde(default)]
    pub host: Option<String>,
}

/// The answer of `work` and `start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StartedSession {
    /// The session started (or reused).
    pub session: Session,
    /// True when a live session for the same issue, user and tool was reused.
    pub reused: bool,
    /// What else happened, one line each: the claim upstream (assigned, moved to in
    /// progress, or why not: a refused claim does not stop the session) and workspace
    /// warnings (a failed fetch, a missing setup file, a failed setup command).
    pub notes: Vec<String>,
}

/// Query of `GET /api/v1/sessions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionListParams {
    /// Admins: every user's sessions (default: only the caller's).
    #[serde(default)]
    pub all_users: bool,
    /// Only live sessions (starting, running, waiting).
    #[serde(default)]
    pub live: bool,
    /// Only sessions on this issue (its id).
    pub issue_id: Option<i64>,
    /// Only sessions on this project (id).
    pub project: Option<i64>,
    /// Rows per page, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// `POST /api/v1/sessions/{id}/events`: a state report from the agent's hooks, the
/// session's launcher or tmux. `exited` needs `exit_code`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"state": "waiting", "detail": "asks to run: cargo test"}))]
pub struct SessionReport {
    /// `running`, `waiting`, `exited` (with `exit_code`), or `failed` (the command is gone
    /// without an exit status; tmux's `pane-died` hook).
    pub state: String,
    /// The command's exit status; required with `exited`.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Free text (e.g. the hook's message), at most 1,000 characters.
    #[serde(default)]
    pub detail: Option<String>,
}

/// `POST /api/v1/sessions/{id}/send`: text typed literally into the pane.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"text": "yes", "enter": true}))]
pub struct SendText {
    /// The text to type, literally (no key names).
    pub text: String,
    /// Press Enter after the text (default true).
    #[serde(default = "yes")]
    pub enter: bool,
}

fn yes() -> bool {
    true
}

/// Query of `GET /api/v1/sessions/{id}/logs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TranscriptParams {
    /// Last N lines only.
    pub tail: Option<u32>,
    /// The raw stream (terminal escapes and redraws kept) instead of the rendered log.
    #[serde(default)]
    pub raw: bool,
}

/// A session's output, redacted. By default the rendered log: the pane's output replayed
/// through a terminal emulator, one line per screen line (what scrolled off the top, a
/// full-screen program's last screen, and what the pane shows now), without escapes or
/// redraws. With `raw`, the bytes the pane wrote, escapes kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Transcript {
    /// The session whose output this is.
    pub session_id: i64,
    /// The output, redacted: the rendered log or the raw stream (see `rendered`).
    pub text: String,
    /// True when older output was dropped to keep the log under its size cap.
    pub truncated: bool,
    /// True when `text` is the rendered log; false when it is the raw stream: asked for
    /// (`raw`), or the session started before aiops kept a rendered log.
    pub rendered: bool,
}

/// What a native client needs to attach to a session's tmux pane (over SSH or locally).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttachInfo {
    /// The session to attach to.
    pub session_id: i64,
    /// Where the pane is: the session host's address for a session on one (issue 23),
    /// else the server's host (from `public_url`, else the request's Host).
    pub host: String,
    /// The SSH port of `host`: the session host's; 22 for the server's host, whose SSH
    /// port aiops does not know (a native client's own SSH settings say it).
    #[serde(default = "default_ssh_port")]
    pub ssh_port: u16,
    /// The OS user whose tmux server holds the session: the session host's SSH user, or
    /// the user running aiops.
    pub ssh_user: String,
    /// The session host it runs on; none: the server's own machine.
    #[serde(default)]
    pub session_host: Option<String>,
    /// The path of aiops's tmux socket on `host`.
    pub socket: String,
    /// The exact tmux target, `=<name>`.
    pub target: String,
    /// argv to run on the host: `tmux -S <socket> attach-session -t =<name>`.
    pub command: Vec<String>,
    /// True when this caller may only watch (`-r`).
    pub read_only: bool,
}

fn default_ssh_port() -> u16 {
    22
}

/// One row of the tool table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Tool {
    /// The tool's name (`claude`, `codex`, `aider`, `shell`, or a custom one).
    pub name: String,
    /// The program: a name on PATH or an absolute path.
    pub command: String,
    /// Arguments after the command, the safe permission mode included.
    pub args: Vec<String>,
    /// Replace `args` under `--yolo`; empty: the tool has no such mode.
    pub yolo_args: Vec<String>,
    /// Environment variables set for the tool: name → value.
    pub env: std::collections::BTreeMap<String, String>,
    /// `argument`: the initial prompt is the last argument (after `--`; an Aider tool,
    /// which takes none and would exit after a `--message`, gets it typed at its first
    /// input prompt instead); `none`: not passed.
    pub prompt: String,
    /// Which agent it is: `claude`, `codex`, `aider` or `generic`. The kind, not the
    /// name or the program, decides the tool's hooks (how it reports its state), which
    /// of its user's keys it gets and what aiops writes into its tool home.
    pub kind: String,
    /// Deprecated (read `kind`): `claude` or `codex` for those kinds, else `none`.
    pub hooks: String,
    /// One of aiops's built-in tools (changeable, not a custom one).
    pub builtin: bool,
    /// Whether its program is found on the server (`GET /tools` says; elsewhere false).
    #[serde(default)]
    pub installed: bool,
}

/// `PUT /api/v1/tools/{name}` (admin): creates or replaces a custom tool, or changes a
/// built-in one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"command": "my-agent", "args": ["--interactive"], "yolo_args": ["--yes"], "env": {"MY_AGENT_THEME": "dark"}, "kind": "generic"}))]
pub struct PutTool {
    /// The program: a name on PATH or an absolute path (not starting with `-`, no control
    /// characters).
    #[schema(pattern = r"^\s*[^\s\x00-\x1f\x7f-\x9f-][^\x00-\x1f\x7f-\x9f]*\s*$")]
    pub command: String,
    /// Arguments after the command, the safe permission mode included (at most 64, each
    /// under 4,096 bytes without NUL).
    #[serde(default)]
    pub args: Vec<String>,
    /// Replace `args` under `--yolo`; empty: the tool has no such mode (at most 64).
    #[serde(default)]
    pub yolo_args: Vec<String>,
    /// Environment variables to set for the tool: name → value.
    #[serde(default)]
    pub env: std::collections::BTreeMap<String, String>,
    /// `argument` or `none` (default).
    #[serde(default)]
    #[schema(pattern = r"^\s*(argument|none)\s*$")]
    pub prompt: Option<String>,
    /// `claude`, `codex`, `aider` or `generic` (default: what `hooks` says, else
    /// `generic`).
    #[serde(default)]
    #[schema(pattern = r"^\s*(claude|codex|aider|generic)\s*$")]
    pub kind: Option<String>,
    /// Deprecated (use `kind`): `claude`, `codex` or `none`; must agree with `kind`.
    #[serde(default)]
    #[schema(pattern = r"^\s*(claude|codex|none)\s*$")]
    pub hooks: Option<String>,
}

/// One event of `/api/v1/events` (also the SSE `data:`; the SSE `id:` is `id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// The event's id, increasing; resume after it with `after` or `Last-Event-ID`.
    pub id: i64,
    /// `session.state`, `sync.finished`, `sync.failed`, `issue.updated`, `automation.run`
    /// (the `AutomationRun`, when queued and when it ended; visible to its tenant),
    /// `session.git` (`{session_id, project_id}`: the session's working copy changed;
    /// to its owner).
    pub kind: String,
    /// When it happened (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Kind-specific: `session.state` carries the [`Session`]; `sync.finished` and
    /// `sync.failed` the `SyncRun` plus `integration_name` (so a notification can name it).
    pub payload: serde_json::Value,
}

/// Query of `GET /api/v1/events`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Resume after this event id (same as the `Last-Event-ID` header).
    pub after: Option<i64>,
}

/// A user's credential for the agents themselves, stored sealed; write-only through
/// the API. Each reaches only that user's sessions of the tools that use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ToolCredentialKind {
    /// `ANTHROPIC_API_KEY` for `claude` and `aider`.
    AnthropicApiKey,
    /// `CLAUDE_CODE_OAUTH_TOKEN` (from `claude setup-token`) for `claude`.
    ClaudeOauthToken,
    /// `OPENAI_API_KEY` for `codex` and `aider`.
    OpenaiApiKey,
    /// The contents of Codex's `auth.json`, written 0600 into the session's own
    /// `CODEX_HOME` for `codex`.
    CodexAuthJson,
}

impl ToolCredentialKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [
        Self::AnthropicApiKey,
        Self::ClaudeOauthToken,
        Self::OpenaiApiKey,
        Self::CodexAuthJson,
    ];

    /// The snake_case wire name, e.g. `anthropic_api_key`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AnthropicApiKey => "anthropic_api_key",
            Self::ClaudeOauthToken => "claude_oauth_token",
            Self::OpenaiApiKey => "openai_api_key",
            Self::CodexAuthJson => "codex_auth_json",
        }
    }
}

impl std::str::FromStr for ToolCredentialKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            format!(
                "unknown credential `{s}` (expected anthropic_api_key, claude_oauth_token, openai_api_key or codex_auth_json)"
            )
        })
    }
}

/// One stored tool credential (never its value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ToolCredential {
    /// Which credential it is.
    pub kind: ToolCredentialKind,
    /// When it was last set (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `PUT /api/v1/me/tool-credentials/{kind}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"value": "sk-ant-example-key"}))]
pub struct SetToolCredential {
    /// The key or token (one line), or for `codex_auth_json` the JSON document; at most
    /// 64 KiB.
    pub value: crate::Secret,
}
