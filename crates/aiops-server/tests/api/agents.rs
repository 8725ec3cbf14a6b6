//! Global agent instructions: versions only grow, edits based on a stale version are
//! refused, diffs and rollbacks work, members read but cannot change.

use aiops_types::{AgentDiffParams, ErrorCode, Role, Scope, SetAgentInstructions};

use crate::common::TestServer;
use crate::common::code;

fn set(body: &str, base: Option<i64>) -> SetAgentInstructions {
    SetAgentInstructions {
        body: body.into(),
        base_version: base,
        note: Some("test".into()),
    }
}

#[tokio::test]
async fn versions_grow_and_roll_back() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let empty = admin.agent_instructions().await.unwrap();
    assert_eq!((empty.version, empty.body.as_str()), (0, ""));

    let v1 = admin
        .set_agent_instructions(&set("Be careful.\nRun tests.\n", Some(0)))
        .await
        .unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(v1.author, "admin@example.com");
    let v2 = admin
        .set_agent_instructions(&set("Be careful.\nRun all tests.\n", Some(1)))
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(
        code(
            admin
                .set_agent_instructions(&set("lost update", Some(1)))
                .await
        ),
        ErrorCode::Conflict,
        "an edit of version 1 after version 2 exists"
    );

    let d = admin
        .agent_instructions_diff(&AgentDiffParams { from: 1, to: None })
        .await
        .unwrap();
    assert_eq!((d.from, d.to), (1, 2));
    assert!(
        d.diff.contains("-Run tests.") && d.diff.contains("+Run all tests."),
        "{}",
        d.diff
    );

    let back = admin.rollback_agent_instructions(1).await.unwrap();
    assert_eq!(
        (back.version, back.body.as_str()),
        (3, "Be careful.\nRun tests.\n")
    );
    assert_eq!(back.note, "rollback to version 1");
    let history = admin
        .agent_instructions_history(&Default::default())
        .await
        .unwrap();
    assert_eq!(
        history.items.iter().map(|v| v.version).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    assert_eq!(
        code(admin.rollback_agent_instructions(9).await),
        ErrorCode::NotFound
    );
    let same = admin
        .agent_instructions_diff(&AgentDiffParams {
            from: 1,
            to: Some(3),
        })
        .await
        .unwrap();
    assert!(same.diff.is_empty());
}

#[tokio::test]
async fn members_read_but_cannot_change() {
    let s = TestServer::start().await;
    s.admin()
        .set_agent_instructions(&set("Rules.", None))
        .await
        .unwrap();
    let (_, key) = s
        .user_with_key("m@example.com", Role::Member, &[Scope::Read, Scope::Write])
        .await;
    let m = s.client(&key);
    assert_eq!(m.agent_instructions().await.unwrap().body, "Rules.");
    assert_eq!(
        code(m.set_agent_instructions(&set("mine", None)).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(m.rollback_agent_instructions(1).await),
        ErrorCode::Forbidden
    );
    let too_big = "x".repeat(aiops_core::agents::MAX_BODY_BYTES + 1);
    assert_eq!(
        code(s.admin().set_agent_instructions(&set(&too_big, None)).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        s.admin().agent_instructions().await.unwrap().version,
        1,
        "nothing written"
    );
}
