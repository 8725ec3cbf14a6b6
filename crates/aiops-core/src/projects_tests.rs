//! Projects ([`super`]) against in-memory tenancy: naming a project (`12`, `web`,
//! `acme/web`), what a session key may reach, and who may change what.

use std::net::IpAddr;

use aiops_types::{HostFallback, TenantRole, UpdateProject};

use super::{delete, find, get, update};
use crate::fakes::{FakeTenancy, member, project_in, tenant};
use crate::principal::SessionGrant;
use crate::repo_host::{AllowList, RepoHosts, Resolve};
use crate::{CoreError, Principal};

/// Every name resolves to a public address.
struct Public;

impl Resolve for Public {
    fn resolve(&self, _: &str, _: u16) -> std::io::Result<Vec<IpAddr>> {
        Ok(vec!["140.82.112.3".parse().unwrap()])
    }
}

/// Tenants acme (1) and beta (2), each with a project `web` (10, 20); acme also `api`
/// (11). User 2 is acme's member, user 3 acme's admin, user 4 a member of project 20
/// only.
fn world() -> FakeTenancy {
    FakeTenancy {
        tenants: vec![tenant(1, "acme"), tenant(2, "beta")],
        projects: vec![
            project_in(10, (1, "acme"), "web"),
            project_in(11, (1, "acme"), "api"),
            project_in(20, (2, "beta"), "web"),
        ]
        .into(),
        tenant_members: vec![(1, 2, TenantRole::Member), (1, 3, TenantRole::Admin)],
        project_members: vec![(20, 4)],
        ..FakeTenancy::default()
    }
}

fn admin() -> Principal {
    Principal {
        role: aiops_types::Role::Admin,
        scopes: aiops_types::Scope::ALL.to_vec(),
        ..member(1)
    }
}

fn with_hosts<T>(f: impl FnOnce(&RepoHosts<'_>) -> T) -> T {
    let allow = AllowList::parse(&[]).unwrap();
    f(&RepoHosts {
        allow: &allow,
        resolver: &Public,
    })
}

#[test]
fn a_project_is_named_by_id_slug_or_tenant_and_slug() {
    let w = world();
    let id = |p: Result<aiops_types::Project, CoreError>| p.map(|p| p.id);
    assert_eq!(id(find(&w, &member(2), "11")).unwrap(), 11);
    assert_eq!(
        id(find(&w, &member(2), " web ")).unwrap(),
        10,
        "acme's, the one user 2 sees"
    );
    assert_eq!(id(find(&w, &admin(), "beta/web")).unwrap(), 20);
    let err = find(&w, &admin(), "web").unwrap_err();
    assert!(
        matches!(&err, CoreError::Invalid { message, .. } if message.contains("acme/web or beta/web")),
        "an admin sees both: {err:?}"
    );
    // What the caller does not see is not there.
    assert!(matches!(
        find(&w, &member(2), "beta/web"),
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        find(&w, &member(2), "20"),
        Err(CoreError::NotFound(_))
    ));
    assert!(matches!(
        find(&w, &member(4), "acme/api"),
        Err(CoreError::NotFound(_))
    ));
    assert_eq!(
        id(find(&w, &member(4), "web")).unwrap(),
        20,
        "a project member sees it"
    );
}

#[test]
fn a_session_key_reaches_its_own_project_only() {
    let w = world();
    let key = Principal {
        session: Some(SessionGrant {
            session_id: 5,
            issue_id: Some(1),
            project_id: 10,
        }),
        ..member(2)
    };
    assert_eq!(get(&w, &key, 10).unwrap().id, 10);
    let err = get(&w, &key, 11).unwrap_err();
    assert!(matches!(err, CoreError::Forbidden(_)), "{err:?}");
}

#[test]
fn what_runs_on_the_server_is_for_tenant_admins_and_a_form_sent_back_unchanged_is_fine() {
    let w = world();
    with_hosts(|hosts| {
        let current = get(&w, &member(2), 10).unwrap();
        let same = UpdateProject {
            repo_url: Some(current.repo_url.clone()),
            setup_files: Some(vec![]),
            description: Some("Our web app".into()),
            ..UpdateProject::default()
        };
        let changed = update(&w, &member(2), 10, &same, hosts).unwrap();
        assert_eq!(changed.description, "Our web app");
        for (req, what) in [
            (
                UpdateProject {
                    repo_url: Some("https://git.example.com/acme/other.git".into()),
                    ..UpdateProject::default()
                },
                "change a project's repository URL",
            ),
            (
                UpdateProject {
                    setup_files: Some(vec![".env".into()]),
                    ..UpdateProject::default()
                },
                "change a project's setup files",
            ),
            (
                UpdateProject {
                    host_fallback: Some(HostFallback::Local),
                    ..UpdateProject::default()
                },
                "choose where a project's sessions run",
            ),
        ] {
            let err = update(&w, &member(2), 10, &req, hosts).unwrap_err();
            assert!(
                matches!(&err, CoreError::Forbidden(m) if m == &format!("only admins of tenant `acme` may {what}")),
                "{what}: {err:?}"
            );
            update(&w, &member(3), 10, &req, hosts)
                .unwrap_or_else(|e| panic!("the tenant's admin may {what}: {e}"));
        }
        let setup = UpdateProject {
            setup_command: Some(vec!["make".into()]),
            ..UpdateProject::default()
        };
        let err = update(&w, &member(3), 10, &setup, hosts).unwrap_err();
        assert!(
            matches!(err, CoreError::Forbidden(_)),
            "the setup command is the server admins': {err:?}"
        );
    });
}

#[test]
fn deleting_a_project_is_for_its_tenants_admins() {
    let w = world();
    let err = delete(&w, &member(2), 11).unwrap_err();
    assert!(
        matches!(&err, CoreError::Forbidden(m) if m.contains("delete a project")),
        "{err:?}"
    );
    delete(&w, &member(3), 11).unwrap();
    assert!(matches!(get(&w, &admin(), 11), Err(CoreError::NotFound(_))));
    assert_eq!(*w.audit.lock().unwrap(), ["project.delete"]);
}
