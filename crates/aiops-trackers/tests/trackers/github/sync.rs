//! Sync against the fake GitHub: full listing over `Link` pages, `304` for an unchanged
//! repository, only the changes after that, and `Link` targets kept on the API host.

use aiops_core::tracker::{SyncCursor, Tracker, TrackerError};
use aiops_fakes::Fault;

use super::{ISSUES, REPO, TOKEN, fake, numbers, open, target};

#[test]
fn sync_5000_issues_then_304_then_only_the_changes() {
    let fake = fake();
    fake.state().seed_issues(REPO, 5000);
    fake.state().seed_pull_requests(REPO, 3);
    let gh = open(&fake, TOKEN);

    let first = gh.changes(&target(), &SyncCursor::default()).unwrap();
    // 5,003 listed items (pull requests take page slots too) at 100 a page, plus one
    // request for the page the next run starts from, to hold its ETag.
    let pages = 5003_usize.div_ceil(100);
    assert_eq!(pages, 51);
    assert_eq!(
        fake.count("GET", ISSUES),
        pages + 1,
        "full listing requests"
    );
    assert_eq!(gh.requests() as usize, pages + 1);
    assert_eq!(first.issues.len(), 5000, "every issue, no pull request");
    assert_eq!(numbers(&first.issues), (1..=5000).collect::<Vec<_>>());
    assert!(first.complete && !first.not_modified);
    assert_eq!(
        first.cursor.since,
        Some(fake.state().now()),
        "newest item, PRs included"
    );
    assert!(first.cursor.etag.is_some());
    let reqs = fake.requests();
    let list = &reqs[0];
    assert_eq!(list.param("state").as_deref(), Some("all"));
    assert_eq!(list.param("sort").as_deref(), Some("updated"));
    assert_eq!(list.param("direction").as_deref(), Some("asc"));
    assert_eq!(list.param("per_page").as_deref(), Some("100"));
    assert_eq!(list.param("since"), None, "a full listing has no since");
    assert_eq!(
        reqs[1].param("page").as_deref(),
        Some("2"),
        "Link rel=next followed"
    );
    let last = reqs.last().unwrap();
    assert_eq!(last.param("since").as_deref(), Some("2026-01-01T01:23:23Z"));
    for r in &reqs {
        assert_eq!(
            r.headers["authorization"].to_str().unwrap(),
            format!("Bearer {TOKEN}")
        );
        assert_eq!(r.headers["x-github-api-version"], "2022-11-28");
        assert!(
            r.headers
                .get_all("accept")
                .iter()
                .any(|v| v == "application/vnd.github+json"),
            "GitHub's media type is asked for"
        );
        assert!(r.headers.get("if-none-match").is_none(), "no validator yet");
    }

    fake.clear_requests();
    let quota = fake.state().remaining();
    let gh = open(&fake, TOKEN);
    let second = gh.changes(&target(), &first.cursor).unwrap();
    assert_eq!(gh.requests(), 1);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].status, 304);
    assert_eq!(
        reqs[0].headers["if-none-match"].to_str().unwrap(),
        first.cursor.etag.as_deref().unwrap()
    );
    assert!(second.not_modified && second.issues.is_empty() && !second.complete);
    assert_eq!(second.cursor, first.cursor);
    assert_eq!(fake.state().remaining(), quota, "a 304 costs no quota");

    for n in [10, 2500, 4999] {
        fake.state().touch(REPO, n);
    }
    fake.clear_requests();
    let gh = open(&fake, TOKEN);
    let third = gh.changes(&target(), &second.cursor).unwrap();
    assert_eq!(gh.requests(), 1);
    assert_eq!(fake.count("GET", ISSUES), 1);
    assert_eq!(numbers(&third.issues), vec![10, 2500, 4999]);
    assert!(third.issues.iter().all(|i| i.title.ends_with("(edited)")));
    assert!(!third.complete && !third.not_modified);
    assert_eq!(third.cursor.since, Some(fake.state().now()));
}

