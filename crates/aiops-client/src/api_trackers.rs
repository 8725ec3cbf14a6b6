//! Typed methods for tracker integrations, project links, personal credentials and sync
//! runs (`/integrations`, `/projects/{id}/links`, `/me/credentials`, `/issues/sync`,
//! `/sync-runs`).

use aiops_types::{
    ConnectionTest, CreateIntegration, CreateProjectLink, Integration, IntegrationListParams, Page,
    PersonalCredential, ProjectLink, SetPersonalCredential, SyncQueued, SyncRequest, SyncRun,
    SyncRunListParams, UpdateIntegration,
};
use reqwest::Method;

use crate::{Client, ClientError};

type Result<T> = std::result::Result<T, ClientError>;
const NO_QUERY: &[(&str, &str)] = &[];
const NO_BODY: Option<&()> = None;

impl Client {
    /// `GET /integrations?tenant=`
    pub async fn list_integrations(
        &self,
        params: &IntegrationListParams,
    ) -> Result<Page<Integration>> {
        self.get(&["integrations"], params).await
    }

    /// `POST /integrations` (admin); the token is write-only.
    pub async fn create_integration(&self, req: &CreateIntegration) -> Result<Integration> {
        self.with_body(Method::POST, &["integrations"], req).await
    }

    /// `GET /integrations/{id}`
    pub async fn get_integration(&self, id: i64) -> Result<Integration> {
        self.get(&["integrations", &id.to_string()], NO_QUERY).await
    }

    /// `PATCH /integrations/{id}` (admin); an empty token removes it.
    pub async fn update_integration(
        &self,
        id: i64,
        req: &UpdateIntegration,
    ) -> Result<Integration> {
        self.with_body(Method::PATCH, &["integrations", &id.to_string()], req)
            .await
    }

    /// `DELETE /integrations/{id}` (admin)
    pub async fn delete_integration(&self, id: i64) -> Result<()> {
        self.no_content(Method::DELETE, &["integrations", &id.to_string()], NO_BODY)
            .await
    }

    /// `POST /integrations/{id}/test`
    pub async fn test_integration(&self, id: i64) -> Result<ConnectionTest> {
        self.call(Method::POST, &["integrations", &id.to_string(), "test"])
            .await
    }

    /// `GET /projects/{id}/links`
    pub async fn list_links(&self, project: i64) -> Result<Vec<ProjectLink>> {
        self.get(&["projects", &project.to_string(), "links"], NO_QUERY)
            .await
    }

    /// `POST /projects/{id}/links` (admin)
    pub async fn create_link(&self, project: i64, req: &CreateProjectLink) -> Result<ProjectLink> {
        self.with_body(
            Method::POST,
            &["projects", &project.to_string(), "links"],
            req,
        )
        .await
    }

    /// `DELETE /projects/{id}/links/{link_id}` (admin)
    pub async fn delete_link(&self, project: i64, link_id: i64) -> Result<()> {
        self.no_content(
            Method::DELETE,
            &[
                "projects",
                &project.to_string(),
                "links",
                &link_id.to_string(),
            ],
            NO_BODY,
        )
        .await
    }

    /// `GET /me/credentials`
    pub async fn list_credentials(&self) -> Result<Vec<PersonalCredential>> {
        self.get(&["me", "credentials"], NO_QUERY).await
    }

    /// `PUT /me/credentials/{integration_id}`
    pub async fn set_credential(
        &self,
        integration: i64,
        req: &SetPersonalCredential,
    ) -> Result<PersonalCredential> {
        self.with_body(
            Method::PUT,
            &["me", "credentials", &integration.to_string()],
            req,
        )
        .await
    }

    /// `DELETE /me/credentials/{integration_id}`
    pub async fn delete_credential(&self, integration: i64) -> Result<()> {
        self.no_content(
            Method::DELETE,
            &["me", "credentials", &integration.to_string()],
            NO_BODY,
        )
        .await
    }

    /// `POST /issues/sync`: queues one run per integration (202).
    pub async fn request_sync(&self, req: &SyncRequest) -> Result<SyncQueued> {
        self.with_body(Method::POST, &["issues", "sync"], req).await
    }

    /// `GET /sync-runs/{id}`
    pub async fn get_sync_run(&self, id: i64) -> Result<SyncRun> {
        self.get(&["sync-runs", &id.to_string()], NO_QUERY).await
    }

    /// `GET /sync-runs?integration=`, newest first.
    pub async fn list_sync_runs(&self, params: &SyncRunListParams) -> Result<Page<SyncRun>> {
        self.get(&["sync-runs"], params).await
    }
}
