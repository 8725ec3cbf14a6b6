//! Typed methods for session hosts (`/hosts…`, admins only).

use std::time::Duration;

use aiops_types::{Host, NewHost, UpdateHost};
use reqwest::Method;

use crate::client::Client;
use crate::error::ClientError;

type Result<T> = std::result::Result<T, ClientError>;

/// A host test logs in over SSH and asks each agent CLI its version (the server bounds
/// it at a minute).
const TEST_TIMEOUT: Duration = Duration::from_secs(90);

impl Client {
    /// `GET /hosts`
    pub async fn hosts(&self) -> Result<Vec<Host>> {
        self.get(&["hosts"], &()).await
    }

    /// `POST /hosts`
    pub async fn add_host(&self, req: &NewHost) -> Result<Host> {
        self.with_body(Method::POST, &["hosts"], req).await
    }

    /// `GET /hosts/{id}`
    pub async fn host(&self, id: i64) -> Result<Host> {
        self.get(&["hosts", &id.to_string()], &()).await
    }

    /// `PATCH /hosts/{id}`
    pub async fn update_host(&self, id: i64, req: &UpdateHost) -> Result<Host> {
        self.with_body(Method::PATCH, &["hosts", &id.to_string()], req)
            .await
    }

    /// `DELETE /hosts/{id}`
    pub async fn remove_host(&self, id: i64) -> Result<()> {
        self.no_content::<()>(Method::DELETE, &["hosts", &id.to_string()], None)
            .await
    }

    /// `POST /hosts/{id}/test`
    pub async fn test_host(&self, id: i64) -> Result<Host> {
        let rb = self
            .request(Method::POST, &["hosts", &id.to_string(), "test"])?
            .timeout(TEST_TIMEOUT);
        let resp = self.send(rb).await?;
        self.json(resp).await
    }
}
