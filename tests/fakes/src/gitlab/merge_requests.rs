//! Merge request endpoints: <https://docs.gitlab.com/api/merge_requests/>.
//!
//! Behaviour from the documentation (and GitLab's `lib/api/merge_requests.rb`):
//! - create: `title`, `source_branch`, `target_branch` required (`400 {"error": "… is
//!   missing"}`); source = target, or an open merge request for the same branches, is
//!   `409 {"message": ["…"]}` ("Another open merge request already exists for this
//!   source branch: !N"); a branch that does not exist is `422 {"message": ["Source
//!   branch \"x\" does not exist"]}`. A `Draft:` / `[Draft]` / `(Draft)` title prefix
//!   makes a draft. `assignee_id`/`assignee_ids` assign.
//! - list: `state=opened|closed|locked|merged|all` (default `all`), `source_branch`,
//!   `target_branch`, `order_by`, `sort`, offset paging.
//! - edit: `state_event=close|reopen`, `title`, `description`, `target_branch`,
//!   assignees, `remove_source_branch`, `squash`; at least one (`400`).
//! - merge: `405 {"message": "405 Method Not Allowed"}` unless open, not a draft and the
//!   source branch exists; `422 Branch cannot be merged` with conflicts; `409` when `sha`
//!   is not the head; else merged (`merge_commit_sha`, `squash_commit_sha` when squashed),
//!   the source branch removed with `should_remove_source_branch` (or the MR's
//!   `force_remove_source_branch`), the request recorded in [`GitLabState::merges`].
//! - rebase: `202 {"rebase_in_progress": true}`; `GET …?include_rebase_in_progress=true`
//!   reports it in progress for [`GitLabState::rebase_polls`] reads, then done (a new head
//!   `sha`) or failed (`merge_error`, see [`FakeMergeRequest::rebase_fails_with`]); `409`
//!   when not open or already rebasing, `403` when the source branch is gone.

use std::collections::HashMap;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::api::Caller;
use super::params::{self as parse, refuse};
use super::render::{self, error, message, paged};
use super::{GitLabState, Shared};

/// A merge request as the fake stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeMergeRequest {
    /// Instance-wide id.
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: String,
    /// `opened`, `closed`, `merged` or `locked`.
    pub state: String,
    pub source_branch: String,
    pub target_branch: String,
    /// Username.
    pub author: String,
    /// Usernames.
    pub assignees: Vec<String>,
    /// Head of the source branch; a rebase moves it.
    pub sha: String,
    pub merge_commit_sha: Option<String>,
    pub squash_commit_sha: Option<String>,
    pub squash: bool,
    /// Set at creation (`remove_source_branch`): merging removes the source branch.
    pub force_remove_source_branch: bool,
    /// What the merge was asked (None before a merge).
    pub should_remove_source_branch: Option<bool>,
    /// True: a merge is refused with `422 Branch cannot be merged`.
    pub has_conflicts: bool,
    pub merge_error: Option<String>,
    /// `GET`s that still see the running rebase.
    pub rebase_polls_left: u32,
    /// The next rebase ends with this `merge_error` and leaves the branch as it is.
    pub rebase_fails_with: Option<String>,
    /// Username.
    pub merged_by: Option<String>,
    pub merged_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The create request's parameters as received; None when seeded.
    pub request: Option<Value>,
    /// Status of the pipeline on `sha` (`running`, `success`, `failed`, …), shown as
    /// `head_pipeline` on the single merge request; None: no pipeline.
    pub pipeline: Option<String>,
}

impl FakeMergeRequest {
    /// Whether GitLab reads the title as a draft.
    pub fn draft(&self) -> bool {
        let t = self.title.trim_start().to_ascii_lowercase();
        ["draft:", "[draft]", "(draft)"]
            .iter()
            .any(|p| t.starts_with(p))
    }
}

