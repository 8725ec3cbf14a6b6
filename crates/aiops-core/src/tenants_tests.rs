//! Tenants ([`super`]) against in-memory tenancy: who administers a tenant, and that
//! every refusal comes before anything is written (the fake panics on a write no test
//! expects).

use aiops_types::{CreateTenant, Role, Scope, TenantRole};

use super::{add_member, administered, create, delete, require_admin_of};
use crate::fakes::{FakeTenancy, member, tenant};
use crate::{CoreError, Principal};

/// Tenants acme (1) and beta (2); user 2 is acme's member, user 3 acme's admin.
fn world() -> FakeTenancy {
    FakeTenancy {
        tenants: vec![tenant(1, "acme"), tenant(2, "beta")],
        tenant_members: vec![(1, 2, TenantRole::Member), (1, 3, TenantRole::Admin)],
        ..FakeTenancy::default()
    }
}

/// The server admin (user 1) holding a credential with `scopes`.
fn admin_with(scopes: &[Scope]) -> Principal {
    Principal {
        role: Role::Admin,
        scopes: scopes.to_vec(),
        ..member(1)
    }
}

#[test]
fn a_tenant_is_administered_by_its_admins_and_the_servers() {
    let w = world();
    let what = "manage its chat bots";
    assert_eq!(administered(&w, &member(3), "acme", what).unwrap().id, 1);
    assert_eq!(
        administered(&w, &admin_with(&Scope::ALL), "2", what)
            .unwrap()
            .slug,
        "beta"
    );
    let err = administered(&w, &member(2), "acme", what).unwrap_err();
    assert!(
        matches!(&err, CoreError::Forbidden(m) if m == "only admins of tenant `acme` may manage its chat bots"),
        "{err:?}"
    );
    // A tenant the caller does not see reads as absent, on the field that named it.
    for name in ["beta", "nope"] {
        let err = administered(&w, &member(3), name, what).unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::Invalid {
                    field: Some("tenant"),
                    ..
                }
            ),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn an_admins_key_without_the_admin_scope_is_not_a_server_admin() {
    let w = world();
    let read_key = admin_with(&[Scope::Read, Scope::Write]);
    let err = require_admin_of(&w, &read_key, 1, "acme", "delete a project").unwrap_err();
    assert!(matches!(err, CoreError::Forbidden(_)), "{err:?}");
    let err = create(
        &w,
        &read_key,
        &CreateTenant {
            name: "gamma".into(),
            ..CreateTenant::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, CoreError::Forbidden(_)), "{err:?}");
}

#[test]
fn only_server_admins_manage_tenants_even_a_tenants_own_admin() {
    let w = world();
    let tenant_admin = member(3);
    let err = delete(&w, &tenant_admin, "acme").unwrap_err();
    assert!(matches!(err, CoreError::Forbidden(_)), "{err:?}");
    let err = add_member(&w, &tenant_admin, "acme", 4, Some(TenantRole::Admin)).unwrap_err();
    assert!(matches!(err, CoreError::Forbidden(_)), "{err:?}");
}

#[test]
fn a_new_tenants_name_slug_and_color_are_checked_before_it_is_written() {
    let w = world();
    let admin = admin_with(&Scope::ALL);
    for (req, field) in [
        (
            CreateTenant {
                name: " ".into(),
                ..CreateTenant::default()
            },
            "name",
        ),
        (
            CreateTenant {
                name: "Gamma".into(),
                slug: Some("Not A Slug".into()),
                ..CreateTenant::default()
            },
            "slug",
        ),
        (
            CreateTenant {
                name: "Gamma".into(),
                color: Some("red".into()),
                ..CreateTenant::default()
            },
            "color",
        ),
    ] {
        let err = create(&w, &admin, &req).unwrap_err();
        assert!(
            matches!(err, CoreError::Invalid { field: Some(f), .. } if f == field),
            "{field}: {err:?}"
        );
    }
}
