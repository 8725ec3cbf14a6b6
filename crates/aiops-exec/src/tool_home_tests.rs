use std::path::{Path, PathBuf};

use aiops_core::ports::{HomeSetup, ToolKind};

use super::*;

fn setup() -> HomeSetup {
    HomeSetup {
        trusted: vec![PathBuf::from("/srv/ws/5/acme/web/repo")],
        claude_key: Some("sk-ant-api03-0123456789abcdefghijKLMNOPQRSTUVWXYZ".into()),
        codex_auth: Some(r#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-x"}"#.into()),
        openai_base_url: Some("http://127.0.0.1:9/v1".into()),
        git_identity: Some(("Mona \"M\" Lisa".into(), "mona@example.com".into())),
    }
}

fn read(home: &Path, rel: &str) -> String {
    std::fs::read_to_string(home.join(rel)).unwrap()
}

#[test]
fn claude_is_onboarded_its_key_approved_and_the_clone_trusted_keeping_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    std::fs::write(
        home.join(".claude.json"),
        r#"{"theme":"dark","customApiKeyResponses":{"approved":["old"],"rejected":["x"]}}"#,
    )
    .unwrap();
    prepare(home, ToolKind::Claude, &setup()).unwrap();
    prepare(home, ToolKind::Claude, &setup()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&read(home, ".claude.json")).unwrap();
    assert_eq!(v["theme"], "dark", "what Claude keeps stays");
    assert_eq!(v["hasCompletedOnboarding"], true);
    assert_eq!(
        v["customApiKeyResponses"]["approved"],
        serde_json::json!(["old", "ghijKLMNOPQRSTUVWXYZ"]),
        "the key's last 20 characters, once"
    );
    assert_eq!(
        v["customApiKeyResponses"]["rejected"],
        serde_json::json!(["x"])
    );
    assert_eq!(
        v["projects"]["/srv/ws/5/acme/web/repo"]["hasTrustDialogAccepted"],
        true
    );
    assert!(
        !read(home, ".claude.json").contains("sk-ant-api03"),
        "never the whole key"
    );
}

#[test]
fn codex_gets_its_login_0600_and_trust_merged_into_its_config() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    std::fs::create_dir(home.join(".codex")).unwrap();
    std::fs::write(home.join(".codex/config.toml"), "model = \"o4\"\n# mine\n").unwrap();
    prepare(home, ToolKind::Codex, &setup()).unwrap();
    prepare(home, ToolKind::Codex, &setup()).unwrap();
    let config = read(home, ".codex/config.toml");
    assert!(
        config.contains("model = \"o4\"") && config.contains("# mine"),
        "{config}"
    );
    let parsed: toml::Table = config.parse().unwrap();
    assert_eq!(
        parsed["projects"]["/srv/ws/5/acme/web/repo"]["trust_level"].as_str(),
        Some("trusted"),
        "{config}"
    );
    assert_eq!(
        parsed["openai_base_url"].as_str(),
        Some("http://127.0.0.1:9/v1")
    );
    assert_eq!(
        parsed["features"]["daemon_auto_start"].as_bool(),
        Some(false),
        "no daemon shared between sessions"
    );
    let meta = std::fs::metadata(home.join(".codex/auth.json")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o600
    );
}

#[test]
fn codex_hooks_are_installed_once_first_and_trusted_keeping_the_users() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    std::fs::create_dir(home.join(".codex")).unwrap();
    let mine = serde_json::json!({"hooks": [{"type": "command", "command": "echo mine"}]});
    std::fs::write(
        home.join(".codex/hooks.json"),
        serde_json::json!({"hooks": {"Stop": [mine], "SessionStart": [mine]}}).to_string(),
    )
    .unwrap();
    prepare(home, ToolKind::Codex, &setup()).unwrap();
    prepare(home, ToolKind::Codex, &setup()).unwrap();
    let hooks: serde_json::Value = serde_json::from_str(&read(home, ".codex/hooks.json")).unwrap();
    let stop = hooks["hooks"]["Stop"].as_array().unwrap();
    assert_eq!(stop.len(), 2, "ours once, then the user's: {hooks}");
    assert_eq!(stop[0]["hooks"][0]["command"], aiops_types::HOOK_COMMAND);
    assert_eq!(stop[1], mine);
    assert_eq!(hooks["hooks"]["SessionStart"], serde_json::json!([mine]));
    let config: toml::Table = read(home, ".codex/config.toml").parse().unwrap();
    let key = format!(
        "{}:permission_request:0:0",
        home.join(".codex/hooks.json").display()
    );
    assert_eq!(
        config["hooks"]["state"][&key]["trusted_hash"].as_str(),
        Some(codex_hook_hash("permission_request", aiops_types::HOOK_COMMAND, 10).as_str()),
        "{config:#?}"
    );
}

#[test]
fn codex_hook_trust_hash_is_the_one_codex_computes() {
    // Written by Codex 0.171's "Trust all and continue" for this hooks.json entry:
    // {"Stop": [{"hooks": [{"type": "command", "command": <below>}]}]} (timeout 600 by
    // default).
    assert_eq!(
        codex_hook_hash(
            "stop",
            "echo Stop >> /tmp/cx/hooks.log; cat >> /tmp/cx/hooks.log; echo >> /tmp/cx/hooks.log",
            600
        ),
        "sha256:e66deb07ca62d6af7ea6b792874d59ca2972cc852ff46329def1ee3d6af547a9"
    );
}

#[test]
fn aider_gets_its_answers_and_identity_once_and_a_planted_symlink_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let outside = tmp.path().join("secret.key");
    std::fs::write(&outside, "keep").unwrap();
    std::os::unix::fs::symlink(&outside, home.join(".gitconfig")).unwrap();
    prepare(&home, ToolKind::Aider, &setup()).unwrap();
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
    assert!(read(&home, ".aider.conf.yml").contains("read: AGENTS.override.md"));
    assert_eq!(
        read(&home, ".gitconfig"),
        "[user]\n\tname = \"Mona \\\"M\\\" Lisa\"\n\temail = \"mona@example.com\"\n"
    );
    std::fs::write(home.join(".aider.conf.yml"), "mine: true\n").unwrap();
    prepare(&home, ToolKind::Aider, &setup()).unwrap();
    assert_eq!(
        read(&home, ".aider.conf.yml"),
        "mine: true\n",
        "a user's file stays"
    );
}

#[test]
fn a_codex_config_with_odd_values_is_mended_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    std::fs::create_dir(home.join(".codex")).unwrap();
    std::fs::write(
        home.join(".codex/config.toml"),
        "hooks = 1\nfeatures = \"x\"\n",
    )
    .unwrap();
    prepare(home, ToolKind::Codex, &setup()).unwrap();
    let config: toml::Table = read(home, ".codex/config.toml").parse().unwrap();
    assert!(config["hooks"]["state"].is_table());
    assert_eq!(
        config["features"]["daemon_auto_start"].as_bool(),
        Some(false)
    );
}
