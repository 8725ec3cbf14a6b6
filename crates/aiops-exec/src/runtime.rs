//! [`TmuxRuntime`]: the core's [`Runtime`] port on this machine — git workspaces
//! ([`crate::workspace`]), aiops's own tmux server ([`Tmux`]) and the session launcher
//! ([`crate::launch`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use aiops_core::ports::{
    LaunchPlan, PaneInfo, Prepared, Runtime, ToolKind, WorkspacePlan, WorktreeInfo,
};
use aiops_core::sessions::context::FILE_NAME as CONTEXT_FILE;
use aiops_core::{CoreError, CoreResult};
use aiops_types::Transcript;

use crate::conversation;
use crate::git::Git;
use crate::launch::{self, LaunchFile};
use crate::process::ExecError;
use crate::render;
use crate::sandbox;
use crate::tmux::{NewSession, Tmux, TmuxError};
use crate::workspace::{self, WorkspaceError};

/// A new pane's size until a client attaches and resizes it.
pub(crate) const COLUMNS: u16 = 200;
pub(crate) const ROWS: u16 = 50;
/// Where Claude Code reads a worktree's local settings (hooks among them); see
/// <https://docs.anthropic.com/en/docs/claude-code/settings> and `…/hooks`.
const CLAUDE_SETTINGS: &str = ".claude/settings.local.json";

pub struct TmuxRuntime {
    tmux: Tmux,
    /// `<data>/sessions`: one private directory per session.
    sessions_dir: PathBuf,
    /// This aiops executable (runs the launcher and the transcript recorder).
    aiops_bin: PathBuf,
    /// `<data>/tools/bin`: tools aiops installed, found before the server's `PATH`.
    tools_bin: PathBuf,
    /// One preparation at a time: two starts on one issue must not race on its worktree.
    preparing: Mutex<()>,
}

impl TmuxRuntime {
    pub fn new(data_dir: &Path, aiops_bin: PathBuf) -> Self {
        let sessions_dir = data_dir.join("sessions");
        let mut tmux = Tmux::new(data_dir);
        // The fallback when a launcher dies without reporting (killed, out of memory):
        // tmux runs `aiops sessions hook` for the dead pane at once. Paths tmux would
        // expand (`#`) get no hook; the scheduler's reconcile still sees the pane die.
        if let (Some(bin), Some(dir)) = (quoted(&aiops_bin), quoted(&sessions_dir))
            && !bin.contains('#')
            && !dir.contains('#')
        {
            tmux = tmux.with_pane_died(&format!(
                "exec {bin} sessions hook --sessions-dir {dir} --tmux-session '#{{session_name}}'"
            ));
        }
        Self {
            tmux,
            sessions_dir,
            aiops_bin,
            tools_bin: aiops_core::sessions::install::Layout::new(data_dir).bin(),
            preparing: Mutex::new(()),
        }
    }

    pub fn tmux(&self) -> &Tmux {
        &self.tmux
    }

    fn session_dir(&self, id: i64) -> PathBuf {
        self.sessions_dir.join(id.to_string())
    }

    /// `exec <aiops> sessions <verb> --dir <dir>` for tmux to run with `/bin/sh -c`
    /// (`pipe-pane`): only our executable's path and the session dir, both quoted; never
    /// user text.
    fn our_command(&self, verb: &str, dir: &Path) -> CoreResult<String> {
        let (Some(bin), Some(dir)) = (quoted(&self.aiops_bin), quoted(dir)) else {
            return Err(CoreError::Internal(format!(
                "{} or {} cannot be quoted for a shell",
                self.aiops_bin.display(),
                dir.display()
            )));
        };
        Ok(format!("exec {bin} sessions {verb} --dir {dir}"))
    }

    /// What the session's pane shows now (its tmux session is `aiops-<id>-<slug>`);
    /// empty when it has none. A dead pane's "Pane is dead" line scrolled its top line
    /// into tmux's history, where the recorder never saw it go: that line too.
    fn screen(&self, session_id: i64) -> String {
        let prefix = format!("aiops-{session_id}-");
        let panes = self.tmux.list().unwrap_or_default();
        panes
            .iter()
            .find(|p| p.session.starts_with(&prefix))
            .and_then(|p| self.tmux.capture_joined(&p.session, p.dead.into()).ok())
            .unwrap_or_default()
    }

    /// Installs the hooks a Claude session reports through (its worktree's local
    /// settings). Codex's hooks and Aider's notification command live in the tool home
    /// and the environment, so no tool's argv is touched: a wrapper command (`env …
    /// codex`, a script) works like the program itself.
    fn install_hooks(&self, plan: &LaunchPlan) -> CoreResult<()> {
        match plan.kind {
            ToolKind::Claude => {
                write_claude_hooks(&plan.dir, &plan.mcp)?;
                crate::mcp::write_claude_mcp(&plan.dir, &plan.mcp)
            }
            ToolKind::Codex | ToolKind::Aider | ToolKind::Generic => Ok(()),
        }
    }
}

