//! Pull requests, branches and assignees of the fake GitHub, as documented under
//! <https://docs.github.com/en/rest/pulls/pulls>, <https://docs.github.com/en/rest/git/refs>
//! and <https://docs.github.com/en/rest/issues/assignees>.
//!
//! A pull request is an issue ([`FakeIssue`] with `pull_request: true`, numbered in the
//! issues' sequence: title, body, state, assignees, times) plus a [`FakePull`] (branches,
//! draft, merge). Behaviour from the documentation:
//! - create: `title`, `head`, `base` required (`422 missing_field`); `head` may be
//!   `owner:branch`; a head or base branch that does not exist is `422 invalid`; an open
//!   pull request for the same head → base is `422` "A pull request already exists for
//!   owner:branch."; head = base is `422` "No commits between …".
//! - list: `state=open|closed|all` (else `422`), `head=owner:branch`, `base`, `sort=created|
//!   updated`, `direction` (default `desc` for `created`, else `asc`), paging as issues.
//! - merge: `merge_method` `merge|squash|rebase` (else `422`); `405` "Pull Request is not
//!   mergeable" for a closed or merged one or one with conflicts, "Pull Request is still a
//!   draft" for a draft, "… are not allowed on this repository." for a disallowed method;
//!   `409` "Head branch was modified. Review and try the merge again." when `sha` is not
//!   the head; else `200 {sha, merged: true, message}`, the pull request closed with
//!   `merged_at` and a merge commit, the head branch deleted when the repository's
//!   `delete_branch_on_merge` is set, and the request recorded in [`GitHubState::merges`].
//! - `DELETE git/refs/heads/<branch>`: `204`, or `422` "Reference does not exist"; open
//!   pull requests from the deleted branch are closed, as GitHub does.
//! - assignees: added (not replaced); logins that cannot be assigned are dropped silently.

use axum::http::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::api::{Out, dedup, out, strings};
use super::render::{self, error, param, validation, validation_custom};
use super::{FakeIssue, GitHubState, new_issue};

/// What a pull request has beyond its issue.
#[derive(Debug, Clone, PartialEq)]
pub struct FakePull {
    pub number: u64,
    /// Branch with the changes (`head.ref`).
    pub head: String,
    /// `head.sha`; a merge with another `sha` is refused with `409`.
    pub head_sha: String,
    /// Branch it merges into (`base.ref`).
    pub base: String,
    pub draft: bool,
    /// False: merging answers `405` "Pull Request is not mergeable" (conflicts).
    pub mergeable: bool,
    pub merged_at: Option<OffsetDateTime>,
    pub merge_commit_sha: Option<String>,
    /// Login that merged it.
    pub merged_by: Option<String>,
    /// The create request's JSON body as received; None for seeded pull requests.
    pub request: Option<Value>,
}

impl FakePull {
    pub(super) fn new(repo: &str, number: u64, head: String, base: &str) -> Self {
        Self {
            number,
            head_sha: render::sha(&format!("{repo}@{head}")),
            head,
            base: base.to_owned(),
            draft: false,
            mergeable: true,
            merged_at: None,
            merge_commit_sha: None,
            merged_by: None,
            request: None,
        }
    }
}

/// One merge GitHub accepted, with the parameters it was asked with.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeMerge {
    /// `owner/repo`.
    pub repo: String,
    pub number: u64,
    /// `merge`, `squash` or `rebase` (`merge` when the request named none).
    pub method: String,
    pub commit_title: Option<String>,
    pub commit_message: Option<String>,
    /// The `sha` the request required, if any.
    pub sha: Option<String>,
    /// The commit the merge made.
    pub merge_commit_sha: String,
    /// Login of the token that merged.
    pub by: String,
}

/// The parts of a request every pull request handler reads.
pub(super) struct Call<'a> {
    pub q: &'a [(String, String)],
    pub body: &'a [u8],
    pub api: &'a str,
    /// This request's URL without its query (for `Link`).
    pub url: &'a str,
    pub login: &'a str,
}

impl GitHubState {
    /// A branch of `repo` (creating the repository when new), so pull requests can name it.
    pub fn add_branch(&mut self, repo: &str, branch: &str) {
        self.repo_entry(repo).branches.insert(branch.to_owned());
    }

    /// The commit at the head of `branch` as this fake names it (it models no commits): the
    /// `head.sha` of a pull request from it, where tests report checks.
    pub fn branch_head_sha(repo: &str, branch: &str) -> String {
        render::sha(&format!("{repo}@{branch}"))
    }

