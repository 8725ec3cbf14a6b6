//! Login, keys, role caps, CSRF and the login rate limit, through the real client.

use aiops_client::ClientError;
use aiops_types::{AuthMethod, CreateApiKey, CreateTenant, ErrorCode, Role, Scope, Secret};

use crate::common::code;
use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestServer};

#[tokio::test]
async fn login_whoami_key_create_use_revoke() {
    let s = TestServer::start().await;
    let (info, cookie) = s
        .anonymous()
        .login(ADMIN_EMAIL, &aiops_client::Secret::new(ADMIN_PASSWORD))
        .await
        .expect("login with the right password");
    let session = s
        .anonymous()
        .with_credential(cookie.into_credential(info.csrf_token.expose()));
    let me = session.me().await.expect("whoami with the session cookie");
    assert_eq!(me.user.email, ADMIN_EMAIL);
    assert_eq!(me.method, AuthMethod::Session);
    assert_eq!(
        me.csrf_token.as_ref().map(Secret::expose),
        Some(info.csrf_token.expose())
    );

    let created = session
        .create_key(&CreateApiKey {
            name: "ci".into(),
            scopes: vec![Scope::Read],
            expires_in_days: Some(30),
        })
        .await
        .expect("a session may mint a key");
    assert!(created.secret.expose().starts_with("aiops_"));
    let keyed = s.client(created.secret.expose());
    let me = keyed.me().await.expect("the new key works");
    assert_eq!(me.method, AuthMethod::ApiKey);
    assert_eq!(me.scopes, vec![Scope::Read]);
    let listed = session.list_keys(&Default::default()).await.unwrap();
    assert!(
        listed
            .items
            .iter()
            .all(|k| !format!("{k:?}").contains(created.secret.expose())),
        "lists never show secrets"
    );

    // Used twice: the second answer comes from the auth cache, which revoking must empty.
    keyed.me().await.expect("the key works again");
    keyed.me().await.expect("and from the auth cache");
    session.revoke_key(created.key.id).await.expect("revoke");
    assert_eq!(
        code(keyed.me().await),
        ErrorCode::Unauthorized,
        "a revoked key is refused at once"
    );

    session.logout().await.expect("logout");
    assert_eq!(
        code(session.me().await),
        ErrorCode::Unauthorized,
        "the cookie dies with logout"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let s = TestServer::start().await;
    let wrong = s
        .anonymous()
        .login(ADMIN_EMAIL, &aiops_client::Secret::new("not-the-password"))
        .await;
    let unknown = s
        .anonymous()
        .login(
            "nobody@example.com",
            &aiops_client::Secret::new("whatever-123"),
        )
        .await;
    let (
        Err(ClientError::Api {
            code: c1,
            message: m1,
            ..
        }),
        Err(ClientError::Api {
            code: c2,
            message: m2,
            ..
        }),
    ) = (wrong, unknown)
    else {
        panic!("both logins must fail");
    };
    assert_eq!((c1, c2), (ErrorCode::Unauthorized, ErrorCode::Unauthorized));
    assert_eq!(m1, m2, "the message must not reveal which emails exist");
}

#[tokio::test]
async fn member_cannot_mint_admin_key_and_write_key_cannot_mint_admin() {
    let s = TestServer::start().await;
    let (_, member_key) = s
        .user_with_key("m@example.com", Role::Member, &[Scope::Read, Scope::Write])
        .await;
    let member = s.client(&member_key);
    let ask = |scopes: Vec<Scope>| CreateApiKey {
        name: "x".into(),
        scopes,
        expires_in_days: None,
    };
    assert_eq!(
        code(member.create_key(&ask(vec![Scope::Admin])).await),
        ErrorCode::Forbidden,
        "role caps scopes"
    );
    member
        .create_key(&ask(vec![Scope::Read, Scope::Write]))
        .await
        .expect("within the role");

    let write_only = s
        .admin()
        .create_key(&ask(vec![Scope::Read, Scope::Write]))
        .await
        .unwrap()
        .secret
        .expose()
        .to_owned();
    assert_eq!(
        code(
            s.client(&write_only)
                .create_key(&ask(vec![Scope::Admin]))
                .await
        ),
        ErrorCode::Forbidden,
        "a key cannot grant more than it holds"
    );
    assert_eq!(
        code(
            s.client(&write_only)
                .create_tenant(&CreateTenant {
                    name: "x".into(),
                    ..Default::default()
                })
                .await
        ),
        ErrorCode::Forbidden,
        "an admin's write key does not act as admin"
    );
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token() {
    let s = TestServer::start().await;
    let (info, cookie) = s
        .anonymous()
        .login(ADMIN_EMAIL, &aiops_client::Secret::new(ADMIN_PASSWORD))
        .await
        .unwrap();
    let forged = s
        .anonymous()
        .with_credential(cookie.clone().into_credential("not-the-token"));
    let req = CreateTenant {
        name: "acme".into(),
        ..Default::default()
    };
    assert_eq!(
        code(forged.create_tenant(&req).await),
        ErrorCode::CsrfFailed
    );
    forged.me().await.expect("reads need no CSRF token");
    let honest = s
        .anonymous()
        .with_credential(cookie.into_credential(info.csrf_token.expose()));
    honest
        .create_tenant(&req)
        .await
        .expect("with the token the write goes through");
    let tenants = s.admin().list_tenants(&Default::default()).await.unwrap();
    assert_eq!(
        tenants.items.len(),
        1,
        "the forged write left nothing behind"
    );
}

#[tokio::test]
async fn eleventh_bad_login_in_a_minute_is_rate_limited() {
    let s = TestServer::start().await;
    let bad = aiops_client::Secret::new("wrong-password");
    for i in 1..=10 {
        assert_eq!(
            code(s.anonymous().login(ADMIN_EMAIL, &bad).await),
            ErrorCode::Unauthorized,
            "attempt {i}"
        );
    }
    let eleventh = s.anonymous().login(ADMIN_EMAIL, &bad).await;
    assert_eq!(code(eleventh), ErrorCode::RateLimited);
    let right = s
        .anonymous()
        .login(ADMIN_EMAIL, &aiops_client::Secret::new(ADMIN_PASSWORD))
        .await;
    assert_eq!(
        code(right),
        ErrorCode::RateLimited,
        "even the right password waits out the window"
    );
    let raw = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", s.url))
        .json(&serde_json::json!({"email": ADMIN_EMAIL, "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 429);
    let retry: u64 = raw.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
}

#[tokio::test]
async fn disabled_users_lose_sessions_and_keys() {
    let s = TestServer::start().await;
    let (id, key) = s
        .user_with_key("d@example.com", Role::Member, &[Scope::Read])
        .await;
    for _ in 0..3 {
        s.client(&key)
            .me()
            .await
            .expect("works before (then from the auth cache)");
    }
    s.admin()
        .update_user(
            id,
            &aiops_types::UpdateUser {
                disabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(code(s.client(&key).me().await), ErrorCode::Unauthorized);
}

#[tokio::test]
async fn setup_token_works_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = aiops_server::open(aiops_server::Settings::for_data_dir(dir.path())).unwrap();
    let token = aiops_core::auth::issue_setup_token(state.db())
        .unwrap()
        .expect("no users yet");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/api/v1/auth/setup",
        listener.local_addr().unwrap()
    );
    tokio::spawn(aiops_server::serve(state, listener, std::future::pending()));
    let body = |t: &str| serde_json::json!({"token": t, "email": "first@example.com", "password": "first-password"});
    let http = reqwest::Client::new();
    assert_eq!(
        http.post(&url)
            .json(&body("wrong"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let ok = http.post(&url).json(&body(&token)).send().await.unwrap();
    assert_eq!(ok.status(), 201);
    assert!(
        ok.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("HttpOnly; SameSite=Strict")
    );
    assert_eq!(
        http.post(&url)
            .json(&body(&token))
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "token is single-use"
    );
}

#[tokio::test]
async fn features_tell_any_user_what_the_server_allows() {
    let s = TestServer::start().await;
    let f = s.admin().features().await.unwrap();
    assert!(!f.allow_yolo, "yolo is off unless the admin allows it");
    assert_eq!(f.max_sessions_per_user, 8);
    assert!(
        s.anonymous().features().await.is_err(),
        "needs a credential"
    );
}
