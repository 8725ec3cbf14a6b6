//! Native issues through the real client: every verb, filters, full text, comment
//! authorship, and tenant scoping.

use aiops_client::Client;
use aiops_types::{
    CreateIssue, CreateProject, ErrorCode, IssueListParams, IssueStatus, Provider, Role, Scope,
    UpdateIssue,
};

use crate::common::code;
use crate::common::{ADMIN_EMAIL, TestServer, create_tenant};

/// A tenant with one project; returns the project id.
async fn project(admin: &Client, tenant: &str) -> i64 {
    create_tenant(admin, tenant).await;
    admin
        .create_project(&CreateProject {
            tenant: tenant.into(),
            name: format!("{tenant}-app"),
            repo_url: "https://example.com/app.git".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .id
}

fn new_issue(project: i64, title: &str) -> CreateIssue {
    CreateIssue {
        project,
        title: title.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn every_native_verb_round_trips() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let p = project(&admin, "acme").await;
    let created = admin
        .create_issue(&CreateIssue {
            description: Some("The app crashes on start".into()),
            labels: vec!["bug".into(), " ui ".into(), "bug".into()],
            assignee: Some(ADMIN_EMAIL.into()),
            ..new_issue(p, "Crash on start")
        })
        .await
        .unwrap();
    assert_eq!(created.provider, Provider::Native);
    assert_eq!(created.external_id, "#1");
    assert_eq!(
        created.labels,
        ["bug", "ui"],
        "labels are trimmed, de-duplicated and sorted"
    );
    assert_eq!(created.assignee.as_deref(), Some(ADMIN_EMAIL));
    let second = admin.create_issue(&new_issue(p, "Second")).await.unwrap();
    assert_eq!(second.external_id, "#2", "native issues number per project");

    let id = created.id;
    let updated = admin
        .update_issue(
            id,
            &UpdateIssue {
                title: Some("Crash at start".into()),
                labels: Some(vec![]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (updated.title.as_str(), updated.labels.len()),
        ("Crash at start", 0)
    );
    assert_eq!(
        updated.description, "The app crashes on start",
        "absent fields are kept"
    );

    let c = admin.add_comment(id, "first").await.unwrap();
    admin.add_comment(id, "second").await.unwrap();
    let edited = admin.edit_comment(id, c.id, "first, edited").await.unwrap();
    assert_eq!(edited.body, "first, edited");
    let comments = admin.list_comments(id, &Default::default()).await.unwrap();
    assert_eq!(
        comments
            .items
            .iter()
            .map(|c| c.body.as_str())
            .collect::<Vec<_>>(),
        ["first, edited", "second"]
    );
    assert_eq!(admin.get_issue(id).await.unwrap().comments, 2);

    assert_eq!(admin.assign_issue(id, None).await.unwrap().assignee, None);
    assert_eq!(
        code(admin.assign_issue(id, Some("ghost@example.com")).await),
        ErrorCode::InvalidInput
    );

    let closed = admin.close_issue(id).await.unwrap();
    assert_eq!(closed.status, IssueStatus::Closed);
    assert!(closed.closed_at.is_some());
    assert_eq!(
        admin.close_issue(id).await.unwrap().closed_at,
        closed.closed_at,
        "closing twice changes nothing"
    );
    let open = admin
        .list_issues(&IssueListParams::default())
        .await
        .unwrap();
    assert_eq!(
        open.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [second.id],
        "default list is open issues"
    );
    let all = admin
        .list_issues(&IssueListParams {
            status: Some("all".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2);
    let reopened = admin.reopen_issue(id).await.unwrap();
    assert_eq!(
        (reopened.status, reopened.closed_at),
        (IssueStatus::Open, None)
    );

    assert_eq!(code(admin.get_issue(999_999).await), ErrorCode::NotFound);
    assert_eq!(
        code(admin.create_issue(&new_issue(p, "  ")).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(admin.create_issue(&new_issue(999_999, "x")).await),
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn filters_and_full_text_compose() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let a = project(&admin, "a").await;
    let b = project(&admin, "b").await;
    let mk = |project, title: &str, description: &str, labels: &[&str]| CreateIssue {
        description: Some(description.into()),
        labels: labels
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        ..new_issue(project, title)
    };
    admin
        .create_issue(&mk(a, "Login fails", "password reset loops", &["bug"]))
        .await
        .unwrap();
    admin
        .create_issue(&mk(a, "Dark theme", "colours", &["ui"]))
        .await
        .unwrap();
    admin
        .create_issue(&mk(b, "Reset button", "misaligned", &["ui", "bug"]))
        .await
        .unwrap();
    let titles = |p: IssueListParams| {
        let admin = admin.clone();
        async move {
            admin
                .list_issues(&p)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|i| i.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles(IssueListParams {
            project: Some(a),
            ..Default::default()
        })
        .await,
        ["Dark theme", "Login fails"]
    );
    assert_eq!(
        titles(IssueListParams {
            tenant: Some("b".into()),
            ..Default::default()
        })
        .await,
        ["Reset button"]
    );
    assert_eq!(
        titles(IssueListParams {
            label: Some("bug".into()),
            ..Default::default()
        })
        .await,
        ["Reset button", "Login fails"]
    );
    assert_eq!(
        titles(IssueListParams {
            q: Some("reset".into()),
            ..Default::default()
        })
        .await,
        ["Reset button", "Login fails"],
        "title or description"
    );
    assert_eq!(
        titles(IssueListParams {
            q: Some("reset ui\"".into()),
            label: Some("ui".into()),
            ..Default::default()
        })
        .await,
        Vec::<String>::new(),
        "odd characters are not a syntax error"
    );
    let paged = admin
        .list_issues(&IssueListParams {
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    let rest = admin
        .list_issues(&IssueListParams {
            limit: Some(2),
            cursor: paged.next_cursor.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (paged.items.len(), rest.items.len(), rest.next_cursor),
        (2, 1, None)
    );
    // Label and full-text pages are keyed on their own index (issue_labels, the FTS
    // rowid): the cursor must walk them without gaps or repeats, and list rows carry
    // their labels (read in one batch per page).
    for (label, q) in [(Some("bug"), None), (None, Some("reset"))] {
        let page = |cursor: Option<String>| {
            let admin = admin.clone();
            async move {
                admin
                    .list_issues(&IssueListParams {
                        label: label.map(str::to_owned),
                        q: q.map(str::to_owned),
                        limit: Some(1),
                        cursor,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
            }
        };
        let first = page(None).await;
        assert_eq!(first.items[0].title, "Reset button");
        assert_eq!(first.items[0].labels, ["bug", "ui"]);
        let second = page(first.next_cursor.clone()).await;
        assert_eq!(second.items[0].title, "Login fails", "{label:?} {q:?}");
        assert_eq!(second.items[0].labels, ["bug"]);
        assert_eq!(
            second.next_cursor, None,
            "{label:?} {q:?}: two matches, two pages"
        );
    }
    assert_eq!(
        code(
            admin
                .list_issues(&IssueListParams {
                    status: Some("maybe".into()),
                    ..Default::default()
                })
                .await
        ),
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn members_see_only_their_tenants_issues_and_edit_only_their_comments() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let a = project(&admin, "a").await;
    let b = project(&admin, "b").await;
    let in_a = admin.create_issue(&new_issue(a, "in a")).await.unwrap();
    let in_b = admin.create_issue(&new_issue(b, "in b")).await.unwrap();
    let (uid, key) = s
        .user_with_key("m@example.com", Role::Member, &[Scope::Read, Scope::Write])
        .await;
    admin.add_tenant_member("a", uid).await.unwrap();
    let m = s.client(&key);

    let seen = m
        .list_issues(&IssueListParams {
            status: Some("all".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        seen.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [in_a.id]
    );
    assert_eq!(code(m.get_issue(in_b.id).await), ErrorCode::NotFound);
    assert_eq!(code(m.close_issue(in_b.id).await), ErrorCode::NotFound);
    assert_eq!(
        code(m.add_comment(in_b.id, "hi").await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(m.create_issue(&new_issue(b, "sneaky")).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(
            m.list_issues(&IssueListParams {
                tenant: Some("b".into()),
                ..Default::default()
            })
            .await
        ),
        ErrorCode::NotFound
    );

    let admins = admin.add_comment(in_a.id, "admin's words").await.unwrap();
    assert_eq!(
        code(m.edit_comment(in_a.id, admins.id, "rewritten").await),
        ErrorCode::Forbidden
    );
    let mine = m.add_comment(in_a.id, "mine").await.unwrap();
    assert_eq!(mine.author, "m@example.com");
    m.edit_comment(in_a.id, mine.id, "mine, edited")
        .await
        .expect("authors edit their own comments");
    let all = admin
        .list_issues(&IssueListParams {
            status: Some("all".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.items.len(),
        2,
        "nothing the member tried in B was written"
    );
}

#[tokio::test]
async fn the_page_view_renders_markdown_and_leaves_active_content_inert() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let p = project(&admin, "md").await;
    let hostile = "# Steps\n\n<script>alert(1)</script>\n\n[click](javascript:alert(2)) \
                   <img src=x onerror=alert(3)> [docs](https://example.com)";
    let issue = admin
        .create_issue(&CreateIssue {
            description: Some(hostile.into()),
            ..new_issue(p, "Markdown")
        })
        .await
        .unwrap();
    admin
        .add_comment(issue.id, "**seen** <script>x</script>")
        .await
        .unwrap();
    let view = admin.issue_view(issue.id).await.unwrap();
    assert_eq!(view.issue.id, issue.id);
    assert_eq!(
        view.issue.description, hostile,
        "the Markdown itself is kept as written"
    );
    let html = format!("{}{}", view.description_html, view.comments[0].body_html);
    assert!(
        html.contains("<h1>Steps</h1>") && html.contains("<strong>seen</strong>"),
        "{html}"
    );
    assert!(html.contains(r#"href="https://example.com""#), "{html}");
    for bad in ["<script", "href=\"javascript:", "onerror"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    let other = s.anonymous();
    assert!(
        other.issue_view(issue.id).await.is_err(),
        "needs a credential"
    );
}