    pub fn has_branch(&self, repo: &str, branch: &str) -> bool {
        self.repos
            .get(repo)
            .is_some_and(|r| r.branches.contains(branch))
    }

    /// The pull request part of `repo#number`; the rest is [`GitHubState::issue`].
    pub fn pull(&self, repo: &str, number: u64) -> Option<&FakePull> {
        self.repos.get(repo)?.pulls.get(&number)
    }

    /// To make a pull request unmergeable, a draft, or move its head.
    pub fn pull_mut(&mut self, repo: &str, number: u64) -> Option<&mut FakePull> {
        self.repos.get_mut(repo)?.pulls.get_mut(&number)
    }

    /// Every merge accepted so far, oldest first.
    pub fn merges(&self) -> &[FakeMerge] {
        &self.merges
    }

    /// The repository setting "Automatically delete head branches".
    pub fn set_delete_branch_on_merge(&mut self, repo: &str, on: bool) {
        self.repo_entry(repo).delete_branch_on_merge = on;
    }

    /// Refuses `method` (`merge`, `squash`, `rebase`) in `repo`, as its settings can.
    pub fn disallow_merge_method(&mut self, repo: &str, method: &str) {
        self.repo_entry(repo)
            .disallowed_merge_methods
            .insert(method.to_owned());
    }

    /// `…/pulls[/…]` of an existing repository.
    pub(super) fn pulls(&mut self, method: &Method, repo: &str, rest: &[&str], c: &Call) -> Out {
        match (method.clone(), rest) {
            (Method::GET, []) => self.list_pulls(repo, c),
            (Method::POST, []) => self.create_pull(repo, c),
            (Method::GET, [n]) => self.with_pull(repo, n, |s, n| s.show(repo, n, c.api, 200)),
            (Method::PATCH, [n]) => self.with_pull(repo, n, |s, n| s.update_pull(repo, n, c)),
            (Method::PUT, [n, "merge"]) => self.with_pull(repo, n, |s, n| s.merge_pull(repo, n, c)),
            // "Check if a pull request has been merged": 204 or 404.
            (Method::GET, [n, "merge"]) => {
                self.with_pull(repo, n, |s, n| match s.repos[repo].pulls[&n].merged_at {
                    Some(_) => out(204, Value::Null),
                    None => out(404, error(404, "Not Found")),
                })
            }
            _ => out(404, error(404, "Not Found")),
        }
    }

    /// `DELETE …/git/refs/heads/<branch>` (the ref spans the remaining segments, each
    /// percent-decoded).
    pub(super) fn git(&mut self, method: &Method, repo: &str, rest: &[&str]) -> Out {
        let ["refs", "heads", branch @ ..] = rest else {
            return out(404, error(404, "Not Found"));
        };
        if *method != Method::DELETE || branch.is_empty() {
            return out(404, error(404, "Not Found"));
        }
        let branch: Vec<String> = branch.iter().map(|s| crate::decode(s)).collect();
        let branch = branch.join("/");
        let at = self.clock + time::Duration::seconds(1);
        let r = self.repos.get_mut(repo).expect("repo");
        if !r.branches.remove(&branch) {
            return out(422, error(422, "Reference does not exist"));
        }
        let mut closed = false;
        for (n, p) in &r.pulls {
            let i = r.issues.get_mut(n).expect("a pull request is an issue");
            if p.head == branch && i.state == "open" {
                i.state = "closed".into();
                i.closed_at = Some(at);
                i.updated_at = at;
                closed = true;
            }
        }
        if closed {
            self.clock = at;
        }
        out(204, Value::Null)
    }

