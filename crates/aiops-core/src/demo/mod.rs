//! `aiops admin seed-demo`: fills an empty instance with a tenant, two projects on local
//! git repositories and 50 native issues with labels, comments, assignees and a mix of
//! open and closed, so the UI, the CLI and an agent session have something to show.
//!
//! Deterministic: the same instance (its users) gets the same data. Users are never
//! created: assignees are the instance's existing active users (an admin made with
//! `aiops admin create-admin`), since a demo should not add accounts with passwords
//! nobody chose to a server that may become a real one.

mod content;

use std::path::Path;

use aiops_types::{IssueStatus, Project, Tenant};
use serde_json::json;

use crate::page::PageQuery;
use crate::ports::{
    IssueRow, IssueStore, NewAudit, NewIssueRow, ProjectRow, ProjectStore, RepoSeeder, SeedCommit,
    SystemStore, TenantRow, TenantStore, UserStore,
};
use crate::{CoreError, CoreResult};

/// The actor of the demo's audit rows.
const ACTOR: &str = "aiops admin seed-demo";
const BRANCH: &str = "main";

/// What [`seed`] made.
#[derive(Debug, Clone)]
pub struct DemoSeed {
    /// The demo tenant.
    pub tenant: Tenant,
    /// Its projects, each with a local repository.
    pub projects: Vec<Project>,
    /// Number of issues created.
    pub issues: usize,
    /// How many of them were closed.
    pub closed: usize,
    /// Number of comments added.
    pub comments: usize,
    /// Emails issues were assigned to (empty when the instance has no user yet).
    pub assignees: Vec<String>,
}

fn audit(action: &str) -> NewAudit {
    NewAudit::new(None, ACTOR, action).detail(json!({ "via": ACTOR }))
}

/// Refuses (`Conflict`) unless the instance has no tenant and no project, writing
/// nothing; otherwise creates the repositories under `repos_dir` (`<slug>.git`, bare),
/// then the tenant, projects, issues and comments. Errors: `Conflict` as above or when a
/// repository path exists; store errors as they come (a failure after the first row
/// leaves the rows written so far).
pub fn seed(
    store: &(impl UserStore + TenantStore + ProjectStore + IssueStore + SystemStore),
    repos: &impl RepoSeeder,
    repos_dir: &Path,
) -> CoreResult<DemoSeed> {
    let counts = store.counts()?;
    if counts.tenants > 0 || counts.projects > 0 {
        return Err(CoreError::Conflict(format!(
            "seed-demo fills an empty instance only; this one has {} tenant(s) and {} project(s)",
            counts.tenants, counts.projects
        )));
    }
    for p in &content::PROJECTS {
        let dest = repos_dir.join(format!("{}.git", p.slug));
        if dest.exists() {
            return Err(CoreError::Conflict(format!(
                "{} already exists (from an earlier seed?); move it away first",
                dest.display()
            )));
        }
    }
    for p in &content::PROJECTS {
        repos.create_repo(
            &repos_dir.join(format!("{}.git", p.slug)),
            BRANCH,
            &commits(p),
        )?;
    }
    let assignees = active_users(store)?;
    let first_admin = store
        .list_users(PageQuery {
            after: None,
            limit: 500,
        })?
        .into_iter()
        .find(|u| u.role == aiops_types::Role::Admin && !u.disabled)
        .map_or(0, |u| u.id);
    let tenant = store.insert_tenant(
        &TenantRow {
            slug: "demo".into(),
            name: "Demo".into(),
            color: crate::validate::default_color("demo"),
            description: "Sample data from `aiops admin seed-demo`".into(),
        },
        first_admin,
        audit("tenant.create"),
    )?;
    let mut made = DemoSeed {
        tenant,
        projects: Vec::new(),
        issues: 0,
        closed: 0,
        comments: 0,
        assignees: assignees.clone(),
    };
    let mut n = 0usize;
    for p in &content::PROJECTS {
        let project = store.insert_project(
            &ProjectRow {
                tenant_id: made.tenant.id,
                slug: p.slug.into(),
                name: p.name.into(),
                repo_url: repos_dir
                    .join(format!("{}.git", p.slug))
                    .display()
                    .to_string(),
                default_branch: BRANCH.into(),
                description: p.description.into(),
                workspace: Default::default(),
                merge_method: Default::default(),
            },
            audit("project.create"),
        )?;
        for (title, labels) in p.issues {
            seed_issue(store, &project, n, title, labels, &assignees, &mut made)?;
            n += 1;
        }
        made.projects.push(project);
    }
    Ok(made)
}