/// Claude Code hooks (<https://docs.anthropic.com/en/docs/claude-code/hooks>): every event
/// that changes what Claude is doing runs [`aiops_types::HOOK_COMMAND`], which reads the
/// hook's input and reports the state it means ([`aiops_types::hook_report`]). Merged
/// into an existing local settings file; the file is kept out of git.
const CLAUDE_HOOK_EVENTS: [&str; 7] = [
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "Stop",
    "StopFailure",
    "Notification",
];
/// The MCP servers of `.mcp.json` are approved here too (`enabledMcpjsonServers`), so
/// Claude Code asks nothing before starting them.
fn write_claude_hooks(dir: &Path, mcp: &[aiops_core::ports::McpLaunch]) -> CoreResult<()> {
    // The worktree is the agent's: read and write beneath it without following symlinks.
    let rel = Path::new(CLAUDE_SETTINGS);
    let mut settings: serde_json::Value = crate::beneath::read_small(dir, rel, 1024 * 1024)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| serde_json::json!({}));
    let hook = serde_json::json!([{ "hooks": [{
        "type": "command",
        "command": aiops_types::HOOK_COMMAND,
    }]}]);
    if !settings["hooks"].is_object() {
        settings["hooks"] = serde_json::json!({});
    }
    for event in CLAUDE_HOOK_EVENTS {
        settings["hooks"][event] = hook.clone();
    }
    crate::mcp::approve_in_claude_settings(&mut settings, mcp);
    let text =
        serde_json::to_string_pretty(&settings).map_err(|e| CoreError::Internal(e.to_string()))?;
    let path = dir.join(rel);
    crate::beneath::write(dir, rel, text.as_bytes(), 0o644).map_err(|e| io(&path, e))?;
    Git::default()
        .exclude(dir, &format!("/{CLAUDE_SETTINGS}"))
        .map_err(|e| CoreError::Internal(e.to_string()))
}

/// Where `program` is: itself when it holds a `/`, else the first match on `PATH`.
pub(crate) fn find_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Path::new(program).is_file().then(|| PathBuf::from(program));
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

impl TmuxRuntime {
    /// `program` (a bare name) among the tools aiops installed, which sessions find
    /// first on their `PATH` (the sandbox shows all of `<data>/tools`).
    fn managed(&self, program: &str) -> Option<PathBuf> {
        let p = self.tools_bin.join(program);
        (!program.contains('/') && p.is_file()).then_some(p)
    }

    /// What the sandbox must show read-only for `program` to run when it is installed
    /// outside the system folders (e.g. `~/.nvm/versions/node/v22/bin/claude`): its
    /// install prefix (the folder above `bin/`), for the program and for what its symlink
    /// points at. A prefix that would show the server account's home, or anything of the
    /// data dir or the workspaces, shrinks to the program file itself.
    pub(crate) fn install_prefix(&self, program: &str, repo: &Path) -> Vec<PathBuf> {
        if self.managed(program).is_some() {
            // Sessions run the managed one; the sandbox plan shows it already.
            return Vec::new();
        }
        let Some(found) = find_program(program) else {
            return Vec::new();
        };
        let system = |p: &Path| {
            ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/opt", "/etc"]
                .iter()
                .any(|s| p.starts_with(s))
        };
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let data = self.sessions_dir.parent().map(Path::to_path_buf);
        // `<root>/<user>/<tenant>/<project>/repo`: the root of everyone's workspaces.
        let workspaces = repo.ancestors().nth(4).unwrap_or(repo);
        let too_wide = |prefix: &Path| {
            prefix == Path::new("/")
                || home.as_deref().is_some_and(|h| h.starts_with(prefix))
                || data
                    .as_deref()
                    .is_some_and(|d| d.starts_with(prefix) || prefix.starts_with(d))
                || workspaces.starts_with(prefix)
                || prefix.starts_with(workspaces)
        };
        let mut out = Vec::new();
        for p in [Some(found.clone()), std::fs::canonicalize(&found).ok()]
            .into_iter()
            .flatten()
        {
            if system(&p) {
                continue;
            }
            let dir = p.parent().unwrap_or(Path::new("/"));
            // An npm package's program (`…/node_modules/.bin/codex`) needs its sibling
            // packages (Codex's native binary is one): the folder holding node_modules.
            let npm = p
                .ancestors()
                .find(|a| a.file_name().is_some_and(|n| n == "node_modules"))
                .and_then(Path::parent);
            let prefix = if let Some(project) = npm {
                project
            } else if dir.file_name().is_some_and(|n| n == "bin") {
                dir.parent().unwrap_or(dir)
            } else {
                dir
            };
            out.push(if too_wide(prefix) {
                p.clone()
            } else {
                prefix.to_owned()
            });
        }
        out
    }
}

