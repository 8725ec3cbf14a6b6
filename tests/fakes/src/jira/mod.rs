//! Fake Jira Cloud REST API v3, enough of it for the aiops Jira provider.
//!
//! Served (each documented under <https://developer.atlassian.com/cloud/jira/platform/rest/v3/>):
//! - `GET /rest/api/3/myself` (api-group-myself)
//! - `POST /rest/api/3/search/jql`, the enhanced search (api-group-issue-search)
//! - `POST /rest/api/3/issue`, `GET|PUT /rest/api/3/issue/{key}`,
//!   `PUT /rest/api/3/issue/{key}/assignee`, `GET|POST /rest/api/3/issue/{key}/transitions`
//!   (api-group-issues)
//! - `GET|POST /rest/api/3/issue/{key}/comment`, `PUT /rest/api/3/issue/{key}/comment/{id}`
//!   (api-group-issue-comments)
//!
//! Behaviour taken from the documentation:
//! - Basic auth only, `email:api_token`. A token registered with
//!   [`JiraState::add_token`]`(token, login)` is accepted with the email
//!   `<login>@example.com`; `login` doubles as the user's accountId and display name, and
//!   owns what is written with the token. Anything else → `401` with
//!   `{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}`.
//! - Search: the JQL subset the provider sends — clauses joined by `AND`, each
//!   `project = "KEY"`, `labels = x` or `updated >= "yyyy-MM-dd HH:mm"` (parentheses
//!   allowed), then optionally `ORDER BY updated ASC`. Times are read in the user's
//!   profile zone, which is UTC for every fake user (`/myself` says so), at minute
//!   granularity like Jira. A query without a project or label restriction is refused as
//!   unbounded. Pages: `maxResults` defaults to 50 and is capped at
//!   [`SEARCH_MAX_RESULTS`], or at [`SEARCH_MAX_RESULTS_HEAVY`] when the `comment` field
//!   (or `*all`) is asked for — Jira documents that it may return fewer items per page
//!   when many fields are requested. `nextPageToken` is an opaque string, present only
//!   when more pages follow; `isLast` is always present. Only the asked `fields` are
//!   returned.
//! - Workflow: statuses `To Do` (category `new`), `In Progress` (`indeterminate`),
//!   `Done` (`done`); transitions are [`JiraState::workflow`] (by default `Start Progress`
//!   → In Progress, `Done` → Done from any status, `Reopen Issue` → To Do only from Done).
//!   A transition into a done status sets `resolutiondate`, one out of it clears it. An
//!   unavailable transition id → `400`.
//! - Errors: `404 {"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}`;
//!   `400` with `errors.summary` for an empty summary, `errors.description` when the
//!   description is not an ADF document, `errors.labels` for a label with spaces.
//! - Comments: offset paging with `startAt`/`maxResults` (default and cap
//!   [`COMMENT_MAX_RESULTS`])/`total`, `orderBy=created|-created`.
//!
//! Time is a deterministic clock starting at 2026-01-01T00:00:00Z that advances one
//! second on every mutation, so `updated` values are distinct and ordered. Timestamps go
//! out in Jira's `yyyy-MM-ddTHH:mm:ss.SSS+0000` form.

mod api;
mod comments;
mod issues;
mod jql;
mod render;

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::Fake;

pub use api::page_token;
pub use render::adf_text;

/// Largest search page for light field sets.
pub const SEARCH_MAX_RESULTS: usize = 100;
/// Largest search page when comments (or all fields) are asked for.
pub const SEARCH_MAX_RESULTS_HEAVY: usize = 50;
/// Default and largest comment page.
pub const COMMENT_MAX_RESULTS: usize = 100;
/// accountId of the reporter of seeded issues.
pub const SEED_REPORTER: &str = "reporter";

/// Statuses and their category keys.
pub const STATUSES: &[(&str, &str)] = &[
    ("To Do", "new"),
    ("In Progress", "indeterminate"),
    ("Done", "done"),
];

