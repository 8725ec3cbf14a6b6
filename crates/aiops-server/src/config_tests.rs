//! Tests of the settings layers and of the README's table against the example config.

use super::*;

#[test]
fn example_config_is_exactly_the_defaults() {
    let parsed: Settings = Figment::from(Toml::string(DEFAULT_CONFIG_TOML))
        .extract()
        .unwrap();
    assert_eq!(
        parsed,
        Settings::default(),
        "aiops.example.toml drifted from Settings::default()"
    );
    let table: toml::Table = DEFAULT_CONFIG_TOML.parse().unwrap();
    let mut keys: Vec<_> = table.keys().map(String::as_str).collect();
    keys.sort();
    let mut env = ENV_KEYS.to_vec();
    env.sort();
    assert_eq!(
        keys, env,
        "every documented key is settable from the environment"
    );
}

#[test]
fn layers_apply_in_order_and_typos_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aiops.toml"),
        "log_level = \"debug\"\ndb_readers = 2\n",
    )
    .unwrap();
    let s = Settings::load(Overrides {
        data_dir: Some(dir.path().to_owned()),
        bind: Some("127.0.0.1:9999".into()),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(s.log_level, "debug");
    assert_eq!(s.db_readers, 2);
    assert_eq!(s.bind.port(), 9999);
    std::fs::write(dir.path().join("aiops.toml"), "bnd = \"x\"\n").unwrap();
    let err = Settings::load(Overrides {
        data_dir: Some(dir.path().to_owned()),
        ..Overrides::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("bnd"), "{err}");
    std::fs::write(
        dir.path().join("aiops.toml"),
        "repo_url_allow = [\"git.internal.example\", \"10.0.0.0/8\"]\n",
    )
    .unwrap();
    let s = Settings::load(Overrides {
        data_dir: Some(dir.path().to_owned()),
        ..Overrides::default()
    })
    .unwrap();
    assert_eq!(s.repo_url_allow, ["git.internal.example", "10.0.0.0/8"]);
    std::fs::write(
        dir.path().join("aiops.toml"),
        "repo_url_allow = [\"10.0.0.0/40\"]\n",
    )
    .unwrap();
    let err = Settings::load(Overrides {
        data_dir: Some(dir.path().to_owned()),
        ..Overrides::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("10.0.0.0/40"), "{err}");
}

#[test]
fn the_scrape_token_never_prints() {
    let s = Settings {
        metrics_token: ScrapeToken::new("s3cret-scrape-token"),
        ..Settings::default()
    };
    let shown = format!("{s:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(s.metrics_token.matches("s3cret-scrape-token"));
    assert!(!s.metrics_token.matches("s3cret-scrape-tokeX"));
    assert!(
        !ScrapeToken::default().matches(""),
        "an empty token lets nobody in"
    );
}

#[test]
fn remote_bind_needs_consent() {
    let mut s = Settings {
        bind: "0.0.0.0:8060".parse().unwrap(),
        ..Settings::default()
    };
    assert!(
        s.check_bind()
            .unwrap_err()
            .to_string()
            .contains("--allow-remote")
    );
    s.allow_remote = true;
    assert!(s.check_bind().is_ok());
}

mod readme {
    use super::*;

    /// The README's configuration table documents exactly the keys of the example file,
    /// with the same defaults and environment variable names.
    #[test]
    fn readme_table_matches_the_example_config() {
        let readme = include_str!("../../../README.md");
        let section = readme
            .split("## Configuration")
            .nth(1)
            .expect("a Configuration section");
        let section = section.split("\n## ").next().unwrap_or(section);
        let table: toml::Table = DEFAULT_CONFIG_TOML.parse().unwrap();
        let rows: Vec<Vec<&str>> = section
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                l.split('|')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .collect();
        for (key, value) in &table {
            let row = rows
                .iter()
                .find(|r| r[0] == format!("`{key}`"))
                .unwrap_or_else(|| panic!("README's configuration table lacks `{key}`"));
            assert_eq!(
                row[1],
                format!("`AIOPS_{}`", key.to_uppercase()),
                "env var of {key}"
            );
            let shown = match value {
                toml::Value::String(s) if s.is_empty() => "`\"\"`".to_owned(),
                toml::Value::String(s) => format!("`{s}`"),
                other => format!("`{other}`"),
            };
            assert!(
                row.contains(&shown.as_str()),
                "README default of {key} should be {shown}: {row:?}"
            );
        }
        // The data dir row starts with `(data dir)`, not a key, so it is not counted.
        assert_eq!(
            rows.len(),
            table.len(),
            "README documents keys the server does not have"
        );
    }
}