/// `path` quoted for `/bin/sh`; None when it is not UTF-8 (or holds a NUL).
fn quoted(path: &Path) -> Option<String> {
    shlex::try_quote(path.to_str()?)
        .ok()
        .map(std::borrow::Cow::into_owned)
}

fn var(env: &[(String, String)], key: &str) -> String {
    env.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn io(path: &Path, e: std::io::Error) -> CoreError {
    CoreError::Internal(format!("{}: {e}", path.display()))
}

fn tmux_err(e: TmuxError) -> CoreError {
    CoreError::Internal(format!("tmux: {e}"))
}

fn workspace_err(e: WorkspaceError) -> CoreError {
    match e {
        // The remote (or its credentials) refused: the user can act on the message.
        WorkspaceError::Clone { .. } => CoreError::Upstream(e.to_string()),
        WorkspaceError::Worktree { .. } | WorkspaceError::Git(_) => {
            CoreError::Conflict(e.to_string())
        }
        WorkspaceError::Io(m) => CoreError::Internal(m),
    }
}

impl Runtime for TmuxRuntime {
    fn prepare(&self, plan: &WorkspacePlan) -> CoreResult<Prepared> {
        let _one = self
            .preparing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        workspace::prepare(plan).map_err(workspace_err)
    }

    fn read_text(&self, dir: &Path, name: &str) -> Option<String> {
        // Only a regular file of the working copy: a symlink could point anywhere.
        let bytes = crate::beneath::read_small(dir, Path::new(name), 1024 * 1024)?;
        String::from_utf8(bytes).ok()
    }

    fn write_context(&self, dir: &Path, text: &str) -> CoreResult<()> {
        let path = dir.join(CONTEXT_FILE);
        crate::beneath::write(dir, Path::new(CONTEXT_FILE), text.as_bytes(), 0o644)
            .map_err(|e| io(&path, e))?;
        Git::default()
            .exclude(dir, &format!("/{CONTEXT_FILE}"))
            .map_err(|e| CoreError::Internal(e.to_string()))
    }

    fn check_program(&self, program: &str) -> CoreResult<()> {
        match find_program(program).or_else(|| self.managed(program)) {
            Some(_) => Ok(()),
            None => Err(CoreError::invalid(
                "tool",
                format!("`{program}` is not installed on the server (not found on PATH)"),
            )),
        }
    }

    fn sandbox_mechanism(&self) -> Option<&'static str> {
        sandbox::mechanism()
    }

    fn launch(&self, plan: &LaunchPlan) -> CoreResult<()> {
        let dir = launch::session_dir(&self.sessions_dir, plan.session_id)
            .map_err(|e| io(&self.sessions_dir, e))?;
        for stale in [launch::EXIT_FILE, launch::READY_FILE] {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        launch::seed_home(&plan.home).map_err(|e| io(&plan.home, e))?;
        let env = plan.env.clone();
        crate::tool_home::prepare(&plan.home, plan.kind, &plan.home_setup).map_err(|e| {
            CoreError::Conflict(format!(
                "could not prepare the tool home {}: {e}",
                plan.home.display()
            ))
        })?;
        self.install_hooks(plan)?;
        let mut argv = plan.argv.clone();
        if plan.respawn
            && plan.kind == ToolKind::Claude
            && !conversation::claude_has_conversation(&plan.home, &plan.dir)
        {
            // Nothing to continue: `claude --continue` would exit at once; start afresh.
            argv.retain(|a| a != "--continue");
        }
        let scope_ipc = plan.sandbox.is_some();
        if let Some(sb) = &plan.sandbox {
            let mechanism = sandbox::mechanism().ok_or_else(|| {
                CoreError::Conflict("the session sandbox no longer works on this machine".into())
            })?;
            let prefix = self.install_prefix(&argv[0], &sb.repo);
            argv = sandbox::wrap(mechanism, sb, &prefix, &argv);
        }
        let file = LaunchFile {
            session_id: plan.session_id,
            argv,
            env,
            dir: plan.dir.clone(),
            scope_ipc,
        };
        let json = serde_json::to_vec(&file).map_err(|e| CoreError::Internal(e.to_string()))?;
        launch::write_private(&dir, launch::LAUNCH_FILE, &json).map_err(|e| io(&dir, e))?;
        let command = vec![
            self.aiops_bin.display().to_string(),
            "sessions".to_owned(),
            "run".to_owned(),
            "--dir".to_owned(),
            dir.display().to_string(),
        ];
        // The fallback when the launcher itself dies (killed, out of memory): tmux reports
        // the dead pane at once, through the session key kept for that in `hook.json`.
        // Written before the pane exists, so a launcher that dies at once is reported too.
        let report = launch::HookFile {
            session_id: plan.session_id,
            url: var(&plan.env, "AIOPS_URL"),
            key: var(&plan.env, "AIOPS_API_KEY"),
            kind: plan.kind.as_str().to_owned(),
            typed_prompt: plan.typed_prompt.clone(),
            tmux_name: plan.tmux_name.clone(),
        };
        let json = serde_json::to_vec(&report).map_err(|e| CoreError::Internal(e.to_string()))?;
        launch::write_private(&dir, launch::HOOK_FILE, &json).map_err(|e| io(&dir, e))?;
        let exists = self
            .tmux
            .list()
            .map_err(tmux_err)?
            .iter()
            .any(|p| p.session == plan.tmux_name);
        if plan.respawn && exists {
            self.tmux
                .respawn(&plan.tmux_name, &plan.dir, &command)
                .map_err(tmux_err)?;
        } else {
            self.tmux
                .new_session(&NewSession {
                    name: &plan.tmux_name,
                    dir: &plan.dir,
                    env: &[],
                    command: &command,
                    width: COLUMNS,
                    height: ROWS,
                })
                .map_err(tmux_err)?;
        }
        self.tmux
            .pipe_pane(&plan.tmux_name, &self.our_command("record", &dir)?)
            .map_err(tmux_err)?;
        launch::write_private(&dir, launch::READY_FILE, b"").map_err(|e| io(&dir, e))
    }

    fn panes(&self) -> CoreResult<Vec<PaneInfo>> {
        Ok(self
            .tmux
            .list()
            .map_err(tmux_err)?
            .into_iter()
            .map(|p| PaneInfo {
                tmux_name: p.session,
                dead: p.dead,
            })
            .collect())
    }

    fn recorded_exit(&self, session_id: i64) -> Option<i32> {
        launch::recorded_exit(&self.session_dir(session_id))
    }

    fn kill(&self, session_id: i64, tmux_name: &str) -> CoreResult<()> {
        let dir = self.session_dir(session_id);
        launch::forget_credentials(&dir);
        let _ = std::fs::remove_file(dir.join(launch::HOOK_FILE));
        match self.tmux.kill_session(tmux_name) {
            Ok(()) | Err(TmuxError::NoSession(_)) => Ok(()),
            // No tmux server at all: nothing to kill.
            Err(TmuxError::Exec(ExecError::Failed { .. })) => Ok(()),
            Err(e) => Err(tmux_err(e)),
        }
    }

    fn send(&self, tmux_name: &str, text: &str, enter: bool) -> CoreResult<()> {
        self.tmux
            .send_text(tmux_name, text, enter)
            .map_err(tmux_err)
    }

    fn transcript(&self, session_id: i64, tail: Option<u32>, raw: bool) -> CoreResult<Transcript> {
        let dir = self.session_dir(session_id);
        Ok(render::transcript(&dir, session_id, tail, raw, || {
            self.screen(session_id)
        }))
    }

    fn worktrees(&self, base: &Path) -> CoreResult<Vec<WorktreeInfo>> {
        if !base.join(".git").exists() {
            return Ok(Vec::new());
        }
        let git = Git::default();
        let listed = git
            .worktrees(base)
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        Ok(listed
            .into_iter()
            .map(|(path, branch)| {
                // A worktree whose directory vanished reports nothing dirty.
                let dirty = git.dirty_paths(&path).unwrap_or_default();
                WorktreeInfo {
                    path,
                    branch,
                    dirty,
                }
            })
            .collect())
    }

    fn remove_worktree(&self, base: &Path, path: &Path, force: bool) -> CoreResult<()> {
        let _one = self
            .preparing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let git = Git::default();
        if !force {
            let dirty = git.dirty_paths(path).unwrap_or_default();
            if !dirty.is_empty() {
                return Err(CoreError::Conflict(format!(
                    "{} has uncommitted work ({}); commit it or remove with force",
                    path.display(),
                    dirty.join(", ")
                )));
            }
        }
        git.worktree_remove(base, path, force)
            .map_err(|e| CoreError::Conflict(e.to_string()))
    }

    fn attach_command(&self, tmux_name: &str, read_only: bool) -> Vec<String> {
        self.tmux
            .attach_argv(tmux_name, read_only)
            .map(|argv| {
                argv.into_iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}
