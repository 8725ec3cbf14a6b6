use std::path::Path;

use super::*;

fn tool(name: &str, kind: &str, command: &str) -> Tool {
    Tool {
        name: name.to_owned(),
        command: command.to_owned(),
        args: Vec::new(),
        yolo_args: Vec::new(),
        env: Default::default(),
        prompt: "none".to_owned(),
        kind: kind.to_owned(),
        hooks: "none".to_owned(),
        builtin: false,
        installed: false,
    }
}

#[test]
fn recipes_cover_the_three_agents_and_not_generic_tools() {
    let npm = |p, b| {
        Some(Recipe {
            manager: Manager::Npm,
            package: p,
            program: b,
        })
    };
    assert_eq!(
        recipe(ToolKind::Claude),
        npm("@anthropic-ai/claude-code", "claude")
    );
    assert_eq!(recipe(ToolKind::Codex), npm("@openai/codex", "codex"));
    assert_eq!(
        recipe(ToolKind::Aider).map(|r| (r.manager, r.package, r.program)),
        Some((Manager::Pip, "aider-chat", "aider"))
    );
    assert_eq!(recipe(ToolKind::Generic), None, "a shell has no recipe");
}

#[test]
fn npm_plans_install_into_the_shared_prefix_and_link_into_bin() {
    let layout = Layout::new(Path::new("/data"));
    let p = plan(&layout, &tool("codex", "codex", "codex"), Some("0.171.0")).unwrap();
    assert_eq!(p.prefix, Path::new("/data/tools/npm"));
    assert_eq!(
        p.program,
        Path::new("/data/tools/npm/node_modules/.bin/codex")
    );
    assert_eq!(p.link, Path::new("/data/tools/bin/codex"));
    assert_eq!(p.spec(), "@openai/codex@0.171.0");
    assert_eq!(
        p.link_target(),
        Path::new("../npm/node_modules/.bin/codex"),
        "relative, so the data dir may move"
    );
    let latest = plan(&layout, &tool("claude", "claude", "claude"), None).unwrap();
    assert_eq!(latest.spec(), "@anthropic-ai/claude-code@latest");
    let tag = plan(&layout, &tool("claude", "claude", "claude"), Some("latest")).unwrap();
    assert_eq!(tag.version, None, "`latest` is the default, not a pin");
}

#[test]
fn pip_plans_a_venv_per_program() {
    let layout = Layout::new(Path::new("/data"));
    let p = plan(&layout, &tool("my-aider", "aider", "aider"), Some("0.86.2")).unwrap();
    assert_eq!(p.prefix, Path::new("/data/tools/venv/aider"));
    assert_eq!(p.program, Path::new("/data/tools/venv/aider/bin/aider"));
    assert_eq!(p.link, Path::new("/data/tools/bin/aider"));
    assert_eq!(p.spec(), "aider-chat==0.86.2");
    assert_eq!(
        plan(&layout, &tool("a", "aider", "aider"), None)
            .unwrap()
            .spec(),
        "aider-chat"
    );
}

#[test]
fn the_cache_and_home_of_package_managers_stay_outside_what_sessions_see() {
    let layout = Layout::new(Path::new("/data"));
    for p in [layout.home(), layout.npm_cache(), layout.pip_cache()] {
        assert!(
            !p.starts_with(&layout.root),
            "{} is outside {}",
            p.display(),
            layout.root.display()
        );
    }
}

#[test]
fn generic_tools_and_bad_versions_are_refused() {
    let layout = Layout::new(Path::new("/data"));
    let e = plan(&layout, &tool("shell", "generic", "bash"), None).unwrap_err();
    assert!(e.to_string().contains("does not install"), "{e}");
    for bad in [
        "^1.0",
        "1.0 || 2",
        "--registry=x",
        "file:../x",
        "x1",
        "1.0/..",
        "",
        "1;rm",
    ] {
        if bad.trim().is_empty() {
            continue;
        }
        assert!(
            plan(&layout, &tool("codex", "codex", "codex"), Some(bad)).is_err(),
            "`{bad}` must not reach npm"
        );
    }
    for good in ["0.171.0", "2.1.3-beta.1", "1.0.0+build.5"] {
        assert_eq!(version(good).unwrap(), good);
    }
    assert!(version(&"1".repeat(65)).is_err(), "at most 64 characters");
}