/// One merge GitLab accepted, with the parameters it was asked with.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeMrMerge {
    /// Project path.
    pub project: String,
    pub iid: u64,
    pub squash: bool,
    pub should_remove_source_branch: bool,
    pub merge_commit_message: Option<String>,
    pub squash_commit_message: Option<String>,
    /// The `sha` the request required, if any.
    pub sha: Option<String>,
    /// Username of the token that merged.
    pub by: String,
}

impl GitLabState {
    /// A branch of `project` (created when new), so merge requests can name it.
    pub fn add_branch(&mut self, project: &str, branch: &str) {
        self.add_project(project);
        let pi = self.project_index(project).expect("just added");
        self.projects[pi].branches.insert(branch.to_owned());
    }

    pub fn has_branch(&self, project: &str, branch: &str) -> bool {
        self.project(project)
            .is_some_and(|p| p.branches.contains(branch))
    }

    pub fn merge_request(&self, project: &str, iid: u64) -> Option<&FakeMergeRequest> {
        self.project(project)?.merge_requests.get(&iid)
    }

    /// To give a merge request conflicts, a failing rebase, or another state.
    pub fn merge_request_mut(&mut self, project: &str, iid: u64) -> Option<&mut FakeMergeRequest> {
        let pi = self.project_index(project)?;
        self.projects[pi].merge_requests.get_mut(&iid)
    }

    /// An open merge request `source` → `target` by `root` (branches created); its iid.
    pub fn seed_merge_request(
        &mut self,
        project: &str,
        source: &str,
        target: &str,
        title: &str,
    ) -> u64 {
        self.add_branch(project, source);
        self.add_branch(project, target);
        let pi = self.project_index(project).expect("just added");
        self.insert_mr(pi, title, "", source, target, "root")
    }

    fn insert_mr(
        &mut self,
        pi: usize,
        title: &str,
        description: &str,
        source: &str,
        target: &str,
        author: &str,
    ) -> u64 {
        let now = self.tick();
        let id = self.next_mr_id;
        self.next_mr_id += 1;
        let p = &mut self.projects[pi];
        let iid = p.next_mr_iid;
        p.next_mr_iid += 1;
        let sha = fake_sha(&format!("{}@{source}#{iid}", p.path));
        p.merge_requests.insert(
            iid,
            FakeMergeRequest {
                id,
                iid,
                title: title.to_owned(),
                description: description.to_owned(),
                state: "opened".into(),
                source_branch: source.to_owned(),
                target_branch: target.to_owned(),
                author: author.to_owned(),
                assignees: Vec::new(),
                sha,
                merge_commit_sha: None,
                squash_commit_sha: None,
                squash: false,
                force_remove_source_branch: false,
                should_remove_source_branch: None,
                has_conflicts: false,
                merge_error: None,
                rebase_polls_left: 0,
                rebase_fails_with: None,
                merged_by: None,
                merged_at: None,
                closed_at: None,
                created_at: now,
                updated_at: now,
                request: None,
                pipeline: None,
            },
        );
        iid
    }

    /// The iid of another open merge request for `source` → `target`.
    fn similar_open(&self, pi: usize, source: &str, target: &str, not: u64) -> Option<u64> {
        self.projects[pi]
            .merge_requests
            .values()
            .find(|m| {
                m.iid != not
                    && m.state == "opened"
                    && m.source_branch == source
                    && m.target_branch == target
            })
            .map(|m| m.iid)
    }
}

/// The project index and iid of `:id/merge_requests/:iid`, or the message of GitLab's
/// `404`.
pub(super) fn locate(st: &GitLabState, id: &str, iid: &str) -> Result<(usize, u64), &'static str> {
    let pi = st.project_index(id).ok_or("404 Project Not Found")?;
    iid.parse::<u64>()
        .ok()
        .filter(|n| st.projects[pi].merge_requests.contains_key(n))
        .map(|n| (pi, n))
        .ok_or("404 Not found")
}

/// `409`/`422` of the create and edit validations: `{"message": ["…"]}`.
fn refused(status: u16, text: &str) -> Response {
    crate::json(status, json!({ "message": [text] }))
}

