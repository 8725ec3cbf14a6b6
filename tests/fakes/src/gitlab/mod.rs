//! Fake GitLab REST API v4 (`/api/v4`), enough of it for the aiops GitLab provider.
//!
//! Served (each documented at <https://docs.gitlab.com/api/>):
//! - `GET /user`, `GET /users?username=` (users.md)
//! - `GET|POST /projects/:id/issues`, `GET|PUT /projects/:id/issues/:iid` (issues.md)
//! - `GET|POST /projects/:id/issues/:iid/notes`, `GET|PUT …/notes/:note_id` (notes.md)
//! - `GET|POST /projects/:id/merge_requests`, `GET|PUT …/merge_requests/:iid`,
//!   `PUT …/merge_requests/:iid/merge`, `PUT …/merge_requests/:iid/rebase`
//!   (merge_requests.md; behaviour in [`merge_requests`])
//!
//! Behaviour copied from the documentation: `PRIVATE-TOKEN` or `Authorization: Bearer`
//! (else `401 {"message":"401 Unauthorized"}`); `:id` is a numeric id or a URL-encoded
//! path (`group%2Fsub%2Fproject`); offset paging (`page`, `per_page` default 20, max 100)
//! with `X-Page`, `X-Per-Page`, `X-Next-Page`, `X-Prev-Page`, `X-Total`, `X-Total-Pages`
//! and a `Link` header; `RateLimit-*` headers on every answer; timestamps with
//! milliseconds (`2026-01-01T00:00:00.000Z`); closing, reopening, (un)assigning and
//! label or title changes add *system* notes, as GitLab does.
//!
//! Time is a deterministic clock starting at 2026-01-01T00:00:00Z that advances one
//! second on every mutation, so `updated_at` values are distinct and ordered.

mod api;
mod issues;
mod merge_requests;
mod mr_merge;
mod notes;
mod params;
mod render;

pub use merge_requests::{FakeMergeRequest, FakeMrMerge};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use time::macros::datetime;

use crate::Fake;

/// Starts a fake GitLab with no users (other than `root`) and no projects.
pub fn start() -> Fake<GitLabState> {
    let fake = Fake::spawn(GitLabState::default(), api::router);
    let url = fake.url().to_owned();
    fake.state().web_url = url;
    fake
}

/// A GitLab user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUser {
    pub id: u64,
    pub username: String,
    pub name: String,
}

