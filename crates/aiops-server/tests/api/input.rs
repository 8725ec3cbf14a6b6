//! Names the API passes on to git are checked at the boundary: a full ref name where a
//! branch name is asked for is a 400 with a clear message.

use aiops_client::ClientError;
use aiops_types::{CreateProject, ErrorCode};

use crate::common::{TestServer, create_tenant};

#[tokio::test]
async fn a_full_ref_name_is_not_a_default_branch() {
    let s = TestServer::start().await;
    let admin = s.admin();
    create_tenant(&admin, "acme").await;
    let r = admin
        .create_project(&CreateProject {
            tenant: "acme".into(),
            name: "web".into(),
            repo_url: "https://example.com/r.git".into(),
            default_branch: Some("refs/heads/main".into()),
            ..Default::default()
        })
        .await;
    match r {
        Err(ClientError::Api {
            code: ErrorCode::InvalidInput,
            message,
            ..
        }) => assert!(message.contains("refs/"), "says why: {message}"),
        other => panic!("expected 400 invalid_input, got {other:?}"),
    }
}
