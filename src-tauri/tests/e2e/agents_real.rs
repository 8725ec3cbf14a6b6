//! The real agent CLIs inside the session sandbox (issue 14): Claude Code, Codex and Aider,
//! as scripts/install-deps installs them (versions pinned in scripts/lib/agents.sh), start
//! in bubblewrap, read the issue's `AGENTS.override.md` and answer once — from a fake
//! model endpoint on loopback ([`aiops_fakes::model`]), so nothing leaves the machine.
//!
//! Each test proves the context reached the model (a canary from the issue title is in a
//! request the fake answered) and the answer reached the pane (the fake's numbered answer
//! is on the pane's screen, and in `aiops sessions logs` once the session ended).
//!
//! The tools are installed under the server account's home, which the sandbox hides, so
//! the server lists the install folder in `sandbox_read_only` — what an admin does for a
//! tool installed there (README, "Agent sessions").
//!
//! A fresh `$HOME` makes each tool ask first-run questions no one is there to answer.
//! aiops answers them in the user's tool home (`<data>/homes/<user id>`) before the
//! session starts (`aiops-exec::tool_home`), and these tests seed none of them:
//! - Claude Code, `~/.claude.json`: `hasCompletedOnboarding` (else the onboarding
//!   screens, whose connectivity check calls api.anthropic.com whatever the base URL),
//!   `customApiKeyResponses.approved` with the key's last 20 characters (else "Detected a
//!   custom API key … use it?", default No), `projects.<base clone>.hasTrustDialogAccepted`
//!   (else the folder trust dialog; a worktree is trusted through its main repository).
//! - Codex, `~/.codex/auth.json` `{"auth_mode":"apikey","OPENAI_API_KEY":…}` (what `codex
//!   login --with-api-key` writes; `OPENAI_API_KEY` in the environment alone leaves the
//!   sign-in screen up) and `~/.codex/config.toml`: `projects."<base clone>".trust_level =
//!   "trusted"` (else the folder trust screen, even with `--sandbox`/`--ask-for-approval`
//!   given). Only `openai_base_url` is the test's (Codex 0.171 ignores `OPENAI_BASE_URL`).
//! - Aider, `~/.aider.conf.yml`: `analytics-disable`, `check-update: false`,
//!   `show-release-notes: false`, `show-model-warnings: false`, `gitignore: false` (each
//!   a yes/no question otherwise), and `read: AGENTS.override.md` (Aider reads no context
//!   file by itself); `~/.gitconfig` with `user.name`/`user.email` (without one Aider
//!   writes a placeholder identity into the base clone's `.git/config`, read-only in the
//!   sandbox, and dies).

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiops_fakes::Fake;
use aiops_fakes::model::{ANSWER_PREFIX, ModelState, ToolCall};
use serde_json::{Value, json};

use crate::common::{ServerProcess, assert_success, json, text, wait_until};
use crate::sessions::{demo_issue, project_on, seeded_repo, session, tmux, wait_state};
use crate::trackers::id_of;

/// The users' model key (fake; the fake endpoint accepts only it).
const KEY: &str = "sk-fake-aiops-0123456789abcdefghij";
/// Longest a real CLI may take from start to its first answer (Codex tries a WebSocket
/// a dozen times before it falls back to HTTP).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(90);

/// Where scripts/lib/agents.sh installs the CLIs (keep the two in step).
fn agents_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AIOPS_AGENTS_DIR") {
        return dir.into();
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache"));
    cache.join("aiops/agents")
}

/// An installed CLI; fails (never skips) when it is missing, since CI installs them.
pub(crate) fn installed(relative: &str) -> PathBuf {
    let path = agents_dir().join(relative);
    assert!(
        path.is_file(),
        "{} is not installed: run scripts/install-deps, which installs the agent CLIs \
         pinned in scripts/lib/agents.sh into {} (or set AIOPS_AGENTS_DIR)",
        path.display(),
        agents_dir().display()
    );
    path
}

