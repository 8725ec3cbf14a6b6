//! User administration ([`super`]) against in-memory accounts: who may, what an admin
//! may not do to themself, and which values are refused.

use aiops_types::{Role, Scope, UpdateUser};

use super::{find_active, list, update};
use crate::fakes::{FakeAccounts, member};
use crate::page::PageQuery;
use crate::{CoreError, Principal};

fn admin() -> Principal {
    Principal {
        email: "admin@example.com".into(),
        role: Role::Admin,
        scopes: Scope::ALL.to_vec(),
        ..member(1)
    }
}

fn change() -> UpdateUser {
    UpdateUser::default()
}

/// The admin disables user `id`.
fn disable(store: &FakeAccounts, id: i64) -> aiops_types::User {
    let req = UpdateUser {
        disabled: Some(true),
        ..change()
    };
    update(store, &admin(), id, &req).unwrap()
}

#[test]
fn an_admin_can_neither_demote_nor_disable_themself() {
    let store = FakeAccounts::two();
    for req in [
        UpdateUser {
            role: Some(Role::Member),
            ..change()
        },
        UpdateUser {
            disabled: Some(true),
            ..change()
        },
    ] {
        let err = update(&store, &admin(), 1, &req).unwrap_err();
        assert!(
            matches!(&err, CoreError::Conflict(m) if m.contains("ask another admin")),
            "{err:?}"
        );
    }
    assert!(store.audit.lock().unwrap().is_empty(), "nothing written");
    // Renaming themself, or demoting someone else, is fine.
    let renamed = update(
        &store,
        &admin(),
        1,
        &UpdateUser {
            name: Some("Root".into()),
            ..change()
        },
    )
    .unwrap();
    assert_eq!((renamed.name.as_str(), renamed.role), ("Root", Role::Admin));
    let other = disable(&store, 2);
    assert!(
        other.disabled && other.role == Role::Member,
        "unnamed fields keep their values"
    );
}

#[test]
fn only_admins_manage_users() {
    let store = FakeAccounts::two();
    let page = PageQuery {
        after: None,
        limit: 10,
    };
    assert!(matches!(
        list(&store, &member(2), page),
        Err(CoreError::Forbidden(_))
    ));
    let req = UpdateUser {
        name: Some("x".into()),
        ..change()
    };
    assert!(matches!(
        update(&store, &member(2), 2, &req),
        Err(CoreError::Forbidden(_))
    ));
    assert_eq!(list(&store, &admin(), page).unwrap().items.len(), 2);
}

#[test]
fn a_tool_home_is_an_absolute_normal_path_or_cleared() {
    let store = FakeAccounts::two();
    let set = |p: &str| {
        update(
            &store,
            &admin(),
            2,
            &UpdateUser {
                tool_home: Some(p.into()),
                ..change()
            },
        )
    };
    for bad in ["relative/home", "/srv/../etc", "/", "/srv/\u{1b}x"] {
        let err = set(bad).unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::Invalid {
                    field: Some("tool_home"),
                    ..
                }
            ),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(
        set("/srv/homes/m/").unwrap().tool_home.as_deref(),
        Some("/srv/homes/m")
    );
    assert_eq!(
        set("  ").unwrap().tool_home,
        None,
        "empty goes back to the default"
    );
}

#[test]
fn a_user_is_found_by_id_or_email_in_any_case_and_only_while_enabled() {
    let store = FakeAccounts::two();
    assert_eq!(find_active(&store, "2").unwrap().email, "m@example.com");
    assert_eq!(find_active(&store, " M@Example.com ").unwrap().id, 2);
    disable(&store, 2);
    let err = find_active(&store, "m@example.com").unwrap_err();
    assert!(matches!(err, CoreError::Invalid { .. }), "{err:?}");
    assert!(
        find_active(&store, "nobody@example.com")
            .unwrap_err()
            .to_string()
            .contains("no user")
    );
}
