//! `GET /metrics` on a live `aiops serve`: who may scrape (an admin key or the
//! `metrics_token`, nobody else), that the answer is well-formed OpenMetrics text, that
//! requests are counted under their route template, and that the scrape-time gauges read
//! the database (a real shell session shows under its state).

use std::collections::BTreeMap;

use reqwest::StatusCode;

use crate::common::{ServerProcess, runtime};
use crate::sessions::{demo_issue, project_on, seeded_repo, wait_state, work};
use crate::trackers::Member;

const TOKEN: &str = "scrape-token-for-the-e2e-test-0123456789";

/// One sample line: its metric name, labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses OpenMetrics text strictly enough to catch a malformed answer: every line is a
/// `# TYPE|HELP|UNIT` comment or `name{k="v",…} value`, and the last line is `# EOF`.
fn parse(body: &str) -> Vec<Sample> {
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines.last().copied(),
        Some("# EOF"),
        "OpenMetrics text ends with `# EOF`:\n{body}"
    );
    let mut samples = Vec::new();
    for line in &lines[..lines.len() - 1] {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(
                ["TYPE ", "HELP ", "UNIT "]
                    .iter()
                    .any(|p| comment.starts_with(p)),
                "unexpected comment line {line:?}"
            );
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("a sample is `series value`: {line:?}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("a sample's value is a number: {line:?}"));
        let (name, labels) = match series.split_once('{') {
            None => (series, BTreeMap::new()),
            Some((name, rest)) => {
                let inner = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("labels end with `}}`: {line:?}"));
                let labels = inner
                    .split("\",")
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| {
                        let (k, v) = kv
                            .split_once("=\"")
                            .unwrap_or_else(|| panic!("a label is k=\"v\": {line:?}"));
                        (k.to_owned(), v.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name, labels)
            }
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "metric name {name:?} in {line:?}"
        );
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    samples
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

#[test]
fn metrics_answer_admins_and_the_scrape_token_and_count_routes_by_template() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start_with(true, &[("AIOPS_METRICS_TOKEN", TOKEN)]);
    project_on(&server, &repo);
    let member = Member::create(&server, "mia@example.com");
    let issue = demo_issue(&server, "Watch the metrics");
    let session = work(&server, &issue, "shell");
    let session_id = session["id"].as_i64().expect("a session id");
    let state = wait_state(&server, session_id, "running")["state"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{}/metrics", server.url);
    runtime().block_on(async {
        let http = reqwest::Client::new();
        let get = |key: Option<&str>| {
            let mut req = http.get(&url);
            if let Some(k) = key {
                req = req.bearer_auth(k);
            }
            req.send()
        };
        assert_eq!(
            get(None).await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "no credential"
        );
        assert_eq!(
            get(Some("scrape-token-for-the-e2e-test-012345678X"))
                .await
                .unwrap()
                .status(),
            StatusCode::UNAUTHORIZED,
            "a wrong scrape token is no credential"
        );
        assert_eq!(
            get(Some(&member.key)).await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "a member's key lacks the admin scope"
        );

        let scrape = |key: &'static str| {
            let get = &get;
            async move {
                let resp = get(Some(key)).await.unwrap();
                assert_eq!(resp.status(), StatusCode::OK, "the scrape token reads");
                let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
                assert!(
                    ctype.starts_with("application/openmetrics-text; version=1.0.0"),
                    "content type {ctype}"
                );
                let body = resp.text().await.unwrap();
                (parse(&body), body)
            }
        };
        let route = [
            ("method", "GET"),
            ("route", "/api/v1/issues/{id}"),
            ("status", "2xx"),
        ];
        let missing = [("route", "/api/v1/issues/{id}"), ("status", "4xx")];
        // The CLI calls above may have read issues already: compare with a scrape before.
        let (before, _) = scrape(TOKEN).await;
        let count = |samples: &[Sample], labels: &[(&str, &str)]| {
            value(samples, "aiops_http_requests_total", labels).unwrap_or(0.0)
        };
        let latency = |samples: &[Sample]| {
            value(samples, "aiops_http_request_duration_seconds_count", &route).unwrap_or(0.0)
        };

        // A templated route, called twice, under two different ids.
        for id in [issue["id"].to_string(), "999999".to_owned()] {
            http.get(format!("{}/api/v1/issues/{id}", server.url))
                .bearer_auth(&server.admin_key)
                .send()
                .await
                .unwrap();
        }

        let (samples, body) = scrape(TOKEN).await;
        assert_eq!(
            count(&samples, &route) - count(&before, &route),
            1.0,
            "the issue read counts under its template:\n{body}"
        );
        assert_eq!(
            count(&samples, &missing) - count(&before, &missing),
            1.0,
            "the missing issue counts as a 4xx of the same template"
        );
        assert_eq!(
            latency(&samples) - latency(&before),
            1.0,
            "the latency histogram has the request:\n{body}"
        );
        assert!(
            !body.contains("/api/v1/issues/999999"),
            "raw paths never become label values"
        );
        assert!(
            value(
                &samples,
                "aiops_http_requests_total",
                &[("route", "/metrics"), ("status", "4xx")]
            )
            .is_some_and(|n| n >= 3.0),
            "the refused scrapes are counted too"
        );
        assert!(
            value(&samples, "aiops_sessions", &[("state", &state)]).is_some_and(|n| n >= 1.0),
            "the {state} shell session shows in aiops_sessions:\n{body}"
        );
        assert_eq!(
            value(&samples, "aiops_sessions", &[("state", "killed")]),
            Some(0.0),
            "every state has a series, 0 included"
        );
        assert!(
            value(&samples, "aiops_database_size_bytes", &[]).is_some_and(|n| n > 0.0),
            "the database has a size"
        );
        assert_eq!(
            value(&samples, "aiops_job_queue_depth", &[]),
            Some(0.0),
            "nothing queued"
        );
        assert_eq!(
            value(&samples, "aiops_last_backup_age_seconds", &[]),
            None,
            "no backup yet: the series is absent"
        );

        assert_eq!(
            get(Some(&server.admin_key)).await.unwrap().status(),
            StatusCode::OK,
            "an admin key reads too"
        );
    });
}
