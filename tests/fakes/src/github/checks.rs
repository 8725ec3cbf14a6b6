//! CI results on commits, as documented under
//! <https://docs.github.com/en/rest/checks/runs#list-check-runs-for-a-git-reference>
//! (`GET …/commits/{ref}/check-runs`: `{total_count, check_runs}`, paged like issues) and
//! <https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference>
//! (`GET …/commits/{ref}/status`: `{state, statuses, sha, total_count}`; `state` is
//! `failure` when any status is `error` or `failure`, `pending` when any is pending or
//! there are none, else `success`). Here `{ref}` must be a commit sha (GitHub also takes
//! branch and tag names); a commit nobody reported on has no checks.

use axum::http::Method;
use serde_json::{Value, json};

use super::GitHubState;
use super::api::{Out, out};
use super::pulls::Call;
use super::render::{self, error};

/// A check run (what GitHub Actions and other Apps report).
#[derive(Debug, Clone, PartialEq)]
pub struct FakeCheckRun {
    pub name: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// Once completed: `success`, `failure`, `neutral`, `cancelled`, `skipped`,
    /// `timed_out` or `action_required`.
    pub conclusion: Option<String>,
}

/// A commit status (what older CI services report).
#[derive(Debug, Clone, PartialEq)]
pub struct FakeStatus {
    pub context: String,
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
}

impl GitHubState {
    /// Reports a check run on commit `sha` of `repo`.
    pub fn add_check_run(&mut self, repo: &str, sha: &str, run: FakeCheckRun) {
        let r = self.repo_entry(repo);
        r.check_runs.entry(sha.to_owned()).or_default().push(run);
    }

    /// Reports a commit status on `sha` of `repo`.
    pub fn add_status(&mut self, repo: &str, sha: &str, status: FakeStatus) {
        let r = self.repo_entry(repo);
        r.statuses.entry(sha.to_owned()).or_default().push(status);
    }

    pub(super) fn commits(&self, method: &Method, repo: &str, rest: &[&str], c: &Call) -> Out {
        let r = &self.repos[repo];
        match (method.clone(), rest) {
            (Method::GET, [sha, "check-runs"]) => {
                let runs = r.check_runs.get(*sha).cloned().unwrap_or_default();
                let (page, link) = render::page(&runs, c.url, c.q);
                let body = json!({
                    "total_count": runs.len(),
                    "check_runs": page
                        .iter()
                        .enumerate()
                        .map(|(i, run)| check_run(c.api, repo, sha, i, run))
                        .collect::<Vec<_>>(),
                });
                Out {
                    link,
                    ..out(200, body)
                }
            }
            (Method::GET, [sha, "status"]) => {
                let statuses = r.statuses.get(*sha).cloned().unwrap_or_default();
                let any = |states: &[&str]| statuses.iter().any(|s| states.contains(&&*s.state));
                let state = if any(&["error", "failure"]) {
                    "failure"
                } else if statuses.is_empty() || any(&["pending"]) {
                    "pending"
                } else {
                    "success"
                };
                let body = json!({
                    "state": state,
                    "sha": sha,
                    "total_count": statuses.len(),
                    "statuses": statuses.iter().enumerate().map(|(i, s)| json!({
                        "id": i + 1,
                        "state": s.state,
                        "context": s.context,
                        "description": null,
                        "target_url": null,
                    })).collect::<Vec<_>>(),
                    "commit_url": format!("{}/repos/{repo}/commits/{sha}", c.api),
                });
                out(200, body)
            }
            _ => out(404, error(404, "Not Found")),
        }
    }
}

fn check_run(api: &str, repo: &str, sha: &str, i: usize, run: &FakeCheckRun) -> Value {
    let id = i + 1;
    json!({
        "id": id,
        "head_sha": sha,
        "name": run.name,
        "status": run.status,
        "conclusion": run.conclusion,
        "url": format!("{api}/repos/{repo}/check-runs/{id}"),
        "html_url": format!("https://github.com/{repo}/runs/{id}"),
        "details_url": format!("https://github.com/{repo}/runs/{id}"),
        "started_at": null,
        "completed_at": null,
    })
}
