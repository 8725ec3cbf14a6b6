//! The credential stores against the real file system (and, with
//! `AIOPS_TEST_KEYCHAIN=1`, the real Secret Service / Keychain).

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use aiops_client::Secret;
use aiops_client::key_store::{CredentialError, CredentialStore, FileStore, Keychain};

const URL: &str = "http://127.0.0.1:8060";

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn file_store_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::in_dir(&dir.path().join("aiops"));
    assert!(
        store.get(URL).unwrap().is_none(),
        "a missing file holds no key"
    );

    store.set(URL, &Secret::new("aiops_one")).unwrap();
    store
        .set("https://other.example/", &Secret::new("aiops_two"))
        .unwrap();
    // The URL is normalised: a trailing slash names the same server.
    assert_eq!(
        store
            .get("http://127.0.0.1:8060/")
            .unwrap()
            .unwrap()
            .expose(),
        "aiops_one"
    );
    assert_eq!(
        store
            .get("https://other.example")
            .unwrap()
            .unwrap()
            .expose(),
        "aiops_two"
    );

    store.set(URL, &Secret::new("aiops_three")).unwrap();
    assert_eq!(
        store.get(URL).unwrap().unwrap().expose(),
        "aiops_three",
        "set replaces"
    );

    assert!(
        store.delete(URL).unwrap(),
        "delete reports that a key was removed"
    );
    assert!(!store.delete(URL).unwrap(), "a second delete finds nothing");
    assert!(store.get(URL).unwrap().is_none());
    assert_eq!(
        store
            .get("https://other.example")
            .unwrap()
            .unwrap()
            .expose(),
        "aiops_two",
        "deleting one server's key keeps the others"
    );
}

#[test]
fn file_store_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let aiops_dir = dir.path().join("aiops");
    let store = FileStore::in_dir(&aiops_dir);
    store.set(URL, &Secret::new("aiops_x")).unwrap();
    assert_eq!(
        mode(store.path()),
        0o600,
        "the credentials file is owner-only"
    );
    assert_eq!(
        mode(&aiops_dir),
        0o700,
        "its directory is created owner-only"
    );

    // A file someone widened, in a directory someone widened, is rewritten private.
    std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&aiops_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    store.set(URL, &Secret::new("aiops_y")).unwrap();
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(mode(&aiops_dir), 0o700);
}

#[test]
fn file_store_replaces_the_file_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::in_dir(dir.path());
    store.set(URL, &Secret::new("aiops_old")).unwrap();
    let before = std::fs::metadata(store.path()).unwrap().ino();

    // A hard link keeps the old inode reachable: an in-place rewrite would change what
    // it reads, a replace-by-rename leaves it alone.
    let witness = dir.path().join("witness");
    std::fs::hard_link(store.path(), &witness).unwrap();
    store.set(URL, &Secret::new("aiops_new")).unwrap();

    assert_ne!(
        std::fs::metadata(store.path()).unwrap().ino(),
        before,
        "a new file replaced the old"
    );
    assert!(
        std::fs::read_to_string(&witness)
            .unwrap()
            .contains("aiops_old")
    );
    assert!(
        std::fs::read_to_string(store.path())
            .unwrap()
            .contains("aiops_new")
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file is left behind: {leftovers:?}"
    );
}

#[test]
fn file_store_reports_a_corrupt_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::in_dir(dir.path());
    std::fs::write(store.path(), "keys = [not toml").unwrap();
    let err = store.get(URL).unwrap_err();
    assert!(matches!(err, CredentialError::Corrupt { .. }), "{err}");
    assert!(!err.to_string().contains('\n'), "one line: {err}");
}

#[test]
fn file_store_refuses_a_bad_url() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::in_dir(dir.path());
    let err = store.set("notaurl", &Secret::new("aiops_x")).unwrap_err();
    assert!(matches!(err, CredentialError::InvalidUrl(_)), "{err}");
    assert!(!store.path().exists(), "nothing was written");
}

#[test]
fn keychain_round_trip() {
    if std::env::var("AIOPS_TEST_KEYCHAIN").as_deref() != Ok("1") {
        eprintln!("skipped: set AIOPS_TEST_KEYCHAIN=1 to run against the real OS keychain");
        return;
    }
    let store = CredentialStore::Keychain(Keychain);
    let url = format!(
        "http://keychain-test.invalid:{}",
        1024 + std::process::id() % 60000
    );
    let _ = store.delete(&url);

    assert!(store.get(&url).unwrap().is_none(), "no entry yet");
    store.set(&url, &Secret::new("aiops_keychain_one")).unwrap();
    assert_eq!(
        store.get(&url).unwrap().unwrap().expose(),
        "aiops_keychain_one"
    );
    store
        .set(&format!("{url}/"), &Secret::new("aiops_keychain_two"))
        .unwrap();
    assert_eq!(
        store.get(&url).unwrap().unwrap().expose(),
        "aiops_keychain_two",
        "a trailing slash names the same entry, and set replaces it"
    );
    assert!(store.delete(&url).unwrap());
    assert!(store.get(&url).unwrap().is_none(), "deleted");
    assert!(
        !store.delete(&url).unwrap(),
        "a second delete finds nothing"
    );
}
