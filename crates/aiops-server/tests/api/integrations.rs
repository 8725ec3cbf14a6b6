//! Integrations over the API: tokens sealed at rest and never returned, admin-only
//! changes, tenant scoping of integrations, links, credentials and sync runs, and input
//! validation that writes nothing.

use aiops_types::{
    CreateIntegration, CreateProject, CreateProjectLink, ErrorCode, IntegrationListParams,
    Provider, Role, Scope, SetPersonalCredential, SyncRequest, UpdateIntegration,
};

use crate::common::code;
use crate::common::{TestServer, create_tenant};

const TOKEN: &str = "ghp_apiTestToken0123456789abcdefABCDEF";

fn github(tenant: &str, name: &str) -> CreateIntegration {
    CreateIntegration {
        tenant: tenant.into(),
        provider: Provider::Github,
        name: name.into(),
        // Loopback, closed: a queued sync fails fast and never leaves the machine.
        base_url: Some("http://127.0.0.1:9".into()),
        token: Some(TOKEN.into()),
        email: None,
        jira_close_transitions: None,
        jira_reopen_transitions: None,
        sync_interval_secs: Some(0),
    }
}

#[tokio::test]
async fn tokens_are_sealed_and_never_returned() {
    let s = TestServer::start().await;
    let admin = s.admin();
    create_tenant(&admin, "a").await;
    let created = admin
        .create_integration(&CreateIntegration {
            base_url: None,
            ..github("a", "gh")
        })
        .await
        .unwrap();
    assert!(created.has_token);
    assert_eq!(
        created.base_url, "https://api.github.com",
        "the default API root"
    );
    let listed = admin
        .list_integrations(&IntegrationListParams::default())
        .await
        .unwrap();
    for text in [
        serde_json::to_string(&created).unwrap(),
        serde_json::to_string(&listed).unwrap(),
    ] {
        assert!(
            !text.contains(TOKEN),
            "a response carries the token: {text}"
        );
    }
    let db = std::fs::read(s.data_dir.path().join("aiops.db")).unwrap();
    let wal = std::fs::read(s.data_dir.path().join("aiops.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "the token is stored in clear text"
        );
    }
    let cleared = admin
        .update_integration(
            created.id,
            &UpdateIntegration {
                token: Some("".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!cleared.has_token, "an empty token removes it");
}

#[tokio::test]
async fn members_read_their_tenants_integrations_and_change_nothing() {
    let s = TestServer::start().await;
    let admin = s.admin();
    for t in ["a", "b"] {
        create_tenant(&admin, t).await;
    }
    let ia = admin
        .create_integration(&github("a", "gh-a"))
        .await
        .unwrap();
    let ib = admin
        .create_integration(&github("b", "gh-b"))
        .await
        .unwrap();
    let pb = admin
        .create_project(&CreateProject {
            tenant: "b".into(),
            name: "web".into(),
            repo_url: "https://example.com/r.git".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    admin
        .create_link(
            pb.id,
            &CreateProjectLink {
                integration: ib.id,
                external: "acme/web".into(),
                token: None,
            },
        )
        .await
        .unwrap();
    let b_run = admin
        .request_sync(&SyncRequest {
            integration: Some(ib.id),
            ..Default::default()
        })
        .await
        .unwrap();
    let (uid, key) = s
        .user_with_key("m@example.com", Role::Member, &[Scope::Read, Scope::Write])
        .await;
    admin.add_tenant_member("a", uid).await.unwrap();
    let m = s.client(&key);

    let seen = m
        .list_integrations(&IntegrationListParams::default())
        .await
        .unwrap();
    assert_eq!(
        seen.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [ia.id],
        "only tenant a's"
    );
    assert_eq!(code(m.get_integration(ib.id).await), ErrorCode::NotFound);
    assert_eq!(code(m.test_integration(ib.id).await), ErrorCode::NotFound);
    assert_eq!(code(m.list_links(pb.id).await), ErrorCode::NotFound);
    assert_eq!(
        code(m.get_sync_run(b_run.runs[0].id).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(
            m.request_sync(&SyncRequest {
                integration: Some(ib.id),
                ..Default::default()
            })
            .await
        ),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(
            m.set_credential(
                ib.id,
                &SetPersonalCredential {
                    token: Some("x".into()),
                    login: None,
                    email: None,
                }
            )
            .await
        ),
        ErrorCode::NotFound,
        "no personal token for an invisible integration"
    );
    assert_eq!(
        code(m.create_integration(&github("a", "mine")).await),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(m.delete_integration(ia.id).await),
        ErrorCode::Forbidden
    );

    let mine = m
        .set_credential(
            ia.id,
            &SetPersonalCredential {
                token: Some("ghp_mine123".into()),
                login: Some("mona".into()),
                email: None,
            },
        )
        .await
        .unwrap();
    assert!(mine.has_token && mine.login.as_deref() == Some("mona"));
    let with_email = m
        .set_credential(
            ia.id,
            &SetPersonalCredential {
                token: None,
                login: None,
                email: Some("mona@example.com".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        with_email.email.as_deref(),
        Some("mona@example.com"),
        "an email alone is a change"
    );
    assert!(
        with_email.has_token && with_email.login.as_deref() == Some("mona"),
        "the rest kept"
    );
    assert_eq!(
        code(
            m.set_credential(ia.id, &SetPersonalCredential::default())
                .await
        ),
        ErrorCode::InvalidInput,
        "nothing to set"
    );
    assert_eq!(m.list_credentials().await.unwrap().len(), 1);
    assert!(
        admin.list_credentials().await.unwrap().is_empty(),
        "credentials are per user"
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let s = TestServer::start().await;
    let admin = s.admin();
    create_tenant(&admin, "a").await;
    let bad = [
        CreateIntegration {
            base_url: Some("http://gitlab.lan".into()),
            ..github("a", "x1")
        },
        CreateIntegration {
            base_url: Some("https://u:p@host".into()),
            ..github("a", "x2")
        },
        CreateIntegration {
            token: Some("two words".into()),
            ..github("a", "x3")
        },
        CreateIntegration {
            provider: Provider::Jira,
            base_url: Some("https://acme.atlassian.net".into()),
            ..github("a", "x4")
        },
        CreateIntegration {
            provider: Provider::Native,
            ..github("a", "x5")
        },
        CreateIntegration {
            sync_interval_secs: Some(5),
            ..github("a", "x6")
        },
    ];
    for req in &bad {
        assert_eq!(
            code(admin.create_integration(req).await),
            ErrorCode::InvalidInput,
            "{}",
            req.name
        );
    }
    assert!(
        admin
            .list_integrations(&Default::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    let gh = admin.create_integration(&github("a", "gh")).await.unwrap();
    assert_eq!(
        code(admin.create_integration(&github("a", "gh")).await),
        ErrorCode::Conflict
    );
    let p = admin
        .create_project(&CreateProject {
            tenant: "a".into(),
            name: "web".into(),
            repo_url: "https://example.com/r.git".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let link = |external: &str| CreateProjectLink {
        integration: gh.id,
        external: external.into(),
        token: None,
    };
    assert_eq!(
        code(admin.create_link(p.id, &link("not-a-repo")).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(admin.create_link(p.id, &link("../etc/passwd")).await),
        ErrorCode::InvalidInput
    );
    admin.create_link(p.id, &link("acme/web")).await.unwrap();
    assert_eq!(
        code(admin.create_link(p.id, &link("acme/other")).await),
        ErrorCode::Conflict
    );
    assert_eq!(admin.list_links(p.id).await.unwrap().len(), 1);
}