/// A note on an issue: a comment, or a system note (`system: true`) GitLab writes itself.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeNote {
    pub id: u64,
    pub body: String,
    /// Username.
    pub author: String,
    pub system: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeIssue {
    /// Instance-wide id.
    pub id: u64,
    /// Project-scoped number (`#iid`).
    pub iid: u64,
    pub title: String,
    /// `description` on the wire.
    pub body: String,
    /// `opened` or `closed`.
    pub state: String,
    pub labels: Vec<String>,
    /// Usernames.
    pub assignees: Vec<String>,
    /// Username.
    pub author: String,
    /// Every note, system notes included, oldest first.
    pub notes: Vec<FakeNote>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

impl FakeIssue {
    /// The user notes (comments), system notes left out.
    pub fn comments(&self) -> Vec<&FakeNote> {
        self.notes.iter().filter(|n| !n.system).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeProject {
    pub id: u64,
    /// Full path, `group/sub/project`.
    pub path: String,
    /// By iid.
    pub issues: BTreeMap<u64, FakeIssue>,
    /// By iid (numbered apart from issues).
    pub merge_requests: BTreeMap<u64, FakeMergeRequest>,
    /// Branch names that exist; `main` from the start.
    pub branches: BTreeSet<String>,
    next_iid: u64,
    next_mr_iid: u64,
}

/// Everything the fake GitLab knows; seed it before and inspect it after a test.
#[derive(Debug)]
pub struct GitLabState {
    /// The clock: stamped on the next mutation, then advanced one second.
    pub now: OffsetDateTime,
    /// `RateLimit-Limit` announced on every answer.
    pub rate_limit: u64,
    /// `RateLimit-Remaining`, decremented on every request; at 0 requests get `429`.
    pub rate_remaining: u64,
    /// Root of the web UI for `web_url` fields (the fake's own URL).
    pub web_url: String,
    pub users: Vec<FakeUser>,
    pub projects: Vec<FakeProject>,
    /// Every merge accepted, oldest first.
    pub merges: Vec<FakeMrMerge>,
    /// Every rebase started, as `(project path, iid)`, oldest first.
    pub rebases: Vec<(String, u64)>,
    /// How many `GET`s of a merge request still see a rebase in progress after
    /// `PUT …/rebase` (0: it is done at once).
    pub rebase_polls: u32,
    tokens: HashMap<String, String>,
    next_issue_id: u64,
    next_note_id: u64,
    next_project_id: u64,
    next_mr_id: u64,
    /// `(project id, iid, page)`: touch that issue just before serving that list page.
    races: Vec<(u64, u64, u32)>,
}

impl Default for GitLabState {
    fn default() -> Self {
        Self {
            now: datetime!(2026-01-01 00:00:00 UTC),
            rate_limit: 2000,
            rate_remaining: 2000,
            web_url: String::new(),
            users: vec![FakeUser {
                id: 1,
                username: "root".into(),
                name: "Administrator".into(),
            }],
            projects: Vec::new(),
            merges: Vec::new(),
            rebases: Vec::new(),
            rebase_polls: 1,
            tokens: HashMap::new(),
            next_issue_id: 5001,
            next_note_id: 9001,
            next_project_id: 101,
            next_mr_id: 7001,
            races: Vec::new(),
        }
    }
}

impl GitLabState {
    /// Accepts `token` as `login`'s personal access token (registers the user if new).
    pub fn add_token(&mut self, token: &str, login: &str) {
        self.add_user(login);
        self.tokens.insert(token.to_owned(), login.to_owned());
    }

    /// Registers a user (no-op when known); returns its numeric id.
    pub fn add_user(&mut self, login: &str) -> u64 {
        if let Some(u) = self.user(login) {
            return u.id;
        }
        let id = self.users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
        self.users.push(FakeUser {
            id,
            username: login.to_owned(),
            name: format!("User {login}"),
        });
        id
    }

    pub fn user(&self, login: &str) -> Option<&FakeUser> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(login))
    }

    /// Creates the project `path` (with a `main` branch) if missing; returns its numeric id.
    pub fn add_project(&mut self, path: &str) -> u64 {
        if let Some(p) = self.project(path) {
            return p.id;
        }
        let id = self.next_project_id;
        self.next_project_id += 1;
        self.projects.push(FakeProject {
            id,
            path: path.to_owned(),
            issues: BTreeMap::new(),
            merge_requests: BTreeMap::new(),
            branches: BTreeSet::from(["main".to_owned()]),
            next_iid: 1,
            next_mr_iid: 1,
        });
        id
    }

    /// A project by path (case-insensitive, as GitLab resolves paths) or numeric id.
    pub fn project(&self, key: &str) -> Option<&FakeProject> {
        self.project_index(key).map(|i| &self.projects[i])
    }

    pub(crate) fn project_index(&self, key: &str) -> Option<usize> {
        match key.parse::<u64>() {
            Ok(id) => self.projects.iter().position(|p| p.id == id),
            Err(_) => self
                .projects
                .iter()
                .position(|p| p.path.eq_ignore_ascii_case(key)),
        }
    }

    /// Adds `n` open issues (titles `Issue {i}`, bodies `Body {i}`, by `root`) to
    /// `project`, creating it if needed; numbering continues after existing issues.
    pub fn seed_issues(&mut self, project: &str, n: usize) {
        self.add_project(project);
        for _ in 0..n {
            let pi = self.project_index(project).expect("project just added");
            let iid = self.projects[pi].next_iid;
            self.create_issue(pi, format!("Issue {iid}"), format!("Body {iid}"), "root");
        }
    }

    pub fn issue(&self, project: &str, iid: u64) -> Option<&FakeIssue> {
        self.project(project)?.issues.get(&iid)
    }

    /// Appends ` (edited)` to the title and bumps `updated_at`.
    pub fn touch(&mut self, project: &str, iid: u64) {
        let now = self.tick();
        let pi = self.project_index(project).expect("unknown project");
        let issue = self.projects[pi]
            .issues
            .get_mut(&iid)
            .expect("unknown issue");
        issue.title.push_str(" (edited)");
        issue.updated_at = now;
    }

    /// Adds a user note as `login`; returns the note id.
    pub fn add_comment(&mut self, project: &str, iid: u64, login: &str, body: &str) -> u64 {
        self.add_user(login);
        let pi = self.project_index(project).expect("unknown project");
        self.add_note(pi, iid, login, body, false)
            .expect("unknown issue")
    }

    /// Adds a system note (what GitLab writes on state or metadata changes).
    pub fn add_system_note(&mut self, project: &str, iid: u64, body: &str) -> u64 {
        let pi = self.project_index(project).expect("unknown project");
        self.add_note(pi, iid, "root", body, true)
            .expect("unknown issue")
    }

    pub fn delete_issue(&mut self, project: &str, iid: u64) {
        let pi = self.project_index(project).expect("unknown project");
        self.projects[pi].issues.remove(&iid);
    }

    /// Simulates another user editing issue `iid` while a client pages through the issue
    /// list: the issue is touched right before list page `page` of `project` is served.
    pub fn touch_before_page(&mut self, project: &str, iid: u64, page: u32) {
        let id = self.add_project(project);
        self.races.push((id, iid, page));
    }

    /// The login owning `token`.
    pub(crate) fn login_for(&self, token: &str) -> Option<String> {
        self.tokens.get(token).cloned()
    }

    /// The time of the current mutation; the clock moves on one second.
    pub(crate) fn tick(&mut self) -> OffsetDateTime {
        let now = self.now;
        self.now += time::Duration::seconds(1);
        now
    }

    pub(crate) fn create_issue(
        &mut self,
        pi: usize,
        title: String,
        body: String,
        author: &str,
    ) -> u64 {
        let now = self.tick();
        let id = self.next_issue_id;
        self.next_issue_id += 1;
        let project = &mut self.projects[pi];
        let iid = project.next_iid;
        project.next_iid += 1;
        project.issues.insert(
            iid,
            FakeIssue {
                id,
                iid,
                title,
                body,
                state: "opened".into(),
                labels: Vec::new(),
                assignees: Vec::new(),
                author: author.to_owned(),
                notes: Vec::new(),
                created_at: now,
                updated_at: now,
                closed_at: None,
            },
        );
        iid
    }

    /// Adds a note stamped with a new tick; notes touch their issue, as in GitLab.
    pub(crate) fn add_note(
        &mut self,
        pi: usize,
        iid: u64,
        author: &str,
        body: &str,
        system: bool,
    ) -> Option<u64> {
        let now = self.tick();
        self.push_note(pi, iid, author, body, system, now)
    }

    /// Adds a note at `now` (part of a mutation that already ticked).
    pub(crate) fn push_note(
        &mut self,
        pi: usize,
        iid: u64,
        author: &str,
        body: &str,
        system: bool,
        now: OffsetDateTime,
    ) -> Option<u64> {
        let id = self.next_note_id;
        let issue = self.projects[pi].issues.get_mut(&iid)?;
        self.next_note_id += 1;
        issue.notes.push(FakeNote {
            id,
            body: body.to_owned(),
            author: author.to_owned(),
            system,
            created_at: now,
            updated_at: now,
        });
        issue.updated_at = now;
        Some(id)
    }

    /// Plays the races registered for this project and list page.
    pub(crate) fn run_races(&mut self, pi: usize, page: u32) {
        let pid = self.projects[pi].id;
        let (due, rest): (Vec<_>, Vec<_>) = self
            .races
            .drain(..)
            .partition(|(p, _, pg)| *p == pid && *pg == page);
        self.races = rest;
        for (_, iid, _) in due {
            let path = self.projects[pi].path.clone();
            self.touch(&path, iid);
        }
    }
}

pub(crate) type Shared = Arc<Mutex<GitLabState>>;
