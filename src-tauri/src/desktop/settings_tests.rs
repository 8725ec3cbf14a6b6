use super::*;

fn remote(url: &str) -> ConnectionKind {
    ConnectionKind::Remote {
        url: url.into(),
        email: Some("dev@example.com".into()),
        ssh: None,
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

#[test]
fn a_version_1_file_without_ssh_prefs_loads_and_one_with_them_reads_back() {
    let without = "version = 1\nactive = \"https://aiops.example.com\"\n\
        [[connections]]\nid = \"https://aiops.example.com\"\nname = \"Team\"\n\
        kind = \"remote\"\nurl = \"https://aiops.example.com\"\nemail = \"dev@example.com\"\n";
    let s = Settings::parse(without).unwrap();
    assert_eq!(s.ssh_prefs("https://aiops.example.com"), None);
    assert!(
        !toml::to_string(&s).unwrap().contains("ssh"),
        "no empty ssh table is written"
    );

    let with = format!(
        "{without}[connections.ssh]\nport = 2222\nuser = \"aiops\"\nkey_file = \"~/.ssh/id_aiops\"\n"
    );
    let s = Settings::parse(&with).unwrap();
    let prefs = SshPrefs {
        port: Some(2222),
        user: Some("aiops".into()),
        key_file: Some("~/.ssh/id_aiops".into()),
    };
    assert_eq!(s.ssh_prefs("https://aiops.example.com"), Some(&prefs));
    let again = Settings::parse(&toml::to_string(&s).unwrap()).unwrap();
    assert_eq!(again, s, "written and read back the same");

    // Only some fields: the others stay unset.
    let port_only = format!("{without}[connections.ssh]\nport = 2200\n");
    let s = Settings::parse(&port_only).unwrap();
    assert_eq!(
        s.ssh_prefs("https://aiops.example.com"),
        Some(&SshPrefs {
            port: Some(2200),
            ..SshPrefs::default()
        })
    );
}

#[test]
fn signing_in_again_keeps_the_ssh_prefs_and_bad_ones_are_refused() {
    let mut s = Settings::default();
    s.upsert("", ConnectionKind::Local).unwrap();
    s.upsert("Team", remote("https://aiops.example.com"))
        .unwrap();
    let prefs = SshPrefs {
        port: Some(2222),
        user: Some(" aiops ".into()),
        key_file: Some("/home/dev/.ssh/id_ed25519".into()),
    };
    s.set_ssh_prefs("https://aiops.example.com", prefs).unwrap();
    let saved = s.ssh_prefs("https://aiops.example.com").cloned().unwrap();
    assert_eq!(saved.user.as_deref(), Some("aiops"), "trimmed");

    s.upsert("", remote("https://aiops.example.com/")).unwrap();
    assert_eq!(
        s.ssh_prefs("https://aiops.example.com"),
        Some(&saved),
        "a new sign-in to the same server keeps them"
    );

    for bad in [
        SshPrefs {
            port: Some(0),
            ..SshPrefs::default()
        },
        SshPrefs {
            user: Some("-oProxyCommand=x".into()),
            ..SshPrefs::default()
        },
        SshPrefs {
            user: Some("two words".into()),
            ..SshPrefs::default()
        },
        SshPrefs {
            key_file: Some("relative/key".into()),
            ..SshPrefs::default()
        },
    ] {
        assert!(
            s.set_ssh_prefs("https://aiops.example.com", bad.clone())
                .is_err(),
            "{bad:?}"
        );
    }
    assert!(s.set_ssh_prefs("local", SshPrefs::default()).is_err());
    assert_eq!(s.ssh_prefs("https://aiops.example.com"), Some(&saved));

    // Blank fields clear the table.
    s.set_ssh_prefs(
        "https://aiops.example.com",
        SshPrefs {
            user: Some("  ".into()),
            ..SshPrefs::default()
        },
    )
    .unwrap();
    assert_eq!(s.ssh_prefs("https://aiops.example.com"), None);
}
