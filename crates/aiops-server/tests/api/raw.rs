//! `Client::raw`, the desktop webview's one way to the API: any answer comes back with
//! its status and JSON body (errors keep the server's envelope), the credential is the
//! client's own, and paths that could leave `/api/v1` never reach the server.

use aiops_client::ClientError;
use serde_json::json;

use crate::common::TestServer;

#[tokio::test]
async fn answers_keep_their_status_and_body_whatever_the_status() {
    let s = TestServer::start().await;
    let admin = s.admin();

    let me = admin.raw("GET", "/auth/me", &[], None).await.unwrap();
    assert_eq!(me.status, 200);
    assert_eq!(
        me.body.unwrap()["user"]["email"],
        crate::common::ADMIN_EMAIL
    );

    let created = admin
        .raw(
            "POST",
            "/tenants",
            &[],
            Some(&json!({ "name": "Acme Corp" })),
        )
        .await
        .unwrap();
    assert_eq!(created.status, 201, "{:?}", created.body);
    let slug = created.body.unwrap()["slug"].as_str().unwrap().to_owned();
    let query = [("limit".to_owned(), "1".to_owned())];
    let listed = admin.raw("GET", "/tenants", &query, None).await.unwrap();
    assert_eq!(listed.body.unwrap()["items"][0]["slug"], slug.as_str());

    let missing = admin.raw("GET", "/issues/999999", &[], None).await.unwrap();
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body.unwrap()["error"]["code"], "not_found");

    let invalid = admin
        .raw("POST", "/tenants", &[], Some(&json!({ "name": "" })))
        .await
        .unwrap();
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.body.unwrap()["error"]["field"], "name");

    let anonymous = s.client("aiops_not-a-real-key");
    let refused = anonymous.raw("GET", "/auth/me", &[], None).await.unwrap();
    assert_eq!(refused.status, 401);
}

#[tokio::test]
async fn paths_out_of_the_api_and_unknown_methods_are_refused_before_sending() {
    let s = TestServer::start().await;
    let admin = s.admin();
    for (method, path) in [
        ("GET", "/../openapi.json"),
        ("GET", "/issues/%2e%2e/%2e%2e/openapi.json"),
        ("GET", "//127.0.0.1:9/x"),
        ("TRACE", "/auth/me"),
    ] {
        let err = admin.raw(method, path, &[], None).await.unwrap_err();
        assert!(
            matches!(err, ClientError::InvalidInput(_)),
            "{method} {path}: {err:?}"
        );
    }
}
