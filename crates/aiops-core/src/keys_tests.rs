//! Minting and revoking API keys ([`super`]) against in-memory accounts: the scope
//! caps (by role, and by the credential that mints), what is validated, what is stored.

use aiops_types::{CreateApiKey, Role, Scope};

use super::{create, list, revoke};
use crate::fakes::{FakeAccounts, member};
use crate::page::PageQuery;
use crate::{CoreError, Principal};

fn now() -> aiops_types::Timestamp {
    time::macros::datetime!(2026-12-07 12:00 UTC)
}

fn ask(scopes: &[Scope], days: Option<u32>) -> CreateApiKey {
    CreateApiKey {
        name: "ci".into(),
        scopes: scopes.to_vec(),
        expires_in_days: days,
    }
}

/// The admin (user 1) holding a credential with `scopes`.
fn admin_with(scopes: &[Scope]) -> Principal {
    Principal {
        user_id: 1,
        email: "admin@example.com".into(),
        role: Role::Admin,
        scopes: scopes.to_vec(),
        ..member(1)
    }
}

const PAGE: PageQuery = PageQuery {
    after: None,
    limit: 50,
};

#[test]
fn a_key_never_holds_more_than_its_role_or_the_minting_credential() {
    let store = FakeAccounts::two();
    let err = create(&store, &member(2), &ask(&[Scope::Admin], None), now()).unwrap_err();
    assert!(
        matches!(&err, CoreError::Forbidden(m) if m.contains("a member may not hold the `admin` scope")),
        "{err:?}"
    );
    let write_key = admin_with(&[Scope::Read, Scope::Write]);
    let err = create(&store, &write_key, &ask(&[Scope::Admin], None), now()).unwrap_err();
    assert!(
        matches!(&err, CoreError::Forbidden(m) if m.contains("lacks the `admin` scope")),
        "{err:?}"
    );
    assert!(store.keys.lock().unwrap().is_empty(), "nothing minted");
    let ok = create(
        &store,
        &write_key,
        &ask(&[Scope::Write, Scope::Read, Scope::Write], None),
        now(),
    )
    .unwrap();
    assert_eq!(
        ok.key.scopes,
        [Scope::Read, Scope::Write],
        "sorted, without repeats"
    );
}

#[test]
fn the_secret_shown_once_is_the_one_whose_digest_is_stored() {
    let store = FakeAccounts::two();
    let made = create(&store, &member(2), &ask(&[Scope::Read], Some(30)), now()).unwrap();
    let secret = made.secret.expose();
    assert!(secret.starts_with(&made.key.prefix) && crate::secrets::looks_like_api_key(secret));
    let (stored, digest) = store.keys.lock().unwrap()[0].clone();
    assert_eq!(digest, crate::secrets::digest(secret));
    assert_eq!(stored.expires_at, Some(now() + time::Duration::days(30)));
    assert_eq!(*store.audit.lock().unwrap(), ["api_key.create"]);
}

#[test]
fn names_scopes_and_expiry_are_checked_before_anything_is_stored() {
    let store = FakeAccounts::two();
    let m = member(2);
    let mut nameless = ask(&[Scope::Read], None);
    nameless.name = "  ".into();
    for (req, field) in [
        (ask(&[], None), "scopes"),
        (ask(&[Scope::Read], Some(0)), "expires_in_days"),
        (ask(&[Scope::Read], Some(3651)), "expires_in_days"),
        (nameless, "name"),
    ] {
        let err = create(&store, &m, &req, now()).unwrap_err();
        assert!(
            matches!(err, CoreError::Invalid { field: Some(f), .. } if f == field),
            "{field}: {err:?}"
        );
    }
    assert!(store.keys.lock().unwrap().is_empty());
}

#[test]
fn a_members_keys_are_their_own_to_list_and_revoke() {
    let store = FakeAccounts::two();
    let admins = create(
        &store,
        &admin_with(&Scope::ALL),
        &ask(&[Scope::Read], None),
        now(),
    )
    .unwrap();
    let mine = create(&store, &member(2), &ask(&[Scope::Read], None), now()).unwrap();
    // Another user's key is "not found" for a member: ids do not leak.
    let err = revoke(&store, &member(2), admins.key.id, now()).unwrap_err();
    assert!(matches!(err, CoreError::NotFound(_)), "{err:?}");
    let err = list(&store, &member(2), true, PAGE).unwrap_err();
    assert!(matches!(err, CoreError::Forbidden(_)), "{err:?}");
    let listed = list(&store, &member(2), false, PAGE).unwrap();
    assert_eq!(
        listed.items.iter().map(|k| k.id).collect::<Vec<_>>(),
        [mine.key.id]
    );
    // Revoking twice is fine, and writes one audit row.
    revoke(&store, &member(2), mine.key.id, now()).unwrap();
    revoke(&store, &member(2), mine.key.id, now()).unwrap();
    let revokes = store
        .audit
        .lock()
        .unwrap()
        .iter()
        .filter(|a| *a == "api_key.revoke")
        .count();
    assert_eq!(revokes, 1);
    // An admin revokes anyone's.
    revoke(&store, &admin_with(&Scope::ALL), admins.key.id, now()).unwrap();
}
