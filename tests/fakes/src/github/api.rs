//! Request dispatch: credentials, quota, routes, `ETag`/`304`, and the answers' headers.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::pulls::Call;
use super::render::{self, error, pairs, param, validation};
use super::{FakeComment, FakeIssue, GitHubState, RATE_LIMIT, new_issue};

/// API versions GitHub accepts in `X-GitHub-Api-Version`.
const VERSIONS: &[&str] = &["2022-11-28", "2026-03-10"];

pub(super) fn router(state: Arc<Mutex<GitHubState>>) -> Router {
    Router::new().fallback(move |req: Request| {
        let state = state.clone();
        async move {
            let method = req.method().clone();
            let path = req.uri().path().to_owned();
            let query = req.uri().query().unwrap_or("").to_owned();
            let headers = req.headers().clone();
            let body = axum::body::to_bytes(req.into_body(), 4 << 20)
                .await
                .unwrap_or_default();
            let mut st = state.lock().expect("fake github state");
            st.answer(&method, &path, &query, &headers, &body)
        }
    })
}

/// A handler's answer before the shared headers are added.
pub(super) struct Out {
    pub(super) status: u16,
    /// Sent as JSON, except for a `204`, which has no body.
    pub(super) body: Value,
    pub(super) link: Option<String>,
}

pub(super) fn out(status: u16, body: Value) -> Out {
    Out {
        status,
        body,
        link: None,
    }
}

impl GitHubState {
    fn answer(
        &mut self,
        method: &Method,
        path: &str,
        query: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Response {
        let host = header(headers, "host").unwrap_or("127.0.0.1");
        let api = format!("http://{host}");
        let auth = header(headers, "authorization").map(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
                .unwrap_or("")
                .trim()
                .to_owned()
        });
        let login = match auth {
            None => return self.reply(401, &error(401, "Requires authentication"), None, None),
            Some(t) => match self.tokens.get(&t) {
                Some(login) => login.clone(),
                None => return self.reply(401, &error(401, "Bad credentials"), None, None),
            },
        };
        if let Some(v) = header(headers, "x-github-api-version")
            && !VERSIONS.contains(&v)
        {
            let msg = format!("API version {v} is not supported.");
            return self.reply(400, &error(400, &msg), None, None);
        }
        if self.remaining == 0 {
            let msg = "API rate limit exceeded for user. Check out the documentation for more \
                       details about rate limits.";
            return self.reply(403, &error(403, msg), None, None);
        }
        let q = pairs(query);
        let o = self.route(method, path, &q, body, &api, &login);
        let bytes = if o.status == 204 {
            Vec::new()
        } else {
            serde_json::to_vec(&o.body).expect("json")
        };
        let mut tag = None;
        if *method == Method::GET && o.status == 200 {
            let t = render::etag(&bytes);
            if header(headers, "if-none-match").is_some_and(|inm| render::matches(inm, &t)) {
                // A conditional hit costs no quota (GitHub's "conditional requests").
                return self.response(304, Vec::new(), Some(&t), None);
            }
            tag = Some(t);
        }
        self.remaining -= 1;
        self.response(o.status, bytes, tag.as_deref(), o.link.as_deref())
    }

    fn reply(&self, status: u16, body: &Value, tag: Option<&str>, link: Option<&str>) -> Response {
        let bytes = serde_json::to_vec(body).expect("json");
        self.response(status, bytes, tag, link)
    }

