//! Typed methods for the global agent instructions (`/agents/global…`).

use aiops_types::{
    AgentDiffParams, AgentInstructions, AgentInstructionsDiff, Page, PageParams,
    RollbackAgentInstructions, SetAgentInstructions,
};
use reqwest::Method;

use crate::{Client, ClientError};

type Result<T> = std::result::Result<T, ClientError>;
const NO_QUERY: &[(&str, &str)] = &[];

impl Client {
    /// `GET /agents/global`
    pub async fn agent_instructions(&self) -> Result<AgentInstructions> {
        self.get(&["agents", "global"], NO_QUERY).await
    }

    /// `PUT /agents/global` (admin)
    pub async fn set_agent_instructions(
        &self,
        req: &SetAgentInstructions,
    ) -> Result<AgentInstructions> {
        self.with_body(Method::PUT, &["agents", "global"], req)
            .await
    }

    /// `GET /agents/global/history`, newest first.
    pub async fn agent_instructions_history(
        &self,
        params: &PageParams,
    ) -> Result<Page<AgentInstructions>> {
        self.get(&["agents", "global", "history"], params).await
    }

    /// `GET /agents/global/diff?from=&to=`
    pub async fn agent_instructions_diff(
        &self,
        params: &AgentDiffParams,
    ) -> Result<AgentInstructionsDiff> {
        self.get(&["agents", "global", "diff"], params).await
    }

    /// `POST /agents/global/rollback` (admin)
    pub async fn rollback_agent_instructions(&self, version: i64) -> Result<AgentInstructions> {
        self.with_body(
            Method::POST,
            &["agents", "global", "rollback"],
            &RollbackAgentInstructions { version },
        )
        .await
    }
}