#[test]
fn since_is_inclusive_so_the_newest_issue_comes_back_once_then_304() {
    let fake = fake();
    fake.state().seed_issues(REPO, 3);
    let gh = open(&fake, TOKEN);
    let full = gh.changes(&target(), &SyncCursor::default()).unwrap();
    assert_eq!(numbers(&full.issues), vec![1, 2, 3]);
    assert_eq!(gh.requests(), 2, "one page and the next run's first page");

    fake.state().touch(REPO, 1);
    let gh = open(&fake, TOKEN);
    let changed = gh.changes(&target(), &full.cursor).unwrap();
    assert_eq!(gh.requests(), 1);
    assert_eq!(
        numbers(&changed.issues),
        vec![3, 1],
        "#3 sits on the since boundary"
    );

    // The first page moved to a new `since`: one charged answer, then 304s.
    let gh = open(&fake, TOKEN);
    let settle = gh.changes(&target(), &changed.cursor).unwrap();
    assert_eq!(numbers(&settle.issues), vec![1]);
    let gh = open(&fake, TOKEN);
    let idle = gh.changes(&target(), &settle.cursor).unwrap();
    assert!(idle.not_modified);
    assert_eq!(fake.requests().last().unwrap().status, 304);
}

#[test]
fn an_empty_repository_lists_once_then_answers_304() {
    let fake = fake();
    let gh = open(&fake, TOKEN);
    let first = gh.changes(&target(), &SyncCursor::default()).unwrap();
    assert!(first.issues.is_empty() && first.complete);
    assert_eq!(first.cursor.since, None);
    assert_eq!(gh.requests(), 1);
    let again = gh.changes(&target(), &first.cursor).unwrap();
    assert!(again.not_modified && !again.complete);
    assert_eq!(fake.requests()[1].status, 304);
}

#[test]
fn a_link_to_another_host_is_not_followed() {
    let fake = fake();
    let gh = open(&fake, TOKEN);
    for elsewhere in [
        "https://attacker.example/repos/octo-org/hello-world/issues?page=2",
        // Same prefix, other host: `http://127.0.0.1:PORT.attacker.example/…`.
        &format!("{}.attacker.example/x?page=2", fake.url()),
    ] {
        fake.clear_requests();
        fake.fail_next(
            Fault::new(200, "[]").header("link", &format!("<{elsewhere}>; rel=\"next\"")),
        );
        let e = gh.changes(&target(), &SyncCursor::default()).unwrap_err();
        assert!(
            matches!(&e, TrackerError::Upstream(m) if m.contains("outside")),
            "{e:?}"
        );
        assert!(!e.to_string().contains(TOKEN));
        assert_eq!(
            fake.requests().len(),
            1,
            "only the first page was asked for"
        );
    }
}

#[test]
fn the_fake_pages_and_validates_like_github() {
    let fake = fake();
    fake.state().seed_issues(REPO, 65);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let get = |q: &str, inm: Option<&str>| {
        let mut r = agent
            .get(format!("{}{ISSUES}{q}", fake.url()))
            .header("Authorization", format!("Bearer {TOKEN}"));
        if let Some(t) = inm {
            r = r.header("If-None-Match", t);
        }
        r.call().unwrap()
    };
    let mut first = get("", None);
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let body: serde_json::Value = first.body_mut().read_json().unwrap();
    assert_eq!(body.as_array().unwrap().len(), 30, "default per_page");
    assert_eq!(body[0]["number"], 65, "default sort: created, newest first");
    assert!(
        link.contains("page=2>; rel=\"next\"") && link.contains("page=3>; rel=\"last\""),
        "{link}"
    );
    let mut mid = get("?per_page=20&page=2", None);
    let link = mid.headers()["link"].to_str().unwrap().to_owned();
    for rel in ["prev", "next", "last", "first"] {
        assert!(link.contains(&format!("rel=\"{rel}\"")), "{link}");
    }
    let mid: serde_json::Value = mid.body_mut().read_json().unwrap();
    assert_eq!(mid[0]["number"], 45);
    let capped: serde_json::Value = get("?per_page=500", None).body_mut().read_json().unwrap();
    assert_eq!(
        capped.as_array().unwrap().len(),
        65,
        "per_page is capped at 100"
    );

    let r = get("?state=all", None);
    let tag = r.headers()["etag"].to_str().unwrap().to_owned();
    let remaining = |r: &ureq::http::Response<ureq::Body>| {
        r.headers()["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let before = remaining(&r);
    let hit = get("?state=all", Some(&tag));
    assert_eq!(hit.status(), 304);
    assert_eq!(remaining(&hit), before, "304 is free");
    assert_eq!(hit.headers()["x-ratelimit-resource"], "core");
    // The first page (newest 30) is what the tag covers; a change there is a miss.
    fake.state().touch(REPO, 65);
    let miss = get("?state=all", Some(&tag));
    assert_eq!(miss.status(), 200);
    assert_eq!(remaining(&miss), before - 1);
}
