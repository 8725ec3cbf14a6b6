//! The route × auth-state matrix, generated from the router's own table (the OpenAPI
//! document that utoipa-axum builds from the same `routes!` registrations).
//!
//! Every operation must declare `security`: `[{}]` for public routes, otherwise
//! `[{"api_key": [<scope>]}]`. Each route is then called with no credential, a malformed
//! key, a revoked key, a key one scope too low, and a valid key of exactly the declared
//! scope. Path parameters name objects that do not exist and bodies are `{}`, so the
//! valid call proves the auth decision (any answer but 401/403) without changing state.

use aiops_types::Scope;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::TestServer;

struct Route {
    method: Method,
    path: String,
    /// None: public.
    scope: Option<Scope>,
}

fn routes(doc: &Value) -> (Vec<Route>, Vec<String>) {
    let mut routes = Vec::new();
    let mut undeclared = Vec::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let Some(security) = op.get("security").and_then(Value::as_array) else {
                undeclared.push(format!("{method} {path}"));
                continue;
            };
            let scope = match security.as_slice() {
                [req] if req.as_object().is_some_and(serde_json::Map::is_empty) => None,
                [req] => {
                    let s = req["api_key"][0]
                        .as_str()
                        .unwrap_or_else(|| panic!("{method} {path}: bad security {req}"));
                    Some(serde_json::from_value(Value::String(s.into())).expect("scope name"))
                }
                other => {
                    panic!("{method} {path}: expected one security requirement, got {other:?}")
                }
            };
            routes.push(Route {
                method,
                path: path.clone(),
                scope,
            });
        }
    }
    (routes, undeclared)
}

/// Fills path parameters with ids and slugs that exist nowhere.
fn concrete(path: &str) -> String {
    path.replace("{tenant}", "no-such-tenant")
        .replace("{id}", "999999")
        .replace("{user_id}", "999998")
        .replace("{comment_id}", "999997")
}

async fn call(
    http: &reqwest::Client,
    s: &TestServer,
    r: &Route,
    key: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = http.request(r.method.clone(), format!("{}{}", s.url, concrete(&r.path)));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if matches!(r.method, Method::POST | Method::PUT | Method::PATCH) {
        req = req.json(&serde_json::json!({}));
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    // An event stream never ends: its status is the answer.
    let streaming = resp
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if streaming {
        return (status, Value::Null);
    }
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_route_enforces_its_declared_auth_decision() {
    let s = TestServer::start().await;
    let http = reqwest::Client::new();
    let doc: Value = http
        .get(format!("{}/api/openapi.json", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (routes, undeclared) = routes(&doc);
    assert!(
        undeclared.is_empty(),
        "routes without a declared auth decision: {undeclared:?}"
    );
    assert!(
        routes.len() >= 25,
        "the matrix found only {} routes; is the document complete?",
        routes.len()
    );

    let mint = |scopes: &[Scope]| {
        aiops_server::admin::create_api_key(
            s.data_dir.path(),
            crate::common::ADMIN_EMAIL,
            "m",
            scopes,
        )
        .unwrap()
    };
    let by_scope = |scope: Scope| match scope {
        Scope::Read => mint(&[Scope::Read]).secret.expose().to_owned(),
        Scope::Write => mint(&[Scope::Read, Scope::Write])
            .secret
            .expose()
            .to_owned(),
        Scope::Admin => mint(&Scope::ALL).secret.expose().to_owned(),
    };
    let (read, write, admin) = (
        by_scope(Scope::Read),
        by_scope(Scope::Write),
        by_scope(Scope::Admin),
    );
    let revoked = mint(&Scope::ALL);
    s.admin().revoke_key(revoked.key.id).await.unwrap();
    let malformed = "aiops_this-is-not-a-key";

    let mut failures = Vec::new();
    let mut check = |route: &Route, state: &str, got: (StatusCode, Value), ok: bool| {
        if !ok {
            failures.push(format!(
                "{} {} [{state}] → {} {}",
                route.method, route.path, got.0, got.1
            ));
        }
    };
    for r in &routes {
        // The one exception: the terminal WebSocket upgrade refuses every caller without
        // a valid credential with 403 `forbidden`, like a foreign Origin (issue 4).
        let ws_upgrade = r.path == "/api/v1/sessions/{id}/terminal";
        let denied = |(st, body): &(StatusCode, Value), code: &str| {
            if ws_upgrade {
                return *st == StatusCode::FORBIDDEN && body["error"]["code"] == "forbidden";
            }
            *st == StatusCode::UNAUTHORIZED && body["error"]["code"] == code
        };
        let passed = |(st, body): &(StatusCode, Value)| {
            ![
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::METHOD_NOT_ALLOWED,
            ]
            .contains(st)
                && body["error"]["message"] != "no such route"
        };
        match r.scope {
            None => {
                for (state, key) in [("no credential", None), ("malformed key", Some(malformed))] {
                    let got = call(&http, &s, r, key).await;
                    let ok = passed(&got);
                    check(r, state, got, ok);
                }
            }
            Some(scope) => {
                for (state, key) in [
                    ("no credential", None),
                    ("malformed key", Some(malformed)),
                    ("revoked key", Some(revoked.secret.expose())),
                ] {
                    let got = call(&http, &s, r, key).await;
                    let ok = denied(&got, "unauthorized");
                    check(r, state, got, ok);
                }
                let lower = match scope {
                    Scope::Read => None,
                    Scope::Write => Some(&read),
                    Scope::Admin => Some(&write),
                };
                if let Some(k) = lower {
                    let got = call(&http, &s, r, Some(k)).await;
                    let ok =
                        got.0 == StatusCode::FORBIDDEN && got.1["error"]["code"] == "forbidden";
                    check(r, "wrong scope", got, ok);
                }
                let exact = match scope {
                    Scope::Read => &read,
                    Scope::Write => &write,
                    Scope::Admin => &admin,
                };
                let got = call(&http, &s, r, Some(exact)).await;
                let ok = passed(&got);
                check(r, "valid key", got, ok);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "auth matrix failures:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json_not_html() {
    let s = TestServer::start().await;
    let http = reqwest::Client::new();
    for (method, path, status, code) in [
        (Method::GET, "/api/v1/nope", 404, "not_found"),
        (
            Method::DELETE,
            "/api/v1/system/health",
            405,
            "method_not_allowed",
        ),
    ] {
        let resp = http
            .request(method, format!("{}{path}", s.url))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], code);
    }
    let resp = http
        .get(format!("{}/api/docs/", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        200,
        "the docs page is served from the binary"
    );
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && !csp.contains("script-src 'self' 'unsafe-inline'"),
        "{csp}"
    );
}

/// OpenAPI 3.1 §4.8.10: `operationId` is unique among all operations, so generated
/// clients (the web UI's types among them) name each operation once.
#[test]
fn every_operation_id_is_unique() {
    let (_, doc) = aiops_server::api();
    let doc = serde_json::to_value(&doc).unwrap();
    let mut seen = std::collections::BTreeMap::<String, String>::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            let at = format!("{method} {path}");
            if let Some(first) = seen.insert(id.clone(), at.clone()) {
                panic!("operationId `{id}` of {at} is also {first}'s");
            }
        }
    }
    assert!(seen.len() >= 90, "only {} operations", seen.len());
}
