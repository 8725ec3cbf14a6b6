//! The CLI end to end against a live `aiops serve`: output formats, one-line errors and
//! exit codes, nothing half-written after a refused write, login/logout with the file
//! store, `serve` flags, and the one-time setup URL.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use crate::common::{
    ADMIN_EMAIL, ADMIN_PASSWORD, ServerProcess, assert_success, bare_repo, have_tool, isolated,
    run, runtime, sqlite, text,
};

/// Exit `code`, nothing on stdout, and exactly one stderr line `error: …` naming each of
/// `mentions`. Returns that line.
fn assert_one_line_error(out: &Output, code: i32, mentions: &[&str], why: &str) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{why}: exit code {code}; stderr: {stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "{why}: exactly one line on stderr, got {stderr:?}"
    );
    assert!(
        stderr.starts_with("error: "),
        "{why}: the line starts with `error: `, got {stderr:?}"
    );
    for word in mentions {
        assert!(
            stderr.contains(word),
            "{why}: the error names `{word}`, got {stderr:?}"
        );
    }
    assert!(
        out.stdout.is_empty(),
        "{why}: a failed command prints nothing on stdout, got {:?}",
        text(&out.stdout)
    );
    stderr
}

/// `LIST -o json` parsed as one JSON array.
fn json_list(server: &ServerProcess, group: &str) -> Vec<serde_json::Value> {
    let out = server.cli(&[group, "list", "-o", "json"], None);
    assert_success(&out, &format!("{group} list -o json"));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "`{group} list -o json` prints exactly one JSON document: {e}\n{}",
            text(&out.stdout)
        )
    });
    match value {
        serde_json::Value::Array(items) => items,
        other => panic!("`{group} list -o json` prints an array, got {other}"),
    }
}

/// Tenant `acme` with project `demo` (a local bare repo, which an admin may use).
fn acme_with_demo(server: &ServerProcess) -> tempfile::TempDir {
    let (guard, repo) = bare_repo();
    let out = server.cli(&["tenants", "create", "--name", "acme"], None);
    assert_success(&out, "tenants create --name acme");
    let repo = repo.display().to_string();
    let out = server.cli(
        &[
            "projects",
            "create",
            "--name",
            "demo",
            "--repo-url",
            &repo,
            "--tenant",
            "acme",
        ],
        None,
    );
    assert_success(&out, "projects create with a local bare repo as admin");
    guard
}

