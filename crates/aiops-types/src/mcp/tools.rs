//! The tools' names, one-line descriptions and JSON Schemas (`inputSchema`,
//! <https://modelcontextprotocol.io/specification/2025-11-25/server/tools#tool>).

use serde_json::{Map, Value, json};

/// One tool: its name, a one-line description and its JSON Schema (`type: object`).
#[derive(Debug, Clone)]
pub struct ToolSpec {
    /// The tool's name (`issue_comment`, …), as MCP clients call it.
    pub name: &'static str,
    /// One line: what the tool does.
    pub description: &'static str,
    /// The JSON Schema of its arguments (`inputSchema`), an object schema.
    pub input_schema: Map<String, Value>,
}

fn int(desc: &str) -> Value {
    json!({ "type": "integer", "description": desc })
}

fn text(desc: &str) -> Value {
    json!({ "type": "string", "description": desc })
}

fn texts(desc: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string" }, "description": desc })
}

fn schema(props: Value, required: &[&str]) -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("type".into(), "object".into());
    s.insert("properties".into(), props);
    s.insert("required".into(), json!(required));
    s.insert("additionalProperties".into(), false.into());
    s
}

const ISSUE: &str = "Issue id (default: the session's issue).";
const PROJECT: &str = "Project id (default: the session's project).";
const SESSION: &str =
    "Session whose worktree to use (default: this session; none: your base clone).";

/// Every tool, in a stable order.
pub fn tools() -> Vec<ToolSpec> {
    let t = |name, description, input_schema| ToolSpec {
        name,
        description,
        input_schema,
    };
    vec![
        t(
            "issues_list",
            "List issues (open by default) visible to you, newest activity first.",
            schema(
                json!({
                    "project": int("Project id (default: the session's project)."),
                    "status": { "type": "string", "enum": ["open", "closed", "all"] },
                    "q": text("Full-text search words."),
                    "label": text("Only issues with this label."),
                    "assignee": text("Only issues assigned to this login."),
                    "limit": { "type": "integer", "minimum": 1, "maximum": 100 },
                    "cursor": text("The `next` cursor of the previous page."),
                }),
                &[],
            ),
        ),
        t(
            "issue_get",
            "An issue with its description and comments.",
            schema(json!({ "id": int(ISSUE) }), &[]),
        ),
        t(
            "issue_comment",
            "Comment on an issue (Markdown), as you.",
            schema(
                json!({ "id": int(ISSUE), "body": text("The comment (Markdown).") }),
                &["body"],
            ),
        ),
        t(
            "issue_update",
            "Change an issue's title, description or labels.",
            schema(
                json!({ "id": int(ISSUE), "title": text("New title."),
                        "description": text("New description (Markdown)."),
                        "labels": texts("The complete new label set.") }),
                &[],
            ),
        ),
        t(
            "issue_close",
            "Close an issue.",
            schema(json!({ "id": int(ISSUE) }), &[]),
        ),
        t(
            "issue_create",
            "Create an issue in a project.",
            schema(
                json!({ "project": int(PROJECT), "title": text("Title."),
                        "description": text("Description (Markdown)."),
                        "labels": texts("Labels.") }),
                &["title"],
            ),
        ),
        t(
            "workflow_claim",
            "Claim an issue: assign it to you and mark it in progress.",
            schema(json!({ "id": int(ISSUE) }), &[]),
        ),
        t(
            "workflow_progress",
            "Report progress on an issue (a comment saying what was done).",
            schema(
                json!({ "id": int(ISSUE), "message": text("What was done.") }),
                &["message"],
            ),
        ),
        t(
            "workflow_submit",
            "Commit the work on an issue, push it and open a pull request.",
            schema(
                json!({ "id": int(ISSUE), "message": text("Commit message."),
                        "comment": text("A comment for the issue."),
                        "files": texts("Only these paths (default: every change)."),
                        "session": int(SESSION) }),
                &["message"],
            ),
        ),
        t(
            "workflow_complete",
            "Complete an issue: comment the summary and close it.",
            schema(
                json!({ "id": int(ISSUE), "summary": text("What was done.") }),
                &[],
            ),
        ),
        t(
            "git_status",
            "Branch, ahead/behind, changed and untracked files of the working copy.",
            schema(
                json!({ "project": int(PROJECT), "session": int(SESSION) }),
                &[],
            ),
        ),
        t(
            "git_diff",
            "Uncommitted changes of the working copy as a unified diff.",
            schema(
                json!({ "project": int(PROJECT), "session": int(SESSION),
                        "rev": text("Compare with this revision instead of HEAD."),
                        "staged": { "type": "boolean", "description": "The index only." } }),
                &[],
            ),
        ),
        t(
            "git_commit",
            "Commit changes of the working copy as you.",
            schema(
                json!({ "project": int(PROJECT), "session": int(SESSION),
                        "message": text("Commit message."),
                        "files": texts("Only these paths (default: every change).") }),
                &["message"],
            ),
        ),
        t(
            "git_push",
            "Push a branch (default: the checked-out one) to origin.",
            schema(
                json!({ "project": int(PROJECT), "session": int(SESSION),
                        "branch": text("The branch to push.") }),
                &[],
            ),
        ),
        t(
            "pr_create",
            "Open a pull (merge) request from a pushed branch.",
            schema(
                json!({ "project": int(PROJECT), "title": text("Title."),
                        "source": text("The pushed branch."),
                        "target": text("Base branch (default: the repository's)."),
                        "description": text("Description (Markdown)."),
                        "draft": { "type": "boolean" },
                        "issue": int("The issue it resolves (default: the session's).") }),
                &["title", "source"],
            ),
        ),
        t(
            "session_report",
            "Report this session's state: waiting (for its user) or running, with a message.",
            schema(
                json!({ "session": int("Session id (default: this session)."),
                        "state": { "type": "string", "enum": ["waiting", "running"] },
                        "message": text("What it waits for or does.") }),
                &["state"],
            ),
        ),
    ]
}
