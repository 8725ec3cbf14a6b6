//! GitHub's JSON shapes, page slicing with the `Link` header, and the `ETag` digest.

use serde_json::{Value, json};

use super::{FakeComment, FakeIssue, FakePull};
use crate::rfc3339;

/// Where `html_url`s point (the web host, not the API host).
const WEB: &str = "https://github.com";

/// A simple user object (`login`, `id`, `type`, URLs), as embedded in issues and comments.
pub(super) fn user(api: &str, login: &str) -> Value {
    json!({
        "login": login,
        "id": stable_id(login),
        "node_id": format!("U_{login}"),
        "type": "User",
        "site_admin": false,
        "url": format!("{api}/users/{login}"),
        "html_url": format!("{WEB}/{login}"),
    })
}

/// The issue object of the issues API; pull requests get their `pull_request` key.
pub(super) fn issue(api: &str, repo: &str, i: &FakeIssue, pull: Option<&FakePull>) -> Value {
    let n = i.number;
    let web_kind = if i.pull_request { "pull" } else { "issues" };
    let mut v = json!({
        "id": stable_id(repo) * 1_000_000 + n,
        "node_id": format!("I_{repo}#{n}"),
        "url": format!("{api}/repos/{repo}/issues/{n}"),
        "repository_url": format!("{api}/repos/{repo}"),
        "comments_url": format!("{api}/repos/{repo}/issues/{n}/comments"),
        "html_url": format!("{WEB}/{repo}/{web_kind}/{n}"),
        "number": n,
        "state": i.state,
        "state_reason": i.state_reason,
        "title": i.title,
        "body": i.body,
        "user": user(api, &i.author),
        "labels": i.labels.iter().map(|name| json!({
            "id": stable_id(name),
            "name": name,
            "color": "ededed",
            "default": false,
            "description": null,
        })).collect::<Vec<_>>(),
        "assignee": i.assignee().map(|a| user(api, a)),
        "assignees": i.assignees.iter().map(|a| user(api, a)).collect::<Vec<_>>(),
        "milestone": null,
        "locked": false,
        "comments": i.comments.len(),
        "created_at": rfc3339(i.created_at),
        "updated_at": rfc3339(i.updated_at),
        "closed_at": i.closed_at.map(rfc3339),
        "author_association": "OWNER",
    });
    if i.pull_request {
        v["pull_request"] = json!({
            "url": format!("{api}/repos/{repo}/pulls/{n}"),
            "html_url": format!("{WEB}/{repo}/pull/{n}"),
            "diff_url": format!("{WEB}/{repo}/pull/{n}.diff"),
            "patch_url": format!("{WEB}/{repo}/pull/{n}.patch"),
            "merged_at": pull.and_then(|p| p.merged_at).map(rfc3339),
        });
    }
    v
}

/// The pull request object of the pulls API
/// (<https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request>). `full` adds what only
/// the single-item answers (get, create, update) carry: `merged`, `mergeable`, counts.
pub(super) fn pull(api: &str, repo: &str, i: &FakeIssue, p: &FakePull, full: bool) -> Value {
    let n = i.number;
    let owner = repo.split('/').next().unwrap_or(repo);
    let side = |branch: &str, sha: &str| {
        json!({
            "label": format!("{owner}:{branch}"),
            "ref": branch,
            "sha": sha,
            "user": user(api, owner),
            "repo": repository(api, repo),
        })
    };
    let mut v = json!({
        "url": format!("{api}/repos/{repo}/pulls/{n}"),
        "id": stable_id(repo) * 1_000_000 + n,
        "node_id": format!("PR_{repo}#{n}"),
        "html_url": format!("{WEB}/{repo}/pull/{n}"),
        "diff_url": format!("{WEB}/{repo}/pull/{n}.diff"),
        "patch_url": format!("{WEB}/{repo}/pull/{n}.patch"),
        "issue_url": format!("{api}/repos/{repo}/issues/{n}"),
        "number": n,
        "state": i.state,
        "locked": false,
        "title": i.title,
        "user": user(api, &i.author),
        "body": i.body,
        "labels": i.labels.iter().map(|name| json!({"name": name})).collect::<Vec<_>>(),
        "milestone": null,
        "active_lock_reason": null,
        "created_at": rfc3339(i.created_at),
        "updated_at": rfc3339(i.updated_at),
        "closed_at": i.closed_at.map(rfc3339),
        "merged_at": p.merged_at.map(rfc3339),
        "merge_commit_sha": p.merge_commit_sha.clone().unwrap_or_else(|| sha(&format!("test-merge {repo}#{n}"))),
        "assignee": i.assignee().map(|a| user(api, a)),
        "assignees": i.assignees.iter().map(|a| user(api, a)).collect::<Vec<_>>(),
        "requested_reviewers": [],
        "requested_teams": [],
        "head": side(&p.head, &p.head_sha),
        "base": side(&p.base, &sha(&format!("{repo}@{}", p.base))),
        "author_association": "OWNER",
        "auto_merge": null,
        "draft": p.draft,
    });
    if full {
        let open = i.state == "open";
        let mergeable = open.then_some(p.mergeable);
        let state = match (open, p.draft, p.mergeable) {
            (false, _, _) => "unknown",
            (true, true, _) => "draft",
            (true, false, false) => "dirty",
            (true, false, true) => "clean",
        };
        for (k, val) in [
            ("merged", json!(p.merged_at.is_some())),
            ("mergeable", json!(mergeable)),
            ("rebaseable", json!(mergeable)),
            ("mergeable_state", json!(state)),
            (
                "merged_by",
                json!(p.merged_by.as_deref().map(|l| user(api, l))),
            ),
            ("comments", json!(i.comments.len())),
            ("review_comments", json!(0)),
            ("maintainer_can_modify", json!(false)),
            ("commits", json!(1)),
            ("additions", json!(1)),
            ("deletions", json!(0)),
            ("changed_files", json!(1)),
        ] {
            v[k] = val;
        }
    }
    v
}

