//! Store tests on real SQLite files: migrations, schema refusal, pragmas, atomic writes.

use aiops_core::CoreError;
use aiops_core::page::PageQuery;
use aiops_core::ports::{
    AuditStore, NewAudit, NewUserRow, SystemStore, TenantRow, TenantStore, UserStore, Viewer,
};
use aiops_db::{Db, DbError, supported_schema_version};
use aiops_types::Role;

mod chat;
mod chat_agent;
mod events;
mod roles;
mod sync;

fn user(email: &str) -> NewUserRow {
    NewUserRow {
        email: email.into(),
        name: "n".into(),
        role: Role::Member,
        password_hash: "$argon2id$x".into(),
    }
}

#[test]
fn fresh_database_is_migrated_wal_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aiops.db");
    let db = Db::open(&path, 2).unwrap();
    assert_eq!(db.schema_version().unwrap(), supported_schema_version());
    assert_eq!(db.integrity_check().unwrap(), "ok");
    drop(db);
    let db = Db::open(&path, 2).expect("reopening an up-to-date database is a no-op");
    assert_eq!(db.schema_version().unwrap(), supported_schema_version());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the database holds hashes: owner only");
    }
}

#[test]
fn newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aiops.db");
    drop(Db::open(&path, 1).unwrap());
    let future = supported_schema_version() + 1;
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", future)
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    match Db::open(&path, 1) {
        Err(DbError::NewerSchema {
            found, supported, ..
        }) => {
            assert_eq!((found, supported), (future, supported_schema_version()));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "a refused database is not modified"
    );
}

#[test]
fn failed_write_leaves_no_row_and_no_audit() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("aiops.db"), 1).unwrap();
    db.insert_user(
        &user("a@example.com"),
        NewAudit::new(None, "t", "user.create"),
    )
    .unwrap();
    let dup = db.insert_user(
        &user("a@example.com"),
        NewAudit::new(None, "t", "user.create"),
    );
    assert!(matches!(dup, Err(CoreError::Conflict(_))), "{dup:?}");
    assert_eq!(db.count_users().unwrap(), 1);
    let audit = db
        .list_audit(&Default::default(), PageQuery::parse(None, None).unwrap())
        .unwrap();
    assert_eq!(
        audit.len(),
        1,
        "the conflicting insert's audit row was rolled back with it"
    );
}

#[test]
fn audit_details_are_redacted_before_storage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aiops.db");
    let db = Db::open(&path, 1).unwrap();
    let secret = aiops_core::secrets::new_api_key().secret;
    let audit = NewAudit::new(None, "t", "test")
        .detail(serde_json::json!({ "note": format!("leaked {secret}") }));
    db.append_audit(audit).unwrap();
    drop(db);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(aiops_db::wal_path(&path)).unwrap_or_default());
    let hay = String::from_utf8_lossy(&bytes);
    assert!(
        !hay.contains(&secret),
        "the secret reached the database file"
    );
}

#[test]
fn member_visibility_is_in_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("aiops.db"), 1).unwrap();
    let uid = db
        .insert_user(&user("m@example.com"), NewAudit::new(None, "t", "x"))
        .unwrap()
        .id;
    let row = |slug: &str| TenantRow {
        slug: slug.into(),
        name: slug.into(),
        color: "#000000".into(),
        description: String::new(),
    };
    let a = db
        .insert_tenant(&row("a"), 0, NewAudit::new(None, "t", "x"))
        .unwrap();
    db.insert_tenant(&row("b"), 0, NewAudit::new(None, "t", "x"))
        .unwrap();
    db.put_tenant_member(a.id, uid, None, NewAudit::new(None, "t", "x"))
        .unwrap();
    let page = PageQuery::parse(None, None).unwrap();
    let seen: Vec<_> = db
        .list_tenants(Viewer::Member(uid), page)
        .unwrap()
        .into_iter()
        .map(|t| t.slug)
        .collect();
    assert_eq!(seen, ["a"]);
    assert_eq!(db.list_tenants(Viewer::All, page).unwrap().len(), 2);
    let b = aiops_core::ports::TenantRef::Slug("b".into());
    assert!(db.tenant(Viewer::Member(uid), &b).unwrap().is_none());
}

#[test]
fn audit_filters_and_cursor_compose() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("aiops.db"), 1).unwrap();
    for (actor, action) in [
        (1, "tenant.create"),
        (2, "tenant.update"),
        (1, "project.create"),
        (1, "tenantx.odd"),
        (1, "tenant.delete"),
    ] {
        db.append_audit(NewAudit::new(Some(actor), "a", action))
            .unwrap();
    }
    let all = PageQuery::parse(None, None).unwrap();
    let list = |f: aiops_core::ports::AuditFilter, p| -> Vec<String> {
        db.list_audit(&f, p)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    };
    let prefix = aiops_core::ports::AuditFilter {
        action: Some("tenant.".into()),
        ..Default::default()
    };
    assert_eq!(
        list(prefix.clone(), all),
        ["tenant.delete", "tenant.update", "tenant.create"],
        "prefix matches only `tenant.*`, newest first"
    );
    let mine = aiops_core::ports::AuditFilter {
        actor_user_id: Some(1),
        ..prefix.clone()
    };
    assert_eq!(list(mine, all), ["tenant.delete", "tenant.create"]);
    let first = PageQuery::parse(Some(1), None).unwrap();
    let page = db.list_audit(&prefix, first).unwrap();
    let next = PageQuery {
        after: Some(page[0].id),
        limit: 5,
    };
    assert_eq!(
        list(prefix, next),
        ["tenant.update", "tenant.create"],
        "the cursor continues below the last id"
    );
    let future = aiops_core::ports::AuditFilter {
        since: Some(time::OffsetDateTime::now_utc() + time::Duration::hours(1)),
        ..Default::default()
    };
    assert!(list(future, all).is_empty());
}

/// Shipped migrations never change: a database migrated by an older binary must end in
/// the same schema as a fresh one. Add a new numbered file instead, and its digest here.
#[test]
fn shipped_migrations_are_unchanged() {
    use sha2::{Digest, Sha256};
    const SHIPPED: &[(&str, &str)] = &[
        (
            "0001_init.sql",
            "2cccf3129fcb0a9eb055f6bac4fc86bcbf32f4699562cf1e895867c1cf064ce6",
        ),
        (
            "0002_issues.sql",
            "536426e981ddf83b24188d306706aa0915e6f94ed3590f36c206ccd0d96f8c67",
        ),
        (
            "0003_integrations.sql",
            "979aab08f6f39506ba5b4682a38e28680f0c9d2a7eb4b94b08d7ae4f873f64cc",
        ),
        (
            "0004_agents.sql",
            "1fa1c0abefd49b659d67340dc106d23e56aff3c1b436360236601b8be3f655f3",
        ),
        (
            "0005_sessions.sql",
            "778a4b819e555ba2d7e54c6cb4b308b98d54f5fa2dce34d6c5192afe17b900b0",
        ),
        (
            "0006_ssh.sql",
            "c17f2f8edeb11f5797a0a6cde4d5b97fc3b113af273898865cb1e7cb16821168",
        ),
        (
            "0008_tenant_roles.sql",
            "471688f614f62d7cf6796f1ba4508b6f319cbf341ec3298a5233eeb411e06ead",
        ),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files.len() as u32,
        supported_schema_version(),
        "every file in migrations/ is embedded in MIGRATIONS, in order"
    );
    for (name, want) in SHIPPED {
        let got: String = Sha256::digest(std::fs::read(dir.join(name)).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            &got, want,
            "{name} was edited after it shipped; add a new migration instead"
        );
    }
}
