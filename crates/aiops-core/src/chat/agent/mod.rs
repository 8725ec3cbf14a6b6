//! The `agent` answer backend (issue 18): each chat gets a Claude Code conversation of its
//! own, run non-interactively (`claude -p --output-format json`) in the session sandbox,
//! in a workspace of its own, with the tool credential of the integration's
//! `agent_user_id`.
//!
//! - **Workspace:** `<workspace_root>/chat/<integration id>/<chat>/repo` (four levels
//!   under the root, like a session's base clone, so the sandbox's install-prefix rule
//!   holds), with `$HOME` = `<homes_root>/chat-<integration id>`: never a person's tool
//!   home, whose other sessions' transcripts a prompt-injected chat agent could read.
//! - **Context:** a follow-up resumes the chat's conversation (`--resume <session_id>`,
//!   the id Claude Code printed with its last answer); one idle for `context_ttl_secs`
//!   ends, its workspace and Claude's records of it removed, and the next question
//!   starts afresh. At most `max_chats` chats hold a live context; another is told to
//!   wait.
//! - **Output:** Claude Code's JSON result (`{"type":"result","is_error":false,
//!   "result":"…","session_id":"…"}`, <https://docs.anthropic.com/en/docs/claude-code/cli-reference>);
//!   the interpreter redacts it before it reaches the chat.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiops_types::{ChatIntegration, Timestamp, Tool};
use serde_json::Value;

use super::channel::Answerer;
use super::state::{ChatContext, ChatState};
use crate::ports::{HomeSetup, OneShot, OneShots, ToolKind, ToolStore};
use crate::sessions::Host;
use crate::sessions::sandbox::{NO_SANDBOX, SandboxPlan, decide};
use crate::{CoreError, CoreResult};

/// The tool the agent runs (from the tool table, so an admin's command and environment
/// for it apply, e.g. `ANTHROPIC_BASE_URL`).
pub const AGENT_TOOL: &str = "claude";

/// What every run of one integration's agent shares, read once when its poller starts.
pub struct AgentSetup {
    integration_id: i64,
    tool: Tool,
    /// The tool's environment, the credential, `PATH` and `HOME`.
    env: Vec<(String, String)>,
    claude_key: Option<String>,
    home: PathBuf,
    /// `<workspace_root>/chat/<integration id>`.
    root: PathBuf,
    /// Read-only extras of the sandbox; None: no sandbox (the admin turned it off).
    sandbox: Option<Vec<PathBuf>>,
    model: Option<String>,
    timeout: Duration,
    ttl: time::Duration,
    max_chats: u32,
}

/// Reads what the agent of `integration` needs: the claude tool, the credential of its
/// `agent_user_id`, the sandbox decision (refused when no sandbox works here, unless the
/// server's `session_sandbox` is `off`).
///
/// Errors: `Invalid` without an agent user, without the claude tool, or without a
/// credential of that user for it; `Conflict` when no sandbox works.
pub fn prepare(
    store: &impl ToolStore,
    host: &Host<'_>,
    integration: &ChatIntegration,
) -> CoreResult<AgentSetup> {
    let user_id = integration
        .agent_user_id
        .ok_or_else(|| CoreError::invalid("agent_user", "the agent answer needs agent_user"))?;
    let tool = store
        .tool(AGENT_TOOL)?
        .ok_or_else(|| CoreError::invalid("tool", "the claude tool is not configured"))?;
    let secrets =
        crate::sessions::tool_credentials::for_session(store, host.secret_key, user_id, &tool)?;
    if secrets.env.is_empty() {
        return Err(CoreError::invalid(
            "agent_user",
            "the agent user has no Anthropic API key or Claude OAuth token \
             (aiops credentials set anthropic_api_key)",
        ));
    }
    let mechanism = decide(host.sandbox.mode, host.runtime.sandbox_mechanism(), false)?;
    let sandboxed = mechanism != NO_SANDBOX;
    if !sandboxed && host.sandbox.mode != crate::sessions::sandbox::SandboxMode::Off {
        return Err(CoreError::Conflict(
            "the agent answer runs in the session sandbox, and none works here: install \
             bubblewrap (`apt install bubblewrap`)"
                .into(),
        ));
    }
    let home = host
        .sandbox
        .homes_root
        .join(format!("chat-{}", integration.id));
    let claude_key = secrets
        .env
        .iter()
        .find(|(k, _)| k == "ANTHROPIC_API_KEY")
        .map(|(_, v)| v.clone());
    let mut env: Vec<(String, String)> = tool
        .env
        .iter()
        .filter(|(k, _)| *k != "PATH")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    env.extend(secrets.env);
    env.push((
        "PATH".into(),
        crate::sessions::install::tool_path(&tool, host),
    ));
    env.push(("HOME".into(), home.display().to_string()));
    if sandboxed {
        env.push(("IS_SANDBOX".into(), "1".into()));
    }
    let sandbox = sandboxed.then(|| {
        let mut ro = vec![
            PathBuf::from(host.aiops_bin),
            host.sandbox.tools.to_path_buf(),
        ];
        ro.extend(host.sandbox.read_only.iter().cloned());
        ro
    });
    Ok(AgentSetup {
        integration_id: integration.id,
        tool,
        env,
        claude_key,
        home,
        root: host
            .workspace_root
            .join("chat")
            .join(integration.id.to_string()),
        sandbox,
        model: integration.model.clone(),
        timeout: Duration::from_secs(integration.answer_timeout_secs.into()),
        ttl: time::Duration::seconds(integration.context_ttl_secs.into()),
        max_chats: integration.max_chats,
    })
}

