//! Migration 0018 (the `agent` answer) on a database written by an older aiops, and the
//! agent's per-chat contexts and the sessions a chat follows, on a real store.

use aiops_core::chat::state::{ChatContext, ChatState, SessionWatch};
use aiops_core::chat::{ChatStore, DEFAULT_CONTEXT_TTL_SECS, DEFAULT_MAX_CHATS};
use aiops_core::ports::Viewer;
use aiops_db::Db;
use aiops_types::{ChatAnswer, SessionState};

/// A database at schema 17 with an Ollama bot and a linked chat user, made from the
/// shipped migration files as the previous binary would have.
fn old_database(path: &std::path::Path) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.as_str() < "0018")
        .collect();
    names.sort();
    let mut c = rusqlite::Connection::open(path).unwrap();
    c.pragma_update(None, "foreign_keys", "ON").unwrap();
    let tx = c.transaction().unwrap();
    for name in &names {
        tx.execute_batch(&std::fs::read_to_string(dir.join(name)).unwrap())
            .unwrap();
    }
    tx.execute_batch(
        "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
           VALUES (7, 'old@example.com', 'Old', 'member', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
         INSERT INTO tenants (id, slug, name, color, description, created_at, updated_at)
           VALUES (3, 'acme', 'Acme', '#2563eb', '', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
         INSERT INTO chat_integrations (id, tenant_id, name, platform, answer, ollama_url, model,
             created_at, updated_at)
           VALUES (5, 3, 'ops', 'telegram', 'ollama', 'http://127.0.0.1:11434', 'llama3.2',
             '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
         INSERT INTO chat_users (integration_id, platform_user_id, user_id, created_at)
           VALUES (5, '42', 7, '2026-01-01T00:00:00Z');",
    )
    .unwrap();
    tx.execute_batch(&format!("PRAGMA user_version = {};", names.len()))
        .unwrap();
    tx.commit().unwrap();
}

#[test]
fn an_older_database_keeps_its_bots_answers_and_links_and_accepts_the_agent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aiops.db");
    old_database(&path);
    let db = Db::open(&path, 1).expect("migrates the older database");
    let rec = db
        .chat_integration(Viewer::All, 5)
        .unwrap()
        .expect("the bot is still there");
    let i = rec.integration;
    assert_eq!(
        i.answer,
        ChatAnswer::Ollama,
        "its answer survives the rebuild"
    );
    assert_eq!(i.model.as_deref(), Some("llama3.2"));
    assert_eq!(i.agent_user_id, None);
    assert_eq!(i.context_ttl_secs, DEFAULT_CONTEXT_TTL_SECS);
    assert_eq!(i.max_chats, DEFAULT_MAX_CHATS);
    assert_eq!(
        db.chat_user(5, "42").unwrap(),
        Some(7),
        "linked chat users are not cascaded away"
    );
    drop(db);
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute(
        "UPDATE chat_integrations SET answer = 'agent' WHERE id = 5",
        [],
    )
    .expect("agent is an answer now");
    let bad = c.execute(
        "UPDATE chat_integrations SET answer = 'gpt' WHERE id = 5",
        [],
    );
    assert!(bad.is_err(), "anything else is still refused");
}

#[test]
fn contexts_and_watches_are_kept_per_integration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aiops.db");
    old_database(&path);
    let db = Db::open(&path, 1).unwrap();
    let t0 = time::macros::datetime!(2026-12-07 12:00 UTC);
    let ctx = |chat: &str, at| ChatContext {
        chat_id: chat.into(),
        conversation_id: Some(format!("conv{chat}")),
        workspace: format!("/w/{chat}/repo"),
        started_at: t0,
        last_used_at: at,
    };
    db.save_chat_context(5, &ctx("-1", t0)).unwrap();
    db.save_chat_context(5, &ctx("-2", t0 + time::Duration::hours(1)))
        .unwrap();
    db.save_chat_context(5, &ctx("-1", t0 + time::Duration::hours(2)))
        .unwrap();
    assert_eq!(
        db.chat_context(5, "-1").unwrap(),
        Some(ctx("-1", t0 + time::Duration::hours(2))),
        "saved again, replaced"
    );
    assert_eq!(
        db.chat_context(6, "-1").unwrap(),
        None,
        "another bot's chat"
    );
    let since = t0 + time::Duration::minutes(90);
    assert_eq!(db.count_chat_contexts(5, since).unwrap(), 1);
    let stale = db.stale_chat_contexts(5, since).unwrap();
    assert_eq!(stale, vec![ctx("-2", t0 + time::Duration::hours(1))]);
    db.delete_chat_context(5, "-2").unwrap();
    assert_eq!(db.count_chat_contexts(5, t0).unwrap(), 1);

    // Watches need a session row: none exists, so the foreign key refuses one.
    let w = SessionWatch {
        session_id: 99,
        chat_id: "-1".into(),
        reply_to: Some("10".into()),
        state: SessionState::Running,
    };
    assert!(
        db.watch_chat_session(5, &w).is_err(),
        "a watch of a session that does not exist is refused"
    );
    assert!(db.chat_session_watches(5).unwrap().is_empty());
}
