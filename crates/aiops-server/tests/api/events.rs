//! `/events`: Server-Sent Events scoped to what the caller may see, resumable with
//! `Last-Event-ID`.

use std::time::Duration;

use aiops_client::Client;
use aiops_types::{
    CreateIntegration, CreateProject, CreateProjectLink, Event, Provider, Role, Scope, SyncRequest,
};

use crate::common::{TestServer, create_tenant};

/// Longest wait for an event.
const WAIT: Duration = Duration::from_secs(30);

/// Tenant `t` with a GitHub integration that cannot be reached (its syncs fail fast, on
/// loopback) linked to a project; returns the integration id.
async fn failing_integration(admin: &Client, t: &str) -> i64 {
    create_tenant(admin, t).await;
    let i = admin
        .create_integration(&CreateIntegration {
            tenant: t.into(),
            provider: Provider::Github,
            name: format!("gh-{t}"),
            base_url: Some("http://127.0.0.1:9".into()),
            token: Some("ghp_eventsTestToken0123456789abcdefABC".into()),
            email: None,
            jira_close_transitions: None,
            jira_reopen_transitions: None,
            sync_interval_secs: Some(0),
        })
        .await
        .unwrap();
    let p = admin
        .create_project(&CreateProject {
            tenant: t.into(),
            name: "web".into(),
            repo_url: "https://example.com/r.git".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    admin
        .create_link(
            p.id,
            &CreateProjectLink {
                integration: i.id,
                external: "acme/web".into(),
                token: None,
            },
        )
        .await
        .unwrap();
    i.id
}

async fn sync(admin: &Client, integration: i64) {
    admin
        .request_sync(&SyncRequest {
            integration: Some(integration),
            ..Default::default()
        })
        .await
        .unwrap();
}

/// The first event of `kind` after `after` that `client` receives.
async fn next_of(client: &Client, after: Option<i64>, kind: &str) -> Event {
    let mut found = None;
    tokio::time::timeout(
        WAIT,
        client.follow_events(after, |e| {
            if e.kind == kind {
                found = Some(e);
                false
            } else {
                true
            }
        }),
    )
    .await
    .unwrap_or_else(|_| panic!("no {kind} event within {WAIT:?}"))
    .expect("the event stream");
    found.expect("the stream ended with the event")
}

#[tokio::test]
async fn events_are_scoped_to_the_callers_tenants_and_resume_after_last_event_id() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let a = failing_integration(&admin, "a").await;
    let b = failing_integration(&admin, "b").await;
    let (uid, key) = s
        .user_with_key("m@example.com", Role::Member, &[Scope::Read])
        .await;
    admin.add_tenant_member("a", uid).await.unwrap();
    let member = s.client(&key);

    // b's failure first, then a's: a member of a alone skips b's and gets a's.
    sync(&admin, b).await;
    let b_failed = next_of(&admin, Some(0), "sync.failed").await;
    assert_eq!(b_failed.payload["integration_id"], b);
    assert_eq!(
        b_failed.payload["integration_name"], "gh-b",
        "a notification can name the integration"
    );
    sync(&admin, a).await;
    let a_failed = next_of(&admin, Some(b_failed.id), "sync.failed").await;
    assert_eq!(
        a_failed.payload["integration_id"], a,
        "resumed after b's event"
    );
    assert!(a_failed.id > b_failed.id);

    let seen = next_of(&member, Some(0), "sync.failed").await;
    assert_eq!(
        seen.id, a_failed.id,
        "the member never sees tenant b's event"
    );
    assert!(
        !seen.payload.to_string().contains("ghp_"),
        "no token in events: {}",
        seen.payload
    );
}

#[tokio::test]
async fn the_stream_needs_a_credential_and_sends_event_stream() {
    let s = TestServer::start().await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/events", s.url);
    let anon = http.get(&url).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    let resp = http
        .get(&url)
        .bearer_auth(&s.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let bad = http
        .get(format!("{url}?after=x"))
        .bearer_auth(&s.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400, "a bad `after` is a 400, not a stream");
}
