//! A non-admin's `repo_url` may not point at loopback, link-local or private addresses
//! (the server would clone from its own network), `repo_url_allow` makes exceptions,
//! and a member's failed clone does not tell an open internal port from a closed one.

use aiops_client::{Client, ClientError};
use aiops_types::{CreateProject, ErrorCode, Role, Scope, StartSession, TenantRole, UpdateProject};

use crate::common::{TestServer, create_tenant};

/// Tenant `a`, a member of it and an admin of it (neither is a server admin).
async fn with_tenant(s: &TestServer) -> (Client, Client) {
    create_tenant(&s.admin(), "a").await;
    let rw = [Scope::Read, Scope::Write];
    let (m, m_key) = s.user_with_key("m@example.com", Role::Member, &rw).await;
    let (l, l_key) = s.user_with_key("l@example.com", Role::Member, &rw).await;
    s.admin().add_tenant_member("a", m).await.unwrap();
    s.admin()
        .put_tenant_member("a", l, Some(TenantRole::Admin))
        .await
        .unwrap();
    (s.client(&m_key), s.client(&l_key))
}

fn project(url: &str) -> CreateProject {
    CreateProject {
        tenant: "a".into(),
        name: format!("p{}", url.len()),
        repo_url: url.into(),
        ..Default::default()
    }
}

fn is_400(r: Result<impl std::fmt::Debug, ClientError>, url: &str) {
    match r {
        Err(ClientError::Api {
            code: ErrorCode::InvalidInput,
            message,
            ..
        }) => assert!(
            message.contains("repo_url"),
            "a clear message for {url}: {message}"
        ),
        other => panic!("{url} must be a 400, got {other:?}"),
    }
}

#[tokio::test]
async fn members_may_not_point_a_project_at_internal_addresses() {
    let s = TestServer::start().await;
    let (member, tenant_admin) = with_tenant(&s).await;
    for url in [
        "https://127.0.0.1:8060/x.git",
        "http://[::1]/x",
        "https://[::1]/x",
        "https://localhost/x.git",
        // Names the system resolver turns into 127.0.0.1 (inet_aton's spellings).
        "https://127.1/x.git",
        "https://2130706433/x.git",
        "https://[::ffff:127.0.0.1]/x",
        "https://169.254.169.254/latest/meta-data",
        "https://10.1.2.3/x.git",
        "ssh://git@192.168.1.10:2222/x.git",
        "https://100.64.0.1/x.git",
        "https://[fd00::1]/x",
    ] {
        is_400(member.create_project(&project(url)).await, url);
    }
    let ok = s
        .admin()
        .create_project(&project("https://example.com/ok.git"))
        .await
        .unwrap();
    for url in ["https://127.0.0.1:9/x.git", "https://localhost/x"] {
        let change = UpdateProject {
            repo_url: Some(url.into()),
            ..Default::default()
        };
        is_400(tenant_admin.update_project(ok.id, &change).await, url);
    }
    assert_eq!(
        s.admin().get_project(ok.id).await.unwrap().repo_url,
        "https://example.com/ok.git",
        "nothing refused was written"
    );
    s.admin()
        .create_project(&project("https://127.0.0.1:9/admin.git"))
        .await
        .expect("admins are not checked");
}

#[tokio::test]
async fn the_admins_allow_list_lets_members_use_internal_hosts() {
    let s = TestServer::start_with(|s| {
        s.repo_url_allow = vec!["git.internal.example".into(), "127.0.0.0/8".into()];
    })
    .await;
    let (member, tenant_admin) = with_tenant(&s).await;
    let p = member
        .create_project(&project("https://git.internal.example/team/x.git"))
        .await
        .expect("an allow-listed host name");
    member
        .create_project(&project("https://127.0.0.1:8443/x.git"))
        .await
        .expect("an address inside an allow-listed range");
    tenant_admin
        .update_project(
            p.id,
            &UpdateProject {
                repo_url: Some("https://localhost.:9/y.git".into()),
                ..Default::default()
            },
        )
        .await
        .expect_err("the range allows addresses, not the name localhost");
    is_400(
        member.create_project(&project("https://[::1]/x")).await,
        "::1 is outside the allowed IPv4 range",
    );
}

#[tokio::test]
async fn a_members_failed_clone_does_not_say_whether_the_port_is_open() {
    let s = TestServer::start_with(|s| s.repo_url_allow = vec!["127.0.0.0/8".into()]).await;
    let (member, _) = with_tenant(&s).await;
    // A port nothing listens on any more: git gets "Connection refused".
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = member
        .create_project(&project(&format!("https://127.0.0.1:{closed}/x.git")))
        .await
        .unwrap();
    let start = StartSession {
        project: p.id.to_string(),
        tool: "shell".into(),
        ..Default::default()
    };
    match member.start_session(&start).await {
        Err(ClientError::Api { code, message, .. }) => {
            assert_eq!(code, ErrorCode::UpstreamError);
            assert_eq!(
                message,
                aiops_core::repo_host::UNREACHABLE_MESSAGE,
                "one message, whatever the network said"
            );
        }
        other => panic!("expected the clone to fail, got {other:?}"),
    }
    match s.admin().start_session(&start).await {
        Err(ClientError::Api { message, .. }) => assert!(
            message.contains(&closed.to_string()),
            "admins keep the details: {message}"
        ),
        other => panic!("expected the clone to fail, got {other:?}"),
    }
}
