//! Lists that page for the user (issue 16): `--limit N` rows across the server's pages in
//! one table or one array, `--all`, and `aiops audit list`.

use crate::cli_grammar::{ids, ids_len};
use crate::common::{ServerProcess, assert_success, json, text};

#[test]
fn limit_is_any_number_of_rows_across_pages_in_one_table_or_one_array() {
    let server = ServerProcess::start();
    assert_success(
        &server.cli(&["tenants", "create", "--name", "acme"], None),
        "tenant",
    );
    let project = json(
        &server,
        &[
            "projects",
            "create",
            "--name",
            "big",
            "--repo-url",
            "https://example.com/big.git",
            "--tenant",
            "acme",
        ],
    );
    let pid = project["id"].as_i64().unwrap();
    let client = server.admin_client();
    crate::common::runtime().block_on(async {
        for n in 0..1500 {
            let req = aiops_types::CreateIssue {
                project: pid,
                title: format!("Issue {n}"),
                ..Default::default()
            };
            client.create_issue(&req).await.expect("create an issue");
        }
    });

    let rows = json(
        &server,
        &["issues", "list", "--project", "big", "--limit", "1200"],
    );
    let ids = ids(&rows);
    assert_eq!(ids.len(), 1200, "one array of 1,200 rows");
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 1200, "no row twice across pages");
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first across pages"
    );

    let out = server.cli(
        &["issues", "list", "--project", "big", "--limit", "1200"],
        None,
    );
    assert_success(&out, "issues list --limit 1200 (table)");
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 1201, "a header and 1,200 rows");
    assert!(
        lines[0].starts_with("ID") && lines[1201 - 1].contains("Issue"),
        "{}",
        lines[0]
    );
    let title_at = lines[0].find("TITLE").unwrap();
    assert!(
        lines[1..]
            .iter()
            .all(|l| l[title_at..].starts_with("Issue ")),
        "one table: every row's TITLE starts under the header"
    );
    assert!(text(&out.stderr).contains("--cursor"), "says how to go on");

    let all = json(&server, &["issues", "list", "--project", "big", "--all"]);
    assert_eq!(ids_len(&all), 1500, "--all: every row");
    let out = server.cli(
        &["issues", "list", "--project", "big", "--all", "-o", "yaml"],
        None,
    );
    let yaml = text(&out.stdout);
    assert_eq!(
        yaml.lines().filter(|l| l.starts_with("- ")).count(),
        1500,
        "one sequence"
    );

    // The audit log pages the same way, with its filters.
    let created = json(
        &server,
        &[
            "audit",
            "list",
            "--action",
            "issue.create",
            "--limit",
            "700",
        ],
    );
    assert_eq!(ids_len(&created), 700, "{}", created.to_string().len());
    assert!(
        created
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] == "issue.create")
    );
    let mine = json(
        &server,
        &[
            "audit",
            "list",
            "--actor",
            "admin@example.com",
            "--limit",
            "2",
        ],
    );
    assert_eq!(ids_len(&mine), 2);
    let out = server.cli(&["audit", "list", "--limit", "1"], None);
    assert_success(&out, "audit list (table)");
    assert!(text(&out.stdout).starts_with("ID"), "{}", text(&out.stdout));
}