#[test]
fn projects_list_in_every_output_format() {
    let server = ServerProcess::start();
    let _repo = acme_with_demo(&server);

    let projects = json_list(&server, "projects");
    assert_eq!(projects.len(), 1, "one project was created: {projects:?}");
    assert_eq!(projects[0]["slug"], "demo", "slug derived from the name");
    assert_eq!(
        projects[0]["tenant_slug"], "acme",
        "the project names its tenant"
    );

    if have_tool("jq") {
        let out = server.cli(&["projects", "list", "-o", "json"], None);
        let mut jq = Command::new("jq");
        jq.args(["-e", r#".[0].slug == "demo""#]);
        let checked = run(jq, Some(&text(&out.stdout)));
        assert_success(&checked, "jq reads `projects list -o json` and finds demo");
    }

    for format in ["yaml", "table"] {
        let out = server.cli(&["projects", "list", "-o", format], None);
        assert_success(&out, &format!("projects list -o {format}"));
        assert!(
            text(&out.stdout).contains("demo"),
            "-o {format} shows the project: {}",
            text(&out.stdout)
        );
    }
}

/// Observed mapping of API errors to exit codes: 400 invalid_input → 1, 409 conflict → 1,
/// 401 → 3, 404 not_found → 4. An unknown tenant named in a create body is a 400 (the
/// request is invalid), not a 404 (the route exists), so it exits 1.
#[test]
fn refused_writes_print_one_error_line_and_leave_nothing_behind() {
    let server = ServerProcess::start();
    let (_guard, repo) = bare_repo();
    let repo = repo.display().to_string();
    let _demo = acme_with_demo(&server);

    let out = server.cli(&["tenants", "create", "--name", ""], None);
    assert_one_line_error(&out, 1, &["name"], "an empty tenant name is invalid input");

    let out = server.cli(&["tenants", "create", "--name", "acme"], None);
    assert_one_line_error(
        &out,
        1,
        &["acme", "exists"],
        "a second tenant with slug acme is a conflict",
    );

    let out = server.cli(
        &[
            "projects",
            "create",
            "--name",
            "other",
            "--repo-url",
            &repo,
            "--tenant",
            "nosuch",
        ],
        None,
    );
    assert_one_line_error(
        &out,
        1,
        &["nosuch"],
        "a project in an unknown tenant is refused",
    );

    assert_eq!(
        json_list(&server, "tenants").len(),
        1,
        "the refused creates added no tenant"
    );
    assert_eq!(
        json_list(&server, "projects").len(),
        1,
        "the refused create added no project"
    );
    if have_tool("sqlite3") {
        let db = server.data_dir.join("aiops.db");
        assert_eq!(
            sqlite(&db, "SELECT count(*) FROM tenants"),
            "1",
            "the database holds only tenant acme"
        );
        assert_eq!(
            sqlite(&db, "SELECT count(*) FROM projects"),
            "1",
            "the database holds only project demo"
        );
    }
}

#[test]
fn exit_codes_say_what_kind_of_failure() {
    let server = ServerProcess::start();

    let out = server.cli(&["projects", "get", "999"], None);
    assert_one_line_error(&out, 4, &["999"], "a missing project is not found");

    let mut garbage = server.command(&["auth", "whoami"]);
    garbage.env(
        "AIOPS_API_KEY",
        "aiops_garbageGARBAGEgarbageGARBAGEgarbage1234",
    );
    let out = run(garbage, None);
    assert_one_line_error(&out, 3, &[], "a key the server never issued");

    let out = server.cli(
        &[
            "auth", "keys", "create", "--name", "short", "--scopes", "read", "-o", "json",
        ],
        None,
    );
    assert_success(&out, "auth keys create");
    let created: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("keys create -o json prints one object");
    let secret = created["secret"].as_str().expect("the new key's secret");
    let id = created["key"]["id"].as_i64().expect("the new key's id");

    let mut fresh = server.command(&["auth", "whoami"]);
    fresh.env("AIOPS_API_KEY", secret);
    assert_success(&run(fresh, None), "the new key works before revocation");

    let out = server.cli(&["auth", "keys", "revoke", &id.to_string()], None);
    assert_success(&out, "auth keys revoke");
    let mut revoked = server.command(&["auth", "whoami"]);
    revoked.env("AIOPS_API_KEY", secret);
    let out = run(revoked, None);
    assert_one_line_error(&out, 3, &[], "a revoked key is refused");
}

#[test]
fn whoami_json_is_one_object() {
    let server = ServerProcess::start();
    let out = server.cli(&["auth", "whoami", "-o", "json"], None);
    assert_success(&out, "auth whoami -o json");
    let me: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("whoami -o json is exactly one JSON document");
    assert!(me.is_object(), "whoami prints an object: {me}");
    assert_eq!(
        me["user"]["email"], ADMIN_EMAIL,
        "the admin key belongs to the admin"
    );
    assert_eq!(me["method"], "api_key", "authenticated by the API key");
}

#[test]
fn login_stores_a_private_credential_and_logout_forgets_it() {
    let server = ServerProcess::start();
    let whoami = || {
        let mut cmd = server.command(&["auth", "whoami"]);
        // Only what login stored: no key, and the URL from config.toml.
        cmd.env_remove("AIOPS_API_KEY").env_remove("AIOPS_URL");
        run(cmd, None)
    };

    let out = whoami();
    assert_one_line_error(&out, 3, &["login"], "before login there is no credential");

    let mut login = server.command(&[
        "login",
        "--url",
        &server.url,
        "--email",
        ADMIN_EMAIL,
        "--password-stdin",
        "--insecure-store",
    ]);
    login.env_remove("AIOPS_API_KEY").env_remove("AIOPS_URL");
    let out = run(login, Some(&format!("{ADMIN_PASSWORD}\n")));
    assert_success(&out, "login with the admin's password");

    let out = whoami();
    assert_success(&out, "whoami with the stored credential");
    assert!(
        text(&out.stdout).contains(ADMIN_EMAIL),
        "the stored key is the admin's: {}",
        text(&out.stdout)
    );

    let file = server.config_dir().join("aiops").join("credentials.toml");
    let mode = std::fs::metadata(&file)
        .unwrap_or_else(|e| panic!("--insecure-store writes {}: {e}", file.display()))
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the credentials file is readable by its owner only"
    );

    let mut logout = server.command(&["logout"]);
    logout.env_remove("AIOPS_API_KEY").env_remove("AIOPS_URL");
    assert_success(&run(logout, None), "logout");
    let out = whoami();
    assert_eq!(
        out.status.code(),
        Some(3),
        "after logout the CLI has no credential: {}",
        text(&out.stderr)
    );
}

#[test]
fn print_default_config_is_the_documented_toml() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut cmd = isolated(dir.path());
    cmd.args(["serve", "--print-default-config"]);
    let out = run(cmd, None);
    assert_success(&out, "serve --print-default-config");
    let config = text(&out.stdout);
    let parsed: toml::Table = config
        .parse()
        .unwrap_or_else(|e| panic!("the default config is valid TOML: {e}\n{config}"));
    assert!(
        config.contains(r#"bind = "127.0.0.1:8060""#),
        "the default bind is loopback port 8060: {config}"
    );
    assert_eq!(
        parsed["bind"].as_str(),
        Some("127.0.0.1:8060"),
        "bind parses to the default"
    );
}

#[test]
fn a_remote_bind_needs_allow_remote() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data").display().to_string();
    let mut cmd = isolated(dir.path());
    cmd.args(["serve", "--bind", "0.0.0.0:0", "--data-dir", &data]);
    let out = run(cmd, None);
    assert_ne!(
        out.status.code(),
        Some(0),
        "serve refuses 0.0.0.0 without consent"
    );
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.lines().count(),
        1,
        "the refusal is one line: {stderr:?}"
    );
    assert!(
        stderr.starts_with("error: ") && stderr.contains("--allow-remote"),
        "the refusal says how to consent: {stderr:?}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "the refusal comes before the data dir is created"
    );
}

