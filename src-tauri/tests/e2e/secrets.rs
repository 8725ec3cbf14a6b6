//! No secret reaches the data dir in clear: after the auth flows run against the real
//! binary at its most verbose log level and the server stops gracefully, no file under
//! the data dir (database, WAL, logs) contains a password, an API key secret, a session
//! cookie or the setup token that went through it.

use std::path::Path;

use aiops_client::key_store::FileStore;
use aiops_client::{Credential, Secret};
use aiops_types::{ChangePassword, CreateApiKey, CreateUser, ErrorCode, Role, Scope};

use crate::common::{
    ADMIN_EMAIL, ADMIN_PASSWORD, ServerProcess, assert_success, files_under, runtime,
};

const LOG_LEVEL: (&str, &str) = ("AIOPS_LOG_LEVEL", "debug");
const MEMBER_EMAIL: &str = "member@example.com";
const MEMBER_PASSWORD: &str = "member-first-password-1";
const MEMBER_NEW_PASSWORD: &str = "member-second-password-2";
const WRONG_PASSWORD: &str = "not-the-admin-password-9";

/// Secrets that went through the server, each with what it is (for the failure message).
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: &str, value: &str) {
        assert!(value.len() >= 8, "{what} is long enough to search for");
        self.0.push((what.to_owned(), value.to_owned()));
    }
}

#[test]
fn auth_flows_leave_no_secret_in_the_data_dir() {
    let mut server = ServerProcess::start_with(true, &[LOG_LEVEL]);
    let mut secrets = Secrets::default();
    secrets.add("the admin's password", ADMIN_PASSWORD);
    secrets.add(
        "the admin key from `aiops admin create-api-key`",
        &server.admin_key,
    );
    secrets.add("a wrong password tried at login", WRONG_PASSWORD);
    secrets.add("the member's first password", MEMBER_PASSWORD);
    secrets.add("the member's new password", MEMBER_NEW_PASSWORD);

    let public = server.public_client();
    let admin = server.admin_client();
    runtime().block_on(async {
        let (info, cookie) = public
            .login(ADMIN_EMAIL, &Secret::new(ADMIN_PASSWORD))
            .await
            .expect("the admin logs in with the password");
        secrets.add("the admin's session cookie", cookie.0.expose());
        let session = public.with_credential(cookie.into_credential(info.csrf_token.expose()));

        let created = session
            .create_key(&CreateApiKey {
                name: "e2e".into(),
                scopes: vec![Scope::Read, Scope::Write],
                expires_in_days: Some(1),
            })
            .await
            .expect("a session mints an API key");
        secrets.add("a key minted over a session", created.secret.expose());
        let keyed = public.with_credential(Credential::ApiKey(created.secret));
        let me = keyed.me().await.expect("the minted key works");
        assert_eq!(me.api_key_id, Some(created.key.id), "it is that key");
        session
            .revoke_key(created.key.id)
            .await
            .expect("the session revokes the key");
        let refused = keyed.me().await.expect_err("a revoked key is refused");
        assert_eq!(
            refused.exit_code(),
            3,
            "refused as unauthenticated: {refused}"
        );

        let failed = public
            .login(ADMIN_EMAIL, &Secret::new(WRONG_PASSWORD))
            .await
            .expect_err("a wrong password does not log in");
        assert_eq!(failed.code(), Some(ErrorCode::Unauthorized), "{failed}");

        admin
            .create_user(&CreateUser {
                email: MEMBER_EMAIL.into(),
                name: None,
                role: Role::Member,
                password: MEMBER_PASSWORD.into(),
            })
            .await
            .expect("the admin creates a member with a password");
        let (info, cookie) = public
            .login(MEMBER_EMAIL, &Secret::new(MEMBER_PASSWORD))
            .await
            .expect("the member logs in");
        secrets.add("the member's first session cookie", cookie.0.expose());
        let member = public.with_credential(cookie.into_credential(info.csrf_token.expose()));
        member
            .change_password(&ChangePassword {
                current_password: MEMBER_PASSWORD.into(),
                new_password: MEMBER_NEW_PASSWORD.into(),
            })
            .await
            .expect("the member changes the password");
        let old = public
            .login(MEMBER_EMAIL, &Secret::new(MEMBER_PASSWORD))
            .await
            .expect_err("the old password no longer works");
        assert_eq!(old.code(), Some(ErrorCode::Unauthorized), "{old}");
        let (info, cookie) = public
            .login(MEMBER_EMAIL, &Secret::new(MEMBER_NEW_PASSWORD))
            .await
            .expect("the new password works");
        secrets.add("the member's second session cookie", cookie.0.expose());
        let member = public.with_credential(cookie.into_credential(info.csrf_token.expose()));
        let own = member
            .create_key(&CreateApiKey {
                name: "member".into(),
                scopes: vec![Scope::Read],
                expires_in_days: None,
            })
            .await
            .expect("the member mints a key");
        secrets.add("the member's key", own.secret.expose());
        member.logout().await.expect("the member logs out");
        session.logout().await.expect("the admin logs out");
    });

    // `aiops login` mints a key too, and keeps it outside the data dir.
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
    let out = crate::common::run(login, Some(&format!("{ADMIN_PASSWORD}\n")));
    assert_success(&out, "aiops login");
    let cli_key = FileStore::in_dir(&server.config_dir().join("aiops"))
        .get(&server.url)
        .expect("read the CLI's credentials file")
        .expect("aiops login stored a key for the server");
    secrets.add("the key `aiops login` minted", cli_key.expose());

    let status = server.terminate();
    assert!(
        status.success(),
        "SIGTERM stops the server cleanly ({status}); stderr:\n{}",
        server.stderr()
    );
    assert_no_secret_in(&server.data_dir, &secrets);
}

