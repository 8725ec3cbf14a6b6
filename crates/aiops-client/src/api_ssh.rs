//! Typed methods for SSH keys (`/me/ssh-keys`, `/projects/{id}/deploy-key`) and known
//! hosts (`/known-hosts`).

use aiops_types::{AddSshKey, ConfirmKnownHost, KnownHost, KnownHostQuery, SshKey};
use reqwest::Method;

use crate::client::Client;
use crate::error::ClientError;

type Result<T> = std::result::Result<T, ClientError>;

impl Client {
    /// `GET /me/ssh-keys`
    pub async fn ssh_keys(&self) -> Result<Vec<SshKey>> {
        self.get(&["me", "ssh-keys"], &()).await
    }

    /// `POST /me/ssh-keys`
    pub async fn add_ssh_key(&self, req: &AddSshKey) -> Result<SshKey> {
        self.with_body(Method::POST, &["me", "ssh-keys"], req).await
    }

    /// `DELETE /me/ssh-keys/{id}`
    pub async fn delete_ssh_key(&self, id: i64) -> Result<()> {
        self.no_content::<()>(Method::DELETE, &["me", "ssh-keys", &id.to_string()], None)
            .await
    }

    /// `PUT /projects/{id}/deploy-key`
    pub async fn set_deploy_key(&self, project: i64, req: &AddSshKey) -> Result<SshKey> {
        self.with_body(
            Method::PUT,
            &["projects", &project.to_string(), "deploy-key"],
            req,
        )
        .await
    }

    /// `DELETE /projects/{id}/deploy-key`
    pub async fn delete_deploy_key(&self, project: i64) -> Result<()> {
        let path = ["projects", &project.to_string(), "deploy-key"];
        self.no_content::<()>(Method::DELETE, &path, None).await
    }

    /// `GET /known-hosts`
    pub async fn known_hosts(&self) -> Result<Vec<KnownHost>> {
        self.get(&["known-hosts"], &()).await
    }

    /// `POST /known-hosts/confirm`
    pub async fn confirm_known_host(&self, req: &ConfirmKnownHost) -> Result<KnownHost> {
        self.with_body(Method::POST, &["known-hosts", "confirm"], req)
            .await
    }

    /// `DELETE /known-hosts?host=…`
    pub async fn forget_known_host(&self, host: &str) -> Result<()> {
        let q = KnownHostQuery {
            host: host.to_owned(),
        };
        let resp = self
            .send(self.request(Method::DELETE, &["known-hosts"])?.query(&q))
            .await?;
        drop(resp);
        Ok(())
    }
}