/// One tool's scene: a server whose sandbox shows the agents' install folder, project
/// `acme/demo`, the fake model, and the admin's tool home and base clone paths.
pub(crate) struct Scene {
    pub(crate) server: ServerProcess,
    _repo: tempfile::TempDir,
    pub(crate) model: Fake<ModelState>,
    /// `<data>/homes/<user id>`: `$HOME` of the admin's sessions.
    home: PathBuf,
    /// In the issue title, so in `AGENTS.override.md`.
    canary: String,
}

fn scene(tool: &str) -> Scene {
    assert!(
        aiops_exec::sandbox::mechanism().is_some(),
        "bubblewrap does not work on this machine: scripts/install-deps installs it"
    );
    let (repo_dir, repo) = seeded_repo();
    let read_only = json!([agents_dir()]).to_string();
    let server = ServerProcess::start_with(true, &[("AIOPS_SANDBOX_READ_ONLY", &read_only)]);
    project_on(&server, &repo);
    let users = json(&server, &["users", "list"]);
    let uid = users
        .as_array()
        .and_then(|u| u.iter().find(|u| u["email"] == crate::common::ADMIN_EMAIL))
        .map(id_of)
        .unwrap_or_else(|| panic!("the admin among the users: {users}"));
    let data = &server.data_dir;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    Scene {
        home: data.join("homes").join(&uid),
        model: aiops_fakes::model::start(KEY),
        server,
        _repo: repo_dir,
        canary: format!("CANARY-{tool}-{}-{nanos}", std::process::id()),
    }
}

/// A scene whose `claude` tool is the pinned Claude Code on the fake model, with the
/// admin's Anthropic key stored.
pub(crate) fn claude_scene(tag: &str) -> Scene {
    let s = scene(tag);
    s.credential("anthropic_api_key");
    s.use_program(
        "claude",
        &installed("npm/node_modules/.bin/claude"),
        &[("ANTHROPIC_BASE_URL", s.model.url().to_owned())],
    );
    s
}

/// A scene whose `codex` tool is the pinned Codex on the fake model, with the admin's
/// OpenAI key stored.
pub(crate) fn codex_scene(tag: &str) -> Scene {
    let s = scene(tag);
    s.credential("openai_api_key");
    s.use_program(
        "codex",
        &installed("npm/node_modules/.bin/codex"),
        &[("OPENAI_BASE_URL", format!("{}/v1", s.model.url()))],
    );
    s
}

impl Scene {
    /// Stores the admin's credential `kind` (the fake key).
    fn credential(&self, kind: &str) {
        let out = self
            .server
            .cli(&["tools", "credentials", "set", kind], Some(KEY));
        assert_success(&out, &format!("tools credentials set {kind}"));
    }

    /// Points the built-in tool `name` at `program`, keeping its arguments, prompt and
    /// hooks, with `env` added.
    pub(crate) fn use_program(&self, name: &str, program: &Path, env: &[(&str, String)]) {
        let tools = json(&self.server, &["tools", "list"]);
        let builtin = tools
            .as_array()
            .and_then(|t| t.iter().find(|t| t["name"] == name))
            .unwrap_or_else(|| panic!("built-in tool {name} in {tools}"))
            .clone();
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut args: Vec<String> = ["tools", "set", name, "--command"]
            .map(str::to_owned)
            .to_vec();
        args.push(program.display().to_string());
        for key in ["prompt", "kind"] {
            args.push(format!("--{key}"));
            args.push(builtin[key].as_str().unwrap_or("none").to_owned());
        }
        for yolo in strings(&builtin["yolo_args"]) {
            args.push(format!("--yolo-arg={yolo}"));
        }
        for (k, v) in env {
            args.extend(["--env".to_owned(), format!("{k}={v}")]);
        }
        args.push("--".to_owned());
        args.extend(strings(&builtin["args"]));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_success(&self.server.cli(&args, None), &format!("tools set {name}"));
    }

    /// `issues work` on a new issue whose title holds the canary; the session's id.
    pub(crate) fn work(&self, tool: &str) -> i64 {
        let issue = id_of(&demo_issue(
            &self.server,
            &format!("Fix the flaky build {}", self.canary),
        ));
        let started = json(&self.server, &["issues", "work", &issue, "--tool", tool]);
        started["id"].as_i64().expect("the session's id")
    }

