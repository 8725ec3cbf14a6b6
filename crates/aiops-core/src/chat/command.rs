//! The command grammar every platform shares. A message's first word picks the command
//! (case-insensitive, a leading `/` allowed as Telegram users type it, a `@bot` suffix
//! dropped: `/list@aiops_bot`); anything else is a question (`ask`).

/// What `list` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScope {
    /// The integration's default project, else every project the user sees.
    Default,
    /// A project id, slug or `tenant/slug`.
    Project(String),
    /// Every project the user sees.
    All,
}

/// A parsed chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `help`: the command list ([`HELP`]).
    Help,
    /// `ask <question>`, or any text that is no command: a question for the answer backend.
    Ask(String),
    /// `issue|create [in <project>] <text>`.
    Issue {
        /// The project named after `in` (id, slug or `tenant/slug`); `None`: the default one.
        project: Option<String>,
        /// What the issue is about; the title and description are drafted from it.
        text: String,
    },
    /// `list [project|all]`: open issues.
    List(ListScope),
    /// `show <id>`: one issue, by its aiops id.
    Show(i64),
    /// `close <id>`: close the issue.
    Close(i64),
    /// `delete <id>`: delete a native issue (admins).
    Delete(i64),
    /// `work <id> [tool]`: start (or reuse) an agent session on the issue.
    Work {
        /// The issue's aiops id.
        id: i64,
        /// Tool name; `None`: the user's default tool.
        tool: Option<String>,
    },
    /// `sessions`: the user's live agent sessions.
    Sessions,
    /// `status`: who the chat user is to aiops.
    Status,
    /// A command with bad arguments: the line to reply.
    Usage(&'static str),
}

/// The reply to `help`.
pub const HELP: &str = "Commands:
ask <question> — answer a question (or just mention me)
issue [in <project>] <text> — propose an issue; confirm it with ✅
list [project|all] — open issues
show <id> — one issue
close <id> — close an issue
delete <id> — delete a native issue (admins)
work <id> [tool] — start an agent session on an issue; I tell you when it needs you
sessions — your live agent sessions
status — who you are to aiops
help — this list";

/// `12`, `#12`.
fn issue_id(arg: &str) -> Option<i64> {
    arg.trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
}

/// Parses a message addressed to the bot (mention and keyword already removed).
pub fn parse(text: &str) -> Command {
    let text = text.trim();
    let (word, rest) = match text.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (text, ""),
    };
    let verb = word
        .trim_start_matches('/')
        .split('@')
        .next()
        .unwrap_or("")
        .to_lowercase();
    let id_or = |usage: &'static str, make: fn(i64) -> Command| match issue_id(rest) {
        Some(id) => make(id),
        None => Command::Usage(usage),
    };
    match verb.as_str() {
        "" | "help" | "start" => Command::Help,
        "ask" if rest.is_empty() => Command::Usage("usage: ask <question>"),
        "ask" => Command::Ask(rest.to_owned()),
        "issue" | "create" => {
            let (project, body) = match rest.split_once(char::is_whitespace) {
                Some((kw, more)) if kw.eq_ignore_ascii_case("in") => {
                    match more.trim().split_once(char::is_whitespace) {
                        Some((p, body)) => (Some(p.to_owned()), body.trim()),
                        None => (Some(more.trim().to_owned()), ""),
                    }
                }
                _ => (None, rest),
            };
            if body.is_empty() {
                Command::Usage("usage: issue [in <project>] <text>")
            } else {
                Command::Issue {
                    project,
                    text: body.to_owned(),
                }
            }
        }
        "list" => match rest {
            "" => Command::List(ListScope::Default),
            r if r.eq_ignore_ascii_case("all") => Command::List(ListScope::All),
            r if !r.contains(char::is_whitespace) => Command::List(ListScope::Project(r.into())),
            _ => Command::Usage("usage: list [project|all]"),
        },
        "show" => id_or("usage: show <id>", Command::Show),
        "close" => id_or("usage: close <id>", Command::Close),
        "delete" => id_or("usage: delete <id>", Command::Delete),
        "work" => {
            let mut words = rest.split_whitespace();
            match (words.next().and_then(issue_id), words.next(), words.next()) {
                (Some(id), tool, None) => Command::Work {
                    id,
                    tool: tool.map(str::to_owned),
                },
                _ => Command::Usage("usage: work <id> [tool]"),
            }
        }
        "sessions" => Command::Sessions,
        "status" => Command::Status,
        _ => Command::Ask(text.to_owned()),
    }
}
