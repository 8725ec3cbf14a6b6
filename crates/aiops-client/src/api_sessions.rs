//! Typed methods for agent sessions (`/sessions…`, `/issues/{id}/work`), the tool table
//! (`/tools…`) and the event stream (`/events`).

use aiops_types::{
    AttachInfo, Event, InstallTool, Job, Page, PutTool, SendText, Session, SessionListParams,
    SessionReport, StartSession, StartedSession, Tool, ToolStatus, Transcript, TranscriptParams,
    WorkIssue,
};
use reqwest::Method;

use crate::{Client, ClientError};

type Result<T> = std::result::Result<T, ClientError>;
const NO_QUERY: &[(&str, &str)] = &[];

impl Client {
    /// `POST /issues/{id}/work`: claim, prepare the worktree, start or reuse the session.
    pub async fn work_issue(&self, issue_id: i64, req: &WorkIssue) -> Result<StartedSession> {
        self.with_body(
            Method::POST,
            &["issues", &issue_id.to_string(), "work"],
            req,
        )
        .await
    }

    /// `POST /sessions`
    pub async fn start_session(&self, req: &StartSession) -> Result<StartedSession> {
        self.with_body(Method::POST, &["sessions"], req).await
    }

    /// `GET /sessions`
    pub async fn list_sessions(&self, params: &SessionListParams) -> Result<Page<Session>> {
        self.get(&["sessions"], params).await
    }

    /// `GET /sessions/{id}`
    pub async fn session(&self, id: i64) -> Result<Session> {
        self.get(&["sessions", &id.to_string()], NO_QUERY).await
    }

    /// `POST /sessions/{id}/events`
    pub async fn report_session(&self, id: i64, req: &SessionReport) -> Result<Session> {
        self.with_body(Method::POST, &["sessions", &id.to_string(), "events"], req)
            .await
    }

    /// `POST /sessions/{id}/kill`
    pub async fn kill_session(&self, id: i64) -> Result<Session> {
        self.call(Method::POST, &["sessions", &id.to_string(), "kill"])
            .await
    }

    /// `POST /sessions/{id}/respawn`
    pub async fn respawn_session(&self, id: i64) -> Result<Session> {
        self.call(Method::POST, &["sessions", &id.to_string(), "respawn"])
            .await
    }

    /// `POST /sessions/{id}/send`
    pub async fn send_to_session(&self, id: i64, req: &SendText) -> Result<()> {
        self.no_content(
            Method::POST,
            &["sessions", &id.to_string(), "send"],
            Some(req),
        )
        .await
    }

    /// `GET /sessions/{id}/logs`
    pub async fn session_logs(&self, id: i64, params: &TranscriptParams) -> Result<Transcript> {
        self.get(&["sessions", &id.to_string(), "logs"], params)
            .await
    }

    /// `GET /sessions/{id}/changes`: the worktree against its branch's base.
    pub async fn session_changes(&self, id: i64) -> Result<aiops_types::SessionChanges> {
        self.get(&["sessions", &id.to_string(), "changes"], NO_QUERY)
            .await
    }

    /// `GET /sessions/{id}/attach`
    pub async fn session_attach(&self, id: i64) -> Result<AttachInfo> {
        self.get(&["sessions", &id.to_string(), "attach"], NO_QUERY)
            .await
    }

    /// `GET /tools`
    pub async fn tools(&self) -> Result<Vec<Tool>> {
        self.get(&["tools"], NO_QUERY).await
    }

    /// `PUT /tools/{name}` (admin)
    pub async fn put_tool(&self, name: &str, req: &PutTool) -> Result<Tool> {
        self.with_body(Method::PUT, &["tools", name], req).await
    }

    /// `GET /tools/status` (admin): what is installed, where, at which version.
    pub async fn tools_status(&self) -> Result<Vec<ToolStatus>> {
        self.get(&["tools", "status"], NO_QUERY).await
    }

    /// `POST /tools/{name}/install` or `…/upgrade` (admin): the job doing it.
    pub async fn install_tool(&self, name: &str, upgrade: bool, req: &InstallTool) -> Result<Job> {
        let verb = if upgrade { "upgrade" } else { "install" };
        self.with_body(Method::POST, &["tools", name, verb], req)
            .await
    }

    /// `DELETE /tools/{name}` (admin)
    pub async fn delete_tool(&self, name: &str) -> Result<()> {
        self.no_content::<()>(Method::DELETE, &["tools", name], None)
            .await
    }

    /// `GET /events` as Server-Sent Events: calls `on_event` for each event until it
    /// returns false or the stream ends. `after` resumes after that event id
    /// (`Last-Event-ID`).
    pub async fn follow_events(
        &self,
        after: Option<i64>,
        on_event: impl FnMut(Event) -> bool,
    ) -> Result<()> {
        self.follow_events_from(after, || {}, on_event).await
    }

    /// [`follow_events`](Self::follow_events), calling `on_open` once the server has
    /// accepted the stream (before any event), e.g. to show the stream as live.
    pub async fn follow_events_from(
        &self,
        after: Option<i64>,
        on_open: impl FnOnce(),
        mut on_event: impl FnMut(Event) -> bool,
    ) -> Result<()> {
        // A stream lasts as long as the caller wants: lift the client's request timeout.
        let mut rb = self
            .request(Method::GET, &["events"])?
            .timeout(std::time::Duration::from_secs(86_400));
        if let Some(id) = after {
            rb = rb.header("Last-Event-ID", id.to_string());
        }
        let resp = self.send(rb).await?;
        on_open();
        crate::sse::read(self, resp, |_, data| {
            match serde_json::from_str::<Event>(data) {
                Ok(event) => on_event(event),
                Err(_) => true,
            }
        })
        .await
    }
}

impl Client {
    /// `GET /me/tool-credentials`
    pub async fn tool_credentials(&self) -> Result<Vec<aiops_types::ToolCredential>> {
        self.get(&["me", "tool-credentials"], NO_QUERY).await
    }

    /// `PUT /me/tool-credentials/{kind}`
    pub async fn set_tool_credential(
        &self,
        kind: aiops_types::ToolCredentialKind,
        value: &str,
    ) -> Result<aiops_types::ToolCredential> {
        let req = aiops_types::SetToolCredential {
            value: value.into(),
        };
        self.with_body(
            Method::PUT,
            &["me", "tool-credentials", kind.as_str()],
            &req,
        )
        .await
    }

    /// `DELETE /me/tool-credentials/{kind}`
    pub async fn delete_tool_credential(
        &self,
        kind: aiops_types::ToolCredentialKind,
    ) -> Result<()> {
        self.no_content::<()>(
            Method::DELETE,
            &["me", "tool-credentials", kind.as_str()],
            None,
        )
        .await
    }
}

impl Client {
    /// `GET /worktrees`
    pub async fn worktrees(
        &self,
        params: &aiops_types::WorktreeListParams,
    ) -> Result<Vec<aiops_types::Worktree>> {
        self.get(&["worktrees"], params).await
    }

    /// `POST /worktrees/remove`
    pub async fn remove_worktree(&self, req: &aiops_types::RemoveWorktree) -> Result<()> {
        self.no_content(Method::POST, &["worktrees", "remove"], Some(req))
            .await
    }
}
