//! Fake GitHub REST API v3, enough of it for the aiops GitHub provider.
//!
//! Served (each documented under <https://docs.github.com/en/rest>):
//! - `GET /user` (users/users#get-the-authenticated-user)
//! - `GET|POST /repos/{owner}/{repo}/issues`, `GET|PATCH /repos/{owner}/{repo}/issues/{n}`
//!   (issues/issues)
//! - `GET|POST /repos/{owner}/{repo}/issues/{n}/comments`,
//!   `PATCH /repos/{owner}/{repo}/issues/comments/{id}` (issues/comments)
//! - `POST /repos/{owner}/{repo}/issues/{n}/assignees` (issues/assignees)
//! - `GET|POST /repos/{owner}/{repo}/pulls`, `GET|PATCH /repos/{owner}/{repo}/pulls/{n}`,
//!   `GET|PUT /repos/{owner}/{repo}/pulls/{n}/merge` (pulls/pulls)
//! - `DELETE /repos/{owner}/{repo}/git/refs/{ref}` (git/refs)
//! - `GET /repos/{owner}/{repo}/commits/{sha}/check-runs` (checks/runs) and
//!   `GET /repos/{owner}/{repo}/commits/{sha}/status` (commits/statuses), see [`checks`]
//!
//! Behaviour taken from the documentation: `Authorization: Bearer|token <t>` (else `401
//! {"message":"Bad credentials",…}`); pull requests are listed among issues and carry a
//! `pull_request` key; `page`/`per_page` paging (default 30, max 100) with an RFC 8288
//! `Link` header (`next`, `last`, and `first`, `prev` after page one); `since` keeps items
//! updated at or after it; `sort`/`direction`/`state` filters; a strong `ETag` on every
//! `GET` answer and `304` with an empty body when `If-None-Match` matches; the
//! `x-ratelimit-*` headers on every answer, the quota taken by every answer except a
//! `304`, and `403` "API rate limit exceeded" once it is spent; `410` for deleted issues;
//! `422 Validation Failed` with an `errors` list for a missing title or comment body and
//! for an assignee that cannot be assigned when creating an issue (an edit drops such
//! assignees silently); labels unknown to the repository are created on use. Pull
//! requests and their branches follow [`pulls`].
//!
//! Time is a deterministic clock starting at 2026-01-01T00:00:00Z that advances one
//! second on every mutation, so `updated_at` values are distinct and ordered.

mod api;
mod checks;
mod pulls;
mod render;

pub use checks::{FakeCheckRun, FakeStatus};
pub use pulls::{FakeMerge, FakePull};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::macros::datetime;

use crate::Fake;

/// The primary quota GitHub gives a personal access token per hour.
pub const RATE_LIMIT: u64 = 5000;

/// Starts a fake GitHub with no users and no repositories.
pub fn start() -> Fake<GitHubState> {
    Fake::spawn(GitHubState::default(), api::router)
}

/// A comment on an issue.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeComment {
    pub id: u64,
    pub body: String,
    /// Login.
    pub author: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// An issue or a pull request (GitHub numbers both in one sequence per repository).
#[derive(Debug, Clone, PartialEq)]
pub struct FakeIssue {
    pub number: u64,
    pub title: String,
    /// `null` on the wire when None.
    pub body: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    /// `completed`, `not_planned`, `reopened` or None.
    pub state_reason: Option<String>,
    pub labels: Vec<String>,
    /// Logins, in the order they were given.
    pub assignees: Vec<String>,
    /// Login of the creator.
    pub author: String,
    /// Oldest first.
    pub comments: Vec<FakeComment>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    /// A pull request: listed among issues with a `pull_request` key.
    pub pull_request: bool,
    /// Deleted issues answer `410 Gone` and leave the listings.
    pub deleted: bool,
}

impl FakeIssue {
    /// The first assignee, as GitHub's deprecated `assignee` field shows it.
    pub fn assignee(&self) -> Option<&str> {
        self.assignees.first().map(String::as_str)
    }
}

/// A repository. [`GitHubState::add_repo`] gives it a `main` branch.
#[derive(Debug, Clone, Default)]
pub struct FakeRepo {
    /// Issues and pull requests, by number.
    pub issues: BTreeMap<u64, FakeIssue>,
    /// What only pull requests have, by the number of their [`FakeIssue`].
    pub pulls: BTreeMap<u64, FakePull>,
    /// Label names defined in the repository.
    pub labels: BTreeSet<String>,
    /// Branch names (`refs/heads/…`) that exist.
    pub branches: BTreeSet<String>,
    /// `merge`, `squash` or `rebase` refused with `405` (the repository settings).
    pub disallowed_merge_methods: BTreeSet<String>,
    /// The setting "Automatically delete head branches": a merge deletes the head.
    pub delete_branch_on_merge: bool,
    /// Check runs by commit sha.
    pub check_runs: BTreeMap<String, Vec<FakeCheckRun>>,
    /// Commit statuses by commit sha.
    pub statuses: BTreeMap<String, Vec<FakeStatus>>,
}

/// Everything the fake GitHub knows. Repositories are keyed `owner/repo`.
pub struct GitHubState {
    /// token → login.
    tokens: HashMap<String, String>,
    /// Logins that exist (and so can be assigned).
    users: BTreeSet<String>,
    repos: BTreeMap<String, FakeRepo>,
    /// Every successful merge, oldest first.
    merges: Vec<FakeMerge>,
    clock: OffsetDateTime,
    next_comment_id: u64,
    remaining: u64,
    /// Epoch seconds of the quota window's end (wall clock: clients compare it to now).
    reset_epoch: u64,
}

