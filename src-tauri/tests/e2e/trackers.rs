//! Shared set-up of the tracker end-to-end tests: a live `aiops serve`, a tenant and a
//! project linked to a fake tracker through the CLI, a member with their own API key, and
//! the check of a one-line CLI error.

use std::process::{Command, Output};

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, json, json_of, text};

pub fn id_of(v: &Value) -> String {
    v["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("an id in {v}"))
        .to_string()
}

/// A server with tenant `acme`, project `web` and an integration of `provider` at
/// `base_url` (token given on stdin, scheduled sync off) linked to `external`.
pub struct Linked {
    pub server: ServerProcess,
    pub project: String,
    pub integration: String,
}

pub fn linked(
    provider: &str,
    base_url: &str,
    token: &str,
    email: Option<&str>,
    external: &str,
) -> Linked {
    // Debug logging: the most log lines a token could leak into.
    let server = ServerProcess::start_with(true, &[("AIOPS_LOG_LEVEL", "debug")]);
    assert_success(
        &server.cli(&["tenants", "create", "--name", "acme"], None),
        "tenants create",
    );
    let project = json(
        &server,
        &[
            "projects",
            "create",
            "--tenant",
            "acme",
            "--name",
            "web",
            "--repo-url",
            "https://git.example.com/acme/web.git",
        ],
    );
    let mut args = vec![
        "integrations",
        "create",
        "--tenant",
        "acme",
        "--provider",
        provider,
        "--name",
        provider,
        "--base-url",
        base_url,
        "--token-stdin",
        "--sync-interval",
        "0",
    ];
    if let Some(e) = email {
        args.extend(["--email", e]);
    }
    let integration = json_of(
        server.command(&args),
        Some(&format!("{token}\n")),
        "integrations create",
    );
    assert_eq!(integration["has_token"], true, "{integration}");
    assert!(
        !integration.to_string().contains(token),
        "the token never comes back"
    );
    let (project, integration) = (id_of(&project), id_of(&integration));
    json(
        &server,
        &[
            "projects",
            "link",
            &project,
            "--integration",
            &integration,
            "--external",
            external,
        ],
    );
    Linked {
        server,
        project,
        integration,
    }
}

impl Linked {
    /// `aiops issues sync` (waits for the job); the finished runs.
    pub fn sync(&self) -> Vec<Value> {
        let runs = json(
            &self.server,
            &["issues", "sync", "--integration", &self.integration],
        );
        let runs = runs
            .as_array()
            .unwrap_or_else(|| panic!("an array of runs: {runs}"))
            .clone();
        for r in &runs {
            assert_eq!(r["state"], "succeeded", "sync run: {r}");
        }
        runs
    }

    /// The inbox entry of the project's issue with `external_id`.
    pub fn issue(&self, external_id: &str) -> Value {
        let all = json(
            &self.server,
            &[
                "issues",
                "list",
                "--project",
                &self.project,
                "--status",
                "all",
                "--all",
            ],
        );
        all.as_array()
            .expect("an array")
            .iter()
            .find(|i| i["external_id"] == external_id)
            .cloned()
            .unwrap_or_else(|| panic!("issue {external_id} in the inbox: {all}"))
    }

    /// `aiops ARGS -o json` as the admin.
    pub fn json(&self, args: &[&str]) -> Value {
        json(&self.server, args)
    }

    pub fn cli(&self, args: &[&str]) -> Output {
        self.server.cli(args, None)
    }

    /// Asserts no file under the data dir (logs, database) and no stderr holds `secret`.
    pub fn assert_secret_nowhere(&self, secret: &str) {
        assert!(
            !self.server.stderr().contains(secret),
            "the token is in the server's stderr"
        );
        for f in crate::common::files_under(&self.server.data_dir) {
            let bytes = std::fs::read(&f).unwrap_or_default();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "the token is in {} in clear text",
                f.display()
            );
        }
    }
}

/// A member of tenant `acme` with an API key of their own.
pub struct Member {
    pub key: String,
}

impl Member {
    /// Creates `email` as a member user, adds them to `acme`, mints their API key.
    pub fn create(server: &ServerProcess, email: &str) -> Self {
        Self::create_in(server, email, "acme")
    }

    /// [`Member::create`] in `tenant` instead of `acme`.
    pub fn create_in(server: &ServerProcess, email: &str, tenant: &str) -> Self {
        let args = [
            "users",
            "create",
            "--email",
            email,
            "--role",
            "member",
            "--password-stdin",
        ];
        let user = json_of(
            server.command(&args),
            Some("member-password-1234\n"),
            "users create",
        );
        let out = server.cli(
            &["tenants", "members", "add", tenant, "--user", &id_of(&user)],
            None,
        );
        assert_success(&out, "tenants members add");
        let data = server.data_dir.display().to_string();
        let out = server.cli_offline(
            &[
                "admin",
                "create-api-key",
                "--data-dir",
                &data,
                "--email",
                email,
            ],
            None,
        );
        assert_success(&out, "admin create-api-key for the member");
        Self {
            key: text(&out.stdout).trim().to_owned(),
        }
    }

    /// `aiops ARGS` authenticated as the member.
    pub fn command(&self, server: &ServerProcess, args: &[&str]) -> Command {
        let mut cmd = server.command(args);
        cmd.env("AIOPS_API_KEY", &self.key);
        cmd
    }

    /// `aiops credentials set INTEGRATION --token-stdin` as the member.
    pub fn set_token(&self, server: &ServerProcess, integration: &str, token: &str) {
        let args = ["credentials", "set", integration, "--token-stdin"];
        let cred = json_of(
            self.command(server, &args),
            Some(&format!("{token}\n")),
            "credentials set --token-stdin",
        );
        assert_eq!(cred["has_token"], true, "{cred}");
        assert!(
            !cred.to_string().contains(token),
            "the token never comes back"
        );
    }
}

/// A failed command: non-zero exit, one stderr line `error: …` naming `name`, no panic,
/// backtrace or source location, and not the token.
pub fn assert_error_line(out: &Output, name: &str, token: &str, what: &str) {
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "{what}: a non-zero exit; stdout: {}",
        text(&out.stdout)
    );
    assert_eq!(stderr.lines().count(), 1, "{what}: one line: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{what}: {stderr:?}");
    assert!(
        stderr.contains(name),
        "{what}: names the integration `{name}`: {stderr:?}"
    );
    for trace in ["panicked", "backtrace", "RUST_BACKTRACE", ".rs:"] {
        assert!(
            !stderr.contains(trace),
            "{what}: no stack trace: {stderr:?}"
        );
    }
    assert!(!stderr.contains(token), "{what}: the token is not shown");
}