/// The repository object embedded in a pull request's `head` and `base`.
fn repository(api: &str, repo: &str) -> Value {
    let (owner, name) = repo.split_once('/').unwrap_or((repo, repo));
    json!({
        "id": stable_id(repo),
        "node_id": format!("R_{repo}"),
        "name": name,
        "full_name": repo,
        "private": false,
        "owner": user(api, owner),
        "html_url": format!("{WEB}/{repo}"),
        "url": format!("{api}/repos/{repo}"),
        "default_branch": "main",
    })
}

/// A deterministic 40-hex-digit commit id for `seed`.
pub(super) fn sha(seed: &str) -> String {
    let digest = etag(seed.as_bytes());
    let tail = etag(format!("{seed}.").as_bytes());
    format!("{}{}", &digest[1..33], &tail[1..9])
}

pub(super) fn comment(api: &str, repo: &str, number: u64, c: &FakeComment) -> Value {
    json!({
        "id": c.id,
        "node_id": format!("IC_{}", c.id),
        "url": format!("{api}/repos/{repo}/issues/comments/{}", c.id),
        "html_url": format!("{WEB}/{repo}/issues/{number}#issuecomment-{}", c.id),
        "issue_url": format!("{api}/repos/{repo}/issues/{number}"),
        "body": c.body,
        "user": user(api, &c.author),
        "created_at": rfc3339(c.created_at),
        "updated_at": rfc3339(c.updated_at),
        "author_association": "OWNER",
    })
}

/// GitHub's error body: `message`, `documentation_url`, `status` (a string).
pub(super) fn error(status: u16, message: &str) -> Value {
    json!({
        "message": message,
        "documentation_url": "https://docs.github.com/rest",
        "status": status.to_string(),
    })
}

/// `422 Validation Failed` with one entry of `errors`.
pub(super) fn validation(resource: &str, field: &str, code: &str, value: Option<&str>) -> Value {
    let mut e = json!({"resource": resource, "code": code, "field": field});
    if let Some(v) = value {
        e["value"] = json!(v);
    }
    json!({
        "message": "Validation Failed",
        "errors": [e],
        "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
        "status": "422",
    })
}

/// `422 Validation Failed` whose one error is a `custom` message (e.g. "A pull request
/// already exists for owner:branch.").
pub(super) fn validation_custom(resource: &str, message: &str) -> Value {
    json!({
        "message": "Validation Failed",
        "errors": [{"resource": resource, "code": "custom", "message": message}],
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
        "status": "422",
    })
}

/// The raw `key=value` pairs of a query string, in order.
pub(super) fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (crate::decode(k), crate::decode(v))
        })
        .collect()
}

pub(super) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// One page of `items` per `page` (default 1) and `per_page` (default 30, at most 100),
/// and the `Link` header pointing at the neighbouring pages (None when one page holds all).
pub(super) fn page<T: Clone>(
    items: &[T],
    url: &str,
    pairs: &[(String, String)],
) -> (Vec<T>, Option<String>) {
    let per_page = param(pairs, "per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(30)
        .min(100);
    let page = param(pairs, "page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let last = items.len().div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(items.len());
    let end = (start + per_page).min(items.len());
    let slice = items[start..end].to_vec();
    if last == 1 {
        return (slice, None);
    }
    let to = |p: usize| {
        let mut q: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        q.push(format!("page={p}"));
        format!("<{url}?{}>", q.join("&"))
    };
    let mut rels = Vec::new();
    if page > 1 {
        rels.push(format!("{}; rel=\"prev\"", to((page - 1).min(last))));
    }
    if page < last {
        rels.push(format!("{}; rel=\"next\"", to(page + 1)));
    }
    rels.push(format!("{}; rel=\"last\"", to(last)));
    if page > 1 {
        rels.push(format!("{}; rel=\"first\"", to(1)));
    }
    (slice, Some(rels.join(", ")))
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A strong validator: a 128-bit FNV-1a digest of the body, quoted.
pub(super) fn etag(body: &[u8]) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in body {
        h ^= u128::from(*b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    format!("\"{h:032x}\"")
}

/// Whether an `If-None-Match` value (a list, `*`, or weak tags) matches `tag`.
pub(super) fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match.split(',').any(|t| {
        let t = t.trim();
        t == "*" || t.trim_start_matches("W/") == tag
    })
}

/// A deterministic positive id for a name.
fn stable_id(name: &str) -> u64 {
    name.bytes().fold(7u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b)) % 1_000_000_007
    })
}
