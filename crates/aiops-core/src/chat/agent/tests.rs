//! The agent backend against a scripted runner and in-memory chat state.

use super::*;

#[test]
fn claude_results_parse_and_errors_are_upstream() {
    let out = r#"{"type":"result","subtype":"success","is_error":false,"result":"42","session_id":"abc"}"#;
    assert_eq!(parse(out).unwrap(), ("42".into(), Some("abc".into())));
    let bad = r#"{"type":"result","is_error":true,"result":"Invalid API key"}"#;
    assert!(matches!(parse(bad), Err(CoreError::Upstream(m)) if m.contains("Invalid API key")));
    assert!(parse("not json").is_err());
}

#[test]
fn chat_folders_are_plain_ids_or_hashes() {
    assert_eq!(folder("-1001234"), "-1001234");
    assert_eq!(folder("C0123ABCD"), "C0123ABCD");
    let odd = folder("../etc");
    assert_eq!(odd.len(), 32);
    assert!(odd.chars().all(|c| c.is_ascii_hexdigit()));
}

/// Answers each run with a numbered reply and conversation id; records runs and
/// forgotten folders.
#[derive(Default)]
struct Scripted {
    runs: std::sync::Mutex<Vec<OneShot>>,
    forgotten: std::sync::Mutex<Vec<PathBuf>>,
}

impl OneShots for Scripted {
    fn run_once(&self, run: &OneShot) -> CoreResult<crate::ports::OneShotOutput> {
        let mut runs = self.runs.lock().unwrap();
        runs.push(run.clone());
        let n = runs.len();
        let stdout = serde_json::json!({
            "type": "result", "is_error": false,
            "result": format!("answer {n}"), "session_id": format!("conv-{n}"),
        });
        Ok(crate::ports::OneShotOutput {
            exit_code: Some(0),
            stdout: stdout.to_string(),
            stderr: String::new(),
        })
    }
    fn forget_one_shot(&self, dir: &Path, _home: &Path) -> CoreResult<()> {
        self.forgotten.lock().unwrap().push(dir.to_owned());
        Ok(())
    }
}

fn setup(max_chats: u32) -> AgentSetup {
    let tool: Tool = serde_json::from_value(serde_json::json!({
        "name": "claude", "kind": "claude", "command": "claude", "args": [],
        "yolo_args": [], "env": {}, "prompt": "argument", "hooks": "claude",
        "builtin": true, "installed": true
    }))
    .unwrap_or_else(|e| panic!("a tool from JSON: {e}"));
    AgentSetup {
        integration_id: 3,
        tool,
        env: vec![("ANTHROPIC_API_KEY".into(), "sk-test".into())],
        claude_key: Some("sk-test".into()),
        home: PathBuf::from("/data/homes/chat-3"),
        root: PathBuf::from("/data/workspaces/chat/3"),
        sandbox: Some(vec![PathBuf::from("/usr/local/bin/aiops")]),
        model: None,
        timeout: Duration::from_secs(60),
        ttl: time::Duration::hours(2),
        max_chats,
    }
}

/// An agent with its setup, in-memory chat state and scripted runner.
struct Rig {
    setup: AgentSetup,
    state: crate::chat::tests::fakes::FakeState,
    runner: Scripted,
}

impl Rig {
    fn new(max_chats: u32) -> Self {
        Self {
            setup: setup(max_chats),
            state: Default::default(),
            runner: Scripted::default(),
        }
    }

    fn agent(&self) -> AgentAnswerer<'_> {
        AgentAnswerer {
            setup: &self.setup,
            state: &self.state,
            runtime: &self.runner,
        }
    }
}

fn ask(a: &AgentAnswerer<'_>, chat: &str, q: &str, at: Timestamp) -> CoreResult<String> {
    let mut shown = Vec::new();
    let out = a.answer(chat, q, at, &mut |t| shown.push(t.to_owned()));
    if let Ok(text) = &out {
        assert_eq!(shown, vec![text.clone()], "the whole answer is shown once");
    }
    out
}