impl Default for GitHubState {
    fn default() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self {
            tokens: HashMap::new(),
            users: BTreeSet::new(),
            repos: BTreeMap::new(),
            merges: Vec::new(),
            clock: datetime!(2026-01-01 00:00:00 UTC),
            next_comment_id: 1_000_001,
            remaining: RATE_LIMIT,
            reset_epoch: now + 3600,
        }
    }
}

impl GitHubState {
    /// Accepts `token`, acting as `login` (who also becomes an assignable user).
    pub fn add_token(&mut self, token: &str, login: &str) {
        self.tokens.insert(token.to_owned(), login.to_owned());
        self.users.insert(login.to_owned());
    }

    /// A user who exists (can be assigned) without a token here.
    pub fn add_user(&mut self, login: &str) {
        self.users.insert(login.to_owned());
    }

    /// An empty repository `owner/repo` with a `main` branch (seeding creates it too).
    pub fn add_repo(&mut self, repo: &str) {
        self.repo_entry(repo);
    }

    /// Issues `Issue {i}` / `Body {i}`, open, no comments, numbered after the existing ones,
    /// written by `octocat`; each one a tick of the clock later than the previous.
    pub fn seed_issues(&mut self, repo: &str, n: usize) {
        self.seed(repo, n, false);
    }

    /// Pull requests `PR {i}` from branch `pr-{i}` (created) into `main`, numbered after
    /// the existing issues, listed among issues.
    pub fn seed_pull_requests(&mut self, repo: &str, n: usize) {
        self.seed(repo, n, true);
    }

    fn seed(&mut self, repo: &str, n: usize, pull_request: bool) {
        for _ in 0..n {
            let at = self.tick();
            let r = self.repo_entry(repo);
            let number = r.issues.keys().next_back().copied().unwrap_or(0) + 1;
            let (title, body) = if pull_request {
                (format!("PR {number}"), format!("Changes {number}"))
            } else {
                (format!("Issue {number}"), format!("Body {number}"))
            };
            r.issues
                .insert(number, new_issue(number, title, Some(body), "octocat", at));
            if pull_request {
                let head = format!("pr-{number}");
                r.branches.insert(head.clone());
                r.pulls
                    .insert(number, FakePull::new(repo, number, head, "main"));
                r.issues
                    .get_mut(&number)
                    .expect("just inserted")
                    .pull_request = true;
            }
        }
    }

    /// Appends ` (edited)` to the title and moves `updated_at` to the clock's next tick.
    pub fn touch(&mut self, repo: &str, number: u64) {
        let at = self.tick();
        let issue = self.issue_mut(repo, number);
        issue.title.push_str(" (edited)");
        issue.updated_at = at;
    }

    /// A comment by `login`; returns its id. Like GitHub, it bumps the issue's `updated_at`.
    pub fn add_comment(&mut self, repo: &str, number: u64, login: &str, body: &str) -> u64 {
        let at = self.tick();
        let id = self.next_comment_id;
        self.next_comment_id += 1;
        let issue = self.issue_mut(repo, number);
        issue.comments.push(FakeComment {
            id,
            body: body.to_owned(),
            author: login.to_owned(),
            created_at: at,
            updated_at: at,
        });
        issue.updated_at = at;
        id
    }

    /// Closes the issue as someone at GitHub would (`state_reason: completed`).
    pub fn close_issue(&mut self, repo: &str, number: u64) {
        let at = self.tick();
        let issue = self.issue_mut(repo, number);
        issue.state = "closed".into();
        issue.state_reason = Some("completed".into());
        issue.closed_at = Some(at);
        issue.updated_at = at;
    }

    /// The issue answers `410 Gone` from now on and leaves the listings.
    pub fn delete_issue(&mut self, repo: &str, number: u64) {
        self.tick();
        self.issue_mut(repo, number).deleted = true;
    }

    /// The issue or pull request as stored (deleted ones included).
    pub fn issue(&self, repo: &str, number: u64) -> Option<&FakeIssue> {
        self.repos.get(repo)?.issues.get(&number)
    }

    pub fn repo(&self, repo: &str) -> Option<&FakeRepo> {
        self.repos.get(repo)
    }

    /// Sets what is left of the hourly quota (the next answer reports one less).
    pub fn set_remaining(&mut self, n: u64) {
        self.remaining = n.min(RATE_LIMIT);
    }

    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The fake's current time (the last mutation's timestamp).
    pub fn now(&self) -> OffsetDateTime {
        self.clock
    }

    /// The repository, created with a `main` branch when new.
    fn repo_entry(&mut self, repo: &str) -> &mut FakeRepo {
        self.repos
            .entry(repo.to_owned())
            .or_insert_with(|| FakeRepo {
                branches: BTreeSet::from(["main".to_owned()]),
                ..FakeRepo::default()
            })
    }

    fn tick(&mut self) -> OffsetDateTime {
        self.clock += time::Duration::seconds(1);
        self.clock
    }

    fn issue_mut(&mut self, repo: &str, number: u64) -> &mut FakeIssue {
        self.repos
            .get_mut(repo)
            .and_then(|r| r.issues.get_mut(&number))
            .unwrap_or_else(|| panic!("no issue {repo}#{number} in the fake"))
    }
}

fn new_issue(
    number: u64,
    title: String,
    body: Option<String>,
    author: &str,
    at: OffsetDateTime,
) -> FakeIssue {
    FakeIssue {
        number,
        title,
        body,
        state: "open".into(),
        state_reason: None,
        labels: Vec::new(),
        assignees: Vec::new(),
        author: author.to_owned(),
        comments: Vec::new(),
        created_at: at,
        updated_at: at,
        closed_at: None,
        pull_request: false,
        deleted: false,
    }
}
