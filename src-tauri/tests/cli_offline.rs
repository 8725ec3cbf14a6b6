//! The built `aiops` binary without a server: exit codes, one-line errors, config files.
//! Each test gets its own config dir and HOME, and no inherited AIOPS_* variables.

use std::process::{Command, Output};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn aiops(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aiops"));
        cmd.args(args)
            .env_remove("AIOPS_URL")
            .env_remove("AIOPS_API_KEY")
            .env("AIOPS_CONFIG_DIR", self.dir.path().join("config"))
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg"));
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.aiops(args).output().unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The process ended with `code`, and stderr is exactly one `error: …` line.
fn assert_one_line_error(out: &Output, code: i32) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "exit code; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(
        stderr.starts_with("error: "),
        "starts with `error: `: {stderr:?}"
    );
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    stderr
}

/// A port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn help_exits_0() {
    let out = Env::new().run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for group in ["login", "tenants", "projects", "issues", "users", "config"] {
        assert!(help.contains(group), "help lists `{group}`: {help}");
    }
    if cfg!(feature = "server") {
        assert!(
            help.contains("serve"),
            "a server build lists `serve`: {help}"
        );
    }
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let out = Env::new().run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn invalid_scopes_are_a_usage_error() {
    let env = Env::new();
    let out = env
        .aiops(&[
            "auth",
            "keys",
            "create",
            "--name",
            "n",
            "--scopes",
            "read,root",
        ])
        .env("AIOPS_API_KEY", "aiops_x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("root"), "names the bad scope");
}

/// `issues` argument mistakes are caught before any request (the port is closed).
#[test]
fn issues_argument_mistakes_are_usage_errors() {
    let env = Env::new();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let usage = |args: &[&str], why: &str| {
        let out = env
            .aiops(args)
            .env("AIOPS_URL", &url)
            .env("AIOPS_API_KEY", "aiops_x")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{why}: {}", text(&out.stderr));
        assert!(
            !text(&out.stderr).contains("cannot reach"),
            "{why}: no request"
        );
    };
    usage(&["issues", "list", "--status", "done"], "an unknown status");
    usage(
        &["issues", "list", "--provider", "svn"],
        "an unknown provider",
    );
    usage(&["issues", "update", "1"], "an update without fields");
    usage(
        &["issues", "assign", "1"],
        "assign needs --assignee or --unassign",
    );
    usage(
        &["issues", "assign", "1", "--assignee", "a@x", "--unassign"],
        "assign and unassign at once",
    );
    usage(&["issues", "comment", "1"], "a comment needs a body");
    usage(
        &["issues", "comment", "1", "--body", "b", "--body-stdin"],
        "two bodies at once",
    );
    usage(
        &[
            "issues",
            "create",
            "--project",
            "p",
            "--title",
            "t",
            "--description",
            "d",
            "--description-stdin",
        ],
        "two descriptions at once",
    );
}

#[test]
fn config_set_url_rejects_a_non_url_in_one_line() {
    let env = Env::new();
    let out = env.run(&["config", "set", "url", "notaurl"]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = assert_one_line_error(&out, 2);
    assert!(stderr.contains("notaurl"), "names the value: {stderr}");
    assert!(
        !env.dir.path().join("config/aiops/config.toml").exists(),
        "nothing was written"
    );
}

#[test]
fn config_set_then_get() {
    let env = Env::new();
    let out = env.run(&["config", "set", "output_format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        out.stdout.is_empty(),
        "set prints nothing: {}",
        text(&out.stdout)
    );

    let out = env.run(&["config", "get", "output_format"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "json\n");

    let out = env.run(&["config", "set", "url", "http://example.test:9000/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = env.run(&["config", "get", "url"]);
    assert_eq!(
        text(&out.stdout),
        "http://example.test:9000\n",
        "stored normalised"
    );

    let file = env.dir.path().join("config/aiops/config.toml");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).unwrap().permissions());
    assert_eq!(mode & 0o077, 0, "config.toml is owner-only");

    // The output_format just set makes `config show` print one JSON document.
    let out = env.run(&["config", "show"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["url"], "http://example.test:9000");
    assert_eq!(shown["output_format"], "json");
}

#[test]
fn config_set_rejects_an_unknown_format() {
    let out = Env::new().run(&["config", "set", "output_format", "xml"]);
    let stderr = assert_one_line_error(&out, 2);
    assert!(stderr.contains("table, json or yaml"), "{stderr}");
}

#[test]
fn api_key_in_the_insecure_store_is_used_and_private() {
    let env = Env::new();
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}");
    let out = env
        .aiops(&[
            "--url",
            &url,
            "config",
            "set",
            "api_key",
            "--insecure-store",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"aiops_fromstdin\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let creds = env.dir.path().join("config/aiops/credentials.toml");
    let content = std::fs::read_to_string(&creds).unwrap();
    assert!(
        content.contains("aiops_fromstdin") && content.contains(&url),
        "{content}"
    );
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&creds).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let out = env.run(&["config", "get", "credential_store"]);
    assert_eq!(text(&out.stdout), "file\n");

    // The stored key is picked up: the call gets as far as the (closed) server.
    let out = env.run(&["--url", &url, "auth", "whoami"]);
    let stderr = assert_one_line_error(&out, 1);
    assert!(stderr.contains("cannot reach"), "{stderr}");

    // `config show` says where the key is, never what it is.
    let out = env.run(&["--url", &url, "config", "show"]);
    let shown = text(&out.stdout);
    assert!(shown.contains("credentials.toml"), "{shown}");
    assert!(
        !shown.contains("aiops_fromstdin"),
        "the secret is never shown: {shown}"
    );
}

#[test]
fn whoami_against_a_closed_port_says_cannot_reach() {
    let env = Env::new();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let out = env
        .aiops(&["--url", &url, "auth", "whoami"])
        .env("AIOPS_API_KEY", "aiops_test")
        .output()
        .unwrap();
    let stderr = assert_one_line_error(&out, 1);
    assert!(stderr.contains(&format!("cannot reach {url}")), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
}

#[test]
fn whoami_without_a_credential_exits_3() {
    let env = Env::new();
    let url = format!("http://127.0.0.1:{}", closed_port());
    // Store kind `file` so the answer does not depend on a keychain being around.
    std::fs::create_dir_all(env.dir.path().join("config/aiops")).unwrap();
    std::fs::write(
        env.dir.path().join("config/aiops/config.toml"),
        "credential_store = \"file\"\n",
    )
    .unwrap();
    let out = env.run(&["--url", &url, "auth", "whoami"]);
    let stderr = assert_one_line_error(&out, 3);
    assert!(stderr.contains("not logged in"), "{stderr}");

    // With the default store (keychain), present or not: still exit 3.
    let env = Env::new();
    let out = env.run(&["--url", &url, "auth", "whoami"]);
    assert_one_line_error(&out, 3);
}

#[test]
fn a_broken_config_file_is_one_line() {
    let env = Env::new();
    std::fs::create_dir_all(env.dir.path().join("config/aiops")).unwrap();
    std::fs::write(
        env.dir.path().join("config/aiops/config.toml"),
        "output_format = \"xml\"\n",
    )
    .unwrap();
    let out = env.run(&["tenants", "list"]);
    let stderr = assert_one_line_error(&out, 1);
    assert!(stderr.contains("config.toml"), "names the file: {stderr}");
}

#[test]
fn login_without_a_terminal_needs_password_stdin() {
    let env = Env::new();
    let out = env
        .aiops(&["login", "--email", "a@example.com"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = assert_one_line_error(&out, 2);
    assert!(stderr.contains("--password-stdin"), "{stderr}");
}
