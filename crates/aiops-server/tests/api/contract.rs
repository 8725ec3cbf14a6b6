//! The API contract: bodies are JSON objects, a project with history is a 409 and not a
//! foreign-key 500, and the OpenAPI document lists the shared statuses, a description on
//! every response and the bounds validation enforces.

use aiops_client::ClientError;
use aiops_core::ports::{NewApiKeyRow, NewAudit, NewSessionRow, SessionStore};
use aiops_server::Settings;
use aiops_types::{CreateIssue, CreateProject, ErrorCode, MAX_PAGE_LIMIT};
use serde_json::{Value, json};

use crate::common::{TestServer, create_tenant};

async fn project(s: &TestServer) -> i64 {
    let admin = s.admin();
    create_tenant(&admin, "acme").await;
    admin
        .create_project(&CreateProject {
            tenant: "acme".into(),
            name: "web".into(),
            repo_url: "https://example.com/r.git".into(),
            ..Default::default()
        })
        .await
        .expect("create project")
        .id
}

#[tokio::test]
async fn a_json_array_body_is_a_400_and_fills_no_field() {
    let s = TestServer::start().await;
    let project = project(&s).await;
    let issue = s
        .admin()
        .create_issue(&CreateIssue {
            project,
            title: "the title".into(),
            ..Default::default()
        })
        .await
        .expect("create issue");
    let http = reqwest::Client::new();
    for body in [json!(["changed"]), json!("changed"), json!(42), json!(null)] {
        let r = http
            .patch(format!("{}/api/v1/issues/{}", s.url, issue.id))
            .bearer_auth(&s.admin_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            400,
            "a {body} body is refused, not read by position"
        );
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["code"], "invalid_input", "{err}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .contains("JSON object"),
            "says what a body must be: {err}"
        );
    }
    // A typo in a field name is refused, not silently ignored.
    let r = http
        .patch(format!("{}/api/v1/issues/{}", s.url, issue.id))
        .bearer_auth(&s.admin_key)
        .json(&json!({ "titel": "changed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "an unknown field is a 400");
    let err: Value = r.json().await.unwrap();
    assert!(
        err["error"]["message"].as_str().unwrap().contains("titel"),
        "names the unknown field: {err}"
    );
    let after = s.admin().get_issue(issue.id).await.unwrap();
    assert_eq!(
        after.title, "the title",
        "the refused bodies changed nothing"
    );
}

/// The tenant-member route reads its optional body itself: an array is refused there too,
/// while no body and `null` still mean "no role given".
#[tokio::test]
async fn the_optional_member_body_is_an_object_or_nothing() {
    let s = TestServer::start().await;
    create_tenant(&s.admin(), "acme").await;
    let (user_id, _) = s
        .user_with_key(
            "m@example.com",
            aiops_types::Role::Member,
            &[aiops_types::Scope::Read],
        )
        .await;
    let http = reqwest::Client::new();
    let put = |body: Option<&'static str>| {
        let mut req = http
            .put(format!("{}/api/v1/tenants/acme/members/{user_id}", s.url))
            .bearer_auth(&s.admin_key)
            .header("content-type", "application/json");
        if let Some(b) = body {
            req = req.body(b);
        }
        req.send()
    };
    assert_eq!(put(Some(r#"["admin"]"#)).await.unwrap().status(), 400);
    assert_eq!(put(None).await.unwrap().status(), 200);
    assert_eq!(put(Some("null")).await.unwrap().status(), 200);
    let r = put(Some(r#"{"role": "admin"}"#)).await.unwrap();
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["role"], "admin", "{m}");
}

#[tokio::test]
async fn deleting_a_project_with_sessions_on_record_is_a_409_that_says_why() {
    let s = TestServer::start().await;
    let project = project(&s).await;
    let me = s.admin().raw("GET", "/auth/me", &[], None).await.unwrap();
    let user_id = me.body.unwrap()["user"]["id"].as_i64().unwrap();
    // A session row as `sessions start` writes it; no tmux needed for the record.
    let db = aiops_db::Db::open(&Settings::for_data_dir(s.data_dir.path()).db_path(), 1)
        .expect("open the server's database");
    db.insert_session(
        &NewSessionRow {
            user_id,
            project_id: project,
            issue_id: None,
            tool: "shell".into(),
            yolo: false,
            prompt: String::new(),
            branch: "aiops/test".into(),
            worktree_path: "/nonexistent".into(),
            name_hint: "test".into(),
            sandbox: "none".into(),
            host_id: None,
            host_name: None,
        },
        &NewApiKeyRow {
            user_id,
            name: "session".into(),
            prefix: "aiops_test".into(),
            digest: vec![7; 32],
            scopes: vec![],
            expires_at: None,
        },
        NewAudit::new(Some(user_id), "test", "session.start"),
    )
    .expect("insert a session row");

    match s.admin().delete_project(project).await {
        Err(ClientError::Api {
            code: ErrorCode::Conflict,
            message,
            ..
        }) => assert!(message.contains("session"), "says why: {message}"),
        other => panic!("expected 409 conflict, got {other:?}"),
    }
    assert!(
        s.admin().get_project(project).await.is_ok(),
        "the project is still there"
    );
}

async fn openapi(s: &TestServer) -> Value {
    reqwest::get(format!("{}/api/openapi.json", s.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The served document is the route table's (serialized once at start), and Swagger UI
/// at `/api/docs` reads it from `/api/openapi.json`.
#[tokio::test]
async fn the_served_document_is_the_route_tables_and_swagger_ui_reads_it() {
    let s = TestServer::start().await;
    let resp = reqwest::get(format!("{}/api/openapi.json", s.url))
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/json");
    let served: Value = resp.json().await.unwrap();
    assert_eq!(served, serde_json::to_value(aiops_server::api().1).unwrap());
    let init = reqwest::get(format!("{}/api/docs/swagger-initializer.js", s.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains(r#""url": "/api/openapi.json""#), "{init}");
}

fn operations(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((format!("{} {path}", method.to_uppercase()), op));
        }
    }
    out
}

#[tokio::test]
async fn every_operation_documents_the_shared_statuses_and_every_response_a_description() {
    let s = TestServer::start().await;
    let doc = openapi(&s).await;
    let ops = operations(&doc);
    assert!(ops.len() > 100, "the whole route table: {}", ops.len());
    for (name, op) in ops {
        let responses = op["responses"].as_object().unwrap();
        for (status, r) in responses {
            let d = r["description"].as_str().unwrap_or("");
            assert!(!d.trim().is_empty(), "{name} {status} has no description");
        }
        let secured = op["security"].as_array().is_some_and(|reqs| {
            reqs.iter()
                .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        });
        if secured {
            for status in ["401", "403"] {
                assert!(responses.contains_key(status), "{name} lacks {status}");
            }
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        if params.iter().any(|p| p["in"] == "path") {
            assert!(responses.contains_key("404"), "{name} lacks 404");
            assert!(responses.contains_key("400"), "{name} lacks 400");
        }
        if op.get("requestBody").is_some() {
            assert!(responses.contains_key("400"), "{name} lacks 400");
        }
    }
}

#[tokio::test]
async fn bounds_and_media_types_are_machine_readable() {
    let s = TestServer::start().await;
    let doc = openapi(&s).await;
    let limit = doc["paths"]["/api/v1/issues"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("GET /issues takes limit");
    assert_eq!(limit["schema"]["minimum"], 1, "{limit}");
    assert_eq!(limit["schema"]["maximum"], MAX_PAGE_LIMIT, "{limit}");
    let title = &doc["components"]["schemas"]["CreateIssue"]["properties"]["title"];
    assert_eq!(title["minLength"], 1, "{title}");
    assert_eq!(
        title["maxLength"],
        aiops_core::issues::MAX_TITLE_CHARS,
        "{title}"
    );
    for (name, op) in operations(&doc) {
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        let schema = &body["content"]["application/json"]["schema"];
        let reference = schema["$ref"]
            .as_str()
            .or_else(|| schema["oneOf"][0]["$ref"].as_str())
            .unwrap_or_else(|| panic!("{name}: body schema {schema}"));
        let component = &doc["components"]["schemas"][reference.rsplit('/').next().unwrap()];
        assert!(
            component.get("example").is_some() || component.get("examples").is_some(),
            "{name}: {reference} has no example"
        );
    }
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("SetupRequest", "password"),
        ("CreateUser", "password"),
        ("ChangePassword", "new_password"),
    ] {
        let p = &schemas[schema]["properties"][field];
        assert_eq!(
            p["minLength"],
            aiops_core::secrets::MIN_PASSWORD_LEN,
            "{schema}.{field}"
        );
        assert_eq!(
            p["maxLength"],
            aiops_core::secrets::MAX_PASSWORD_LEN,
            "{schema}.{field}"
        );
        assert_eq!(p["format"], "password", "still marked secret: {p}");
    }
    let key = &schemas["AddSshKey"]["properties"];
    assert!(
        key["name"]["pattern"].as_str().unwrap().contains(&format!(
            "{{0,{}}}",
            aiops_core::ssh::MAX_KEY_NAME_CHARS - 2
        )),
        "the trimmed length is in the pattern: {}",
        key["name"]
    );
    assert_eq!(
        key["private_key"]["maxLength"],
        aiops_core::ssh::MAX_KEY_BYTES
    );
    let commit = &schemas["GitCommit"]["properties"];
    assert_eq!(
        commit["message"]["maxLength"],
        aiops_core::git::MAX_COMMIT_MESSAGE
    );
    assert_eq!(
        commit["files"]["maxItems"],
        aiops_core::git::MAX_COMMIT_FILES
    );
    assert_eq!(
        schemas["StagePaths"]["properties"]["paths"]["maxItems"],
        aiops_core::git::changes::MAX_FILES
    );
    let mcp = &schemas["CreateMcpServer"]["properties"];
    assert_eq!(mcp["command"]["maxItems"], aiops_core::validate::MAX_ARGS);
    assert_eq!(mcp["env"]["maxProperties"], aiops_core::mcp::MAX_ENV);
    for field in ["args", "yolo_args"] {
        assert_eq!(
            schemas["PutTool"]["properties"][field]["maxItems"],
            aiops_core::validate::MAX_ARGS
        );
    }
    let servers = doc["paths"]["/api/v1/mcp/servers"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "project")
        .expect("GET /mcp/servers takes project");
    assert_eq!(
        servers["schema"]["pattern"], mcp["project"]["pattern"],
        "{servers}"
    );
    assert!(servers["schema"]["pattern"].is_string(), "{servers}");
    for (name, op) in operations(&doc) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["name"] == "cursor" {
                assert_eq!(
                    p["schema"]["pattern"],
                    aiops_core::page::CURSOR_PATTERN,
                    "{name}"
                );
            }
        }
    }
    let events = &doc["paths"]["/api/v1/events"]["get"]["responses"]["200"]["content"];
    assert!(
        events.get("text/event-stream").is_some(),
        "/events is a stream: {events}"
    );
}