/// A chat id as a folder name: kept when it is letters, digits and `-` (Telegram's and
/// Slack's are), else a hash of it.
fn folder(chat_id: &str) -> String {
    let plain = !chat_id.is_empty()
        && chat_id.len() <= 64
        && chat_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if plain {
        chat_id.to_owned()
    } else {
        use sha2::{Digest, Sha256};
        Sha256::digest(chat_id.as_bytes())[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The answer Claude Code printed: its text and conversation id.
fn parse(stdout: &str) -> CoreResult<(String, Option<String>)> {
    let v: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l.trim()).ok())
        .ok_or_else(|| CoreError::Upstream("the agent printed no result".into()))?;
    let text = v.get("result").and_then(Value::as_str).unwrap_or("");
    if v.get("is_error").and_then(Value::as_bool) == Some(true) {
        return Err(CoreError::Upstream(format!(
            "the agent failed: {}",
            crate::chat::first_line(text, 300)
        )));
    }
    let session = v
        .get("session_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok((text.to_owned(), session))
}

/// The agent as the interpreter's [`Answerer`].
pub struct AgentAnswerer<'a> {
    /// What every run of the integration's agent shares.
    pub setup: &'a AgentSetup,
    /// Where chat contexts (conversation ids, workspaces) are kept.
    pub state: &'a dyn ChatState,
    /// Runs the tool once per question.
    pub runtime: &'a dyn OneShots,
}

impl AgentAnswerer<'_> {
    /// One question in `dir`; the answer and the conversation id.
    fn run(
        &self,
        dir: &Path,
        resume: Option<&str>,
        question: &str,
    ) -> CoreResult<(String, Option<String>)> {
        let s = self.setup;
        let mut argv = vec![s.tool.command.clone()];
        argv.extend(s.tool.args.iter().cloned());
        argv.extend(["-p", "--output-format", "json"].map(str::to_owned));
        if let Some(m) = &s.model {
            argv.extend(["--model".to_owned(), m.clone()]);
        }
        if let Some(id) = resume {
            argv.extend(["--resume".to_owned(), id.to_owned()]);
        }
        // After `--`, so a question that starts with `-` is never read as an option.
        argv.extend(["--".to_owned(), question.to_owned()]);
        let out = self.runtime.run_once(&OneShot {
            dir: dir.to_owned(),
            home: s.home.clone(),
            kind: ToolKind::Claude,
            home_setup: HomeSetup {
                trusted: vec![dir.to_owned()],
                claude_key: s.claude_key.clone(),
                codex_auth: None,
                openai_base_url: None,
                git_identity: None,
            },
            argv,
            env: s.env.clone(),
            sandbox: s.sandbox.as_ref().map(|ro| SandboxPlan {
                work_dir: dir.to_owned(),
                repo: dir.to_owned(),
                home: s.home.clone(),
                read_only: ro.clone(),
            }),
            timeout: s.timeout,
        })?;
        if out.exit_code != Some(0) && out.stdout.trim().is_empty() {
            return Err(CoreError::Upstream(format!(
                "the agent exited with {:?}: {}",
                out.exit_code,
                crate::chat::first_line(&out.stderr, 300)
            )));
        }
        parse(&out.stdout)
    }

    /// Ends `context`: its workspace and Claude's records of it go.
    fn forget(&self, context: &ChatContext) -> CoreResult<()> {
        let dir = Path::new(&context.workspace);
        self.runtime
            .forget_one_shot(dir.parent().unwrap_or(dir), &self.setup.home)?;
        self.state
            .delete_chat_context(self.setup.integration_id, &context.chat_id)
    }
}

impl Answerer for AgentAnswerer<'_> {
    fn answer(
        &self,
        chat_id: &str,
        question: &str,
        now: Timestamp,
        on_text: &mut dyn FnMut(&str),
    ) -> CoreResult<String> {
        let s = self.setup;
        let mut context = self.state.chat_context(s.integration_id, chat_id)?;
        if let Some(c) = context.take_if(|c| c.last_used_at + s.ttl <= now) {
            self.forget(&c)?;
        }
        let context = match context {
            Some(c) => c,
            None => {
                let live = self
                    .state
                    .count_chat_contexts(s.integration_id, now - s.ttl)?;
                if live >= s.max_chats {
                    return Err(CoreError::Conflict(format!(
                        "I am already talking in {live} chats (the most this bot keeps); \
                         ask again later"
                    )));
                }
                let dir = s.root.join(folder(chat_id)).join("repo");
                // Whatever an earlier context left there is not this one's.
                self.runtime
                    .forget_one_shot(dir.parent().unwrap_or(&dir), &s.home)?;
                ChatContext {
                    chat_id: chat_id.to_owned(),
                    conversation_id: None,
                    workspace: dir.display().to_string(),
                    started_at: now,
                    last_used_at: now,
                }
            }
        };
        let dir = PathBuf::from(&context.workspace);
        let (text, session) = self.run(&dir, context.conversation_id.as_deref(), question)?;
        self.state.save_chat_context(
            s.integration_id,
            &ChatContext {
                conversation_id: session.or(context.conversation_id.clone()),
                last_used_at: now,
                ..context
            },
        )?;
        on_text(&text);
        Ok(text)
    }
}

/// Ends every context of the integration idle since before `now - ttl`; how many.
pub fn purge(
    setup: &AgentSetup,
    state: &dyn ChatState,
    runtime: &dyn OneShots,
    now: Timestamp,
) -> CoreResult<usize> {
    let agent = AgentAnswerer {
        setup,
        state,
        runtime,
    };
    let stale = state.stale_chat_contexts(setup.integration_id, now - setup.ttl)?;
    for c in &stale {
        agent.forget(c)?;
    }
    Ok(stale.len())
}

#[cfg(test)]
mod tests;