    fn response(
        &self,
        status: u16,
        body: Vec<u8>,
        tag: Option<&str>,
        link: Option<&str>,
    ) -> Response {
        let mut r = Response::new(Body::from(body));
        *r.status_mut() = StatusCode::from_u16(status).expect("status");
        let h = r.headers_mut();
        let mut set = |k: &'static str, v: String| {
            h.insert(k, HeaderValue::from_str(&v).expect("header value"));
        };
        if status != 304 && status != 204 {
            set("content-type", "application/json; charset=utf-8".into());
        }
        set("x-ratelimit-limit", RATE_LIMIT.to_string());
        set("x-ratelimit-remaining", self.remaining.to_string());
        set("x-ratelimit-reset", self.reset_epoch.to_string());
        set(
            "x-ratelimit-used",
            (RATE_LIMIT - self.remaining).to_string(),
        );
        set("x-ratelimit-resource", "core".into());
        set("x-github-media-type", "github.v3; format=json".into());
        if let Some(t) = tag {
            set("etag", t.to_owned());
        }
        if let Some(l) = link {
            set("link", l.to_owned());
        }
        r
    }

    fn route(
        &mut self,
        method: &Method,
        path: &str,
        q: &[(String, String)],
        body: &[u8],
        api: &str,
        login: &str,
    ) -> Out {
        let seg: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let not_found = || out(404, error(404, "Not Found"));
        if seg == ["user"] && *method == Method::GET {
            return out(200, render::user(api, login));
        }
        if seg.len() < 4 || seg[0] != "repos" {
            return not_found();
        }
        let Some(repo) = self.repo_key(seg[1], seg[2]) else {
            return not_found();
        };
        let url = format!("{api}{path}");
        let call = Call {
            q,
            body,
            api,
            url: &url,
            login,
        };
        match seg[3] {
            "issues" => {}
            "pulls" => return self.pulls(method, &repo, &seg[4..], &call),
            "git" => return self.git(method, &repo, &seg[4..]),
            "commits" => return self.commits(method, &repo, &seg[4..], &call),
            _ => return not_found(),
        }
        match (method.clone(), &seg[4..]) {
            (Method::GET, []) => self.list_issues(&repo, q, api, &url),
            (Method::POST, []) => self.create_issue(&repo, body, api, login),
            (Method::PATCH, ["comments", id]) => self.edit_comment(&repo, id, body, api),
            (Method::GET, [n]) => self.with_issue(&repo, n, |s, n| {
                let i = &s.repos[&repo].issues[&n];
                out(200, s.render_issue(api, &repo, i))
            }),
            (Method::POST, [n, "assignees"]) => {
                self.with_issue(&repo, n, |s, n| s.add_assignees(&repo, n, body, api))
            }
            (Method::PATCH, [n]) => {
                self.with_issue(&repo, n, |s, n| s.update_issue(&repo, n, body, api))
            }
            (Method::GET, [n, "comments"]) => {
                self.with_issue(&repo, n, |s, n| s.list_comments(&repo, n, q, api, &url))
            }
            (Method::POST, [n, "comments"]) => self.with_issue(&repo, n, |s, n| {
                s.create_comment(&repo, n, body, api, login)
            }),
            _ => not_found(),
        }
    }

    /// GitHub matches owner and repository names case-insensitively.
    fn repo_key(&self, owner: &str, name: &str) -> Option<String> {
        let want = format!("{owner}/{name}");
        self.repos
            .keys()
            .find(|k| k.eq_ignore_ascii_case(&want))
            .cloned()
    }

    /// Runs `f` for an existing issue number: `404` when unknown, `410` when deleted.
    fn with_issue(&mut self, repo: &str, n: &str, f: impl FnOnce(&mut Self, u64) -> Out) -> Out {
        let Some(i) = n
            .parse::<u64>()
            .ok()
            .and_then(|n| self.repos[repo].issues.get(&n))
        else {
            return out(404, error(404, "Not Found"));
        };
        if i.deleted {
            return out(410, error(410, "This issue was deleted"));
        }
        let number = i.number;
        f(self, number)
    }

    fn list_issues(&self, repo: &str, q: &[(String, String)], api: &str, url: &str) -> Out {
        let state = param(q, "state").unwrap_or("open");
        if !["open", "closed", "all"].contains(&state) {
            return out(422, validation("Issue", "state", "invalid", Some(state)));
        }
        let since = match param(q, "since").map(|s| OffsetDateTime::parse(s, &Rfc3339)) {
            None => None,
            Some(Ok(t)) => Some(t),
            Some(Err(_)) => return out(422, validation("Issue", "since", "invalid", None)),
        };
        let mut items: Vec<_> = self.repos[repo]
            .issues
            .values()
            .filter(|i| !i.deleted && (state == "all" || i.state == state))
            .filter(|i| since.is_none_or(|s| i.updated_at >= s))
            .collect();
        match param(q, "sort").unwrap_or("created") {
            "updated" => items.sort_by_key(|i| (i.updated_at, i.number)),
            "comments" => items.sort_by_key(|i| (i.comments.len(), i.number)),
            _ => items.sort_by_key(|i| (i.created_at, i.number)),
        }
        if param(q, "direction").unwrap_or("desc") != "asc" {
            items.reverse();
        }
        let (slice, link) = render::page(&items, url, q);
        let body = slice
            .iter()
            .map(|i| self.render_issue(api, repo, i))
            .collect();
        Out {
            status: 200,
            body: Value::Array(body),
            link,
        }
    }

    fn create_issue(&mut self, repo: &str, body: &[u8], api: &str, login: &str) -> Out {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return out(400, error(400, "Problems parsing JSON"));
        };
        let title = match &v["title"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if title.is_empty() {
            return out(422, validation("Issue", "title", "missing_field", None));
        }
        let mut assignees = strings(&v["assignees"]);
        if let Some(a) = v["assignee"].as_str() {
            assignees.insert(0, a.to_owned());
        }
        if let Some(bad) = assignees.iter().find(|a| !self.users.contains(*a)) {
            return out(422, validation("Issue", "assignees", "invalid", Some(bad)));
        }
        let at = self.tick();
        let labels = strings(&v["labels"]);
        let r = self.repos.get_mut(repo).expect("repo");
        r.labels.extend(labels.iter().cloned());
        let number = r.issues.keys().next_back().copied().unwrap_or(0) + 1;
        let mut issue = new_issue(
            number,
            title,
            v["body"].as_str().map(str::to_owned),
            login,
            at,
        );
        issue.labels = dedup(labels);
        issue.assignees = dedup(assignees);
        let rendered = render::issue(api, repo, &issue, None);
        r.issues.insert(number, issue);
        out(201, rendered)
    }

    fn update_issue(&mut self, repo: &str, n: u64, body: &[u8], api: &str) -> Out {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return out(400, error(400, "Problems parsing JSON"));
        };
        if let Some(s) = v.get("state").and_then(Value::as_str)
            && s != "open"
            && s != "closed"
        {
            return out(422, validation("Issue", "state", "invalid", Some(s)));
        }
        if v.get("title").is_some_and(|t| t.as_str() == Some("")) {
            return out(422, validation("Issue", "title", "missing_field", None));
        }
        let users = self.users.clone();
        let now = self.clock + time::Duration::seconds(1);
        let r = self.repos.get_mut(repo).expect("repo");
        if let Some(l) = v.get("labels") {
            r.labels.extend(strings(l));
        }
        let i = r.issues.get_mut(&n).expect("issue");
        let before = i.clone();
        if let Some(t) = v.get("title").and_then(Value::as_str) {
            i.title = t.to_owned();
        }
        if let Some(b) = v.get("body") {
            i.body = b.as_str().map(str::to_owned);
        }
        if let Some(l) = v.get("labels") {
            i.labels = dedup(strings(l));
        }
        // An edit drops assignees that cannot be assigned instead of failing.
        let assignees = match (v.get("assignees"), v.get("assignee")) {
            (Some(a), _) => Some(strings(a)),
            (None, Some(a)) => Some(a.as_str().map(|s| vec![s.to_owned()]).unwrap_or_default()),
            (None, None) => None,
        };
        if let Some(a) = assignees {
            i.assignees = dedup(a.into_iter().filter(|a| users.contains(a)).collect());
        }
        match v.get("state").and_then(Value::as_str) {
            Some("closed") if i.state != "closed" => {
                i.state = "closed".into();
                i.closed_at = Some(now);
                i.state_reason = Some(
                    v.get("state_reason")
                        .and_then(Value::as_str)
                        .unwrap_or("completed")
                        .to_owned(),
                );
            }
            Some("open") if i.state != "open" => {
                i.state = "open".into();
                i.closed_at = None;
                i.state_reason = Some("reopened".into());
            }
            _ => {}
        }
        if *i != before {
            i.updated_at = now;
            self.clock = now;
        }
        let i = &self.repos[repo].issues[&n];
        out(200, self.render_issue(api, repo, i))
    }

    /// The issue object, with a pull request's `merged_at`.
    pub(super) fn render_issue(&self, api: &str, repo: &str, i: &FakeIssue) -> Value {
        render::issue(api, repo, i, self.repos[repo].pulls.get(&i.number))
    }

    fn list_comments(
        &self,
        repo: &str,
        n: u64,
        q: &[(String, String)],
        api: &str,
        url: &str,
    ) -> Out {
        let since = param(q, "since").and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok());
        let all: Vec<&FakeComment> = self.repos[repo].issues[&n]
            .comments
            .iter()
            .filter(|c| since.is_none_or(|s| c.updated_at >= s))
            .collect();
        let (slice, link) = render::page(&all, url, q);
        let body = slice
            .iter()
            .map(|c| render::comment(api, repo, n, c))
            .collect();
        Out {
            status: 200,
            body: Value::Array(body),
            link,
        }
    }

    fn create_comment(&mut self, repo: &str, n: u64, body: &[u8], api: &str, login: &str) -> Out {
        let Some(text) = comment_body(body) else {
            return out(
                422,
                validation("IssueComment", "body", "missing_field", None),
            );
        };
        let id = self.add_comment(repo, n, login, &text);
        let i = &self.repos[repo].issues[&n];
        let c = i.comments.iter().find(|c| c.id == id).expect("comment");
        out(201, render::comment(api, repo, n, c))
    }

    fn edit_comment(&mut self, repo: &str, id: &str, body: &[u8], api: &str) -> Out {
        let Some(text) = comment_body(body) else {
            return out(
                422,
                validation("IssueComment", "body", "missing_field", None),
            );
        };
        let id: u64 = id.parse().unwrap_or(0);
        let now = self.clock + time::Duration::seconds(1);
        let found = self.repos.get_mut(repo).and_then(|r| {
            r.issues.values_mut().filter(|i| !i.deleted).find_map(|i| {
                let number = i.number;
                i.comments
                    .iter_mut()
                    .find(|c| c.id == id)
                    .map(|c| (number, c))
            })
        });
        let Some((number, c)) = found else {
            return out(404, error(404, "Not Found"));
        };
        c.body = text;
        c.updated_at = now;
        let rendered = render::comment(api, repo, number, c);
        self.clock = now;
        out(200, rendered)
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// A list of names given as strings or as `{ "name": … }` objects.
pub(super) fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().or_else(|| x["name"].as_str()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn dedup(v: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The non-empty `body` of a comment request.
fn comment_body(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v["body"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}