fn commits(p: &content::DemoProject) -> Vec<SeedCommit> {
    p.commits
        .iter()
        .enumerate()
        .map(|(i, (message, files))| {
            let (name, email) = content::CAST[i % content::CAST.len()];
            SeedCommit {
                message: (*message).into(),
                author_name: name.into(),
                author_email: email.into(),
                date_unix: content::FIRST_COMMIT_UNIX + 86_400 * i as i64,
                files: files
                    .iter()
                    .map(|(path, text)| ((*path).into(), (*text).into()))
                    .collect(),
            }
        })
        .collect()
}

fn active_users(store: &impl UserStore) -> CoreResult<Vec<String>> {
    let page = PageQuery {
        after: None,
        limit: 500,
    };
    Ok(store
        .list_users(page)?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| u.email)
        .collect())
}

/// Issue number `n` of the whole demo: every third unassigned, the rest assigned in turn;
/// every fourth closed; `n % 4` comments (plus a closing one when closed).
fn seed_issue(
    store: &impl IssueStore,
    project: &Project,
    n: usize,
    title: &str,
    labels: &[&str],
    assignees: &[String],
    made: &mut DemoSeed,
) -> CoreResult<()> {
    let (_, author) = content::CAST[n % content::CAST.len()];
    let assignee = (!n.is_multiple_of(3) && !assignees.is_empty())
        .then(|| assignees[n % assignees.len()].clone());
    let description = content::description(&project.name, title, labels);
    let labels: Vec<String> = labels.iter().map(|l| (*l).to_owned()).collect();
    let issue = store.insert_native_issue(
        &NewIssueRow {
            project_id: project.id,
            title: title.into(),
            description,
            labels: crate::issues::labels(&labels)?,
            assignee,
            author: author.into(),
        },
        audit("issue.create"),
    )?;
    made.issues += 1;
    let closed = n % 4 == 3;
    let mut bodies: Vec<&str> = (0..n % 4)
        .map(|k| content::COMMENTS[(n * 3 + k) % content::COMMENTS.len()])
        .collect();
    if closed {
        bodies.push(content::CLOSING_COMMENT);
    }
    for (k, body) in bodies.iter().enumerate() {
        let (_, who) = content::CAST[(n + k + 1) % content::CAST.len()];
        store.insert_comment(issue.id, who, None, body, audit("issue.comment"))?;
        made.comments += 1;
    }
    if closed {
        let row = IssueRow {
            title: issue.title.clone(),
            description: issue.description.clone(),
            labels: issue.labels.clone(),
            assignee: issue.assignee.clone(),
            status: IssueStatus::Closed,
            provider_status: IssueStatus::Closed.as_str().into(),
        };
        store.update_issue(
            issue.id,
            &row,
            audit("issue.close").target("issue", issue.id),
        )?;
        made.closed += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::content::PROJECTS;

    #[test]
    fn the_demo_has_fifty_issues_with_valid_labels_and_titles() {
        let issues: Vec<_> = PROJECTS.iter().flat_map(|p| p.issues.iter()).collect();
        assert_eq!(issues.len(), 50);
        for (title, labels) in issues {
            assert!(!title.is_empty() && title.len() < 200, "{title}");
            let owned: Vec<String> = labels.iter().map(|l| (*l).to_owned()).collect();
            crate::issues::labels(&owned).expect("demo labels pass the label rules");
        }
    }
}