    /// `POST …/issues/{n}/assignees` `{assignees}`: adds the ones that can be assigned.
    pub(super) fn add_assignees(&mut self, repo: &str, n: u64, body: &[u8], api: &str) -> Out {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return out(400, error(400, "Problems parsing JSON"));
        };
        let wanted: Vec<String> = strings(&v["assignees"])
            .into_iter()
            .filter(|a| self.users.contains(a))
            .collect();
        let at = self.clock + time::Duration::seconds(1);
        let i = self.issue_mut(repo, n);
        let before = i.assignees.clone();
        i.assignees = dedup(before.iter().cloned().chain(wanted).collect());
        if i.assignees != before {
            i.updated_at = at;
            self.clock = at;
        }
        let i = &self.repos[repo].issues[&n];
        out(201, self.render_issue(api, repo, i))
    }

    /// Runs `f` for a pull request's number; `404` for an unknown number or an issue.
    fn with_pull(&mut self, repo: &str, n: &str, f: impl FnOnce(&mut Self, u64) -> Out) -> Out {
        match n.parse::<u64>() {
            Ok(n) if self.repos[repo].pulls.contains_key(&n) => f(self, n),
            _ => out(404, error(404, "Not Found")),
        }
    }

    fn show(&self, repo: &str, n: u64, api: &str, status: u16) -> Out {
        let r = &self.repos[repo];
        out(
            status,
            render::pull(api, repo, &r.issues[&n], &r.pulls[&n], true),
        )
    }

    fn list_pulls(&self, repo: &str, c: &Call) -> Out {
        let state = param(c.q, "state").unwrap_or("open");
        if !["open", "closed", "all"].contains(&state) {
            return out(
                422,
                validation("PullRequest", "state", "invalid", Some(state)),
            );
        }
        let owner = repo.split('/').next().unwrap_or(repo);
        let head = param(c.q, "head");
        let base = param(c.q, "base");
        let r = &self.repos[repo];
        let mut items: Vec<(&FakeIssue, &FakePull)> = r
            .pulls
            .values()
            .map(|p| (&r.issues[&p.number], p))
            .filter(|(i, _)| state == "all" || i.state == state)
            .filter(|(_, p)| head.is_none_or(|h| h == format!("{owner}:{}", p.head)))
            .filter(|(_, p)| base.is_none_or(|b| b == p.base))
            .collect();
        let sort = param(c.q, "sort").unwrap_or("created");
        match sort {
            "updated" => items.sort_by_key(|(i, _)| (i.updated_at, i.number)),
            _ => items.sort_by_key(|(i, _)| (i.created_at, i.number)),
        }
        let default_direction = if sort == "created" { "desc" } else { "asc" };
        if param(c.q, "direction").unwrap_or(default_direction) == "desc" {
            items.reverse();
        }
        let (slice, link) = render::page(&items, c.url, c.q);
        let body = slice
            .iter()
            .map(|(i, p)| render::pull(c.api, repo, i, p, false))
            .collect();
        Out {
            status: 200,
            body: Value::Array(body),
            link,
        }
    }

    fn create_pull(&mut self, repo: &str, c: &Call) -> Out {
        let Ok(v) = serde_json::from_slice::<Value>(c.body) else {
            return out(400, error(400, "Problems parsing JSON"));
        };
        let field = |k: &str| v[k].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        let (Some(title), Some(head), Some(base)) = (field("title"), field("head"), field("base"))
        else {
            let missing = ["title", "head", "base"]
                .into_iter()
                .find(|k| field(k).is_none())
                .expect("one is missing");
            return out(
                422,
                validation("PullRequest", missing, "missing_field", None),
            );
        };
        let owner = repo.split('/').next().unwrap_or(repo);
        let head = match head.split_once(':') {
            None => head,
            Some((o, b)) if o.eq_ignore_ascii_case(owner) => b.to_owned(),
            Some(_) => return out(422, validation("PullRequest", "head", "invalid", None)),
        };
        let r = &self.repos[repo];
        for (name, branch) in [("head", &head), ("base", &base)] {
            if !r.branches.contains(branch) {
                return out(422, validation("PullRequest", name, "invalid", None));
            }
        }
        if head == base {
            let msg = format!("No commits between {base} and {head}");
            return out(422, validation_custom("PullRequest", &msg));
        }
        let taken = r
            .pulls
            .values()
            .any(|p| p.head == head && p.base == base && r.issues[&p.number].state == "open");
        if taken {
            let msg = format!("A pull request already exists for {owner}:{head}.");
            return out(422, validation_custom("PullRequest", &msg));
        }
        let at = self.tick();
        let r = self.repos.get_mut(repo).expect("repo");
        let number = r.issues.keys().next_back().copied().unwrap_or(0) + 1;
        let mut issue = new_issue(
            number,
            title,
            v["body"].as_str().map(str::to_owned),
            c.login,
            at,
        );
        issue.pull_request = true;
        r.issues.insert(number, issue);
        let mut pull = FakePull::new(repo, number, head, &base);
        pull.draft = v["draft"].as_bool().unwrap_or(false);
        pull.request = Some(v);
        r.pulls.insert(number, pull);
        self.show(repo, number, c.api, 201)
    }

    /// `PATCH …/pulls/{n}` with `title`, `body`, `base`, `state`.
    fn update_pull(&mut self, repo: &str, n: u64, c: &Call) -> Out {
        let Ok(v) = serde_json::from_slice::<Value>(c.body) else {
            return out(400, error(400, "Problems parsing JSON"));
        };
        let state = v["state"].as_str();
        if state.is_some_and(|s| s != "open" && s != "closed") {
            return out(422, validation("PullRequest", "state", "invalid", state));
        }
        if let Some(b) = v["base"].as_str()
            && !self.repos[repo].branches.contains(b)
        {
            return out(422, validation("PullRequest", "base", "invalid", None));
        }
        let merged = self.repos[repo].pulls[&n].merged_at.is_some();
        if merged && state == Some("open") {
            let msg = "state cannot be changed. The pull request cannot be reopened.";
            return out(422, validation_custom("PullRequest", msg));
        }
        let at = self.clock + time::Duration::seconds(1);
        let r = self.repos.get_mut(repo).expect("repo");
        let i = r.issues.get_mut(&n).expect("issue");
        let p = r.pulls.get_mut(&n).expect("pull");
        let before = (i.clone(), p.clone());
        if let Some(t) = v["title"].as_str().filter(|t| !t.is_empty()) {
            i.title = t.to_owned();
        }
        if let Some(b) = v.get("body") {
            i.body = b.as_str().map(str::to_owned);
        }
        if let Some(b) = v["base"].as_str() {
            p.base = b.to_owned();
        }
        match state {
            Some("closed") if i.state == "open" => {
                i.state = "closed".into();
                i.closed_at = Some(at);
            }
            Some("open") if i.state == "closed" => {
                i.state = "open".into();
                i.closed_at = None;
            }
            _ => {}
        }
        if (i.clone(), p.clone()) != before {
            i.updated_at = at;
            self.clock = at;
        }
        self.show(repo, n, c.api, 200)
    }

    fn merge_pull(&mut self, repo: &str, n: u64, c: &Call) -> Out {
        let v: Value = if c.body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            match serde_json::from_slice(c.body) {
                Ok(v) => v,
                Err(_) => return out(400, error(400, "Problems parsing JSON")),
            }
        };
        let method = match v.get("merge_method") {
            None | Some(Value::Null) => "merge".to_owned(),
            Some(Value::String(m)) if ["merge", "squash", "rebase"].contains(&m.as_str()) => {
                m.clone()
            }
            Some(other) => {
                let msg = format!(
                    "Invalid request.\n\nFor 'properties/merge_method', {other} is not one of \
                     [\"merge\", \"squash\", \"rebase\"]."
                );
                return out(422, error(422, &msg));
            }
        };
        let r = &self.repos[repo];
        let (i, p) = (&r.issues[&n], &r.pulls[&n]);
        let refusal = if i.state != "open" || !p.mergeable || !r.branches.contains(&p.head) {
            Some("Pull Request is not mergeable".to_owned())
        } else if p.draft {
            Some("Pull Request is still a draft".to_owned())
        } else if r.disallowed_merge_methods.contains(&method) {
            let kind = match method.as_str() {
                "squash" => "Squash merges",
                "rebase" => "Rebase merges",
                _ => "Merge commits",
            };
            Some(format!("{kind} are not allowed on this repository."))
        } else {
            None
        };
        if let Some(msg) = refusal {
            return out(405, error(405, &msg));
        }
        let sha = v["sha"].as_str().map(str::to_owned);
        if sha.as_ref().is_some_and(|s| *s != p.head_sha) {
            let msg = "Head branch was modified. Review and try the merge again.";
            return out(409, error(409, msg));
        }
        let at = self.tick();
        let commit = render::sha(&format!("merge {repo}#{n} {method} {at}"));
        let r = self.repos.get_mut(repo).expect("repo");
        let i = r.issues.get_mut(&n).expect("issue");
        i.state = "closed".into();
        i.closed_at = Some(at);
        i.updated_at = at;
        let p = r.pulls.get_mut(&n).expect("pull");
        p.merged_at = Some(at);
        p.merge_commit_sha = Some(commit.clone());
        p.merged_by = Some(c.login.to_owned());
        if r.delete_branch_on_merge {
            let head = p.head.clone();
            r.branches.remove(&head);
        }
        let text = |k: &str| v[k].as_str().map(str::to_owned);
        self.merges.push(FakeMerge {
            repo: repo.to_owned(),
            number: n,
            method,
            commit_title: text("commit_title"),
            commit_message: text("commit_message"),
            sha,
            merge_commit_sha: commit.clone(),
            by: c.login.to_owned(),
        });
        out(
            200,
            json!({"sha": commit, "merged": true, "message": "Pull Request successfully merged"}),
        )
    }
}
