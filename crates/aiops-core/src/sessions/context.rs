//! `AGENTS.override.md`: what an agent reads first in its worktree. The global agent
//! instructions, then the repository's own `AGENTS.md`, then the issue block between
//! [`START`] and [`END`]. Rewriting is idempotent: an existing file keeps everything
//! outside the markers and gets a fresh block (issue 4, "Context file").

use aiops_types::{Comment, Issue};

/// The file the context is written to, in the worktree (kept out of git).
pub const FILE_NAME: &str = "AGENTS.override.md";
/// Marker line opening the issue block.
pub const START: &str = "<!-- issue-context:start -->";
/// Marker line closing the issue block.
pub const END: &str = "<!-- issue-context:end -->";

/// Everything the issue block shows.
#[derive(Debug, Clone)]
pub struct IssueContext<'a> {
    /// The issue the session works on.
    pub issue: &'a Issue,
    /// Its comments, oldest first.
    pub comments: &'a [Comment],
    /// Repository URL of the project.
    pub repo: &'a str,
    /// Branch the session works on.
    pub branch: &'a str,
    /// Directory of the session's working copy.
    pub worktree: &'a str,
    /// Other open issues of the project, newest first (one line each).
    pub others: &'a [Issue],
    /// `Name <email>` the agent commits as.
    pub git_identity: &'a str,
    /// When the issue was last synced from its tracker (RFC 3339), if it has one.
    pub last_synced: Option<&'a str>,
}

/// Other open issues listed at most.
const MAX_OTHERS: usize = 30;

/// The issue block, markers included, ending with a newline.
pub fn issue_block(c: &IssueContext<'_>) -> String {
    let i = c.issue;
    let mut s = String::new();
    s.push_str(START);
    s.push('\n');
    s.push_str(&format!(
        "# Issue {}: {}\n\n",
        i.external_id,
        one_line(&i.title)
    ));
    s.push_str(&format!("- aiops issue id: {}\n", i.id));
    s.push_str(&format!("- provider: {}\n", i.provider.as_str()));
    s.push_str(&format!(
        "- status: {} ({})\n",
        i.status.as_str(),
        one_line(&i.provider_status)
    ));
    s.push_str(&format!(
        "- assignee: {}\n",
        i.assignee.as_deref().map_or("-".into(), one_line)
    ));
    s.push_str(&format!(
        "- labels: {}\n",
        if i.labels.is_empty() {
            "-".to_owned()
        } else {
            one_line(&i.labels.join(", "))
        }
    ));
    if let Some(url) = &i.url {
        s.push_str(&format!("- url: {}\n", one_line(url)));
    }
    if let Some(t) = c.last_synced {
        s.push_str(&format!("- last synced: {t}\n"));
    }
    s.push_str("\n## Description\n\n");
    s.push_str(fenced(i.description.trim()).as_str());
    s.push_str("\n## Comments\n\n");
    if c.comments.is_empty() {
        s.push_str("(none)\n");
    }
    for cm in c.comments {
        s.push_str(&format!(
            "### {} ({})\n\n",
            one_line(&cm.author),
            cm.created_at.date()
        ));
        s.push_str(fenced(cm.body.trim()).as_str());
        s.push('\n');
    }
    s.push_str("\n## Project\n\n");
    s.push_str(&format!("- repository: {}\n", one_line(c.repo)));
    s.push_str(&format!("- branch: {}\n", c.branch));
    s.push_str(&format!("- worktree: {}\n", c.worktree));
    s.push_str(&format!("- commit as: {}\n", one_line(c.git_identity)));
    s.push_str("\n## Other open issues of the project\n\n");
    if c.others.is_empty() {
        s.push_str("(none)\n");
    }
    for o in c.others.iter().filter(|o| o.id != i.id).take(MAX_OTHERS) {
        s.push_str(&format!("- {} {}\n", o.external_id, one_line(&o.title)));
    }
    s.push_str("\n## Workflow\n\n");
    s.push_str(&aiops_types::agent_guide(
        &i.id.to_string(),
        &format!("{}/{}", i.tenant_slug, i.project_slug),
        c.branch,
    ));
    s.push_str(END);
    s.push('\n');
    s
}

