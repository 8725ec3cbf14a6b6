//! A scripted tracker ([`FakeTrackers`]): every client it opens answers from one shared
//! [`TrackerScript`] and records its calls there, in order. Each call is one request.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use aiops_types::{IssueStatus, PullRequest, PullRequestState};

use super::unused;
use crate::tracker::{
    Changes, Connection, MergeOptions, NewPullRequest, NewRemoteIssue, RemoteComment, RemoteIssue,
    RemoteIssuePatch, SyncCursor, Target, Tracker, TrackerError, TrackerResult, Trackers,
};

/// An issue as a tracker reports it: `remote_id`, open, with `comments` comments.
pub(crate) fn remote_issue(remote_id: &str, comments: u32) -> RemoteIssue {
    let at = time::macros::datetime!(2026-12-07 12:00 UTC);
    RemoteIssue {
        remote_id: remote_id.to_owned(),
        external_id: format!("#{remote_id}"),
        title: format!("issue {remote_id}"),
        description: String::new(),
        status: IssueStatus::Open,
        provider_status: "open".into(),
        labels: Vec::new(),
        assignee: None,
        author: None,
        url: None,
        comments,
        created_at: at,
        updated_at: at,
        closed_at: None,
    }
}

/// Answers and recorded calls shared by every client [`FakeTrackers`] opens.
#[derive(Default)]
pub(crate) struct TrackerScript {
    /// The answer to `changes`, by target (`external`); a target not here panics.
    pub changes: Mutex<Vec<(String, TrackerResult<Changes>)>>,
    /// The issue `assign`, `start_progress` and `set_status` change and return.
    pub issue: Mutex<Option<RemoteIssue>>,
    /// The call (`changes`, `comments`, `assign`, `start_progress`, `set_status`,
    /// `add_comment`) that fails with this error instead of answering.
    pub fail: Mutex<Option<(&'static str, TrackerError)>>,
    /// Calls made, in order: `changes <target>`, `comments <id>`, `assign <id> <who>`,
    /// `start_progress <id>`, `set_status <id> <status>`, `add_comment <id>: <body>`.
    pub calls: Mutex<Vec<String>>,
    /// The cursor each `changes` call received, with its target.
    pub cursors: Mutex<Vec<(String, SyncCursor)>>,
    /// How many clients were opened.
    pub opened: AtomicU32,
}

impl TrackerScript {
    /// `changes` of `target` answers `answer`.
    pub(crate) fn answer(&self, target: &str, answer: TrackerResult<Changes>) {
        self.changes
            .lock()
            .unwrap()
            .push((target.to_owned(), answer));
    }

    /// The calls made so far.
    pub(crate) fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn call(&self, name: &str, text: String) -> TrackerResult<()> {
        self.calls.lock().unwrap().push(text);
        match &*self.fail.lock().unwrap() {
            Some((n, e)) if *n == name => Err(e.clone()),
            _ => Ok(()),
        }
    }

    fn changed(&self, f: impl FnOnce(&mut RemoteIssue)) -> RemoteIssue {
        let mut issue = self.issue.lock().unwrap();
        let i = issue
            .as_mut()
            .unwrap_or_else(|| unused("an issue verb without a scripted issue"));
        f(i);
        i.clone()
    }
}

/// Opens [`FakeTracker`]s on one shared script.
#[derive(Default, Clone)]
pub(crate) struct FakeTrackers(pub Arc<TrackerScript>);

impl Trackers for FakeTrackers {
    fn open(&self, _: &Connection) -> TrackerResult<Box<dyn Tracker>> {
        self.0.opened.fetch_add(1, Ordering::SeqCst);
        Ok(Box::new(FakeTracker {
            script: self.0.clone(),
            requests: AtomicU32::new(0),
        }))
    }
}

/// One client: answers from the script, counts its own requests (one per call).
pub(crate) struct FakeTracker {
    script: Arc<TrackerScript>,
    requests: AtomicU32,
}

impl FakeTracker {
    fn call(&self, name: &str, text: String) -> TrackerResult<()> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.script.call(name, text)
    }
}

