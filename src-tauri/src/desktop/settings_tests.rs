use super::*;

fn remote(url: &str) -> ConnectionKind {
    ConnectionKind::Remote {
        url: url.into(),
        email: Some("dev@example.com".into()),
    }
}

#[test]
fn a_missing_file_gives_defaults_and_a_saved_one_reads_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aiops").join(FILE);
    let mut s = Settings::load(&path).unwrap();
    assert_eq!(s, Settings::default());
    assert!(
        s.active().is_none(),
        "no choice made before the first start"
    );

    s.upsert("", ConnectionKind::Local).unwrap();
    s.upsert("Team", remote("https://aiops.example.com/"))
        .unwrap();
    s.notifications.exited = false;
    s.save(&path).unwrap();
    let back = Settings::load(&path).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.active().unwrap().id, "https://aiops.example.com");
    assert_eq!(back.connections[0].name, "This computer");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn the_same_server_is_saved_once_and_removing_the_active_one_falls_back() {
    let mut s = Settings::default();
    s.upsert("", ConnectionKind::Local).unwrap();
    s.upsert("A", remote("https://aiops.example.com")).unwrap();
    s.upsert("Renamed", remote("https://aiops.example.com/"))
        .unwrap();
    assert_eq!(s.connections.len(), 2, "{:?}", s.connections);
    assert_eq!(s.connections[1].name, "Renamed");

    assert!(s.remove("https://aiops.example.com"));
    assert_eq!(s.active.as_deref(), Some("local"));
    assert!(!s.remove("https://aiops.example.com"), "already gone");
    assert!(s.remove("local"));
    assert_eq!(s.active, None);
}

#[test]
fn a_bad_server_url_is_refused_and_nothing_is_added() {
    let mut s = Settings::default();
    for url in ["ftp://host", "https://user:pw@host", "not a url"] {
        assert!(s.upsert("x", remote(url)).is_err(), "{url}");
    }
    assert!(s.connections.is_empty());
    assert_eq!(s.active, None);
}

#[test]
fn files_from_a_newer_aiops_or_of_the_wrong_shape_are_refused_with_the_reason() {
    let cases = [
        ("version = 99\n", "version 99"),
        ("active = \"local\"\n", "no `version`"),
        ("version = \"1\"\n", "whole number"),
        ("version = 1\nconnections = 3\n", "connections"),
        ("version = 1\nactive = \"gone\"\n", "`gone` is not among"),
        ("version = [\n", "not valid TOML"),
        (
            "version = 1\n[[connections]]\nid = \"local\"\nname = \"a\"\nkind = \"local\"\n\
             [[connections]]\nid = \"local\"\nname = \"b\"\nkind = \"local\"\n",
            "listed twice",
        ),
    ];
    for (text, says) in cases {
        let err = format!("{:#}", Settings::parse(text).unwrap_err());
        assert!(err.contains(says), "{text:?}: {err}");
    }
}

#[test]
fn a_file_that_cannot_be_read_stays_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE);
    std::fs::write(&path, "version = 99\n").unwrap();
    let err = format!("{:#}", Settings::load(&path).unwrap_err());
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "version = 99\n");
}

#[test]
fn a_written_file_names_each_connections_kind() {
    let mut s = Settings::default();
    s.upsert("Team", remote("http://10.0.0.5:8060")).unwrap();
    let text = toml::to_string(&s).unwrap();
    assert!(text.starts_with("version = 1\n"), "{text}");
    assert!(text.contains("kind = \"remote\""), "{text}");
    assert!(text.contains("url = \"http://10.0.0.5:8060\""), "{text}");
    assert!(
        !text.to_lowercase().contains("key"),
        "no API key here: {text}"
    );
}
