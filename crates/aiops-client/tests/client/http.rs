//! The client against a scripted HTTP/1.1 server on port 0: what it sends (paths,
//! queries, credentials, CSRF) and how it reads answers (bodies, cookies, errors).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiops_client::{Client, ClientError, Credential, Secret};
use aiops_types::{
    ErrorCode, IssueListParams, IssueStatus, PageParams, ProjectListParams, Provider,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    /// `GET /api/v1/auth/me`
    line: String,
    /// Lower-cased names.
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn reply(status: u16, body: &str) -> Reply {
    Reply {
        status,
        headers: vec![],
        body: body.to_owned(),
    }
}

/// Serves every connection with `answer` and records what it was asked.
async fn serve(answer: fn(&Seen) -> Reply) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let log = log.clone();
            tokio::spawn(async move {
                let Some(req) = read_request(&mut sock).await else {
                    return;
                };
                log.lock().unwrap().push(req.clone());
                let r = answer(&req);
                let mut out = format!(
                    "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                    r.status,
                    r.body.len()
                );
                if !r.body.is_empty() {
                    out.push_str("content-type: application/json\r\n");
                }
                for (n, v) in &r.headers {
                    out.push_str(&format!("{n}: {v}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(&r.body);
                let _ = sock.write_all(out.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let line = lines.next()?.trim_end_matches(" HTTP/1.1").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
    Some(Seen {
        line,
        headers,
        body,
    })
}

const USER: &str = r#"{"id":1,"email":"a@example.com","name":"A","role":"admin","disabled":false,
    "created_at":"2026-01-02T03:04:05.678Z","updated_at":"2026-01-02T03:04:05Z"}"#;

fn tenant(slug: &str) -> String {
    format!(
        r##"{{"id":3,"slug":"{slug}","name":"T","color":"#112233","description":"",
        "created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}}"##
    )
}

const ISSUE: &str = r##"{"id":12,"project_id":7,"project_slug":"web","tenant_slug":"acme",
    "provider":"native","external_id":"#1","title":"Crash","description":"It crashes.",
    "status":"open","provider_status":"open","labels":["bug","ui"],"assignee":null,
    "author":"a@example.com","url":null,"comments":1,
    "created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:06Z"}"##;

const COMMENT: &str = r#"{"id":5,"issue_id":12,"author":"a@example.com","author_user_id":1,
    "body":"Seen it too.","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}"#;

fn router(req: &Seen) -> Reply {
    match req.line.as_str() {
        "POST /api/v1/auth/login" => Reply {
            status: 200,
            headers: vec![
                ("set-cookie", "theme=dark; Path=/".into()),
                (
                    "set-cookie",
                    "aiops_session=s3ss10n; HttpOnly; SameSite=Strict; Path=/".into(),
                ),
            ],
            body: format!(r#"{{"user":{USER},"csrf_token":"c5rf"}}"#),
        },
        "GET /api/v1/auth/me" => reply(
            200,
            &format!(
                r#"{{"user":{USER},"method":"api_key","scopes":["read","write"],"api_key_id":9}}"#
            ),
        ),
        "DELETE /api/v1/auth/keys/9" | "POST /api/v1/auth/logout" => reply(204, ""),
        "GET /api/v1/tenants/a%2Fb" => reply(200, &tenant("a/b")),
        "GET /api/v1/tenants?limit=2&cursor=abc" => reply(
            200,
            &format!(r#"{{"items":[{}],"next_cursor":"def"}}"#, tenant("t")),
        ),
        "GET /api/v1/projects?tenant=a+b%2Fc&slug=web" => reply(200, r#"{"items":[]}"#),
        "GET /api/v1/projects/7" => reply(
            404,
            r#"{"error":{"code":"not_found","message":"project 7 not found"}}"#,
        ),
        "GET /api/v1/system/health" => reply(200, r#"{"status":"ok"}"#),
        "GET /api/v1/issues?tenant=acme&project=7&provider=native&status=all&label=bug&q=crash+%26+burn&limit=5" => {
            reply(200, &format!(r#"{{"items":[{ISSUE}],"next_cursor":"c2"}}"#))
        }
        "GET /api/v1/issues/12/comments?cursor=c1" => {
            reply(200, &format!(r#"{{"items":[{COMMENT}]}}"#))
        }
        "POST /api/v1/issues/12/comments" => reply(201, COMMENT),
        "PUT /api/v1/issues/12/assignee" | "POST /api/v1/issues/12/close" => reply(200, ISSUE),
        "POST /api/v1/auth/keys" => Reply {
            status: 429,
            headers: vec![("retry-after", "12".into())],
            body: r#"{"error":{"code":"rate_limited","message":"slow down"}}"#.into(),
        },
        _ => reply(502, "<html>bad gateway</html>"),
    }
}

#[tokio::test]
async fn sends_the_api_key_as_bearer() {
    let (url, seen) = serve(router).await;
    let client = Client::new(&url, Credential::ApiKey(Secret::new("aiops_k"))).unwrap();
    let me = client.me().await.unwrap();
    assert_eq!(me.api_key_id, Some(9));
    client.revoke_key(9).await.unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].header("authorization"), Some("Bearer aiops_k"));
    assert_eq!(seen[0].header("cookie"), None);
    assert_eq!(seen[1].line, "DELETE /api/v1/auth/keys/9");
    assert_eq!(
        seen[1].header("x-csrf-token"),
        None,
        "API keys need no CSRF token"
    );
}

#[tokio::test]
async fn login_returns_the_session_cookie_and_the_session_sends_csrf_on_writes() {
    let (url, seen) = serve(router).await;
    let client = Client::new(&url, Credential::None).unwrap();
    let (info, cookie) = client
        .login("a@example.com", &Secret::new("pw"))
        .await
        .unwrap();
    assert_eq!(
        cookie.0.expose(),
        "s3ss10n",
        "the aiops_session cookie, not another one"
    );
    assert_eq!(info.csrf_token.expose(), "c5rf");

    let session = client.with_credential(cookie.into_credential(info.csrf_token.expose()));
    session.me().await.unwrap();
    session.logout().await.unwrap();

    let seen = seen.lock().unwrap();
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"email": "a@example.com", "password": "pw"})
    );
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(seen[1].header("cookie"), Some("aiops_session=s3ss10n"));
    assert_eq!(
        seen[1].header("x-csrf-token"),
        None,
        "GET sends no CSRF token"
    );
    assert_eq!(seen[2].line, "POST /api/v1/auth/logout");
    assert_eq!(
        seen[2].header("x-csrf-token"),
        Some("c5rf"),
        "a write sends the CSRF token"
    );
}

#[tokio::test]
async fn encodes_slugs_and_queries() {
    let (url, _seen) = serve(router).await;
    let client = Client::new(&format!("{url}/"), Credential::None).unwrap();
    assert_eq!(client.get_tenant("a/b").await.unwrap().slug, "a/b");
    let page = client
        .list_tenants(&PageParams {
            limit: Some(2),
            cursor: Some("abc".into()),
        })
        .await
        .unwrap();
    assert_eq!(page.next_cursor.as_deref(), Some("def"));
    let params = ProjectListParams {
        tenant: Some("a b/c".into()),
        slug: Some("web".into()),
        ..Default::default()
    };
    assert!(
        client
            .list_projects(&params)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn lists_issues_and_comments_with_their_filters() {
    let (url, seen) = serve(router).await;
    let client = Client::new(&url, Credential::ApiKey(Secret::new("aiops_k"))).unwrap();
    let params = IssueListParams {
        tenant: Some("acme".into()),
        project: Some(7),
        provider: Some(Provider::Native),
        status: Some("all".into()),
        label: Some("bug".into()),
        q: Some("crash & burn".into()),
        limit: Some(5),
        ..Default::default()
    };
    let page = client.list_issues(&params).await.unwrap();
    assert_eq!(page.next_cursor.as_deref(), Some("c2"));
    let issue = &page.items[0];
    assert_eq!((issue.id, issue.external_id.as_str()), (12, "#1"));
    assert_eq!(issue.status, IssueStatus::Open);
    assert_eq!(issue.labels, ["bug", "ui"]);
    assert_eq!(issue.closed_at, None, "an absent closed_at is none");

    let comments = client
        .list_comments(
            12,
            &PageParams {
                limit: None,
                cursor: Some("c1".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(comments.items[0].body, "Seen it too.");
    assert_eq!(comments.next_cursor, None);
    assert_eq!(seen.lock().unwrap().len(), 2, "one request per call");
}

#[tokio::test]
async fn writes_issue_bodies() {
    let (url, seen) = serve(router).await;
    let client = Client::new(&url, Credential::ApiKey(Secret::new("aiops_k"))).unwrap();
    let comment = client.add_comment(12, "Seen it too.").await.unwrap();
    assert_eq!((comment.id, comment.issue_id), (5, 12));
    client.assign_issue(12, None).await.unwrap();
    client
        .assign_issue(12, Some("b@example.com"))
        .await
        .unwrap();
    client.close_issue(12).await.unwrap();

    let seen = seen.lock().unwrap();
    let json = |i: usize| serde_json::from_str::<serde_json::Value>(&seen[i].body).unwrap();
    assert_eq!(seen[0].line, "POST /api/v1/issues/12/comments");
    assert_eq!(json(0), serde_json::json!({"body": "Seen it too."}));
    assert_eq!(seen[1].line, "PUT /api/v1/issues/12/assignee");
    assert_eq!(
        json(1),
        serde_json::json!({"assignee": null}),
        "unassigning sends an explicit null"
    );
    assert_eq!(json(2), serde_json::json!({"assignee": "b@example.com"}));
    assert_eq!(seen[3].line, "POST /api/v1/issues/12/close");
    assert!(seen[3].body.is_empty(), "close sends no body");
}

#[tokio::test]
async fn maps_error_answers() {
    let (url, _seen) = serve(router).await;
    let client = Client::new(&url, Credential::ApiKey(Secret::new("aiops_k"))).unwrap();

    let err = client.get_project(7).await.unwrap_err();
    assert_eq!(err.to_string(), "not_found: project 7 not found");
    assert_eq!(err.exit_code(), 4);

    let err = client
        .create_key(&aiops_types::CreateApiKey {
            name: "n".into(),
            scopes: vec![aiops_types::Scope::Read],
            expires_in_days: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::RateLimited));
    assert_eq!(
        err.to_string(),
        "rate_limited: slow down (retry after 12 s)"
    );

    let err = client.status().await.unwrap_err();
    assert_eq!(err.to_string(), "unavailable: HTTP 502 Bad Gateway");

    let err = client.health().await.unwrap_err();
    assert!(matches!(err, ClientError::Decode(_)), "{err}");
    assert!(err.to_string().contains("/api/v1/system/health"), "{err}");
}

#[tokio::test]
async fn names_the_server_it_cannot_reach() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::new(&format!("http://127.0.0.1:{port}"), Credential::None).unwrap();
    let err = client.health().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot reach http://127.0.0.1:{port}: connection refused")
    );
    assert_eq!(err.exit_code(), 1);
}

#[tokio::test]
async fn gives_up_after_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accept, then never answer.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let client = Client::builder(&url)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.health().await.unwrap_err();
    assert_eq!(err.to_string(), format!("cannot reach {url}: timed out"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the timeout applies"
    );
}
