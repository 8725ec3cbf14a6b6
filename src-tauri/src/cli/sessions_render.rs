//! How `aiops sessions …` shows a session: one row in a list, fields for `get`.

use aiops_types::Session;

use crate::cli::output::{Render, opt_ts, or_dash, ts};

impl Render for Session {
    const HEADERS: &'static [&'static str] =
        &["ID", "STATE", "TOOL", "ISSUE", "USER", "BRANCH", "UPDATED"];
    fn row(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            state(self),
            self.tool.clone(),
            self.issue_title.clone().unwrap_or_else(|| "-".into()),
            self.user.clone(),
            self.branch.clone(),
            ts(&self.updated_at),
        ]
    }
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("state", state(self)),
            (
                "tool",
                format!("{}{}", self.tool, if self.yolo { " (yolo)" } else { "" }),
            ),
            ("issue", or_dash(self.issue_title.as_deref())),
            (
                "issue_id",
                self.issue_id.map_or("-".into(), |i| i.to_string()),
            ),
            ("project_id", self.project_id.to_string()),
            ("user", self.user.clone()),
            (
                "sandbox",
                if self.sandbox == "none" {
                    "none (UNSANDBOXED: the command sees what the server account sees)".into()
                } else {
                    self.sandbox.clone()
                },
            ),
            (
                "host",
                self.host.clone().unwrap_or_else(|| "(this server)".into()),
            ),
            ("branch", self.branch.clone()),
            ("worktree_path", self.worktree_path.clone()),
            ("tmux_target", self.tmux_target.clone()),
            (
                "detail",
                or_dash(Some(self.detail.as_str()).filter(|d| !d.is_empty())),
            ),
            ("created_at", ts(&self.created_at)),
            ("updated_at", ts(&self.updated_at)),
            ("ended_at", opt_ts(self.ended_at.as_ref())),
        ]
    }
}

fn state(s: &Session) -> String {
    let state = match s.exit_code {
        Some(code) => format!("{}({code})", s.state.as_str()),
        None => s.state.as_str().to_owned(),
    };
    if s.host_unreachable {
        format!("{state}, host unreachable")
    } else {
        state
    }
}
