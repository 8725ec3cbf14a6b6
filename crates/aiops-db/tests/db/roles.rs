//! Migration 0008 (tenant roles) on a database written by an older aiops: existing
//! memberships become `member`, and the new column refuses anything but the two roles.

use aiops_core::ports::{NewAudit, SystemStore, TenantRow, TenantStore};
use aiops_db::Db;
use aiops_types::TenantRole;

/// A database at schema 6 (the last one before roles) with a tenant and a member, made
/// from the shipped migration files as an older binary would have.
fn old_database(path: &std::path::Path) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut c = rusqlite::Connection::open(path).unwrap();
    let tx = c.transaction().unwrap();
    for name in [
        "0001_init.sql",
        "0002_issues.sql",
        "0003_integrations.sql",
        "0004_agents.sql",
        "0005_sessions.sql",
        "0006_ssh.sql",
    ] {
        tx.execute_batch(&std::fs::read_to_string(dir.join(name)).unwrap())
            .unwrap();
    }
    tx.execute_batch(
        "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
           VALUES (7, 'old@example.com', 'Old', 'member', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
         INSERT INTO tenants (id, slug, name, color, description, created_at, updated_at)
           VALUES (3, 'acme', 'Acme', '#2563eb', '', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
         INSERT INTO tenant_members (tenant_id, user_id, added_at)
           VALUES (3, 7, '2026-01-01T00:00:00Z');
         PRAGMA user_version = 6;",
    )
    .unwrap();
    tx.commit().unwrap();
}

#[test]
fn an_older_database_gains_roles_and_its_members_stay_members() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aiops.db");
    old_database(&path);
    let db = Db::open(&path, 1).expect("migrates the older database");
    assert_eq!(
        db.schema_version().unwrap(),
        aiops_db::supported_schema_version()
    );
    assert_eq!(
        db.tenant_role(3, 7).unwrap(),
        Some(TenantRole::Member),
        "an existing membership becomes a plain member"
    );
    assert_eq!(db.tenant_role(3, 1).unwrap(), None, "not a member at all");
    let members = db
        .list_tenant_members(3, aiops_core::page::PageQuery::parse(None, None).unwrap())
        .unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].role, TenantRole::Member);
    drop(db);
    let c = rusqlite::Connection::open(&path).unwrap();
    let refused = c.execute(
        "UPDATE tenant_members SET role = 'owner' WHERE user_id = 7",
        [],
    );
    assert!(refused.is_err(), "only admin or member may be stored");
}

#[test]
fn a_new_tenant_has_its_creator_as_admin_in_the_same_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("aiops.db"), 1).unwrap();
    let row = TenantRow {
        slug: "acme".into(),
        name: "Acme".into(),
        color: "#2563eb".into(),
        description: String::new(),
    };
    let creator = {
        use aiops_core::ports::UserStore;
        db.insert_user(
            &aiops_core::ports::NewUserRow {
                email: "boss@example.com".into(),
                name: "Boss".into(),
                role: aiops_types::Role::Admin,
                password_hash: "$argon2id$x".into(),
            },
            NewAudit::new(None, "t", "user.create"),
        )
        .unwrap()
        .id
    };
    let t = db
        .insert_tenant(
            &row,
            creator,
            NewAudit::new(Some(creator), "t", "tenant.create"),
        )
        .unwrap();
    assert_eq!(
        db.tenant_role(t.id, creator).unwrap(),
        Some(TenantRole::Admin)
    );
}