/// The whole file: `existing` with its block replaced, or (new file) the global
/// instructions, the repository's `AGENTS.md`, then the block.
pub fn render(
    existing: Option<&str>,
    global: &str,
    repo_agents: Option<&str>,
    block: &str,
) -> String {
    if let Some(text) = existing
        && let Some(start) = text.find(START)
        && let Some(end_at) = text[start..].find(END)
    {
        let end = start + end_at + END.len();
        let rest = text[end..].strip_prefix('\n').unwrap_or(&text[end..]);
        return format!("{}{block}{rest}", &text[..start]);
    }
    let mut out = String::new();
    for part in [Some(global), repo_agents].into_iter().flatten() {
        let part = part.trim();
        if !part.is_empty() {
            out.push_str(part);
            out.push_str("\n\n");
        }
    }
    out.push_str(block);
    out
}

/// User text on one line (titles, names): control characters become spaces.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// User Markdown inside the block: kept as written, except that a line equal to a marker
/// is defused so the block's end is always ours.
fn fenced(text: &str) -> String {
    if text.is_empty() {
        return "(empty)\n".to_owned();
    }
    let mut out = String::with_capacity(text.len() + 1);
    for line in text.lines() {
        if line.contains(START) || line.contains(END) {
            out.push_str(&line.replace("<!--", "&lt;!--"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiops_types::{IssueStatus, Provider};
    use time::macros::datetime;

    fn issue(id: i64, title: &str) -> Issue {
        Issue {
            id,
            project_id: 1,
            project_slug: "web".into(),
            tenant_slug: "acme".into(),
            provider: Provider::Github,
            external_id: format!("#{id}"),
            title: title.into(),
            description: format!("Body with {END}\nmore"),
            status: IssueStatus::Open,
            provider_status: "open".into(),
            labels: vec!["bug".into()],
            assignee: Some("octocat".into()),
            author: None,
            url: Some("https://github.com/acme/web/issues/1".into()),
            comments: 1,
            created_at: datetime!(2026-01-01 0:00 UTC),
            updated_at: datetime!(2026-01-01 0:00 UTC),
            closed_at: None,
            removed_upstream: false,
            integration_id: Some(1),
            live_session: None,
            pull_request: None,
        }
    }

    fn block(i: &Issue, others: &[Issue]) -> String {
        issue_block(&IssueContext {
            issue: i,
            comments: &[],
            repo: "https://github.com/acme/web.git",
            branch: "aiops/1-crash",
            worktree: "/data/ws/1-crash",
            others,
            git_identity: "Mona <mona@example.com>",
            last_synced: None,
        })
    }

    #[test]
    fn the_block_is_replaced_and_the_rest_kept() {
        let i = issue(1, "Crash\non save");
        let others = [issue(1, "itself"), issue(2, "Another")];
        let b = block(&i, &others);
        assert!(b.starts_with(START) && b.ends_with(&format!("{END}\n")));
        assert!(b.contains("# Issue #1: Crash on save"), "title on one line");
        assert_eq!(
            b.matches(END).count(),
            1,
            "a marker in user text is defused"
        );
        assert!(b.contains("- #2 Another") && !b.contains("- #1 itself"));

        let first = render(None, "Global rules.", Some("Repo rules."), &b);
        assert!(first.starts_with("Global rules.\n\nRepo rules.\n\n"));
        let edited = first.replace("Repo rules.", "Repo rules, edited by hand.");
        let newer = block(&issue(1, "Crash on save (v2)"), &others);
        let second = render(Some(&edited), "ignored", None, &newer);
        assert!(second.contains("edited by hand") && second.contains("(v2)"));
        assert_eq!(second.matches(START).count(), 1);
        assert_eq!(
            render(Some(&second), "", None, &newer),
            second,
            "idempotent"
        );
    }
}