    /// The texts the fake answered to requests that hold the canary (the tool's turn,
    /// and side requests such as a title, which also carry the conversation).
    fn context_answers(&self) -> Vec<String> {
        let st = self.model.state();
        st.calls_mentioning(&self.canary)
            .iter()
            .filter_map(|c| c.answer.clone())
            .filter(|a| a.starts_with(ANSWER_PREFIX))
            .collect()
    }

    /// The pane's screen as tmux shows it now.
    fn screen(&self, id: i64) -> String {
        let s = session(&self.server, id);
        // A pane target: the session's current window (`=name:`).
        let pane = format!("{}:", s["tmux_target"].as_str().unwrap_or(""));
        let out = tmux(&self.server, &["capture-pane", "-p", "-t", &pane]);
        format!("{}{}", text(&out.stdout), text(&out.stderr))
    }

    /// The states the session went through, oldest first (its `session.state` events).
    fn states(&self, id: i64) -> Vec<String> {
        let sql = format!(
            "SELECT json_extract(payload, '$.state') FROM events \
             WHERE kind = 'session.state' AND json_extract(payload, '$.id') = {id} ORDER BY id"
        );
        crate::common::sqlite(&self.server.data_dir.join("aiops.db"), &sql)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Waits until the session is `waiting` with a detail holding `needle`; the detail.
    fn wait_waiting_with(&self, id: i64, needle: &str) -> String {
        let mut last = Value::Null;
        let reported = wait_until(ANSWER_TIMEOUT, || {
            last = session(&self.server, id);
            last["state"] == "waiting"
                && last["detail"].as_str().is_some_and(|d| d.contains(needle))
        });
        assert!(
            reported,
            "the session should be `waiting` with {needle:?} in its detail; last: {last}\n{}",
            self.report(id)
        );
        last["detail"].as_str().unwrap_or_default().to_owned()
    }

    /// Answers the tool's permission prompt with `key` (its menu's "yes", no Enter) and
    /// waits until it ran what it asked (`running`) and ended its turn (`waiting`).
    fn approve(&self, id: i64, key: &str) {
        let out = self.server.cli(
            &["sessions", "send", &id.to_string(), "--no-enter", key],
            None,
        );
        assert_success(&out, "sessions send --no-enter");
        let answered = wait_until(ANSWER_TIMEOUT, || {
            self.states(id)
                .ends_with(&["running".into(), "waiting".into()])
                && session(&self.server, id)["state"] == "waiting"
        });
        assert!(
            answered,
            "approved, the tool ran the command (`running`) and ended its turn (`waiting`): \
             {:?}\n{}",
            self.states(id),
            self.report(id)
        );
    }

    /// What a failure message shows: the model's requests, the session, the screen.
    pub(crate) fn report(&self, id: i64) -> String {
        let calls: Vec<String> = self
            .model
            .state()
            .calls
            .iter()
            .map(|c| {
                let canary = c.mentions(&self.canary);
                format!(
                    "{} {} -> {} {:?} (canary: {canary})",
                    c.method, c.path, c.status, c.answer
                )
            })
            .collect();
        format!(
            "model requests: {calls:#?}\nsession: {}\nscreen:\n{}",
            session(&self.server, id),
            self.screen(id)
        )
    }

    fn transcript(&self, id: i64) -> String {
        let out = self
            .server
            .cli(&["sessions", "logs", &id.to_string()], None);
        assert_success(&out, "sessions logs");
        text(&out.stdout)
    }

    /// Waits until the pane's screen shows `needle`.
    fn wait_screen(&self, id: i64, needle: &str) {
        let shown = wait_until(ANSWER_TIMEOUT, || self.screen(id).contains(needle));
        assert!(
            shown,
            "the session's screen should show {needle:?} within {ANSWER_TIMEOUT:?}\n{}",
            self.report(id)
        );
    }

    /// Waits until the model got the context file and the tool shows an answer to it, in
    /// the sandbox; returns that answer.
    fn wait_answer_to_context(&self, id: i64) -> String {
        let mut shown = None;
        let mut ended = false;
        let answered = wait_until(ANSWER_TIMEOUT, || {
            let answers = self.context_answers();
            if answers.is_empty() {
                // A tool that died at start (not installed right, a crash) ends the wait.
                let state = session(&self.server, id)["state"].clone();
                ended = state == "exited" || state == "failed";
                return ended;
            }
            let screen = self.screen(id);
            shown = answers.into_iter().find(|a| screen.contains(a.as_str()));
            shown.is_some()
        });
        assert!(
            answered && !ended,
            "within {ANSWER_TIMEOUT:?} the model should get the context file's canary {} and \
             the tool show the answer\n{}",
            self.canary,
            self.report(id)
        );
        let s = session(&self.server, id);
        assert_eq!(s["sandbox"], "bubblewrap", "the tool ran sandboxed: {s}");
        assert_ne!(s["state"], "exited", "the tool is still up: {s}");
        shown.unwrap()
    }

    /// `aiops sessions send` of a new message, once: the tool submits it to the model
    /// (no second Enter needed) and is `waiting` again after its turn.
    fn send_is_submitted(&self, id: i64) {
        let message = format!(
            "And now the docs {}",
            self.canary.replace("CANARY", "SECOND")
        );
        let out = self
            .server
            .cli(&["sessions", "send", &id.to_string(), &message], None);
        assert_success(&out, "sessions send");
        let submitted = wait_until(Duration::from_secs(30), || {
            !self.model.state().calls_mentioning(&message).is_empty()
        });
        assert!(
            submitted,
            "one `sessions send` submits the message to the model\n{}",
            self.report(id)
        );
        wait_state(&self.server, id, "waiting");
        let states = self.states(id);
        assert!(
            states.ends_with(&["waiting".into(), "running".into(), "waiting".into()]),
            "the turn the message started was `running`, then `waiting` again: {states:?}"
        );
    }

    /// Ends the session and checks its transcript holds `answer`. Ended, because the
    /// recorder keeps output back until a line ends, and a full-screen TUI (Codex) may
    /// write none while it waits.
    fn assert_transcript_after_kill(&self, id: i64, answer: &str) {
        let out = self
            .server
            .cli(&["sessions", "kill", &id.to_string()], None);
        assert_success(&out, "sessions kill");
        wait_state(&self.server, id, "killed");
        let mut last = String::new();
        let recorded = wait_until(ANSWER_TIMEOUT, || {
            last = self.transcript(id);
            last.contains(answer)
        });
        assert!(
            recorded,
            "`sessions logs` should hold the answer {answer:?} once the pane closed:\n{last:?}"
        );
    }
}

#[test]
fn claude_code_starts_in_the_sandbox_reads_the_context_and_answers() {
    let s = claude_scene("claude");
    // Onboarding, the key's approval and the folder's trust: aiops answers them in the
    // tool home (nothing seeded here).
    // Claude Code reads no AGENTS file by itself: the model asks it to, through its
    // Read tool, as a real model given the prompt would.
    s.model.state().tool_call = Some(ToolCall {
        name: "Read".into(),
        input: json!({ "file_path": "AGENTS.override.md" }),
    });

    let id = s.work("claude");
    let answer = s.wait_answer_to_context(id);
    // Its Stop hook ran `aiops sessions event waiting` from inside the sandbox.
    wait_state(&s.server, id, "waiting");
    s.send_is_submitted(id);
    s.assert_transcript_after_kill(id, &answer);
}

#[test]
fn claude_code_asking_for_permission_is_waiting_and_approving_it_is_running() {
    let s = claude_scene("claude-permission");
    // A network command: not among what `--permission-mode acceptEdits` runs unasked.
    s.model.state().tool_call = Some(ToolCall {
        name: "Bash".into(),
        input: json!({ "command": "curl -s http://127.0.0.1:9/ || echo approved-run",
                       "description": "Check" }),
    });
    let id = s.work("claude");
    s.wait_waiting_with(id, "permission");
    // "1. Yes" in its menu.
    s.approve(id, "1");
}

#[test]
fn claude_code_stopped_by_an_api_error_is_waiting_with_the_error() {
    let program = installed("npm/node_modules/.bin/claude");
    let s = scene("claude-401");
    // A key the model endpoint refuses (401): Claude's turn ends in `StopFailure`.
    let wrong = "sk-ant-api03-WrongWrongWrong0123456789abcdefgh";
    let out = s.server.cli(
        &["tools", "credentials", "set", "anthropic_api_key"],
        Some(wrong),
    );
    assert_success(&out, "tools credentials set anthropic_api_key");
    // Claude retries a refused request ten times with backoff; once is enough here.
    s.use_program(
        "claude",
        &program,
        &[
            ("ANTHROPIC_BASE_URL", s.model.url().to_owned()),
            ("CLAUDE_CODE_MAX_RETRIES", "0".to_owned()),
        ],
    );
    let id = s.work("claude");
    let mut last = serde_json::Value::Null;
    let reported = wait_until(ANSWER_TIMEOUT, || {
        last = session(&s.server, id);
        last["state"] == "waiting" && last["detail"].as_str().is_some_and(|d| d.contains("error"))
    });
    assert!(
        reported,
        "a refused key ends in `waiting` with the error as detail; last: {last}\n{}",
        s.report(id)
    );
    let logs = s.server.cli(&["sessions", "logs", &id.to_string()], None);
    assert!(
        !text(&logs.stdout).contains(&wrong[10..]),
        "the key never reaches the transcript"
    );
}

#[test]
fn codex_starts_in_the_sandbox_reads_the_context_and_answers() {
    // The login, the folder's trust, the hooks' trust and `openai_base_url` (Codex reads
    // no OPENAI_BASE_URL): aiops writes them into the tool home.
    let s = codex_scene("codex");

    let id = s.work("codex");
    let answer = s.wait_answer_to_context(id);
    // Its `Stop` hook (`aiops sessions event --hook`) ran inside the sandbox.
    wait_state(&s.server, id, "waiting");
    s.send_is_submitted(id);
    // Checked while the session lives (its sandbox's processes end with it).
    let home = s.home.display().to_string();
    let daemons: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&home) && c.contains("app-server"))
        .collect();
    assert!(
        daemons.is_empty(),
        "no Codex background server shared between sessions: {daemons:?}"
    );
    s.assert_transcript_after_kill(id, &answer);
    let hooks = std::fs::read_to_string(s.home.join(".codex/hooks.json")).unwrap();
    assert!(
        hooks.contains("--hook"),
        "aiops's hooks are in the user's Codex home"
    );
}

