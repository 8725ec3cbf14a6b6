//! What each command does once the interpreter has let it through: the replies of
//! `issue` (a preview), `list`, `show`, `close`, `delete`, `work`, `sessions` and
//! `status`, as the mapped user.

use aiops_types::Timestamp;

use super::PREVIEW_TTL;
use super::channel::{Button, Incoming};
use super::command::{Command, ListScope};
use super::interpret::{Interpreter, Reply, issue_line};
use super::state::NewPreview;
use crate::{CoreError, CoreResult, Principal};

/// Longest issue title taken from a message's first line.
const TITLE_CHARS: usize = 120;
/// Issues one `list` shows.
const LIST_LIMIT: u32 = 20;
/// Characters of an issue's description `show` prints.
const SHOW_CHARS: usize = 1500;

impl Interpreter<'_> {
    pub(super) fn run(
        &self,
        cmd: Command,
        p: &Principal,
        m: &Incoming,
        now: Timestamp,
    ) -> CoreResult<Reply> {
        let i = self.integration;
        Ok(match cmd {
            Command::Issue { project, text } => return self.preview(p, m, project, &text, now),
            Command::List(scope) => {
                let project = match scope {
                    ListScope::Default => i
                        .default_project_id
                        .map(|id| self.ops.project(p, &id.to_string()))
                        .transpose()?,
                    ListScope::Project(text) => Some(self.ops.project(p, &text)?),
                    ListScope::All => None,
                };
                let list = self
                    .ops
                    .list_issues(p, project.as_ref().map(|x| x.id), LIST_LIMIT)?;
                let place = project.map_or("your projects".to_owned(), |x| {
                    format!("{}/{}", x.tenant_slug, x.slug)
                });
                if list.is_empty() {
                    format!("No open issues in {place}.").into()
                } else {
                    let lines: Vec<String> = list.iter().map(issue_line).collect();
                    format!("Open issues in {place}:\n{}", lines.join("\n")).into()
                }
            }
            Command::Show(id) => {
                let x = self.ops.issue(p, id)?;
                let mut desc: String = x.description.chars().take(SHOW_CHARS).collect();
                if x.description.chars().count() > SHOW_CHARS {
                    desc.push('…');
                }
                let mut text = format!(
                    "{} [{}]\nauthor: {} · assignee: {}\n\n{desc}",
                    issue_line(&x),
                    x.status.as_str(),
                    x.author.as_deref().unwrap_or("-"),
                    x.assignee.as_deref().unwrap_or("-"),
                );
                if let Some(url) = &x.url {
                    text.push_str(&format!("\n{url}"));
                }
                text.into()
            }
            Command::Close(id) => {
                let x = self.ops.close_issue(p, id)?;
                format!("Closed {}", issue_line(&x)).into()
            }
            Command::Delete(id) => {
                self.ops.delete_issue(p, id)?;
                format!("Deleted issue {id}.").into()
            }
            Command::Work { id, tool } => {
                let started = self.ops.work(p, id, tool.as_deref())?;
                let s = &started.session;
                let verb = if started.reused {
                    "Your session"
                } else {
                    "Started session"
                };
                let mut text = format!(
                    "{verb} {} ({}) on {}: {}.{}",
                    s.id,
                    s.tool,
                    s.issue_title.as_deref().unwrap_or("the issue"),
                    s.state.as_str(),
                    self.link_line(s.id)
                );
                for note in &started.notes {
                    text.push_str(&format!("\n{note}"));
                }
                text.push_str("\nI will tell you here when it waits for you or ends.");
                return Ok(Reply {
                    watch: Some((s.id, s.state)),
                    ..Reply::from(text)
                });
            }
            Command::Sessions => {
                let list = self.ops.sessions(p)?;
                if list.is_empty() {
                    "You have no live sessions.".to_owned().into()
                } else {
                    let lines: Vec<String> = list
                        .iter()
                        .map(|s| {
                            format!(
                                "session {} · {} · {} · {}",
                                s.id,
                                s.tool,
                                s.state.as_str(),
                                s.issue_title.as_deref().unwrap_or("no issue")
                            )
                        })
                        .collect();
                    format!("Your live sessions:\n{}", lines.join("\n")).into()
                }
            }
            Command::Status => {
                let live = self.ops.sessions(p)?.len();
                format!(
                    "You act as {} ({}) through the bot `{}` of tenant {}. Live sessions: {live}.",
                    p.email,
                    p.role.as_str(),
                    i.name,
                    i.tenant_slug
                )
                .into()
            }
            Command::Help | Command::Usage(_) | Command::Ask(_) => {
                return Err(CoreError::Internal("handled before run".into()));
            }
        })
    }

    pub(super) fn preview(
        &self,
        p: &Principal,
        m: &Incoming,
        project: Option<String>,
        text: &str,
        now: Timestamp,
    ) -> CoreResult<Reply> {
        let i = self.integration;
        let project = match (project, i.default_project_id) {
            (Some(text), _) => self.ops.project(p, &text)?,
            (None, Some(id)) => self.ops.project(p, &id.to_string())?,
            (None, None) => {
                return Err(CoreError::invalid(
                    "project",
                    "which project? Write: issue in <project> <text> (this bot has no default project)",
                ));
            }
        };
        let (title, description) = super::draft::issue_from(self.drafter, text, TITLE_CHARS, now);
        let id = self.state.insert_chat_preview(&NewPreview {
            integration_id: i.id,
            chat_id: m.chat_id.clone(),
            platform_user_id: m.user_id.clone(),
            user_id: p.user_id,
            project_id: project.id,
            title: title.clone(),
            description: description.clone(),
            created_at: now,
            expires_at: now + PREVIEW_TTL,
        })?;
        Ok(Reply {
            text: format!(
                "New issue in {}/{}:\n{title}\n\n{description}\n\nCreate it? (✅ within 1 h)",
                project.tenant_slug, project.slug
            ),
            watch: None,
            buttons: vec![
                Button {
                    label: "✅ Create".into(),
                    data: format!("c:{id}"),
                },
                Button {
                    label: "❌ Cancel".into(),
                    data: format!("x:{id}"),
                },
            ],
            preview: Some(id),
        })
    }
}
