//! Roles inside a tenant: only the server's admins and the tenant's admins change a
//! project's repository URL and setup files or delete it; a plain member gets 403.

use aiops_client::{Client, ClientError};
use aiops_types::{CreateProject, ErrorCode, Project, Role, Scope, TenantRole, UpdateProject};

use crate::common::{ADMIN_EMAIL, TestServer, code, create_tenant};

struct Fixture {
    s: TestServer,
    project: Project,
    member: Client,
    tenant_admin: Client,
}

/// Tenants `a` and `b` with a project each; `member@` is a member of `a`, `lead@` (a
/// plain user of the server) is an admin of `a` and a member of `b`.
async fn fixture() -> Fixture {
    // example.org does not resolve where the tests run; members' URLs must (repo_hosts.rs).
    let s = TestServer::start_with(|s| s.repo_url_allow = vec!["example.org".into()]).await;
    let admin = s.admin();
    for name in ["a", "b"] {
        create_tenant(&admin, name).await;
    }
    let project = admin
        .create_project(&CreateProject {
            tenant: "a".into(),
            name: "web".into(),
            repo_url: "https://example.com/web.git".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let rw = [Scope::Read, Scope::Write];
    let (m, m_key) = s
        .user_with_key("member@example.com", Role::Member, &rw)
        .await;
    let (l, l_key) = s.user_with_key("lead@example.com", Role::Member, &rw).await;
    admin.add_tenant_member("a", m).await.unwrap();
    let lead = admin
        .put_tenant_member("a", l, Some(TenantRole::Admin))
        .await
        .unwrap();
    assert_eq!(lead.role, TenantRole::Admin);
    admin.add_tenant_member("b", l).await.unwrap();
    Fixture {
        member: s.client(&m_key),
        tenant_admin: s.client(&l_key),
        project,
        s,
    }
}

fn forbidden_with<T: std::fmt::Debug>(r: Result<T, ClientError>, what: &str) {
    match r {
        Err(ClientError::Api {
            code: ErrorCode::Forbidden,
            message,
            ..
        }) => assert!(
            message.contains("only admins of tenant `a`") && message.contains(what),
            "a clear message: {message}"
        ),
        other => panic!("expected 403 for {what}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_member_may_not_change_the_repository_setup_files_or_delete() {
    let f = fixture().await;
    let id = f.project.id;
    let repo = UpdateProject {
        repo_url: Some("https://example.org/evil.git".into()),
        ..Default::default()
    };
    forbidden_with(f.member.update_project(id, &repo).await, "repository URL");
    let files = UpdateProject {
        setup_files: Some(vec![".env".into()]),
        ..Default::default()
    };
    forbidden_with(f.member.update_project(id, &files).await, "setup files");
    forbidden_with(f.member.delete_project(id).await, "delete a project");
    let command = UpdateProject {
        setup_command: Some(vec!["true".into()]),
        ..Default::default()
    };
    assert_eq!(
        code(f.member.update_project(id, &command).await),
        ErrorCode::Forbidden
    );

    // Everything else stays open to members, also a form that sends unchanged values back.
    let same = UpdateProject {
        description: Some("edited by a member".into()),
        repo_url: Some(f.project.repo_url.clone()),
        setup_files: Some(Vec::new()),
        ..Default::default()
    };
    let p = f
        .member
        .update_project(id, &same)
        .await
        .expect("plain edit");
    assert_eq!(p.description, "edited by a member");
    let p = f.s.admin().get_project(id).await.unwrap();
    assert_eq!(
        p.repo_url, "https://example.com/web.git",
        "nothing refused was written"
    );
    assert!(p.workspace.setup_files.is_empty());
}

#[tokio::test]
async fn a_tenant_admin_who_is_no_server_admin_may() {
    let f = fixture().await;
    let id = f.project.id;
    let p = f
        .tenant_admin
        .update_project(
            id,
            &UpdateProject {
                repo_url: Some("https://example.org/moved.git".into()),
                setup_files: Some(vec![".env".into()]),
                ..Default::default()
            },
        )
        .await
        .expect("a tenant admin changes the repository and setup files");
    assert_eq!(p.repo_url, "https://example.org/moved.git");
    assert_eq!(p.workspace.setup_files, [".env"]);
    assert_eq!(
        code(
            f.tenant_admin
                .update_project(
                    id,
                    &UpdateProject {
                        setup_command: Some(vec!["true".into()]),
                        ..Default::default()
                    }
                )
                .await
        ),
        ErrorCode::Forbidden,
        "the setup command runs on the server: server admins only"
    );
    f.tenant_admin
        .delete_project(id)
        .await
        .expect("a tenant admin deletes a project");

    // Admin of `a` is not admin of `b`.
    let b =
        f.s.admin()
            .create_project(&CreateProject {
                tenant: "b".into(),
                name: "api".into(),
                repo_url: "https://example.com/api.git".into(),
                ..Default::default()
            })
            .await
            .unwrap();
    assert_eq!(
        code(f.tenant_admin.delete_project(b.id).await),
        ErrorCode::Forbidden
    );
}

#[tokio::test]
async fn roles_are_listed_set_and_kept_by_old_calls() {
    let f = fixture().await;
    let admin = f.s.admin();
    let members = admin
        .tenant_members("a", &Default::default())
        .await
        .unwrap();
    let roles: Vec<(&str, TenantRole)> = members
        .items
        .iter()
        .map(|m| (m.email.as_str(), m.role))
        .collect();
    assert_eq!(
        roles,
        [
            (ADMIN_EMAIL, TenantRole::Admin),
            ("member@example.com", TenantRole::Member),
            ("lead@example.com", TenantRole::Admin),
        ],
        "the creator is the tenant's first admin"
    );
    let lead = members.items[2].user_id;
    let again = admin.add_tenant_member("a", lead).await.unwrap();
    assert_eq!(
        again.role,
        TenantRole::Admin,
        "a PUT without a role keeps it"
    );
    let demoted = admin
        .put_tenant_member("a", lead, Some(TenantRole::Member))
        .await
        .unwrap();
    assert_eq!(demoted.role, TenantRole::Member);
    forbidden_with(f.tenant_admin.delete_project(f.project.id).await, "delete");
    assert_eq!(
        code(
            f.member
                .put_tenant_member("a", lead, Some(TenantRole::Admin))
                .await
        ),
        ErrorCode::Forbidden,
        "members do not hand out roles"
    );
}