#[test]
fn codex_asking_for_approval_is_waiting_and_approving_it_is_running() {
    let s = codex_scene("codex-approval");
    // A model asking to run a command outside Codex's own sandbox, through the `exec`
    // tool Codex 0.171 offers (its nested `exec_command`): Codex asks its user first.
    let code = "const r = await tools.exec_command({cmd: \"echo approved-run\", \
                sandbox_permissions: \"require_escalated\", justification: \"Check\"}); \
                text(JSON.stringify(r));";
    s.model.state().tool_call = Some(ToolCall {
        name: "exec".into(),
        input: json!(code),
    });
    let id = s.work("codex");
    let detail = s.wait_waiting_with(id, "asks to run");
    assert!(detail.contains("echo approved-run"), "{detail}");
    // "Yes, proceed" is `y` in its menu.
    s.approve(id, "y");
    s.wait_screen(id, "approved-run");
}

#[test]
fn aider_starts_in_the_sandbox_reads_the_context_and_answers() {
    let program = installed("aider-venv/bin/aider");
    let s = scene("aider");
    s.credential("openai_api_key");
    s.use_program(
        "aider",
        &program,
        &[
            ("OPENAI_API_BASE", format!("{}/v1", s.model.url())),
            ("AIDER_MODEL", "openai/gpt-fake-1".to_owned()),
        ],
    );
    // Its first-run answers and the git identity it reads from ~/.gitconfig (without
    // one it writes a placeholder into the read-only `.git/config` and dies): aiops
    // writes both into the tool home (nothing seeded here).

    // Aider takes no prompt argument: aiops types the prompt at its first input prompt
    // (the session recorder sees it on the rendered screen), under the read-only context
    // file it added.
    let id = s.work("aider");
    let answer = s.wait_answer_to_context(id);
    // Its notification command reported the end of its turn.
    wait_state(&s.server, id, "waiting");
    s.send_is_submitted(id);
    s.assert_transcript_after_kill(id, &answer);
}
