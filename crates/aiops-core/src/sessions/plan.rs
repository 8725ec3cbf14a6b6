//! What a session's command is: its argv (the prompt after `--`), its environment (the
//! session key, the owner's tool credentials and git identity, `HOME` = the owner's tool
//! home) and, when sandboxed, what it may see ([`SandboxPlan`](super::sandbox::SandboxPlan)).

use std::path::PathBuf;

use aiops_types::{Tool, User};

use super::Host;
use super::start::workspace_dir;
use crate::mcp::McpStore;
use crate::ports::{
    HomeSetup, LaunchPlan, NewApiKeyRow, ProjectStore, ToolKind, ToolStore, Viewer,
};
use crate::{CoreError, CoreResult, secrets};

/// The owner's git author name (their name, else their email) and email.
fn git_identity(owner: &User) -> (String, String) {
    let name = if owner.name.trim().is_empty() {
        owner.email.clone()
    } else {
        owner.name.clone()
    };
    (name, owner.email.clone())
}

pub(crate) fn git_env(owner: &User) -> Vec<(String, String)> {
    let (name, _) = git_identity(owner);
    vec![
        ("GIT_AUTHOR_NAME".into(), name.clone()),
        ("GIT_AUTHOR_EMAIL".into(), owner.email.clone()),
        ("GIT_COMMITTER_NAME".into(), name),
        ("GIT_COMMITTER_EMAIL".into(), owner.email.clone()),
    ]
}

/// Mints the session-scoped key of a session: the owner's scopes (so it sees what the
/// owner sees), confined by [`SessionGrant`](crate::principal::SessionGrant) to the
/// session and its issue.
pub(super) fn session_key(owner: &User) -> (String, NewApiKeyRow) {
    let secret = secrets::new_api_key();
    let row = NewApiKeyRow {
        user_id: owner.id,
        name: "session".to_owned(),
        prefix: secret.prefix.clone(),
        digest: secret.digest.clone(),
        scopes: owner.role.scopes(),
        expires_at: None,
    };
    (secret.secret, row)
}

/// The argv and environment of a session's command: the tool's command and arguments
/// (`yolo_args` instead of `args` under `--yolo`), the prompt last for tools that take
/// one, and the session's variables (the key among them, which the runtime hands over
/// through a 0600 file).
pub(super) fn launch_plan(
    store: &(impl ProjectStore + ToolStore + McpStore),
    host: &Host<'_>,
    tool: &Tool,
    owner: &User,
    session: &aiops_types::Session,
    key: &str,
    respawn: bool,
) -> CoreResult<LaunchPlan> {
    let mut argv = vec![tool.command.clone()];
    argv.extend(if session.yolo {
        tool.yolo_args.iter().cloned()
    } else {
        tool.args.iter().cloned()
    });
    let resume = if respawn {
        resume_args(tool_kind(tool))
    } else {
        &[]
    };
    let kind = tool_kind(tool);
    let mut typed_prompt = None;
    if !resume.is_empty() {
        // The tool's own conversation goes on; the prompt was its first message already.
        argv.extend(resume.iter().map(|a| (*a).to_owned()));
    } else if tool.prompt == "argument" && !session.prompt.is_empty() && kind == ToolKind::Aider {
        // Aider takes no prompt argument (`--message` answers once and exits): the prompt
        // is typed at its first input prompt instead, and the chat goes on.
        if !respawn {
            typed_prompt = Some(session.prompt.clone());
        }
    } else if tool.prompt == "argument" && !session.prompt.is_empty() {
        // After `--`, so a prompt that starts with `-` is never read as an option (e.g.
        // `--dangerously-skip-permissions` past `allow_yolo` and its audit). Claude Code
        // (commander), Codex (clap) and getopt-style tools all end options there.
        argv.push("--".to_owned());
        argv.push(session.prompt.clone());
    }
    let mut env: Vec<(String, String)> = tool
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let secrets = super::tool_credentials::for_session(store, host.secret_key, owner.id, tool)?;
    let project = store
        .project(Viewer::All, session.project_id)?
        .ok_or_else(|| CoreError::not_found(format!("project {}", session.project_id)))?;
    // The owner's base clone: trusted by the tools, and holding a worktree's git data.
    let repo = workspace_dir(host, owner, &project).join("repo");
    let home_setup = home_setup(owner, &repo, &secrets, &env);
    env.extend(secrets.env);
    // MCP servers (issue 21): Claude Code reads `.mcp.json` (written by the runtime),
    // Codex takes `-c` overrides; other tools get none (nor their secrets).
    let (mcp, mcp_env) = match kind {
        ToolKind::Claude | ToolKind::Codex => crate::mcp::for_session(
            store,
            host.secret_key,
            project.tenant_id,
            project.id,
            host.aiops_bin,
        )?,
        ToolKind::Aider | ToolKind::Generic => (Vec::new(), Vec::new()),
    };
    if kind == ToolKind::Codex {
        argv.splice(1..1, super::mcp_config::codex_args(&mcp));
    }
    env.extend(mcp_env);
    env.extend(kind_env(kind));
    env.extend(git_env(owner));
    env.extend([
        ("AIOPS_URL".to_owned(), host.server_url.to_owned()),
        ("AIOPS_SESSION_ID".to_owned(), session.id.to_string()),
        (
            "AIOPS_PROJECT_ID".to_owned(),
            session.project_id.to_string(),
        ),
        ("AIOPS_API_KEY".to_owned(), key.to_owned()),
        ("AIOPS_BIN".to_owned(), host.aiops_bin.to_owned()),
    ]);
    if let Some(issue) = session.issue_id {
        env.push(("AIOPS_ISSUE_ID".to_owned(), issue.to_string()));
    }
    let home = super::sandbox::tool_home(&host.sandbox, owner);
    env.push(("HOME".to_owned(), home.display().to_string()));
    env.push(("PATH".to_owned(), super::install::tool_path(tool, host)));
    let sandbox = (session.sandbox != super::sandbox::NO_SANDBOX)
        .then(|| sandbox_plan(host, session, &repo, &home));
    if sandbox.is_some() {
        // How a tool learns it is contained: Claude Code then allows
        // `--dangerously-skip-permissions` under a server that runs as root.
        env.push(("IS_SANDBOX".to_owned(), "1".to_owned()));
    }
    Ok(LaunchPlan {
        session_id: session.id,
        tmux_name: session.tmux_target.trim_start_matches('=').to_owned(),
        dir: PathBuf::from(&session.worktree_path),
        argv,
        env,
        kind,
        respawn,
        home_setup,
        typed_prompt,
        home,
        sandbox,
        mcp,
    })
}

