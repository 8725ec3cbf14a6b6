//! GitLab provider (stub: being written).

use std::time::Duration;

use aiops_core::tracker::*;
use aiops_types::IssueStatus;

use crate::http::{AuthScheme, Http};

pub struct GitLab {
    #[allow(dead_code)]
    http: Http,
}

impl GitLab {
    pub fn open(c: &Connection, timeout: Duration) -> TrackerResult<Self> {
        Ok(Self {
            http: Http::new(
                &c.base_url,
                AuthScheme::Bearer(c.token.clone()),
                vec![],
                timeout,
            )?,
        })
    }
}

fn todo<T>() -> TrackerResult<T> {
    Err(TrackerError::Upstream("not implemented yet".into()))
}

impl Tracker for GitLab {
    fn test_connection(&self) -> TrackerResult<String> {
        todo()
    }
    fn changes(&self, _t: &Target, _c: &SyncCursor) -> TrackerResult<Changes> {
        todo()
    }
    fn get_issue(&self, _t: &Target, _r: &str) -> TrackerResult<RemoteIssue> {
        todo()
    }
    fn create_issue(&self, _t: &Target, _i: &NewRemoteIssue) -> TrackerResult<RemoteIssue> {
        todo()
    }
    fn update_issue(
        &self,
        _t: &Target,
        _r: &str,
        _p: &RemoteIssuePatch,
    ) -> TrackerResult<RemoteIssue> {
        todo()
    }
    fn set_status(&self, _t: &Target, _r: &str, _s: IssueStatus) -> TrackerResult<RemoteIssue> {
        todo()
    }
    fn assign(&self, _t: &Target, _r: &str, _a: Option<&str>) -> TrackerResult<RemoteIssue> {
        todo()
    }
    fn comments(&self, _t: &Target, _r: &str) -> TrackerResult<Vec<RemoteComment>> {
        todo()
    }
    fn add_comment(&self, _t: &Target, _r: &str, _b: &str) -> TrackerResult<RemoteComment> {
        todo()
    }
    fn edit_comment(
        &self,
        _t: &Target,
        _r: &str,
        _c: &str,
        _b: &str,
    ) -> TrackerResult<RemoteComment> {
        todo()
    }
    fn requests(&self) -> u32 {
        self.http.requests()
    }
}