/// A Grape boolean: JSON `true`/`false` or a form's `true`/`false`/`1`/`0`.
pub(super) fn flag(params: &Map<String, Value>, key: &str) -> Option<bool> {
    match params.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn text(params: &Map<String, Value>, key: &str) -> Option<String> {
    params.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(super) fn single(
    st: &GitLabState,
    pi: usize,
    iid: u64,
    status: u16,
    rebase: Option<bool>,
) -> Response {
    let p = &st.projects[pi];
    let mr = &p.merge_requests[&iid];
    crate::json(status, render::merge_request(st, p, mr, true, rebase))
}

/// `GET /projects/:id/merge_requests` — <https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests>
pub(super) async fn list_mrs(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let st = s.lock().expect("state");
    let Some(pi) = st.project_index(&id) else {
        return message(404, "404 Project Not Found");
    };
    let state = q.get("state").map(String::as_str).unwrap_or("all");
    if !["opened", "closed", "locked", "merged", "all"].contains(&state) {
        return error(400, "state does not have a valid value");
    }
    let order = match parse::order(&q) {
        Ok(o) => o,
        Err(e) => return refuse(e),
    };
    let p = &st.projects[pi];
    let mut list: Vec<&FakeMergeRequest> = p
        .merge_requests
        .values()
        .filter(|m| state == "all" || m.state == state)
        .filter(|m| q.get("source_branch").is_none_or(|b| *b == m.source_branch))
        .filter(|m| q.get("target_branch").is_none_or(|b| *b == m.target_branch))
        .collect();
    list.sort_by_key(|m| {
        let t = if order.by_updated {
            m.updated_at
        } else {
            m.created_at
        };
        (t, m.id)
    });
    if !order.asc {
        list.reverse();
    }
    let items = list
        .iter()
        .map(|m| render::merge_request(&st, p, m, false, None))
        .collect();
    paged(items, &q, &uri, &headers)
}

/// `GET /projects/:id/merge_requests/:iid` — <https://docs.gitlab.com/api/merge_requests/#get-single-mr>
/// Each read moves a running rebase one poll closer to its end.
pub(super) async fn get_mr(
    State(s): State<Shared>,
    Path((id, iid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut st = s.lock().expect("state");
    let (pi, iid) = match locate(&st, &id, &iid) {
        Ok(found) => found,
        Err(m) => return message(404, m),
    };
    let running = st.projects[pi].merge_requests[&iid].rebase_polls_left > 0;
    let asked = q
        .get("include_rebase_in_progress")
        .is_some_and(|v| v == "true");
    let answer = single(&st, pi, iid, 200, asked.then_some(running));
    if running {
        let mr = st.projects[pi].merge_requests.get_mut(&iid).expect("mr");
        mr.rebase_polls_left -= 1;
        if mr.rebase_polls_left == 0 {
            st.finish_rebase(pi, iid);
        }
    }
    answer
}

/// `POST /projects/:id/merge_requests` — <https://docs.gitlab.com/api/merge_requests/#create-mr>
pub(super) async fn create_mr(
    State(s): State<Shared>,
    Extension(me): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let params = match parse::body(&body) {
        Ok(p) => p,
        Err(e) => return refuse(e),
    };
    let mut st = s.lock().expect("state");
    let Some(pi) = st.project_index(&id) else {
        return message(404, "404 Project Not Found");
    };
    let missing: Vec<String> = ["title", "source_branch", "target_branch"]
        .iter()
        .filter(|k| text(&params, k).is_none_or(|v| v.trim().is_empty()))
        .map(|k| format!("{k} is missing"))
        .collect();
    if !missing.is_empty() {
        return error(400, &missing.join(", "));
    }
    let field = |k: &str| text(&params, k).expect("checked");
    let (title, source, target) = (
        field("title"),
        field("source_branch"),
        field("target_branch"),
    );
    if source == target {
        return refused(
            409,
            "You can't use same project/branch for source and target",
        );
    }
    if let Some(other) = st.similar_open(pi, &source, &target, 0) {
        let msg =
            format!("Another open merge request already exists for this source branch: !{other}");
        return refused(409, &msg);
    }
    for (side, branch) in [("Source", &source), ("Target", &target)] {
        if !st.projects[pi].branches.contains(branch) {
            return refused(422, &format!("{side} branch \"{branch}\" does not exist"));
        }
    }
    let assignees = match parse::assignees(&st, &params) {
        Ok(a) => a.unwrap_or_default(),
        Err(e) => return refuse(e),
    };
    let description = text(&params, "description").unwrap_or_default();
    let iid = st.insert_mr(pi, &title, &description, &source, &target, &me.0);
    let mr = st.projects[pi]
        .merge_requests
        .get_mut(&iid)
        .expect("created");
    mr.assignees = assignees;
    mr.squash = flag(&params, "squash").unwrap_or(false);
    mr.force_remove_source_branch = flag(&params, "remove_source_branch").unwrap_or(false);
    mr.request = Some(Value::Object(params));
    single(&st, pi, iid, 201, None)
}

/// `PUT /projects/:id/merge_requests/:iid` — <https://docs.gitlab.com/api/merge_requests/#update-mr>
pub(super) async fn update_mr(
    State(s): State<Shared>,
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
    const KNOWN: &[&str] = &[
        "assignee_id",
        "assignee_ids",
        "description",
        "remove_source_branch",
        "squash",
        "state_event",
        "target_branch",
        "title",
    ];
    if !KNOWN.iter().any(|k| params.contains_key(*k)) {
        return error(
            400,
            "assignee_id, assignee_ids, description, remove_source_branch, squash, \
             state_event, target_branch, title are missing, at least one parameter must be \
             provided",
        );
    }
    let title = text(&params, "title");
    if title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return crate::json(400, json!({ "message": { "title": ["can't be blank"] } }));
    }
    let event = match params.get("state_event").and_then(Value::as_str) {
        None => None,
        Some(e @ ("close" | "reopen")) => Some(e),
        Some(_) => return error(400, "state_event does not have a valid value"),
    };
    let assignees = match parse::assignees(&st, &params) {
        Ok(a) => a,
        Err(e) => return refuse(e),
    };
    let (source, target) = {
        let mr = &st.projects[pi].merge_requests[&iid];
        let target = text(&params, "target_branch").unwrap_or(mr.target_branch.clone());
        (mr.source_branch.clone(), target)
    };
    let reopening =
        event == Some("reopen") && st.projects[pi].merge_requests[&iid].state == "closed";
    if reopening && let Some(other) = st.similar_open(pi, &source, &target, iid) {
        let msg =
            format!("Another open merge request already exists for this source branch: !{other}");
        return refused(409, &msg);
    }
    let now = st.tick();
    let mr = st.projects[pi]
        .merge_requests
        .get_mut(&iid)
        .expect("located");
    if let Some(t) = title {
        mr.title = t;
    }
    if let Some(d) = text(&params, "description") {
        mr.description = d;
    }
    mr.target_branch = target;
    if let Some(a) = assignees {
        mr.assignees = a;
    }
    if let Some(f) = flag(&params, "remove_source_branch") {
        mr.force_remove_source_branch = f;
    }
    if let Some(f) = flag(&params, "squash") {
        mr.squash = f;
    }
    match event {
        Some("close") if mr.state == "opened" || mr.state == "locked" => {
            mr.state = "closed".into();
            mr.closed_at = Some(now);
        }
        Some("reopen") if reopening => {
            mr.state = "opened".into();
            mr.closed_at = None;
        }
        _ => {}
    }
    mr.updated_at = now;
    single(&st, pi, iid, 200, None)
}

/// A deterministic 40-hex-digit commit id for `seed` (FNV-1a, twice).
pub(super) fn fake_sha(seed: &str) -> String {
    let fnv = |salt: u8| {
        seed.bytes()
            .chain([salt])
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
            })
    };
    format!("{:016x}{:016x}{:08x}", fnv(1), fnv(2), fnv(3) as u32)
}
