//! Typed methods for `/automation`: targets, templates, runs and their log stream.

use aiops_types::{
    AutomationLogChunk, AutomationRun, AutomationRunListParams, AutomationTarget,
    AutomationTargetListParams, AutomationTemplate, AutomationTest, CreateAutomationTarget, Page,
    StartAutomationRun, UpdateAutomationTarget,
};
use reqwest::Method;

use crate::{Client, ClientError};

type Result<T> = std::result::Result<T, ClientError>;
const NO_QUERY: &[(&str, &str)] = &[];

/// One event of a run's log stream.
#[derive(Debug, Clone, PartialEq)]
pub enum RunLogEvent {
    Output(AutomationLogChunk),
    /// The run as it is when the stream ends (ended, unless the stream did not follow).
    End(Box<AutomationRun>),
}

impl Client {
    /// `GET /automation/targets`
    pub async fn list_automation_targets(
        &self,
        params: &AutomationTargetListParams,
    ) -> Result<Page<AutomationTarget>> {
        self.get(&["automation", "targets"], params).await
    }

    /// `POST /automation/targets`
    pub async fn create_automation_target(
        &self,
        req: &CreateAutomationTarget,
    ) -> Result<AutomationTarget> {
        self.with_body(Method::POST, &["automation", "targets"], req)
            .await
    }

    /// `GET /automation/targets/{id}`
    pub async fn automation_target(&self, id: i64) -> Result<AutomationTarget> {
        self.get(&["automation", "targets", &id.to_string()], NO_QUERY)
            .await
    }

    /// `PATCH /automation/targets/{id}`
    pub async fn update_automation_target(
        &self,
        id: i64,
        req: &UpdateAutomationTarget,
    ) -> Result<AutomationTarget> {
        self.with_body(
            Method::PATCH,
            &["automation", "targets", &id.to_string()],
            req,
        )
        .await
    }

    /// `DELETE /automation/targets/{id}`
    pub async fn delete_automation_target(&self, id: i64) -> Result<()> {
        self.no_content::<()>(
            Method::DELETE,
            &["automation", "targets", &id.to_string()],
            None,
        )
        .await
    }

    /// `POST /automation/targets/{id}/test`
    pub async fn test_automation_target(&self, id: i64) -> Result<AutomationTest> {
        self.call(
            Method::POST,
            &["automation", "targets", &id.to_string(), "test"],
        )
        .await
    }

    /// `GET /automation/targets/{id}/templates`
    pub async fn automation_templates(
        &self,
        id: i64,
        project_id: Option<i64>,
    ) -> Result<Vec<AutomationTemplate>> {
        let q: Vec<(&str, String)> = project_id
            .map(|p| ("project_id", p.to_string()))
            .into_iter()
            .collect();
        self.get(&["automation", "targets", &id.to_string(), "templates"], &q)
            .await
    }

    /// `POST /automation/runs`: queued; follow with [`Client::follow_automation_log`].
    pub async fn start_automation_run(&self, req: &StartAutomationRun) -> Result<AutomationRun> {
        self.with_body(Method::POST, &["automation", "runs"], req)
            .await
    }

    /// `GET /automation/runs`, newest first.
    pub async fn list_automation_runs(
        &self,
        params: &AutomationRunListParams,
    ) -> Result<Page<AutomationRun>> {
        self.get(&["automation", "runs"], params).await
    }

    /// `GET /automation/runs/{id}`
    pub async fn automation_run(&self, id: i64) -> Result<AutomationRun> {
        self.get(&["automation", "runs", &id.to_string()], NO_QUERY)
            .await
    }

    /// `POST /automation/runs/{id}/stop`
    pub async fn stop_automation_run(&self, id: i64) -> Result<AutomationRun> {
        self.call(
            Method::POST,
            &["automation", "runs", &id.to_string(), "stop"],
        )
        .await
    }

    /// `GET /automation/runs/{id}/log` (Server-Sent Events) from byte `offset`: calls
    /// `on_event` for each output chunk and the end, until it returns false. With
    /// `follow`, the stream lasts until the run ends.
    pub async fn follow_automation_log(
        &self,
        id: i64,
        offset: u64,
        follow: bool,
        mut on_event: impl FnMut(RunLogEvent) -> bool,
    ) -> Result<()> {
        let rb = self
            .request(Method::GET, &["automation", "runs", &id.to_string(), "log"])?
            .query(&[
                ("offset", offset.to_string()),
                ("follow", follow.to_string()),
            ])
            // A run may last hours (its own timeout bounds it).
            .timeout(std::time::Duration::from_secs(86_400));
        let resp = self.send(rb).await?;
        crate::sse::read(self, resp, |name, data| {
            let event = match name {
                "output" => serde_json::from_str(data).ok().map(RunLogEvent::Output),
                "end" => serde_json::from_str(data)
                    .ok()
                    .map(|r| RunLogEvent::End(Box::new(r))),
                _ => None,
            };
            event.is_none_or(&mut on_event)
        })
        .await
    }
}
