//! `aiops issues work` and `aiops sessions …`: agent sessions in tmux. Also the two verbs
//! a session's tmux pane runs (hidden): `sessions run` (the launcher) and `sessions
//! record` (the transcript recorder fed by `pipe-pane`).

use std::path::PathBuf;

use aiops_client::Client;
use aiops_types::{
    SendText, SessionListParams, SessionReport, StartSession, StartedSession, TranscriptParams,
    WorkIssue,
};

use crate::cli::exit::CliError;
use crate::cli::output;
use crate::cli::{Ctx, PageArgs, list_pages};

/// How a session starts: shared by `issues work` and `sessions start`.
#[derive(Debug, clap::Args)]
pub struct StartArgs {
    /// claude, codex, aider, shell, or a custom tool (`aiops tools list`). Default: your
    /// default_tool (`aiops config set default_tool …`), else the server's, else the
    /// first installed of claude, codex, aider, shell.
    #[arg(long)]
    tool: Option<String>,
    /// Initial prompt for tools that take one (`issues work` default: "Read
    /// AGENTS.override.md and resolve the issue."; `sessions start`: none).
    #[arg(long)]
    prompt: Option<String>,
    /// The tool's skip-permissions mode; refused unless the admin allows it; audited.
    #[arg(long)]
    yolo: bool,
    /// Attach to the session's terminal once it runs (detach: tmux prefix, then `d`).
    /// Default: attach when at a terminal, unless the `auto_attach` config key is false.
    #[arg(long, overrides_with = "no_attach")]
    attach: bool,
    /// Do not attach; print the session instead.
    #[arg(long)]
    no_attach: bool,
    /// Admins: start the session as this user (id or email).
    #[arg(long, value_name = "ID|EMAIL")]
    user: Option<String>,
    /// Admins: run this session without the sandbox (audited; refused when the server's
    /// `session_sandbox` is `required`).
    #[arg(long)]
    no_sandbox: bool,
    /// Run it on this session host (`local`: the server's own machine) instead of where
    /// the project places its sessions.
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct WorkArgs {
    /// Issue id (`aiops issues list`).
    id: i64,
    #[command(flatten)]
    start: StartArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum SessionsCommand {
    /// Start a session on a project without an issue (in your base clone).
    Start {
        /// Project id, slug or tenant/slug.
        #[arg(long, value_name = "P")]
        project: String,
        #[command(flatten)]
        start: StartArgs,
    },
    /// Your sessions, newest first.
    List {
        /// Every user's sessions (admin).
        #[arg(long)]
        all_users: bool,
        /// Only starting, running and waiting ones.
        #[arg(long)]
        live: bool,
        /// Only sessions of this issue.
        #[arg(long, value_name = "ID")]
        issue: Option<i64>,
        /// Only sessions on this project (id, slug or tenant/slug).
        #[arg(long, value_name = "P")]
        project: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show one session.
    Get { session: String },
    /// Attach your terminal to the session (local server: `tmux attach`; remote: `ssh -t`).
    /// Detach with the tmux prefix (Ctrl-b) then `d`; the session keeps running.
    Attach {
        session: String,
        /// Print the command (`tmux attach` here, else `ssh -t …`) instead of running it.
        #[arg(long)]
        print: bool,
    },
    /// Type TEXT into the session literally, then Enter.
    Send {
        session: String,
        text: String,
        /// Do not press Enter after the text.
        #[arg(long)]
        no_enter: bool,
    },
    /// End the session (its tmux session and the agent).
    Kill { session: String },
    /// Start the session's tool again in the same worktree.
    Respawn { session: String },
    /// The session's output, redacted: the rendered log (one line per screen line, no
    /// escapes or redraws; then what the pane shows now), or the raw stream with --raw.
    Logs {
        session: String,
        /// Only the last N lines.
        #[arg(long, value_name = "N")]
        tail: Option<u32>,
        /// The raw stream the pane wrote (terminal escapes and redraws kept).
        #[arg(long)]
        raw: bool,
    },
    /// The session's changes against its branch's base (origin/<default>): committed,
    /// staged, unstaged and untracked, as unified diffs; a summary with --stat.
    Diff {
        session: String,
        /// One line per file: status, +/- counts, path.
        #[arg(long)]
        stat: bool,
    },
    /// Report the session's state (what agent hooks call): running, waiting, or exited.
    Event {
        /// running | waiting | exited (from the hook's input with --hook)
        #[arg(required_unless_present = "hook")]
        state: Option<String>,
        /// Read a Claude Code or Codex hook's input (JSON on stdin) and report what it
        /// says; print nothing (a hook's stdout goes into the model's context).
        /// `--claude-hook` is its older name.
        #[arg(long, alias = "claude-hook")]
        hook: bool,
        /// Default: $AIOPS_SESSION_ID.
        #[arg(long, value_name = "ID")]
        session: Option<i64>,
        /// Needed with `exited`.
        #[arg(long)]
        exit_code: Option<i32>,
        #[arg(long)]
        detail: Option<String>,
        /// Ignored: hooks may append their own payload (Codex passes a JSON argument).
        #[arg(hide = true, trailing_var_arg = true, allow_hyphen_values = true)]
        payload: Vec<String>,
    },
    /// Runs a session's command in its tmux pane (started by aiops, not by hand).
    #[command(hide = true)]
    Run {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Appends a pane's output to the session's transcript (started by tmux pipe-pane).
    #[command(hide = true)]
    Record {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Reports a dead pane (started by tmux's pane-died hook).
    #[command(hide = true)]
    Hook {
        #[arg(long)]
        sessions_dir: PathBuf,
        /// `aiops-<id>-<slug>`.
        #[arg(long)]
        tmux_session: String,
    },
}

pub async fn work(ctx: &Ctx, args: WorkArgs) -> Result<(), CliError> {
    let client = ctx.client()?;
    let s = &args.start;
    let req = WorkIssue {
        tool: s.tool.clone().unwrap_or_default(),
        prompt: s.prompt.clone(),
        yolo: s.yolo,
        user: s.user.clone(),
        no_sandbox: s.no_sandbox,
        host: s.host.clone(),
    };
    let started = client.work_issue(args.id, &req).await?;
    started_then(ctx, &client, started, s.attach_flag()).await
}

impl StartArgs {
    /// `--attach` / `--no-attach` (the later one wins), or None when neither was given.
    fn attach_flag(&self) -> Option<bool> {
        match (self.attach, self.no_attach) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

async fn started_then(
    ctx: &Ctx,
    client: &Client,
    started: StartedSession,
    attach_flag: Option<bool>,
) -> Result<(), CliError> {
    let attach_after = attaching::should_attach(
        attach_flag,
        ctx.config.auto_attach,
        ctx.out,
        attaching::at_terminal(),
    );
    for note in &started.notes {
        eprintln!("aiops: {note}");
    }
    if started.reused {
        eprintln!(
            "aiops: reusing live session {} ({})",
            started.session.id,
            started.session.state.as_str()
        );
    }
    if attach_after {
        return attach(client, started.session.id).await;
    }
    output::one(ctx.out, &started.session)
}

/// Runs the verbs a tmux pane starts (`run`, `record`); gives any other verb back.
pub fn internal(cmd: SessionsCommand) -> Result<Result<(), CliError>, Box<SessionsCommand>> {
    match cmd {
        SessionsCommand::Run { dir } => Ok(launch(&dir)),
        SessionsCommand::Record { dir } => {
            let watch = watch::dialog_watch(&dir);
            Ok(
                aiops_exec::launch::record_watched(&dir, std::io::stdin().lock(), watch)
                    .map_err(|e| CliError::error(format!("transcript: {e}"))),
            )
        }
        SessionsCommand::Hook {
            sessions_dir,
            tmux_session,
        } => Ok(pane_died(&sessions_dir, &tmux_session)),
        other => Err(Box::new(other)),
    }
}

/// tmux's `pane-died` hook: the launcher normally reports the exit itself; when it could
/// not (killed), this reports the recorded status or `failed`. Errors are ignored: after
/// a normal exit the session has ended and its key is revoked, as it should be.
fn pane_died(sessions_dir: &std::path::Path, tmux_session: &str) -> Result<(), CliError> {
    // `aiops-<id>-<slug>` (names aiops generates); anything else is not ours.
    let Some(id) = tmux_session
        .strip_prefix("aiops-")
        .and_then(|rest| rest.split('-').next())
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return Ok(());
    };
    let dir = sessions_dir.join(id.to_string());
    let dir = dir.as_path();
    let Ok(hook) = aiops_exec::launch::read_hook_file(dir) else {
        return Ok(());
    };
    let req = match aiops_exec::launch::recorded_exit(dir) {
        Some(code) => SessionReport {
            state: "exited".into(),
            exit_code: Some(code),
            detail: None,
        },
        None => SessionReport {
            state: "failed".into(),
            exit_code: None,
            detail: Some("the launcher died without an exit status (tmux pane-died)".into()),
        },
    };
    // Nobody sees this process's output: a report that did not get through is noted in
    // the session dir (no secrets: the error names the URL, never the key).
    if let Err(e) = send_report(&hook.url, &hook.key, hook.session_id, &req) {
        let _ = std::fs::write(dir.join("hook.err"), format!("{e}\n"));
    }
    let _ = std::fs::remove_file(dir.join(aiops_exec::launch::HOOK_FILE));
    Ok(())
}

/// One state report with a session key, on a runtime of its own (the pane's verbs run
/// outside the CLI's runtime). A server that does not answer (busy, restarting) is asked
/// again, three times in all over about 40 s; an answer, even a refusal, is final.
fn send_report(url: &str, key: &str, session_id: i64, req: &SessionReport) -> Result<(), String> {
    let client = Client::builder(url)
        .credential(aiops_client::Credential::ApiKey(aiops_client::Secret::new(
            key.to_owned(),
        )))
        .timeout(std::time::Duration::from_secs(12))
        .build()
        .map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut last = String::new();
    for pause in [1, 2, 0] {
        match rt.block_on(client.report_session(session_id, req)) {
            Ok(_) => return Ok(()),
            Err(aiops_client::ClientError::Transport(e)) => last = e,
            Err(e) => return Err(e.to_string()),
        }
        std::thread::sleep(std::time::Duration::from_secs(pause));
    }
    Err(last)
}

pub async fn run(ctx: &Ctx, cmd: SessionsCommand) -> Result<(), CliError> {
    let client = ctx.client()?;
    let client = &client;
    let out = ctx.out;
    match cmd {
        SessionsCommand::Start { project, start } => {
            let req = StartSession {
                project,
                tool: start.tool.clone().unwrap_or_default(),
                prompt: start.prompt.clone(),
                yolo: start.yolo,
                user: start.user.clone(),
                no_sandbox: start.no_sandbox,
                host: start.host.clone(),
            };
            let started = client.start_session(&req).await?;
            started_then(ctx, client, started, start.attach_flag()).await
        }
        SessionsCommand::List {
            all_users,
            live,
            issue,
            project,
            page,
        } => {
            let project = match &project {
                Some(p) => Some(crate::cli::projects::resolve(client, p, None).await?),
                None => None,
            };
            list_pages(out, &page, |p| {
                let params = SessionListParams {
                    all_users,
                    live,
                    issue_id: issue,
                    project,
                    limit: p.limit,
                    cursor: p.cursor,
                };
                async move { client.list_sessions(&params).await }
            })
            .await
        }
        SessionsCommand::Get { session } => {
            let id = resolve(client, &session).await?;
            output::one(out, &client.session(id).await?)
        }
        SessionsCommand::Attach { session, print } => {
            let id = resolve(client, &session).await?;
            if print {
                let argv = attaching::attach_argv(client, id).await?;
                let line = aiops_exec::process::shell_words(&argv)
                    .ok_or_else(|| CliError::error("the attach command holds a NUL byte"))?;
                let doc = serde_json::json!({ "argv": argv, "command": line });
                return output::value(out, &doc, || format!("{line}\n"));
            }
            attach(client, id).await
        }
        SessionsCommand::Send {
            session,
            text,
            no_enter,
        } => {
            let id = resolve(client, &session).await?;
            let req = SendText {
                text,
                enter: !no_enter,
            };
            client.send_to_session(id, &req).await?;
            output::notice(out, &format!("Sent to session {id}."))
        }
        SessionsCommand::Kill { session } => {
            let id = resolve(client, &session).await?;
            let s = client.kill_session(id).await?;
            output::notice(out, &format!("Session {id} is {}.", s.state.as_str()))
        }
        SessionsCommand::Respawn { session } => {
            let id = resolve(client, &session).await?;
            output::one(out, &client.respawn_session(id).await?)
        }
        SessionsCommand::Diff { session, stat } => {
            let id = resolve(client, &session).await?;
            super::sessions_diff::print(out, &client.session_changes(id).await?, stat)
        }
        SessionsCommand::Logs { session, tail, raw } => {
            let id = resolve(client, &session).await?;
            let t = client
                .session_logs(id, &TranscriptParams { tail, raw })
                .await?;
            if !raw && !t.rendered {
                eprintln!(
                    "aiops: session {id} has no rendered log (it started before aiops kept \
                     one); showing the raw output"
                );
            }
            output::value(out, &t, || t.text.clone())
        }
        SessionsCommand::Event {
            state,
            hook,
            session,
            exit_code,
            detail,
            payload: _,
        } => {
            let id = match session {
                Some(id) => id,
                None => std::env::var("AIOPS_SESSION_ID")
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .ok_or_else(|| {
                        CliError::usage("pass --session ID (or run inside a session)")
                    })?,
            };
            if hook {
                let Some(req) = hook_input()? else {
                    return Ok(());
                };
                client.report_session(id, &req).await?;
                return Ok(());
            }
            let req = SessionReport {
                state: state.unwrap_or_default(),
                exit_code,
                detail,
            };
            let s = client.report_session(id, &req).await?;
            output::notice(out, &format!("Session {id} is {}.", s.state.as_str()))
        }
        SessionsCommand::Run { .. }
        | SessionsCommand::Record { .. }
        | SessionsCommand::Hook { .. } => Ok(()),
    }
}

/// The launcher: runs in the session's pane. Reads (and deletes) the launch file, reports
/// `running`, runs the command, records its exit status, reports `exited`, and exits
/// with the command's status. A report that fails (server down) is said in the pane; the
/// server reads the recorded status when it reconciles.
fn launch(dir: &std::path::Path) -> Result<(), CliError> {
    // Before anything can die: the pane's terminal stays open until tmux has been told
    // this process died, or tmux may never run its `pane-died` hook (see `pane_guard`).
    aiops_exec::pane_guard::hold_terminal_until_exit();
    let file = aiops_exec::launch::take_launch_file(dir)
        .map_err(|e| CliError::error(format!("cannot read the session's launch file: {e}")))?;
    let report = |req: SessionReport| {
        let (Some(url), Some(key)) = (file.var("AIOPS_URL"), file.var("AIOPS_API_KEY")) else {
            return;
        };
        if let Err(e) = send_report(url, key, file.session_id, &req) {
            eprintln!("aiops: could not report `{}`: {e}", req.state);
        }
    };
    aiops_exec::launch::wait_ready(dir);
    aiops_exec::launch::reset_terminal();
    report(SessionReport {
        state: "running".into(),
        ..Default::default()
    });
    let code = match aiops_exec::launch::run_command(&file) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("aiops: cannot start `{}`: {e}", file.argv.join(" "));
            127
        }
    };
    aiops_exec::launch::forget_credentials(dir);
    if let Err(e) = aiops_exec::launch::record_exit(dir, code) {
        eprintln!("aiops: cannot record the exit status: {e}");
    }
    report(SessionReport {
        state: "exited".into(),
        exit_code: Some(code),
        detail: None,
    });
    std::process::exit(code);
}

/// A Claude Code or Codex hook's input on stdin (at most 1 MiB) as a report; None when the event
/// reports nothing.
fn hook_input() -> Result<Option<SessionReport>, CliError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::usage(format!("reading the hook's input: {e}")))?;
    let input: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::usage(format!("the hook's input is not JSON: {e}")))?;
    Ok(aiops_types::hook_report(&input))
}

#[path = "sessions_render.rs"]
mod render;

#[path = "sessions_watch.rs"]
mod watch;

#[path = "sessions_attach.rs"]
mod attaching;
use attaching::{attach, resolve};
