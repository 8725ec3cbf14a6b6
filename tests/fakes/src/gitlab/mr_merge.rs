//! Merging and rebasing merge requests, as documented at
//! <https://docs.gitlab.com/api/merge_requests/#merge-a-merge-request> and
//! <https://docs.gitlab.com/api/merge_requests/#rebase-a-merge-request> (behaviour listed
//! in [`super::merge_requests`]).

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use super::api::Caller;
use super::merge_requests::{FakeMrMerge, fake_sha, flag, locate, single, text};
use super::params::{self as parse, refuse};
use super::render::message;
use super::{GitLabState, Shared};

impl GitLabState {
    /// Ends the running rebase: a new head, or the failure asked for.
    pub(super) fn finish_rebase(&mut self, pi: usize, iid: u64) {
        let now = self.tick();
        let path = self.projects[pi].path.clone();
        let mr = self.projects[pi].merge_requests.get_mut(&iid).expect("mr");
        match mr.rebase_fails_with.take() {
            Some(e) => mr.merge_error = Some(e),
            None => {
                mr.merge_error = None;
                mr.sha = fake_sha(&format!("{path}@{} rebased {now}", mr.source_branch));
                mr.updated_at = now;
            }
        }
    }
}

/// `PUT /projects/:id/merge_requests/:iid/merge` — <https://docs.gitlab.com/api/merge_requests/#merge-a-merge-request>
pub(super) async fn merge_mr(
    State(s): State<Shared>,
    Extension(me): Extension<Caller>,
    Path((id, iid)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let params = match parse::body(&body) {
        Ok(p) => p,
        Err(e) => return refuse(e),
    };
    let mut st = s.lock().expect("state");
    let (pi, iid) = match locate(&st, &id, &iid) {
        Ok(found) => found,
        Err(m) => return message(404, m),
    };
    let p = &st.projects[pi];
    let mr = &p.merge_requests[&iid];
    if mr.state != "opened" || mr.draft() || !p.branches.contains(&mr.source_branch) {
        return message(405, "405 Method Not Allowed");
    }
    if mr.has_conflicts {
        return message(422, "Branch cannot be merged");
    }
    let sha = text(&params, "sha");
    if sha.as_ref().is_some_and(|s| *s != mr.sha) {
        let msg = format!("SHA does not match HEAD of source branch: {}", mr.sha);
        return message(409, &msg);
    }
    let squash = flag(&params, "squash").unwrap_or(mr.squash);
    let remove =
        flag(&params, "should_remove_source_branch").unwrap_or(mr.force_remove_source_branch);
    let now = st.tick();
    let project = st.projects[pi].path.clone();
    let p = &mut st.projects[pi];
    let mr = p.merge_requests.get_mut(&iid).expect("located");
    mr.state = "merged".into();
    mr.merged_at = Some(now);
    mr.updated_at = now;
    mr.merged_by = Some(me.0.clone());
    mr.squash = squash;
    mr.should_remove_source_branch = Some(remove);
    mr.merge_commit_sha = Some(fake_sha(&format!("{project}!{iid} merged {now}")));
    mr.squash_commit_sha = squash.then(|| fake_sha(&format!("{project}!{iid} squashed {now}")));
    let source = mr.source_branch.clone();
    if remove {
        p.branches.remove(&source);
    }
    st.merges.push(FakeMrMerge {
        project,
        iid,
        squash,
        should_remove_source_branch: remove,
        merge_commit_message: text(&params, "merge_commit_message"),
        squash_commit_message: text(&params, "squash_commit_message"),
        sha,
        by: me.0.clone(),
    });
    single(&st, pi, iid, 200, None)
}

/// `PUT /projects/:id/merge_requests/:iid/rebase` — <https://docs.gitlab.com/api/merge_requests/#rebase-a-merge-request>
pub(super) async fn rebase_mr(
    State(s): State<Shared>,
    Path((id, iid)): Path<(String, String)>,
) -> Response {
    let mut st = s.lock().expect("state");
    let (pi, iid) = match locate(&st, &id, &iid) {
        Ok(found) => found,
        Err(m) => return message(404, m),
    };
    let p = &st.projects[pi];
    let mr = &p.merge_requests[&iid];
    if mr.state != "opened" || mr.rebase_polls_left > 0 {
        let msg = "Failed to enqueue the rebase operation, possibly due to a long-lived \
                   transaction. Try again later.";
        return crate::json(409, json!({ "merge_error": msg }));
    }
    if !p.branches.contains(&mr.source_branch) {
        return crate::json(
            403,
            json!({ "merge_error": "Source branch does not exist" }),
        );
    }
    let path = p.path.clone();
    st.rebases.push((path, iid));
    let polls = st.rebase_polls;
    st.projects[pi]
        .merge_requests
        .get_mut(&iid)
        .expect("located")
        .rebase_polls_left = polls;
    if polls == 0 {
        st.finish_rebase(pi, iid);
    }
    crate::json(202, json!({ "rebase_in_progress": true }))
}
