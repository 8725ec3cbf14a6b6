//! Chat integrations through the core use cases on a real store: the token sealed at
//! rest, validation, user mapping, and the poller state that makes handling idempotent
//! across restarts (processed keys, previews taken once, cursors).

use aiops_core::Principal;
use aiops_core::chat::state::{ChatState, NewPreview};
use aiops_core::chat::{self, ChatStore};
use aiops_core::page::PageQuery;
use aiops_core::ports::{NewAudit, ProjectRow, ProjectStore, TenantRow, TenantStore, UserStore};
use aiops_core::sealed::SecretKey;
use aiops_db::Db;
use aiops_types::{
    AuthMethod, ChatAnswer, ChatIntegrationListParams, ChatPlatform, CreateChatIntegration,
    MapChatUser, Role, UpdateChatIntegration,
};

const TOKEN: &str = "123456789:AAdbTESTtokenDBtestTOKENdbTEST00";

fn admin(id: i64) -> Principal {
    Principal {
        user_id: id,
        email: "boss@example.com".into(),
        role: Role::Admin,
        scopes: Role::Admin.scopes(),
        method: AuthMethod::Session,
        credential_id: 1,
        ip: None,
        session: None,
    }
}

struct World {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    db: Db,
    key: SecretKey,
    boss: Principal,
    member: i64,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aiops.db");
    let db = Db::open(&path, 1).unwrap();
    let mut ids = Vec::new();
    for (email, role) in [
        ("boss@example.com", Role::Admin),
        ("m@example.com", Role::Member),
    ] {
        let row = aiops_core::ports::NewUserRow {
            email: email.into(),
            name: "n".into(),
            role,
            password_hash: "$argon2id$x".into(),
        };
        ids.push(
            db.insert_user(&row, NewAudit::new(None, "t", "x"))
                .unwrap()
                .id,
        );
    }
    let t = db
        .insert_tenant(
            &TenantRow {
                slug: "acme".into(),
                name: "Acme".into(),
                color: "#000000".into(),
                description: String::new(),
            },
            ids[0],
            NewAudit::new(None, "t", "x"),
        )
        .unwrap();
    db.insert_project(
        &ProjectRow {
            tenant_id: t.id,
            slug: "web".into(),
            name: "Web".into(),
            repo_url: "https://example.com/web.git".into(),
            default_branch: "main".into(),
            description: String::new(),
            workspace: Default::default(),
            merge_method: Default::default(),
        },
        NewAudit::new(None, "t", "x"),
    )
    .unwrap();
    World {
        _dir: dir,
        path,
        db,
        key: SecretKey::generate(),
        boss: admin(ids[0]),
        member: ids[1],
    }
}

fn create(w: &World) -> aiops_types::ChatIntegration {
    let req = CreateChatIntegration {
        tenant: "acme".into(),
        name: "ops".into(),
        platform: ChatPlatform::Telegram,
        token: TOKEN.into(),
        allowed_chats: vec!["-100".into(), "-100".into(), "-200".into()],
        default_project: Some("acme/web".into()),
        answer: Some(ChatAnswer::Ollama),
        ollama_url: Some("http://127.0.0.1:11434/".into()),
        model: Some("llama3.2".into()),
        ..Default::default()
    };
    chat::create(&w.db, &w.key, &w.boss, &req).unwrap()
}

#[test]
fn the_token_is_sealed_at_rest_and_opens_for_the_poller_only() {
    let w = world();
    let i = create(&w);
    assert!(i.has_token);
    assert_eq!(i.allowed_chats, ["-100", "-200"], "deduplicated");
    assert_eq!(i.ollama_url.as_deref(), Some("http://127.0.0.1:11434"));
    assert!(i.group_only, "group-only is the default");
    assert!(i.default_project_id.is_some());
    let raw = std::fs::read(&w.path).unwrap();
    let needle = &TOKEN.as_bytes()[10..];
    assert!(
        !raw.windows(needle.len()).any(|win| win == needle),
        "the token is not in the database file in clear"
    );
    let rec = chat::record(&w.db, &w.boss, i.id).unwrap();
    assert_eq!(chat::open_token(&w.key, &rec).unwrap().as_str(), TOKEN);
    assert!(
        chat::open_token(&SecretKey::generate(), &rec).is_err(),
        "another key cannot open it"
    );
    let json = serde_json::to_string(&i).unwrap();
    assert!(!json.contains("AAdb"), "{json}");
    assert_eq!(w.db.enabled_chat_integrations().unwrap().len(), 1);
}

