//! Tool credentials ([`super`]) against an in-memory store: what is refused before it is
//! sealed, what each kind of tool gets, and that a sealed value opens only for its user.

use aiops_types::ToolCredentialKind::{
    AnthropicApiKey, ClaudeOauthToken, CodexAuthJson, OpenaiApiKey,
};

use super::{for_session, list, set};
use crate::CoreError;
use crate::fakes::{FakeTools, member, tool};
use crate::sealed::SecretKey;

fn stored() -> (FakeTools, SecretKey) {
    let store = FakeTools::default();
    let key = SecretKey::generate();
    let alice = member(1);
    set(&store, &key, &alice, AnthropicApiKey, " sk-ant-one \n").unwrap();
    set(&store, &key, &alice, ClaudeOauthToken, "oauth-two").unwrap();
    set(&store, &key, &alice, OpenaiApiKey, "sk-three").unwrap();
    set(
        &store,
        &key,
        &alice,
        CodexAuthJson,
        r#"{"OPENAI_API_KEY":"sk-four"}"#,
    )
    .unwrap();
    (store, key)
}

/// Names and values of what a session of a tool of `kind` gets, sorted; and its auth.json.
fn given(
    store: &FakeTools,
    key: &SecretKey,
    owner: i64,
    kind: &str,
) -> (Vec<String>, Option<String>) {
    let s = for_session(store, key, owner, &tool("t", kind)).unwrap();
    let mut env: Vec<String> = s.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    env.sort();
    (env, s.codex_auth)
}

#[test]
fn each_agent_gets_the_keys_it_reads_and_no_other() {
    let (store, key) = stored();
    let (env, auth) = given(&store, &key, 1, "claude");
    assert_eq!(
        env,
        [
            "ANTHROPIC_API_KEY=sk-ant-one",
            "CLAUDE_CODE_OAUTH_TOKEN=oauth-two"
        ]
    );
    assert_eq!(auth, None);
    let (env, auth) = given(&store, &key, 1, "codex");
    assert_eq!(env, ["OPENAI_API_KEY=sk-three"]);
    assert_eq!(auth.as_deref(), Some(r#"{"OPENAI_API_KEY":"sk-four"}"#));
    let (env, auth) = given(&store, &key, 1, "aider");
    assert_eq!(
        env,
        ["ANTHROPIC_API_KEY=sk-ant-one", "OPENAI_API_KEY=sk-three"]
    );
    assert_eq!(auth, None);
    assert_eq!(
        given(&store, &key, 1, "generic"),
        (vec![], None),
        "a custom tool gets none"
    );
    assert_eq!(
        given(&store, &key, 2, "claude"),
        (vec![], None),
        "another user has none"
    );
}

#[test]
fn a_bad_value_is_refused_and_nothing_is_stored() {
    let store = FakeTools::default();
    let key = SecretKey::generate();
    let alice = member(1);
    let too_big = "k".repeat(super::MAX_BYTES + 1);
    for (kind, value) in [
        (AnthropicApiKey, "   "),
        (AnthropicApiKey, too_big.as_str()),
        (OpenaiApiKey, "sk one"),
        (ClaudeOauthToken, "tok\u{7}en"),
        (CodexAuthJson, "not json"),
        (CodexAuthJson, "[1, 2]"),
    ] {
        let err = set(&store, &key, &alice, kind, value).unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::Invalid {
                    field: Some("value"),
                    ..
                }
            ),
            "{value:?}: {err:?}"
        );
    }
    assert!(list(&store, &alice).unwrap().is_empty());
}

#[test]
fn a_value_sealed_for_one_user_does_not_open_as_another() {
    let (store, key) = stored();
    // A row moved to user 2 (a bug, or a tampered database): its seal names user 1.
    let moved: Vec<_> = store
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, k, s)| (2, *k, s.clone()))
        .collect();
    store.0.lock().unwrap().extend(moved);
    let err = for_session(&store, &key, 2, &tool("t", "claude"))
        .map(|_| ())
        .unwrap_err();
    assert!(!format!("{err:?}").contains("sk-ant-one"), "{err:?}");
}

#[test]
fn setting_again_replaces_and_listing_shows_kinds_only() {
    let (store, key) = stored();
    set(&store, &key, &member(1), OpenaiApiKey, "sk-new").unwrap();
    let (env, _) = given(&store, &key, 1, "codex");
    assert_eq!(env, ["OPENAI_API_KEY=sk-new"]);
    let kinds: Vec<_> = list(&store, &member(1))
        .unwrap()
        .into_iter()
        .map(|c| c.kind)
        .collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
}