#[test]
fn the_program_checked_is_the_command_when_it_is_the_recipes() {
    let r = recipe(ToolKind::Codex).unwrap();
    assert_eq!(program_of(&tool("codex", "codex", "codex"), &r), "codex");
    assert_eq!(
        program_of(&tool("c", "codex", "/opt/x/bin/codex"), &r),
        "/opt/x/bin/codex"
    );
    assert_eq!(
        program_of(&tool("c", "codex", "env"), &r),
        "codex",
        "a wrapper runs codex"
    );
}

#[test]
fn versions_are_read_from_tool_output_and_registries() {
    assert_eq!(
        first_line("\n  codex-cli 0.171.0\nmore\n").as_deref(),
        Some("codex-cli 0.171.0")
    );
    assert_eq!(version_number("codex-cli 0.171.0"), Some("0.171.0"));
    assert_eq!(version_number("2.1.332 (Claude Code)"), Some("2.1.332"));
    assert_eq!(version_number("aider v0.86.2"), Some("0.86.2"));
    assert_eq!(version_number("no version here"), None);
    assert_eq!(parse_npm_view("0.172.0\n").as_deref(), Some("0.172.0"));
    assert_eq!(parse_npm_view("npm error 404\n"), None);
    let pip = "WARNING: pip index is experimental\naider-chat (0.86.2)\nAvailable versions: 0.86.2, 0.86.1\n";
    assert_eq!(
        parse_pip_index(pip, "aider-chat").as_deref(),
        Some("0.86.2")
    );
    assert_eq!(
        parse_pip_index("ERROR: No matching distribution", "aider-chat"),
        None
    );
}

#[test]
fn newer_compares_numbers_not_text() {
    assert!(newer("0.172.0", "0.171.0"));
    assert!(newer("0.10.0", "0.9.9"), "10 > 9 as numbers");
    assert!(newer("1.0.0", "0.99"));
    assert!(!newer("0.171.0", "0.171.0"));
    assert!(!newer("0.170.0", "0.171.0"));
    assert!(newer("1.0.1", "1.0"));
}

#[test]
fn sessions_find_managed_tools_first() {
    let bin = Path::new("/data/tools/bin");
    assert_eq!(
        session_path(bin, Some("/usr/bin:/bin")),
        "/data/tools/bin:/usr/bin:/bin"
    );
    assert_eq!(
        session_path(bin, None),
        "/data/tools/bin:/usr/local/bin:/usr/bin:/bin"
    );
}

/// An installer that knows fixed answers.
struct Fake {
    found: Option<(std::path::PathBuf, bool)>,
    latest: Result<String, String>,
}

impl Installer for Fake {
    fn find(&self, _: &str) -> Option<(std::path::PathBuf, bool)> {
        self.found.clone()
    }
    fn version(&self, _: &Path) -> Result<String, String> {
        Ok("codex-cli 0.171.0".into())
    }
    fn latest(&self, _: Manager, _: &str) -> Result<String, String> {
        self.latest.clone()
    }
    fn install(&self, _: &InstallPlan, _: &dyn JobContext) -> Result<(), String> {
        Ok(())
    }
}

#[test]
fn status_says_where_a_tool_is_and_whether_an_upgrade_exists() {
    let tools = [
        tool("codex", "codex", "codex"),
        tool("shell", "generic", "bash"),
    ];
    let managed = Fake {
        found: Some(("/data/tools/bin/codex".into(), true)),
        latest: Ok("0.172.0".into()),
    };
    let st = status(&managed, &tools);
    assert_eq!(st.len(), 1, "only tools with a recipe: {st:?}");
    let s = &st[0];
    assert!(
        s.installed && s.source == "managed" && s.upgrade_available,
        "{s:?}"
    );
    assert_eq!(s.version.as_deref(), Some("codex-cli 0.171.0"));
    assert_eq!(s.latest.as_deref(), Some("0.172.0"));

    let offline = Fake {
        found: None,
        latest: Err("the registry did not answer within 8 s".into()),
    };
    let s = &status(&offline, &tools)[0];
    assert!(
        !s.installed && s.source == "missing" && !s.upgrade_available,
        "{s:?}"
    );
    assert_eq!(s.latest, None);
    assert!(
        s.note.as_deref().unwrap_or("").contains("did not answer"),
        "{s:?}"
    );
}