#[test]
fn bad_settings_are_refused_with_the_field() {
    let w = world();
    let base = CreateChatIntegration {
        tenant: "acme".into(),
        name: "ops".into(),
        platform: ChatPlatform::Telegram,
        token: TOKEN.into(),
        ..Default::default()
    };
    let cases = [
        (
            "ollama_url",
            CreateChatIntegration {
                answer: Some(ChatAnswer::Ollama),
                ..base.clone()
            },
        ),
        (
            "allowed_chats",
            CreateChatIntegration {
                allowed_chats: vec!["-1 OR 1".into()],
                ..base.clone()
            },
        ),
        (
            // Slack polls channels: it needs at least one.
            "allowed_chats",
            CreateChatIntegration {
                platform: ChatPlatform::Slack,
                ..base.clone()
            },
        ),
        (
            "default_project",
            CreateChatIntegration {
                default_project: Some("nope".into()),
                ..base.clone()
            },
        ),
        (
            "answer_timeout_secs",
            CreateChatIntegration {
                answer_timeout_secs: Some(1),
                ..base.clone()
            },
        ),
        (
            "api_url",
            CreateChatIntegration {
                api_url: Some("ftp://x".into()),
                ..base.clone()
            },
        ),
    ];
    for (field, req) in cases {
        match chat::create(&w.db, &w.key, &w.boss, &req) {
            Err(aiops_core::CoreError::Invalid { field: Some(f), .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected Invalid, got {other:?}"),
        }
    }
    create(&w);
    assert!(matches!(
        chat::create(&w.db, &w.key, &w.boss, &base),
        Err(aiops_core::CoreError::Conflict(_))
    ));
}

#[test]
fn users_map_by_email_and_only_admins_of_the_tenant_manage() {
    let w = world();
    let i = create(&w);
    let map = |user: &str| MapChatUser {
        platform_user_id: "4242".into(),
        user: user.into(),
    };
    assert!(chat::map_user(&w.db, &w.boss, i.id, &map("ghost@example.com")).is_err());
    let u = chat::map_user(&w.db, &w.boss, i.id, &map("m@example.com")).unwrap();
    assert_eq!(
        (u.user_id, u.user_email.as_str()),
        (w.member, "m@example.com")
    );
    assert_eq!(w.db.chat_user(i.id, "4242").unwrap(), Some(w.member));
    let again = chat::map_user(&w.db, &w.boss, i.id, &map("boss@example.com")).unwrap();
    assert_eq!(again.user_id, w.boss.user_id, "mapping again replaces");
    assert_eq!(chat::users(&w.db, &w.boss, i.id).unwrap().len(), 1);
    // A member who is not in the tenant does not even see it.
    let member = Principal {
        user_id: w.member,
        email: "m@example.com".into(),
        role: Role::Member,
        scopes: Role::Member.scopes(),
        ..w.boss.clone()
    };
    assert!(matches!(
        chat::get(&w.db, &member, i.id),
        Err(aiops_core::CoreError::NotFound(_))
    ));
    let page = PageQuery::parse(None, None).unwrap();
    let seen = chat::list(&w.db, &member, &ChatIntegrationListParams::default(), page).unwrap();
    assert!(seen.items.is_empty());
    chat::delete(&w.db, &w.boss, i.id).unwrap();
    assert_eq!(
        w.db.chat_user(i.id, "4242").unwrap(),
        None,
        "mappings go with it"
    );
}

#[test]
fn poller_state_is_idempotent_across_a_reopen() {
    let w = world();
    let i = create(&w);
    let now = time::macros::datetime!(2026-12-07 12:00:00.5 UTC);
    assert!(w.db.mark_chat_processed(i.id, "update/1", now).unwrap());
    assert!(!w.db.mark_chat_processed(i.id, "update/1", now).unwrap());
    w.db.set_chat_cursor(i.id, "", "2").unwrap();
    w.db.set_chat_cursor(i.id, "", "5").unwrap();
    let preview = NewPreview {
        integration_id: i.id,
        chat_id: "-100".into(),
        platform_user_id: "4242".into(),
        user_id: w.member,
        project_id: i.default_project_id.unwrap(),
        title: "t".into(),
        description: "d".into(),
        created_at: now,
        expires_at: now + chat::PREVIEW_TTL,
    };
    let p = w.db.insert_chat_preview(&preview).unwrap();
    w.db.set_chat_preview_message(p, "1001").unwrap();
    let old =
        w.db.insert_chat_preview(&NewPreview {
            expires_at: now - time::Duration::minutes(1),
            ..preview.clone()
        })
        .unwrap();
    // As after a restart: a new connection to the same file.
    drop(w.db);
    let db = Db::open(&w.path, 1).unwrap();
    assert!(
        !db.mark_chat_processed(i.id, "update/1", now).unwrap(),
        "still handled"
    );
    assert_eq!(db.chat_cursor(i.id, "").unwrap().as_deref(), Some("5"));
    let got = db.chat_preview(i.id, p).unwrap().unwrap();
    assert_eq!(
        (got.message_id.as_deref(), got.new),
        (Some("1001"), preview)
    );
    assert!(
        db.chat_preview(i.id + 1, p).unwrap().is_none(),
        "per integration"
    );
    db.purge_chat_state(now, now - time::Duration::days(7))
        .unwrap();
    assert!(
        db.chat_preview(i.id, old).unwrap().is_none(),
        "expired previews go"
    );
    assert!(db.take_chat_preview(i.id, p).unwrap());
    assert!(!db.take_chat_preview(i.id, p).unwrap(), "taken once");
    db.purge_chat_state(now, now + time::Duration::seconds(1))
        .unwrap();
    assert!(
        db.mark_chat_processed(i.id, "update/1", now).unwrap(),
        "old keys are forgotten"
    );
}

#[test]
fn a_slack_app_token_is_a_second_sealed_secret_that_switches_to_socket_mode() {
    const APP: &str = "xapp-1-A0APP-dbTESTappTOKEN";
    let w = world();
    let base = CreateChatIntegration {
        tenant: "acme".into(),
        name: "live".into(),
        platform: ChatPlatform::Slack,
        token: "xoxb-1-dbTESTbotTOKEN".into(),
        ..Default::default()
    };
    for (why, req) in [
        (
            "not an app token",
            CreateChatIntegration {
                app_token: Some("xoxb-2-other".into()),
                ..base.clone()
            },
        ),
        (
            "Telegram has none",
            CreateChatIntegration {
                platform: ChatPlatform::Telegram,
                app_token: Some(APP.into()),
                ..base.clone()
            },
        ),
    ] {
        match chat::create(&w.db, &w.key, &w.boss, &req) {
            Err(aiops_core::CoreError::Invalid { field: Some(f), .. }) => {
                assert_eq!(f, "app_token", "{why}");
            }
            other => panic!("{why}: expected Invalid, got {other:?}"),
        }
    }
    // Socket Mode needs no channel list to poll.
    let i = chat::create(
        &w.db,
        &w.key,
        &w.boss,
        &CreateChatIntegration {
            app_token: Some(APP.into()),
            ..base.clone()
        },
    )
    .unwrap();
    assert!(i.socket_mode && i.allowed_chats.is_empty());
    let json = serde_json::to_string(&i).unwrap();
    assert!(!json.contains("dbTEST"), "{json}");
    let raw = std::fs::read(&w.path).unwrap();
    let needle = b"dbTESTappTOKEN";
    assert!(!raw.windows(needle.len()).any(|win| win == needle));
    let rec = chat::record(&w.db, &w.boss, i.id).unwrap();
    let app = chat::open_app_token(&w.key, &rec).unwrap().expect("set");
    assert_eq!(app.as_str(), APP);
    assert_eq!(
        chat::open_token(&w.key, &rec).unwrap().as_str(),
        "xoxb-1-dbTESTbotTOKEN",
        "each secret is bound to its own context"
    );
    // Clearing it without channels to poll is refused; with channels it returns to
    // polling.
    let clear = UpdateChatIntegration {
        app_token: Some("".into()),
        ..Default::default()
    };
    assert!(chat::update(&w.db, &w.key, &w.boss, i.id, &clear).is_err());
    let i = chat::update(
        &w.db,
        &w.key,
        &w.boss,
        i.id,
        &UpdateChatIntegration {
            allowed_chats: Some(vec!["C0123".into()]),
            ..clear
        },
    )
    .unwrap();
    assert!(!i.socket_mode);
    let rec = chat::record(&w.db, &w.boss, i.id).unwrap();
    assert!(chat::open_app_token(&w.key, &rec).unwrap().is_none());
}