impl Tracker for FakeTracker {
    fn test_connection(&self) -> TrackerResult<String> {
        unused("test_connection")
    }
    fn changes(&self, target: &Target, cursor: &SyncCursor) -> TrackerResult<Changes> {
        let t = &target.external;
        self.script
            .cursors
            .lock()
            .unwrap()
            .push((t.clone(), cursor.clone()));
        self.call("changes", format!("changes {t}"))?;
        let all = self.script.changes.lock().unwrap();
        all.iter()
            .find(|(n, _)| n == t)
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| unused(&format!("the changes of {t}")))
    }
    fn get_issue(&self, _: &Target, _: &str) -> TrackerResult<RemoteIssue> {
        unused("get_issue")
    }
    fn create_issue(&self, _: &Target, _: &NewRemoteIssue) -> TrackerResult<RemoteIssue> {
        unused("create_issue")
    }
    fn update_issue(
        &self,
        _: &Target,
        _: &str,
        _: &RemoteIssuePatch,
    ) -> TrackerResult<RemoteIssue> {
        unused("update_issue")
    }
    fn set_status(
        &self,
        _: &Target,
        remote_id: &str,
        status: IssueStatus,
    ) -> TrackerResult<RemoteIssue> {
        let text = format!("set_status {remote_id} {}", status.as_str());
        self.call("set_status", text)?;
        Ok(self.script.changed(|i| {
            i.status = status;
            status.as_str().clone_into(&mut i.provider_status);
        }))
    }
    fn start_progress(&self, _: &Target, remote_id: &str) -> TrackerResult<Option<RemoteIssue>> {
        self.call("start_progress", format!("start_progress {remote_id}"))?;
        Ok(Some(self.script.changed(|i| {
            "In Progress".clone_into(&mut i.provider_status);
        })))
    }
    fn assign(
        &self,
        _: &Target,
        remote_id: &str,
        assignee: Option<&str>,
    ) -> TrackerResult<RemoteIssue> {
        let who = assignee.unwrap_or("nobody");
        self.call("assign", format!("assign {remote_id} {who}"))?;
        Ok(self
            .script
            .changed(|i| i.assignee = assignee.map(str::to_owned)))
    }
    fn comments(&self, _: &Target, remote_id: &str) -> TrackerResult<Vec<RemoteComment>> {
        self.call("comments", format!("comments {remote_id}"))?;
        Ok(vec![comment(&format!("{remote_id}-1"), "first")])
    }
    fn add_comment(&self, _: &Target, remote_id: &str, body: &str) -> TrackerResult<RemoteComment> {
        self.call("add_comment", format!("add_comment {remote_id}: {body}"))?;
        Ok(comment(&format!("{remote_id}-new"), body))
    }
    fn edit_comment(&self, _: &Target, _: &str, _: &str, _: &str) -> TrackerResult<RemoteComment> {
        unused("edit_comment")
    }
    fn pull_requests(
        &self,
        _: &Target,
        _: Option<PullRequestState>,
        _: u32,
    ) -> TrackerResult<Vec<PullRequest>> {
        unused("pull_requests")
    }
    fn pull_request(&self, _: &Target, _: u64) -> TrackerResult<PullRequest> {
        unused("pull_request")
    }
    fn create_pull_request(&self, _: &Target, _: &NewPullRequest) -> TrackerResult<PullRequest> {
        unused("create_pull_request")
    }
    fn merge_pull_request(
        &self,
        _: &Target,
        _: u64,
        _: &MergeOptions,
    ) -> TrackerResult<PullRequest> {
        unused("merge_pull_request")
    }
    fn close_pull_request(&self, _: &Target, _: u64) -> TrackerResult<PullRequest> {
        unused("close_pull_request")
    }
    fn requests(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }
}

fn comment(remote_id: &str, body: &str) -> RemoteComment {
    let at = time::macros::datetime!(2026-12-07 12:00 UTC);
    RemoteComment {
        remote_id: remote_id.to_owned(),
        author: "someone".into(),
        body: body.to_owned(),
        created_at: at,
        updated_at: at,
    }
}