/// The setup token is printed on stdout only: neither it nor the first admin's password
/// may land in the database or the logs.
#[test]
fn the_setup_token_stays_out_of_the_data_dir() {
    let mut server = ServerProcess::start_with(false, &[LOG_LEVEL]);
    let token = server.setup_token();
    let password = "first-admin-setup-password";
    let mut secrets = Secrets::default();
    secrets.add("the setup token", &token);
    secrets.add("the first admin's password", password);

    let url = format!("{}/api/v1/auth/setup", server.url);
    let answer = runtime().block_on(async {
        let body = serde_json::json!({
            "token": token,
            "email": "first@example.com",
            "password": password,
        });
        reqwest::Client::new()
            .post(&url)
            .json(&body)
            .send()
            .await
            .expect("POST /auth/setup")
    });
    assert_eq!(answer.status().as_u16(), 201, "the printed token works");
    let cookie = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.strip_prefix("aiops_session="))
        .filter_map(|v| v.split(';').next())
        .find(|v| !v.is_empty())
        .expect("setup signs the admin in with a session cookie")
        .to_owned();
    secrets.add("the setup session cookie", &cookie);

    let status = server.terminate();
    assert!(
        status.success(),
        "SIGTERM stops the server cleanly ({status})"
    );
    assert_no_secret_in(&server.data_dir, &secrets);
}

/// Reads every file under `data_dir` and fails on any secret found in it. Also insists
/// on a non-empty log file, so a clean scan means something.
fn assert_no_secret_in(data_dir: &Path, secrets: &Secrets) {
    let files = files_under(data_dir);
    let logs: Vec<_> = files
        .iter()
        .filter(|f| f.starts_with(data_dir.join("logs")))
        .collect();
    assert!(
        logs.iter()
            .any(|f| std::fs::metadata(f).is_ok_and(|m| m.len() > 0)),
        "the server wrote a non-empty log under {}/logs (files: {files:?})",
        data_dir.display()
    );
    assert!(
        files.iter().any(|f| f.ends_with("aiops.db")),
        "the database is among the scanned files: {files:?}"
    );
    let mut found = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        for (what, value) in &secrets.0 {
            if contains(&bytes, value.as_bytes()) {
                found.push(format!("{what} in {}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "secrets must never be stored or logged in clear; found:\n{}",
        found.join("\n")
    );
    eprintln!(
        "secrets: {} secrets absent from {} files: {files:?}",
        secrets.0.len(),
        files.len()
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