/// Starts a fake Jira with no users, projects or issues.
pub fn start() -> Fake<JiraState> {
    Fake::spawn(JiraState::default(), api::router)
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeComment {
    pub id: u64,
    /// ADF document.
    pub body: Value,
    /// accountId.
    pub author: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl FakeComment {
    /// The body's plain text.
    pub fn body_text(&self) -> String {
        adf_text(&self.body)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeIssue {
    pub id: u64,
    /// `PROJ-12`.
    pub key: String,
    pub project: String,
    pub number: u64,
    /// The summary.
    pub title: String,
    /// The description, an ADF document (`null` on the wire when None).
    pub body: Option<Value>,
    /// Status name (see [`STATUSES`]).
    pub state: String,
    pub labels: Vec<String>,
    /// accountId.
    pub assignee: Option<String>,
    /// accountId of the reporter.
    pub author: String,
    /// Oldest first.
    pub comments: Vec<FakeComment>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub resolved_at: Option<OffsetDateTime>,
    /// Names of the workflow transitions taken, oldest first.
    pub transitions: Vec<String>,
}

impl FakeIssue {
    /// The description's plain text (paragraphs separated by newlines).
    pub fn body_text(&self) -> String {
        self.body.as_ref().map(adf_text).unwrap_or_default()
    }

    /// Status category key of the issue's status.
    pub fn category(&self) -> &'static str {
        category(&self.state)
    }
}

/// A workflow transition, offered when the issue is in one of `from` (empty: any status)
/// and not already in `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeTransition {
    pub id: String,
    pub name: String,
    /// Target status name.
    pub to: String,
    pub from: Vec<String>,
}

impl FakeTransition {
    pub fn new(id: &str, name: &str, to: &str, from: &[&str]) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            to: to.into(),
            from: from.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn offered_for(&self, issue: &FakeIssue) -> bool {
        self.to != issue.state && (self.from.is_empty() || self.from.contains(&issue.state))
    }
}

/// One search page the fake answered.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeSearch {
    pub jql: String,
    pub max_results: Option<u64>,
    pub next_page_token: Option<String>,
    /// Issues in the page.
    pub returned: usize,
}

/// Status category key of a status name (`indeterminate` for names not in [`STATUSES`]).
pub fn category(status: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(name, _)| *name == status)
        .map_or("indeterminate", |(_, key)| key)
}

/// Everything the fake Jira knows.
pub struct JiraState {
    /// token → login (= accountId).
    tokens: HashMap<String, String>,
    /// project key → last issue number used.
    projects: BTreeMap<String, u64>,
    issues: Vec<FakeIssue>,
    /// The workflow every issue follows; tests may change it.
    pub workflow: Vec<FakeTransition>,
    /// Search pages answered successfully, oldest first.
    pub searches: Vec<FakeSearch>,
    clock: OffsetDateTime,
    next_id: u64,
}

impl Default for JiraState {
    fn default() -> Self {
        Self {
            tokens: HashMap::new(),
            projects: BTreeMap::new(),
            issues: Vec::new(),
            workflow: vec![
                FakeTransition::new("21", "Start Progress", "In Progress", &[]),
                FakeTransition::new("31", "Done", "Done", &[]),
                FakeTransition::new("41", "Reopen Issue", "To Do", &["Done"]),
            ],
            searches: Vec::new(),
            clock: datetime!(2026-01-01 00:00:00 UTC),
            next_id: 10_000,
        }
    }
}

impl JiraState {
    /// Accepts `token` with the email `<login>@example.com`; `login` is the accountId.
    pub fn add_token(&mut self, token: &str, login: &str) {
        self.tokens.insert(token.to_owned(), login.to_owned());
    }

    pub fn add_project(&mut self, key: &str) {
        self.projects.entry(key.to_owned()).or_insert(0);
    }