/// What a sandboxed session sees: its working copy, the base clone `repo` (its `.git`
/// holds a worktree's objects and refs), the owner's tool home, the aiops binary and the
/// admin's extra read-only paths.
fn sandbox_plan(
    host: &Host<'_>,
    session: &aiops_types::Session,
    repo: &std::path::Path,
    home: &std::path::Path,
) -> super::sandbox::SandboxPlan {
    let mut read_only = vec![
        PathBuf::from(host.aiops_bin),
        host.sandbox.tools.to_path_buf(),
    ];
    read_only.extend(host.sandbox.read_only.iter().cloned());
    super::sandbox::SandboxPlan {
        work_dir: PathBuf::from(&session.worktree_path),
        repo: repo.to_owned(),
        home: home.to_owned(),
        read_only,
    }
}

/// The arguments (after the tool's own) with which a respawned tool of `kind` resumes its
/// conversation in the session's directory instead of starting over: Claude Code
/// `--continue` ("continue the most recent conversation in the current directory"),
/// Codex `resume --last` (its subcommand, taking the same options as `codex`: the most
/// recent session of this directory, a new one when there is none). None for the others,
/// which start again with the prompt.
fn resume_args(kind: ToolKind) -> &'static [&'static str] {
    match kind {
        ToolKind::Claude => &["--continue"],
        ToolKind::Codex => &["resume", "--last"],
        ToolKind::Aider | ToolKind::Generic => &[],
    }
}

/// Which agent `tool` is: its declared kind (an unknown one is generic).
pub(super) fn tool_kind(tool: &Tool) -> ToolKind {
    ToolKind::from_name(&tool.kind)
}

/// Variables a tool of `kind` reads its aiops settings from (settings in the environment
/// compose with wrapper commands, unlike arguments): Aider's notification command
/// reports `waiting` when it waits for its user (`AIDER_NOTIFICATIONS*`, see
/// <https://aider.chat/docs/config/options.html#--notifications-command-command>).
fn kind_env(kind: ToolKind) -> Vec<(String, String)> {
    match kind {
        ToolKind::Aider => vec![
            ("AIDER_NOTIFICATIONS".to_owned(), "true".to_owned()),
            (
                "AIDER_NOTIFICATIONS_COMMAND".to_owned(),
                aiops_types::WAITING_COMMAND.to_owned(),
            ),
        ],
        ToolKind::Claude | ToolKind::Codex | ToolKind::Generic => Vec::new(),
    }
}

/// What the tool's home needs so no first-run screen blocks the session: the base clone
/// `repo` trusted, the user's keys approved or logged in, their git identity, where the
/// OpenAI API is when the tool's environment `tool_env` says (the runtime writes what the
/// tool's kind reads).
fn home_setup(
    owner: &User,
    repo: &std::path::Path,
    secrets: &super::tool_credentials::SessionSecrets,
    tool_env: &[(String, String)],
) -> HomeSetup {
    let var = |k: &str| {
        secrets
            .env
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let openai_base_url = tool_env
        .iter()
        .find(|(k, v)| k == "OPENAI_BASE_URL" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned());
    let (name, email) = git_identity(owner);
    HomeSetup {
        trusted: vec![repo.to_owned()],
        claude_key: var("ANTHROPIC_API_KEY"),
        codex_auth: secrets.codex_auth.clone().or_else(|| {
            var("OPENAI_API_KEY").map(|key| {
                // What `codex login --with-api-key` writes.
                serde_json::json!({ "auth_mode": "apikey", "OPENAI_API_KEY": key }).to_string()
            })
        }),
        openai_base_url,
        git_identity: Some((name, email)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_respawn_resumes_claude_and_codex_conversations_and_nothing_else() {
        assert_eq!(resume_args(ToolKind::Claude), ["--continue"]);
        assert_eq!(resume_args(ToolKind::Codex), ["resume", "--last"]);
        assert!(
            resume_args(ToolKind::Aider).is_empty(),
            "aider starts again"
        );
        assert!(
            resume_args(ToolKind::Generic).is_empty(),
            "a shell starts again"
        );
    }
}
