//! Local runs: the `ansible-playbook` command line of a run, from validated parts.
//! Options follow ansible-playbook(1)
//! (<https://docs.ansible.com/ansible/latest/cli/ansible-playbook.html>): `-i`,
//! `--extra-vars` (JSON), `--limit`, `--tags`, `--skip-tags`, `--check`, `--diff`,
//! `--vault-password-file`, `--private-key`; the playbook comes after `--`, so nothing a
//! user typed is read as an option.

use std::path::{Component, Path};

use crate::{CoreError, CoreResult};

/// Longest playbook or inventory path, limit or tag list accepted.
pub const MAX_ARG_CHARS: usize = 1000;

/// A path inside the repository: relative, without `..`, not an option.
fn repo_path(field: &'static str, value: &str) -> CoreResult<String> {
    let v = value.trim();
    let bad = v.is_empty()
        || v.chars().count() > MAX_ARG_CHARS
        || v.starts_with('-')
        || v.chars().any(char::is_control)
        || Path::new(v).is_absolute()
        || Path::new(v)
            .components()
            .any(|c| matches!(c, Component::ParentDir));
    if bad {
        return Err(CoreError::invalid(
            field,
            format!("{field} must be a path inside the repository (relative, no `..`)"),
        ));
    }
    Ok(v.to_owned())
}

/// A playbook path relative to the repository, ending in `.yml` or `.yaml`.
pub fn playbook(value: &str) -> CoreResult<String> {
    let p = repo_path("playbook", value)?;
    if !(p.ends_with(".yml") || p.ends_with(".yaml")) {
        return Err(CoreError::invalid(
            "playbook",
            "playbook must be a .yml or .yaml file",
        ));
    }
    Ok(p)
}

/// An inventory: a file relative to the repository, or an inline host list ending in a
/// comma (`localhost,` or `web1,web2,`). Empty or absent: none.
pub fn inventory(value: Option<&str>) -> CoreResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.ends_with(',') {
        let ok = v.chars().count() <= MAX_ARG_CHARS
            && !v.starts_with('-')
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".,-_:[]".contains(c));
        if !ok {
            return Err(CoreError::invalid(
                "inventory",
                "an inline inventory is host names separated by commas, ending in a comma",
            ));
        }
        return Ok(Some(v.to_owned()));
    }
    repo_path("inventory", v).map(Some)
}

/// A host pattern or tag list: one line, not an option.
pub fn word(field: &'static str, value: Option<&str>) -> CoreResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > MAX_ARG_CHARS || v.starts_with('-') || v.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            field,
            format!(
                "{field} must be one line of at most {MAX_ARG_CHARS} characters, not starting with -"
            ),
        ));
    }
    Ok(Some(v.to_owned()))
}

/// What a run overrides (validated), shared by both kinds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Extra variables (`--extra-vars`, as JSON); `None` when none or empty.
    pub extra_vars: Option<serde_json::Map<String, serde_json::Value>>,
    /// Host pattern (`--limit`).
    pub limit: Option<String>,
    /// Tags to run (`--tags`).
    pub tags: Option<String>,
    /// Tags to skip (`--skip-tags`).
    pub skip_tags: Option<String>,
    /// Dry run (`--check`).
    pub check: bool,
    /// Show changes (`--diff`).
    pub diff: bool,
}

impl Overrides {
    /// The overrides as stored on the run (`options`), with `writable` added.
    pub fn to_json(&self, writable: bool) -> serde_json::Value {
        serde_json::json!({
            "extra_vars": self.extra_vars, "limit": self.limit, "tags": self.tags,
            "skip_tags": self.skip_tags, "check": self.check, "diff": self.diff,
            "writable": writable,
        })
    }
}

/// Files the command refers to, written by the caller for this run only.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunFiles<'a> {
    /// Vault password file (`--vault-password-file`).
    pub vault_password: Option<&'a Path>,
    /// Private key file (`--private-key`).
    pub private_key: Option<&'a Path>,
}

/// `ansible-playbook …` for a run (argv; never through a shell).
pub fn argv(
    playbook: &str,
    inventory: Option<&str>,
    o: &Overrides,
    files: RunFiles<'_>,
) -> Vec<String> {
    let mut a = vec!["ansible-playbook".to_owned()];
    let mut opt = |flag: &str, value: Option<&str>| {
        if let Some(v) = value {
            a.push(flag.to_owned());
            a.push(v.to_owned());
        }
    };
    opt("--inventory", inventory);
    let vars = o
        .extra_vars
        .as_ref()
        .map(|m| serde_json::Value::Object(m.clone()).to_string());
    opt("--extra-vars", vars.as_deref());
    opt("--limit", o.limit.as_deref());
    opt("--tags", o.tags.as_deref());
    opt("--skip-tags", o.skip_tags.as_deref());
    let path = |p: Option<&Path>| p.map(|p| p.display().to_string());
    opt(
        "--vault-password-file",
        path(files.vault_password).as_deref(),
    );
    opt("--private-key", path(files.private_key).as_deref());
    if o.check {
        a.push("--check".into());
    }
    if o.diff {
        a.push("--diff".into());
    }
    a.push("--".into());
    a.push(playbook.to_owned());
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_repository() {
        assert_eq!(playbook("deploy/site.yml").unwrap(), "deploy/site.yml");
        for bad in [
            "/etc/site.yml",
            "../x.yml",
            "a/../../x.yml",
            "-x.yml",
            "site.txt",
            "",
        ] {
            assert!(playbook(bad).is_err(), "{bad}");
        }
        assert_eq!(
            inventory(Some("localhost,")).unwrap().as_deref(),
            Some("localhost,")
        );
        assert_eq!(inventory(Some("  ")).unwrap(), None);
        assert!(inventory(Some("a;rm -rf /,")).is_err());
        assert!(inventory(Some("/etc/hosts")).is_err());
    }

    #[test]
    fn every_override_becomes_its_option_and_the_playbook_follows_the_separator() {
        let mut vars = serde_json::Map::new();
        vars.insert("v".into(), "1".into());
        let o = Overrides {
            extra_vars: Some(vars),
            limit: Some("web".into()),
            tags: Some("a,b".into()),
            skip_tags: Some("c".into()),
            check: true,
            diff: true,
        };
        let files = RunFiles {
            vault_password: Some(Path::new("/t/vault")),
            private_key: None,
        };
        let a = argv("site.yml", Some("hosts.ini"), &o, files);
        assert_eq!(
            a,
            [
                "ansible-playbook",
                "--inventory",
                "hosts.ini",
                "--extra-vars",
                r#"{"v":"1"}"#,
                "--limit",
                "web",
                "--tags",
                "a,b",
                "--skip-tags",
                "c",
                "--vault-password-file",
                "/t/vault",
                "--check",
                "--diff",
                "--",
                "site.yml"
            ]
        );
        assert!(word("limit", Some("--become")).is_err());
    }
}