    /// The current time of the fake's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock
    }

    /// `n` issues `KEY-1..=n` (continuing the numbering if the project has issues):
    /// summary `Issue {i}`, description `Body {i}`, To Do, no comments.
    pub fn seed_issues(&mut self, project: &str, n: usize) {
        self.add_project(project);
        for _ in 0..n {
            let number = self.projects.get(project).copied().unwrap_or(0) + 1;
            let body = render::paragraph_doc(&format!("Body {number}"));
            self.create(
                project,
                format!("Issue {number}"),
                Some(body),
                SEED_REPORTER,
            );
        }
    }

    pub fn issue(&self, project: &str, number: u64) -> Option<&FakeIssue> {
        self.issues
            .iter()
            .find(|i| i.project == project && i.number == number)
    }

    pub fn issue_by_key(&self, key: &str) -> Option<&FakeIssue> {
        self.issues.iter().find(|i| i.key == key)
    }

    /// Appends ` (edited)` to the summary and bumps `updated`.
    pub fn touch(&mut self, project: &str, number: u64) {
        let now = self.tick();
        if let Some(issue) = self.issue_mut_by(project, number) {
            issue.title.push_str(" (edited)");
            issue.updated_at = now;
        }
    }

    /// A comment by `login` whose ADF holds `body` as one paragraph; bumps `updated`.
    pub fn add_comment(&mut self, project: &str, number: u64, login: &str, body: &str) {
        let key = match self.issue(project, number) {
            Some(issue) => issue.key.clone(),
            None => return,
        };
        self.comment(&key, login, render::paragraph_doc(body));
    }

    pub fn delete_issue(&mut self, project: &str, number: u64) {
        self.issues
            .retain(|i| !(i.project == project && i.number == number));
    }

    /// Places an issue's `updated` time exactly (the clock is not moved).
    pub fn set_updated(&mut self, key: &str, at: OffsetDateTime) {
        if let Some(issue) = self.issues.iter_mut().find(|i| i.key == key) {
            issue.updated_at = at;
        }
    }

    /// Moves an issue to a status directly (no transition), with its `resolutiondate`.
    pub fn set_status(&mut self, key: &str, status: &str) {
        let now = self.tick();
        if let Some(issue) = self.issues.iter_mut().find(|i| i.key == key) {
            apply_status(issue, status, now);
        }
    }

    /// The issue bean (all fields) the API would send for `key`, `self` links on `base`;
    /// for canned answers in tests.
    pub fn issue_json(&self, base: &str, key: &str) -> Option<Value> {
        let issue = self.issue_by_key(key)?;
        Some(render::issue(base, issue, &[]))
    }

    fn tick(&mut self) -> OffsetDateTime {
        self.clock += Duration::seconds(1);
        self.clock
    }

    fn issue_mut_by(&mut self, project: &str, number: u64) -> Option<&mut FakeIssue> {
        self.issues
            .iter_mut()
            .find(|i| i.project == project && i.number == number)
    }

    /// By key, or by numeric id as Jira also accepts.
    fn find(&self, key_or_id: &str) -> Option<usize> {
        self.issues
            .iter()
            .position(|i| i.key == key_or_id || i.id.to_string() == key_or_id)
    }

    fn login(&self, token: &str) -> Option<&str> {
        self.tokens.get(token).map(String::as_str)
    }

    fn create(&mut self, project: &str, title: String, body: Option<Value>, author: &str) -> usize {
        let now = self.tick();
        self.next_id += 1;
        let number = {
            let last = self.projects.entry(project.to_owned()).or_insert(0);
            *last += 1;
            *last
        };
        self.issues.push(FakeIssue {
            id: self.next_id,
            key: format!("{project}-{number}"),
            project: project.to_owned(),
            number,
            title,
            body,
            state: "To Do".into(),
            labels: Vec::new(),
            assignee: None,
            author: author.to_owned(),
            comments: Vec::new(),
            created_at: now,
            updated_at: now,
            resolved_at: None,
            transitions: Vec::new(),
        });
        self.issues.len() - 1
    }

    /// Adds a comment to the issue `key`; returns its index there.
    fn comment(&mut self, key: &str, login: &str, body: Value) -> Option<usize> {
        let now = self.tick();
        self.next_id += 1;
        let id = self.next_id;
        let issue = self.issues.iter_mut().find(|i| i.key == key)?;
        issue.comments.push(FakeComment {
            id,
            body,
            author: login.to_owned(),
            created_at: now,
            updated_at: now,
        });
        issue.updated_at = now;
        Some(issue.comments.len() - 1)
    }
}

fn apply_status(issue: &mut FakeIssue, status: &str, now: OffsetDateTime) {
    let was_done = issue.category() == "done";
    issue.state = status.to_owned();
    let is_done = issue.category() == "done";
    if is_done && !was_done {
        issue.resolved_at = Some(now);
    } else if !is_done {
        issue.resolved_at = None;
    }
    issue.updated_at = now;
}

/// Jira's body for an error: `errorMessages` and per-field `errors`.
fn error_body(messages: &[&str], errors: &[(&str, String)]) -> Value {
    let errors: serde_json::Map<String, Value> = errors
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect();
    json!({ "errorMessages": messages, "errors": errors })
}
