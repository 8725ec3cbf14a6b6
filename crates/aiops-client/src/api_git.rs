//! Typed methods for git on working copies (`/projects/{id}/git/…`) and pull requests
//! (`/projects/{id}/pulls…`).

use aiops_types::{
    CreatePullRequest, FileContent, FileEntry, GitBranch, GitBranchInfo, GitCommit, GitCommitInfo,
    GitDiff, GitPull, GitPush, GitRangeQuery, GitResult, GitStatus, GitWhere, MergePullRequest,
    PullRequest, PullRequestQuery, WorkflowRequest, WorkflowResult, WorkflowVerb,
};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::error::ClientError;

type Result<T> = std::result::Result<T, ClientError>;

/// Verbs that talk to a remote (fetch, push, the code host) get the server's own git
/// deadline (600 s) plus a margin instead of the client's default request timeout.
const REMOTE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(660);

impl Client {
    async fn git_get<T: DeserializeOwned, Q: Serialize>(
        &self,
        project: i64,
        verb: &str,
        q: &Q,
    ) -> Result<T> {
        self.get(&["projects", &project.to_string(), "git", verb], q)
            .await
    }

    /// POST with [`REMOTE_TIMEOUT`].
    async fn post_remote<T: DeserializeOwned, B: Serialize>(
        &self,
        segments: &[&str],
        body: &B,
    ) -> Result<T> {
        let rb = self
            .request(Method::POST, segments)?
            .timeout(REMOTE_TIMEOUT)
            .json(body);
        let resp = self.send(rb).await?;
        self.json(resp).await
    }

    async fn git_post<T: DeserializeOwned, B: Serialize>(
        &self,
        project: i64,
        verb: &str,
        body: &B,
    ) -> Result<T> {
        self.post_remote(&["projects", &project.to_string(), "git", verb], body)
            .await
    }

    /// `GET /projects/{id}/git/status`
    pub async fn git_status(&self, project: i64, at: &GitWhere) -> Result<GitStatus> {
        self.git_get(project, "status", at).await
    }

    /// `GET /projects/{id}/git/files`
    pub async fn git_files(&self, project: i64, at: &GitWhere) -> Result<Vec<FileEntry>> {
        self.git_get(project, "files", at).await
    }

    /// `GET /projects/{id}/git/cat`
    pub async fn git_cat(&self, project: i64, at: &GitWhere) -> Result<FileContent> {
        self.git_get(project, "cat", at).await
    }

    /// `GET /projects/{id}/git/branches`
    pub async fn git_branches(&self, project: i64, at: &GitWhere) -> Result<Vec<GitBranchInfo>> {
        self.git_get(project, "branches", at).await
    }

    /// `GET /projects/{id}/git/log`
    pub async fn git_log(&self, project: i64, q: &GitRangeQuery) -> Result<Vec<GitCommitInfo>> {
        self.git_get(project, "log", q).await
    }

    /// `GET /projects/{id}/git/diff`
    pub async fn git_diff(&self, project: i64, q: &GitRangeQuery) -> Result<GitDiff> {
        self.git_get(project, "diff", q).await
    }

    /// `POST /projects/{id}/git/pull`
    pub async fn git_pull(&self, project: i64, req: &GitPull) -> Result<GitResult> {
        self.git_post(project, "pull", req).await
    }

    /// `POST /projects/{id}/git/push`
    pub async fn git_push(&self, project: i64, req: &GitPush) -> Result<GitResult> {
        self.git_post(project, "push", req).await
    }

    /// `POST /projects/{id}/git/commit`
    pub async fn git_commit(&self, project: i64, req: &GitCommit) -> Result<GitResult> {
        self.git_post(project, "commit", req).await
    }

    /// `POST /projects/{id}/git/branch`
    pub async fn git_branch(&self, project: i64, req: &GitBranch) -> Result<GitResult> {
        self.git_post(project, "branch", req).await
    }

    /// `POST /projects/{id}/git/checkout`
    pub async fn git_checkout(&self, project: i64, req: &GitBranch) -> Result<GitResult> {
        self.git_post(project, "checkout", req).await
    }

    /// `POST /issues/{id}/workflow/{verb}`
    pub async fn workflow(
        &self,
        issue: i64,
        verb: WorkflowVerb,
        req: &WorkflowRequest,
    ) -> Result<WorkflowResult> {
        let path = ["issues", &issue.to_string(), "workflow", verb.as_str()];
        self.with_body(Method::POST, &path, req).await
    }

    /// `GET /projects/{id}/pulls`
    pub async fn pull_requests(
        &self,
        project: i64,
        q: &PullRequestQuery,
    ) -> Result<Vec<PullRequest>> {
        self.get(&["projects", &project.to_string(), "pulls"], q)
            .await
    }

    /// `GET /projects/{id}/pulls/{number}`: with its mergeability and checks while open.
    pub async fn pull_request(
        &self,
        project: i64,
        number: u64,
        q: &PullRequestQuery,
    ) -> Result<PullRequest> {
        self.get(
            &[
                "projects",
                &project.to_string(),
                "pulls",
                &number.to_string(),
            ],
            q,
        )
        .await
    }

    /// `POST /projects/{id}/pulls`
    pub async fn create_pull_request(
        &self,
        project: i64,
        req: &CreatePullRequest,
    ) -> Result<PullRequest> {
        self.with_body(
            Method::POST,
            &["projects", &project.to_string(), "pulls"],
            req,
        )
        .await
    }

    /// `POST /projects/{id}/pulls/{number}/merge`
    pub async fn merge_pull_request(
        &self,
        project: i64,
        number: u64,
        req: &MergePullRequest,
    ) -> Result<PullRequest> {
        let path = [
            "projects",
            &project.to_string(),
            "pulls",
            &number.to_string(),
            "merge",
        ];
        self.post_remote(&path, req).await
    }

    /// `POST /projects/{id}/pulls/{number}/close`
    pub async fn close_pull_request(
        &self,
        project: i64,
        number: u64,
        q: &PullRequestQuery,
    ) -> Result<PullRequest> {
        let path = [
            "projects",
            &project.to_string(),
            "pulls",
            &number.to_string(),
            "close",
        ];
        let resp = self
            .send(self.request(Method::POST, &path)?.query(q))
            .await?;
        self.json(resp).await
    }
}
