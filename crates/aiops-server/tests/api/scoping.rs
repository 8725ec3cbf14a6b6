//! Tenant scoping: members see only their tenants and projects; others' are 404.

use aiops_client::ClientError;
use aiops_types::{CreateProject, CreateTenant, ErrorCode, ProjectListParams, Role, Scope};

use crate::common::{TestServer, create_tenant};

#[tokio::test]
async fn member_of_a_gets_404_for_b() {
    // example.com does not resolve where the tests run; members' URLs must (repo_hosts.rs).
    let s = TestServer::start_with(|s| s.repo_url_allow = vec!["example.com".into()]).await;
    let admin = s.admin();
    for name in ["a", "b"] {
        create_tenant(&admin, name).await;
    }
    let project = |t: &str| CreateProject {
        tenant: t.into(),
        name: format!("{t}-proj"),
        repo_url: "https://example.com/r.git".into(),
        ..Default::default()
    };
    admin.create_project(&project("a")).await.unwrap();
    let b_proj = admin.create_project(&project("b")).await.unwrap();
    let (uid, key) = s
        .user_with_key("m@example.com", Role::Member, &[Scope::Read, Scope::Write])
        .await;
    admin.add_tenant_member("a", uid).await.unwrap();
    let m = s.client(&key);

    let not_found = |r: Result<_, ClientError>| {
        matches!(
            r,
            Err(ClientError::Api {
                code: ErrorCode::NotFound,
                ..
            })
        )
    };
    assert!(
        not_found(m.get_project(b_proj.id).await.map(|_| ())),
        "B's project is invisible"
    );
    assert!(
        not_found(m.get_tenant("b").await.map(|_| ())),
        "B itself is invisible"
    );
    assert!(
        not_found(m.delete_project(b_proj.id).await),
        "and cannot be deleted"
    );
    assert!(not_found(
        m.tenant_members("b", &Default::default()).await.map(|_| ())
    ));

    let tenants = m.list_tenants(&Default::default()).await.unwrap();
    assert_eq!(
        tenants
            .items
            .iter()
            .map(|t| t.slug.as_str())
            .collect::<Vec<_>>(),
        ["a"]
    );
    let projects = m
        .list_projects(&ProjectListParams::default())
        .await
        .unwrap();
    assert_eq!(
        projects
            .items
            .iter()
            .map(|p| p.slug.as_str())
            .collect::<Vec<_>>(),
        ["a-proj"]
    );
    let r = m.create_project(&project("b")).await;
    assert!(
        matches!(
            r,
            Err(ClientError::Api {
                code: ErrorCode::InvalidInput,
                ..
            })
        ),
        "cannot create in B: {r:?}"
    );
    let local = CreateProject {
        repo_url: "/srv/git/x.git".into(),
        ..project("a")
    };
    let r = m.create_project(&local).await;
    assert!(
        matches!(
            r,
            Err(ClientError::Api {
                code: ErrorCode::Forbidden,
                ..
            })
        ),
        "local paths are admin-only: {r:?}"
    );
    m.create_project(&CreateProject {
        name: "mine".into(),
        ..project("a")
    })
    .await
    .expect("member writes in A");
}

#[tokio::test]
async fn lists_page_by_cursor_without_gaps_or_repeats() {
    let s = TestServer::start().await;
    let admin = s.admin();
    for i in 0..7 {
        admin
            .create_tenant(&CreateTenant {
                name: format!("t{i}"),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = admin
            .list_tenants(&aiops_types::PageParams {
                limit: Some(3),
                cursor: cursor.clone(),
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.into_iter().map(|t| t.slug));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, (0..7).map(|i| format!("t{i}")).collect::<Vec<_>>());
    let bad = admin
        .list_tenants(&aiops_types::PageParams {
            limit: Some(3),
            cursor: Some("garbage".into()),
        })
        .await;
    assert!(matches!(
        bad,
        Err(ClientError::Api {
            code: ErrorCode::InvalidInput,
            ..
        })
    ));
}

#[tokio::test]
async fn conflicts_and_validation_write_nothing() {
    let s = TestServer::start().await;
    let admin = s.admin();
    create_tenant(&admin, "acme").await;
    let dup = admin
        .create_tenant(&CreateTenant {
            name: "Acme".into(),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(
            dup,
            Err(ClientError::Api {
                code: ErrorCode::Conflict,
                ..
            })
        ),
        "{dup:?}"
    );
    let empty = admin
        .create_tenant(&CreateTenant {
            name: "  ".into(),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(
            empty,
            Err(ClientError::Api {
                code: ErrorCode::InvalidInput,
                ..
            })
        ),
        "{empty:?}"
    );
    assert_eq!(
        admin
            .list_tenants(&Default::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let audit = admin
        .list_audit(&aiops_types::AuditListParams {
            action: Some("tenant.".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        audit.items.len(),
        1,
        "only the successful create was audited"
    );
}
