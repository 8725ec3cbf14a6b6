//! Revoked access ends live connections, from the attacker's side: an event stream and a
//! terminal opened with a key end within moments of the key being revoked, the user
//! disabled, or the member removed from the session's tenant; and the removed member can
//! no longer reach their sessions in that tenant.

use std::time::Duration;

use aiops_client::{Client, ClientError, Credential, Secret};
use aiops_types::{ErrorCode, SendText, UpdateUser};
use tokio::task::JoinHandle;

use crate::common::{ServerProcess, assert_success, runtime, text};
use crate::sessions::{project_on, seeded_repo};
use crate::terminal::{Term, shell_session};
use crate::trackers::Member;

/// Longest a revoked connection may stay open in these tests (the server ends it at once;
/// the margin is for a loaded machine).
const ENDS_WITHIN: Duration = Duration::from_secs(5);
/// WebSocket close code 1008 (policy violation), with the reason `access revoked`.
const POLICY: u16 = 1008;

fn client(server: &ServerProcess, key: &str) -> Client {
    Client::new(&server.url, Credential::ApiKey(Secret::new(key))).expect("client")
}

/// Another API key for `email` (through the admin command on the data dir).
fn second_key(server: &ServerProcess, email: &str) -> String {
    let data = server.data_dir.display().to_string();
    let out = server.cli_offline(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--email",
            email,
        ],
        None,
    );
    assert_success(&out, "admin create-api-key");
    text(&out.stdout).trim().to_owned()
}

/// `GET /events` with `key`, running until the server ends it; returns once it is open.
async fn open_stream(server: &ServerProcess, key: &str) -> JoinHandle<Result<(), ClientError>> {
    let c = client(server, key);
    let (opened, open) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        c.follow_events_from(
            None,
            move || {
                let _ = opened.send(());
            },
            |_| true,
        )
        .await
    });
    open.await.expect("the event stream opened");
    task
}

async fn assert_stream_ends(stream: JoinHandle<Result<(), ClientError>>, what: &str) {
    let ended = tokio::time::timeout(ENDS_WITHIN, stream).await;
    let ended = ended.unwrap_or_else(|_| panic!("{what}: the event stream is still open"));
    ended
        .expect("stream task")
        .expect("the stream ends cleanly");
}

fn send(text: &str) -> SendText {
    SendText {
        text: text.into(),
        enter: true,
    }
}

#[test]
fn revoking_a_key_or_disabling_the_user_ends_their_streams_and_terminals() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let mona = Member::create(&server, "mona@example.com");
    let other_key = second_key(&server, "mona@example.com");
    let id = shell_session(&server, "Mona's shell", Some(&mona));
    runtime().block_on(async {
        let me = client(&server, &mona.key).me().await.unwrap();
        let key_id = me.api_key_id.expect("an API key");
        let stream = open_stream(&server, &mona.key).await;
        let mut term = Term::open(&server, id, &mona.key, "").await.unwrap();
        let other_stream = open_stream(&server, &other_key).await;
        let mut other_term = Term::open(&server, id, &other_key, "").await.unwrap();

        server.admin_client().revoke_key(key_id).await.unwrap();
        assert_stream_ends(stream, "revoked key").await;
        assert_eq!(
            term.wait_closed(ENDS_WITHIN).await,
            Some(POLICY),
            "revoked key"
        );
        // Mona's other key is untouched: its terminal still types.
        other_term.type_text("echo still-$((20+1))\r").await;
        other_term.wait_for(0, "still-21").await;

        server
            .admin_client()
            .update_user(
                me.user.id,
                &UpdateUser {
                    disabled: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_stream_ends(other_stream, "disabled user").await;
        assert_eq!(
            other_term.wait_closed(ENDS_WITHIN).await,
            Some(POLICY),
            "disabled user"
        );
        for key in [&mona.key, &other_key] {
            let refused = client(&server, key).send_to_session(id, &send("x")).await;
            assert!(
                matches!(
                    &refused,
                    Err(ClientError::Api {
                        code: ErrorCode::Unauthorized,
                        ..
                    })
                ),
                "send after revocation: {refused:?}"
            );
        }
    });
}

#[test]
fn a_member_removed_from_the_tenant_loses_streams_terminals_and_sessions_there() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let mona = Member::create(&server, "mona@example.com");
    let id = shell_session(&server, "Mona's shell", Some(&mona));
    let as_mona = client(&server, &mona.key);
    runtime().block_on(async {
        let me = as_mona.me().await.unwrap();
        as_mona
            .send_to_session(id, &send("echo before"))
            .await
            .expect("a member sends to her own session");
        let stream = open_stream(&server, &mona.key).await;
        let mut term = Term::open(&server, id, &mona.key, "").await.unwrap();

        server
            .admin_client()
            .remove_tenant_member("acme", me.user.id)
            .await
            .unwrap();
        assert_stream_ends(stream, "removed member").await;
        assert_eq!(
            term.wait_closed(ENDS_WITHIN).await,
            Some(POLICY),
            "removed member"
        );
        // Her key still works, but not on the tenant's sessions.
        as_mona.me().await.expect("the key itself is not revoked");
        let refused = as_mona.send_to_session(id, &send("echo after")).await;
        assert!(
            matches!(
                &refused,
                Err(ClientError::Api {
                    code: ErrorCode::NotFound,
                    ..
                })
            ),
            "send after removal: {refused:?}"
        );
        let refused = as_mona.session(id).await;
        assert!(
            matches!(
                &refused,
                Err(ClientError::Api {
                    code: ErrorCode::NotFound,
                    ..
                })
            ),
            "get after removal: {refused:?}"
        );
        let listed = as_mona.list_sessions(&Default::default()).await.unwrap();
        assert!(
            listed.items.iter().all(|s| s.id != id),
            "the session is not listed: {listed:?}"
        );
        assert_eq!(
            Term::open(&server, id, &mona.key, "").await.err(),
            Some(404),
            "the terminal cannot be reopened"
        );
        // The session itself runs on (the admin still sees it).
        server.admin_client().session(id).await.unwrap();
    });
}