fn argv_tail(run: &OneShot) -> Vec<String> {
    run.argv[1..].to_vec()
}

#[test]
fn each_chat_has_its_own_workspace_and_a_follow_up_resumes_its_conversation() {
    let rig = Rig::new(10);
    let (state, runner, a) = (&rig.state, &rig.runner, rig.agent());
    let t0 = crate::chat::tests::fakes::t0();
    assert_eq!(ask(&a, "-100", "first?", t0).unwrap(), "answer 1");
    assert_eq!(ask(&a, "-200", "other?", t0).unwrap(), "answer 2");
    let later = t0 + time::Duration::minutes(30);
    assert_eq!(ask(&a, "-100", "--and then?", later).unwrap(), "answer 3");
    let runs = runner.runs.lock().unwrap().clone();
    let dirs: Vec<String> = runs.iter().map(|r| r.dir.display().to_string()).collect();
    assert_eq!(
        dirs,
        [
            "/data/workspaces/chat/3/-100/repo",
            "/data/workspaces/chat/3/-200/repo",
            "/data/workspaces/chat/3/-100/repo"
        ]
    );
    assert_eq!(
        argv_tail(&runs[0]),
        ["-p", "--output-format", "json", "--", "first?"]
    );
    assert_eq!(
        argv_tail(&runs[2]),
        [
            "-p",
            "--output-format",
            "json",
            "--resume",
            "conv-1",
            "--",
            "--and then?"
        ],
        "chat -100 resumes its own conversation; the question stays after --"
    );
    let sb = runs[0].sandbox.as_ref().expect("sandboxed");
    assert_eq!(sb.work_dir, runs[0].dir);
    assert_eq!(sb.home, PathBuf::from("/data/homes/chat-3"));
    assert_eq!(runs[0].home_setup.trusted, vec![runs[0].dir.clone()]);
    assert_eq!(
        state.contexts.borrow()["-100"].conversation_id.as_deref(),
        Some("conv-3")
    );
}

#[test]
fn an_idle_context_ends_and_the_next_question_starts_afresh() {
    let rig = Rig::new(10);
    let (setup, state, runner, a) = (&rig.setup, &rig.state, &rig.runner, rig.agent());
    let t0 = crate::chat::tests::fakes::t0();
    ask(&a, "-100", "first?", t0).unwrap();
    runner.forgotten.lock().unwrap().clear();
    let after_ttl = t0 + time::Duration::hours(2);
    ask(&a, "-100", "again?", after_ttl).unwrap();
    let runs = runner.runs.lock().unwrap().clone();
    assert!(
        !runs[1].argv.iter().any(|x| x == "--resume"),
        "a new context: {:?}",
        runs[1].argv
    );
    assert_eq!(
        runner.forgotten.lock().unwrap()[0],
        PathBuf::from("/data/workspaces/chat/3/-100"),
        "the old workspace goes"
    );
    // The purge ends idle contexts without a question.
    ask(&a, "-200", "hello?", after_ttl).unwrap();
    let later = after_ttl + time::Duration::hours(3);
    assert_eq!(purge(setup, state, runner, later).unwrap(), 2);
    assert!(state.contexts.borrow().is_empty());
}

#[test]
fn past_max_chats_a_new_chat_is_told_to_wait_and_nothing_runs() {
    let rig = Rig::new(1);
    let (runner, a) = (&rig.runner, rig.agent());
    let t0 = crate::chat::tests::fakes::t0();
    ask(&a, "-100", "first?", t0).unwrap();
    let refused = ask(&a, "-200", "me too?", t0);
    assert!(
        matches!(&refused, Err(CoreError::Conflict(m)) if m.contains("ask again later")),
        "{refused:?}"
    );
    assert_eq!(runner.runs.lock().unwrap().len(), 1);
    // The busy chat itself goes on.
    ask(&a, "-100", "more?", t0).unwrap();
}
