//! Shared set-up of the tracker end-to-end tests: a live `aiops serve`, a tenant and a
//! project linked to a fake tracker through the CLI, and small JSON helpers.

use std::process::{Command, Output};

use serde_json::Value;

use crate::common::{ServerProcess, assert_success, run, text};

/// `cmd -o json`: exit 0 and one JSON document.
pub fn json_of(mut cmd: Command, stdin: Option<&str>, what: &str) -> Value {
    cmd.args(["-o", "json"]);
    let out = run(cmd, stdin);
    assert_success(&out, what);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "`{what} -o json`: one JSON document: {e}\n{}",
            text(&out.stdout)
        )
    })
}

/// `aiops ARGS -o json` as the admin.
pub fn json(server: &ServerProcess, args: &[&str]) -> Value {
    json_of(server.command(args), None, &args.join(" "))
}

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
