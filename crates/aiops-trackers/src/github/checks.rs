//! One pull request with its mergeability and its head commit's checks. GitHub keeps CI
//! results in two places: check runs (GitHub Actions and other Apps) and the older commit
//! statuses (many external CI services); a pull request's checks are both.

use aiops_core::tracker::{Target, TrackerResult};
use aiops_types::{PullRequest, PullRequestChecks, PullRequestState};
use serde_json::Value;
use ureq::http::Method;

use super::{GitHub, wire};

impl GitHub {
    /// `GET /repos/{o}/{r}/pulls/{n}`
    /// (<https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request>): `mergeable` is
    /// `null` while GitHub computes it, `mergeable_state` says why not. For an open pull
    /// request, then the checks of `head.sha`: `GET …/commits/{sha}/check-runs?per_page=100`
    /// (<https://docs.github.com/en/rest/checks/runs#list-check-runs-for-a-git-reference>;
    /// beyond 100 runs the count is `total_count`'s and the rest are not classified) and
    /// `GET …/commits/{sha}/status`
    /// (<https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference>).
    ///
    /// Errors: `NotFound` for no such pull request (a number that is an issue included).
    pub(super) fn get_pull(&self, target: &Target, number: u64) -> TrackerResult<PullRequest> {
        let repo = wire::repo_path(target)?;
        let v = self.get(&format!("{repo}/pulls/{number}"))?;
        let mut pr = wire::pull_request(&v)?;
        if pr.state != PullRequestState::Open {
            return Ok(pr);
        }
        pr.mergeable = v.get("mergeable").and_then(Value::as_bool);
        pr.merge_status = v
            .get("mergeable_state")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let Some(sha) = v
            .get("head")
            .and_then(|h| h.get("sha"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()))
        else {
            return Ok(pr);
        };
        let commit = format!("{repo}/commits/{sha}");
        let runs = self.http.json(
            Method::GET,
            &format!("{commit}/check-runs"),
            &[("per_page", "100".to_owned())],
            None,
        )?;
        let statuses = self.get(&format!("{commit}/status"))?;
        pr.checks = checks(&runs, &statuses, &format!("{}/checks", pr.url));
        Ok(pr)
    }
}

/// Check runs and commit statuses counted together. A run is pending until `completed`;
/// completed, it failed with `failure`, `cancelled`, `timed_out`, `action_required`,
/// `startup_failure` or `stale` and passed otherwise (`success`, `neutral`, `skipped`). A
/// status failed with `failure` or `error`, is pending with `pending`.
fn checks(runs: &Value, statuses: &Value, url: &str) -> Option<PullRequestChecks> {
    let (mut failed, mut pending, mut seen) = (0u32, 0u32, 0u32);
    let list = |v: &Value, key: &str| v.get(key).and_then(Value::as_array).cloned();
    for run in list(runs, "check_runs").unwrap_or_default() {
        seen += 1;
        let field = |k: &str| run.get(k).and_then(Value::as_str).unwrap_or("");
        if field("status") != "completed" {
            pending += 1;
        } else if matches!(
            field("conclusion"),
            "failure" | "cancelled" | "timed_out" | "action_required" | "startup_failure" | "stale"
        ) {
            failed += 1;
        }
    }
    // Runs past the first page still count toward the total, unclassified.
    let runs_total = runs
        .get("total_count")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(seen)
        .max(seen);
    let mut total = runs_total;
    for status in list(statuses, "statuses").unwrap_or_default() {
        total += 1;
        match status.get("state").and_then(Value::as_str) {
            Some("failure" | "error") => failed += 1,
            Some("pending") => pending += 1,
            _ => {}
        }
    }
    PullRequestChecks::from_counts(total, failed, pending, Some(url.to_owned()))
}

#[cfg(test)]
mod tests {
    use aiops_types::ChecksState;
    use serde_json::json;

    use super::*;

    const URL: &str = "https://github.com/o/r/pull/1/checks";

    #[test]
    fn runs_and_statuses_count_together_and_any_failure_wins() {
        let runs = json!({"total_count": 3, "check_runs": [
            {"status": "completed", "conclusion": "success"},
            {"status": "in_progress", "conclusion": null},
            {"status": "completed", "conclusion": "timed_out"},
        ]});
        let statuses = json!({"state": "success", "statuses": [{"state": "success"}]});
        let c = checks(&runs, &statuses, URL).unwrap();
        assert_eq!(
            (c.state, c.total, c.failed, c.pending),
            (ChecksState::Failure, 4, 1, 1)
        );
        assert_eq!(c.url.as_deref(), Some(URL));
    }

    #[test]
    fn pending_until_every_check_is_done_and_none_without_checks() {
        let runs = json!({"total_count": 1, "check_runs": [{"status": "queued"}]});
        let none = json!({"state": "pending", "statuses": []});
        assert_eq!(
            checks(&runs, &none, URL).unwrap().state,
            ChecksState::Pending
        );
        let done = json!({"total_count": 2, "check_runs": [
            {"status": "completed", "conclusion": "neutral"},
            {"status": "completed", "conclusion": "skipped"},
        ]});
        assert_eq!(
            checks(&done, &none, URL).unwrap().state,
            ChecksState::Success
        );
        // GitHub's combined status with no statuses says `pending`: no checks at all is
        // no checks, not a pending one.
        let empty = json!({"total_count": 0, "check_runs": []});
        assert_eq!(checks(&empty, &none, URL), None);
    }
}