/// Two control planes on one data dir would both run the jobs: the second `aiops serve`
/// (or the desktop's "This computer") is refused in one line naming the first one's URL.
#[test]
fn a_second_server_on_the_same_data_dir_is_refused() {
    let server = ServerProcess::start();
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = server.data_dir.display().to_string();
    let mut cmd = isolated(dir.path());
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--data-dir", &data]);
    let out = run(cmd, None);
    assert_eq!(out.status.code(), Some(1), "a busy data dir is an error");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(
        stderr.starts_with("error: another aiops control plane uses the data dir")
            && stderr.contains(&server.url),
        "the refusal names the running server: {stderr:?}"
    );
    // The first one is untouched.
    assert_success(&server.cli(&["auth", "whoami"], None), "whoami");
}

/// The setup token in `aiops serve`'s stdout creates the first admin once.
#[test]
fn the_setup_token_creates_the_first_admin_once() {
    let server = ServerProcess::start_fresh();
    let token = server.setup_token();

    let url = format!("{}/api/v1/auth/setup", server.url);
    let body = serde_json::json!({
        "token": token,
        "email": "first@example.com",
        "password": "a-long-setup-password",
    });
    let rt = runtime();
    let http = reqwest::Client::new();
    let post = |body: serde_json::Value| {
        rt.block_on(async { http.post(&url).json(&body).send().await })
            .expect("POST /auth/setup reaches the server")
    };

    let wrong = post(serde_json::json!({
        "token": "not-the-token",
        "email": "mallory@example.com",
        "password": "a-long-setup-password",
    }));
    assert_eq!(wrong.status().as_u16(), 401, "a wrong token is refused");

    let first = post(body.clone());
    assert_eq!(
        first.status().as_u16(),
        201,
        "the printed token creates the admin (a wrong try did not burn it)"
    );
    assert!(
        first.headers().contains_key("set-cookie"),
        "setup signs the new admin in"
    );

    let again = post(body);
    assert_eq!(again.status().as_u16(), 401, "the token works only once");

    let health = rt
        .block_on(server.public_client().health())
        .expect("GET /system/health");
    assert!(!health.needs_setup, "after setup the server has a user");
}

/// `aiops login` without `--insecure-store` keeps the key in the OS keychain (Secret
/// Service) and writes no credentials file. Needs the headless session of scripts/test
/// (a private D-Bus with an unlocked gnome-keyring): runs when `AIOPS_TEST_KEYCHAIN=1`.
#[test]
fn login_keeps_the_key_in_the_os_keychain() {
    if std::env::var("AIOPS_TEST_KEYCHAIN").as_deref() != Ok("1") {
        eprintln!("skipped: set AIOPS_TEST_KEYCHAIN=1 inside scripts/headless to run");
        return;
    }
    let server = ServerProcess::start();
    let client_only = |args: &[&str]| {
        let mut cmd = server.command(args);
        cmd.env_remove("AIOPS_API_KEY").env_remove("AIOPS_URL");
        cmd
    };
    let login = client_only(&[
        "login",
        "--url",
        &server.url,
        "--email",
        ADMIN_EMAIL,
        "--password-stdin",
    ]);
    assert_success(
        &run(login, Some(&format!("{ADMIN_PASSWORD}\n"))),
        "login into the keychain",
    );
    let file = server.config_dir().join("aiops").join("credentials.toml");
    assert!(
        !file.exists(),
        "a keychain login leaves no plaintext file at {}",
        file.display()
    );
    let out = run(client_only(&["auth", "whoami", "-o", "json"]), None);
    assert_success(&out, "whoami with the key from the keychain");
    assert!(text(&out.stdout).contains(ADMIN_EMAIL));
    assert_success(&run(client_only(&["logout"]), None), "logout");
    let out = run(client_only(&["auth", "whoami"]), None);
    assert_eq!(
        out.status.code(),
        Some(3),
        "logout removed the key from the keychain: {}",
        text(&out.stderr)
    );
}
