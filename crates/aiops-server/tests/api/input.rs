//! Names the API passes on to git are checked at the boundary: a full ref name where a
//! branch name is asked for is a 400 with a clear message.

use aiops_client::ClientError;
use aiops_types::{CreateProject, ErrorCode};

use crate::common::{TestServer, create_tenant};

#[tokio::test]
async fn a_full_ref_name_is_not_a_default_branch() {
    let s = TestServer::start().await;
    let admin = s.admin();
    create_tenant(&admin, "acme").await;
    let r = admin
        .create_project(&CreateProject {
            tenant: "acme".into(),
            name: "web".into(),
            repo_url: "https://example.com/r.git".into(),
            default_branch: Some("refs/heads/main".into()),
            ..Default::default()
        })
        .await;
    match r {
        Err(ClientError::Api {
            code: ErrorCode::InvalidInput,
            message,
            ..
        }) => assert!(message.contains("refs/"), "says why: {message}"),
        other => panic!("expected 400 invalid_input, got {other:?}"),
    }
}

/// A custom tool declares which agent it is; the deprecated `hooks` follows the kind, and a
/// `hooks` that contradicts it is refused rather than half-applied.
#[tokio::test]
async fn a_tool_declares_its_kind_and_hooks_may_not_contradict_it() {
    use aiops_types::PutTool;
    let s = TestServer::start().await;
    let admin = s.admin();
    let put = |kind: Option<&str>, hooks: Option<&str>| PutTool {
        command: "/usr/bin/env".into(),
        args: vec!["my-aider".into()],
        kind: kind.map(str::to_owned),
        hooks: hooks.map(str::to_owned),
        ..Default::default()
    };
    let t = admin
        .put_tool("wrapped", &put(Some("aider"), None))
        .await
        .unwrap();
    assert_eq!((t.kind.as_str(), t.hooks.as_str()), ("aider", "none"));
    let t = admin
        .put_tool("old-style", &put(None, Some("codex")))
        .await
        .unwrap();
    assert_eq!((t.kind.as_str(), t.hooks.as_str()), ("codex", "codex"));
    let t = admin.put_tool("plain", &put(None, None)).await.unwrap();
    assert_eq!(t.kind, "generic");
    for (kind, hooks) in [(Some("claude"), Some("codex")), (Some("robot"), None)] {
        match admin.put_tool("bad", &put(kind, hooks)).await {
            Err(ClientError::Api {
                code: ErrorCode::InvalidInput,
                message,
                ..
            }) => assert!(message.contains("kind"), "says why: {message}"),
            other => panic!("expected 400 for kind {kind:?} hooks {hooks:?}, got {other:?}"),
        }
    }
    let tools = admin.tools().await.unwrap();
    assert!(
        tools.iter().all(|t| t.name != "bad"),
        "nothing half-written"
    );
    let builtin = |n: &str| tools.iter().find(|t| t.name == n).unwrap().kind.clone();
    assert_eq!(
        [
            builtin("claude"),
            builtin("codex"),
            builtin("aider"),
            builtin("shell")
        ],
        ["claude", "codex", "aider", "generic"],
        "the built-ins got their kinds from the migration"
    );
}
