use super::*;

/// Screens as the real tools drew them (tmux capture-pane of a 120x40 pane).
const CLAUDE_TRUST: &str = "\
────────────────────────────────────────────────────────────
 Accessing workspace:
 /tmp/scr/repo
 Quick safety check: Is this a project you created or one you trust? (Like your own code, a well-known open source
 Claude Code'll be able to read, edit, and execute files here.
 Security guide
 ❯ No, exit
   Yes, I trust this folder
 Enter to confirm · Esc to cancel
";
const CLAUDE_KEY: &str = "\
  Detected a custom API key in your environment
  ANTHROPIC_API_KEY: sk-ant-...ghijKLMNOPQRSTUVWXYZ
  Do you want to use this API key?
    Yes
  ❯ No (recommended)
  Enter to confirm · Esc to cancel
";
const CODEX_TRUST: &str = "\
  Folder access
  /tmp/scr/repo
  Trust this folder? Codex can read, edit, and run files here, subject to your permission settings. Folder settings
› 1. Trust and continue
  2. Back to Agent Command Center
  enter continue · esc back
";
const CODEX_SIGN_IN: &str = "\
  Welcome to Codex, OpenAI's command-line coding agent
  Choose how you want to use Codex.
> 1. Sign in with ChatGPT
  3. Sign in another way
  Press enter to continue
";
const CODEX_ERROR: &str = "\
  >_ OpenAI Codex (v0.171.0)
     /tmp/cx/repo
› say hello
■ stream disconnected before completion: builder error


› Ask Codex to do anything
  GPT-6.2-Sol default · /tmp/cx/repo · say hello
  ← for agents · ? for shortcuts
";
const CODEX_WORKING: &str = "\
  >_ OpenAI Codex (v0.171.0)
› say hello
• FAKE-MODEL-ANSWER-2
  Worked for 6s • 03:29
› Ask Codex to do anything
";
const AIDER_ASKS: &str = "\
Aider v0.86.2
Readonly: AGENTS.override.md
> fix it
src/app.py
Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]:
";
const AIDER_ANSWERED: &str = "\
Aider v0.86.2
> fix it
Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: y
Applied edit to src/app.py
";

#[test]
fn each_known_screen_is_told_with_what_it_asks() {
    let detail = |kind, screen| blocking(kind, screen).map(|b| b.0);
    assert_eq!(
        detail(ToolKind::Claude, CLAUDE_TRUST).as_deref(),
        Some("Claude asks to trust this folder")
    );
    assert_eq!(
        detail(ToolKind::Claude, CLAUDE_KEY).as_deref(),
        Some("Claude asks whether to use the API key in its environment")
    );
    assert_eq!(
        detail(ToolKind::Codex, CODEX_TRUST).as_deref(),
        Some("Codex asks to trust this folder")
    );
    assert_eq!(
        detail(ToolKind::Codex, CODEX_SIGN_IN).as_deref(),
        Some("Codex asks to sign in")
    );
    assert_eq!(
        detail(ToolKind::Codex, CODEX_ERROR).as_deref(),
        Some("Codex stopped: stream disconnected before completion: builder error")
    );
    assert_eq!(
        detail(ToolKind::Aider, AIDER_ASKS).as_deref(),
        Some("Aider asks: Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]:")
    );
}

#[test]
fn ordinary_screens_and_other_kinds_block_nothing() {
    assert_eq!(blocking(ToolKind::Codex, CODEX_WORKING), None);
    assert_eq!(
        blocking(ToolKind::Aider, AIDER_ANSWERED),
        None,
        "an answered question"
    );
    assert_eq!(
        blocking(ToolKind::Claude, CODEX_TRUST),
        None,
        "another tool's dialog"
    );
    assert_eq!(blocking(ToolKind::Generic, AIDER_ASKS), None);
    assert!(!DialogWatch::new(ToolKind::Generic).watches());
}

#[test]
fn the_watch_reports_changes_only() {
    let state = |r: Option<SessionReport>| r.map(|r| (r.state, r.detail));
    let mut w = DialogWatch::new(ToolKind::Codex);
    assert_eq!(state(w.screen(CODEX_WORKING)), None);
    assert_eq!(
        state(w.screen(CODEX_TRUST)),
        Some((
            "waiting".into(),
            Some("Codex asks to trust this folder".into())
        ))
    );
    assert_eq!(state(w.screen(CODEX_TRUST)), None, "reported once");
    assert_eq!(
        state(w.screen(CODEX_WORKING)),
        Some(("running".into(), None)),
        "answered: it goes on"
    );
    assert!(w.screen(CODEX_ERROR).is_some_and(|r| r.state == "waiting"));
    // The error scrolling away is the user's next turn, which Codex's hooks report.
    assert_eq!(state(w.screen(CODEX_WORKING)), None);
}

#[test]
fn aider_is_ready_for_input_at_its_prompt_only() {
    let ready = |s: &str| ready_for_input(ToolKind::Aider, s);
    assert!(ready("Aider v0.86.2\nReadonly: AGENTS.override.md\n>\n\n"));
    assert!(ready("Readonly: AGENTS.override.md\nask>"));
    assert!(!ready(AIDER_ASKS), "a question is not its input prompt");
    assert!(!ready("> fix it\nThinking..."));
    assert!(!ready_for_input(ToolKind::Codex, "> "));
}
