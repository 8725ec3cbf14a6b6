use std::path::{Path, PathBuf};

use aiops_core::ports::{HomeSetup, ToolKind};

use super::*;

fn setup() -> HomeSetup {
    HomeSetup {
        trusted: vec![PathBuf::from("/srv/ws/5/acme/web/repo")],
        claude_key: Some("sk-ant-api03-0123456789abcdefghijKLMNOPQRSTUVWXYZ".into()),
        codex_auth: Some(r#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-x"}"#.into()),
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
    let meta = std::fs::metadata(home.join(".codex/auth.json")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o600
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
