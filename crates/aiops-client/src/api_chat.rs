//! Typed methods for `/chat/integrations`: chat bots and their user mappings.

use aiops_types::{
    ChatIntegration, ChatIntegrationListParams, ChatTestResult, ChatUser, CreateChatIntegration,
    MapChatUser, Page, UpdateChatIntegration,
};
use reqwest::Method;

use crate::{Client, ClientError};

type Result<T> = std::result::Result<T, ClientError>;
const NO_QUERY: &[(&str, &str)] = &[];

impl Client {
    /// `GET /chat/integrations`
    pub async fn list_chat_integrations(
        &self,
        params: &ChatIntegrationListParams,
    ) -> Result<Page<ChatIntegration>> {
        self.get(&["chat", "integrations"], params).await
    }

    /// `POST /chat/integrations`
    pub async fn create_chat_integration(
        &self,
        req: &CreateChatIntegration,
    ) -> Result<ChatIntegration> {
        self.with_body(Method::POST, &["chat", "integrations"], req)
            .await
    }

    /// `GET /chat/integrations/{id}`
    pub async fn chat_integration(&self, id: i64) -> Result<ChatIntegration> {
        self.get(&["chat", "integrations", &id.to_string()], NO_QUERY)
            .await
    }

    /// `PATCH /chat/integrations/{id}`
    pub async fn update_chat_integration(
        &self,
        id: i64,
        req: &UpdateChatIntegration,
    ) -> Result<ChatIntegration> {
        self.with_body(
            Method::PATCH,
            &["chat", "integrations", &id.to_string()],
            req,
        )
        .await
    }

    /// `DELETE /chat/integrations/{id}`
    pub async fn delete_chat_integration(&self, id: i64) -> Result<()> {
        self.no_content::<()>(
            Method::DELETE,
            &["chat", "integrations", &id.to_string()],
            None,
        )
        .await
    }

    /// `POST /chat/integrations/{id}/test`
    pub async fn test_chat_integration(&self, id: i64) -> Result<ChatTestResult> {
        self.call(
            Method::POST,
            &["chat", "integrations", &id.to_string(), "test"],
        )
        .await
    }

    /// `GET /chat/integrations/{id}/users`
    pub async fn chat_users(&self, id: i64) -> Result<Vec<ChatUser>> {
        self.get(
            &["chat", "integrations", &id.to_string(), "users"],
            NO_QUERY,
        )
        .await
    }

    /// `PUT /chat/integrations/{id}/users`
    pub async fn map_chat_user(&self, id: i64, req: &MapChatUser) -> Result<ChatUser> {
        self.with_body(
            Method::PUT,
            &["chat", "integrations", &id.to_string(), "users"],
            req,
        )
        .await
    }

    /// `DELETE /chat/integrations/{id}/users/{platform_user_id}`
    pub async fn unmap_chat_user(&self, id: i64, platform_user_id: &str) -> Result<()> {
        self.no_content::<()>(
            Method::DELETE,
            &[
                "chat",
                "integrations",
                &id.to_string(),
                "users",
                platform_user_id,
            ],
            None,
        )
        .await
    }
}
