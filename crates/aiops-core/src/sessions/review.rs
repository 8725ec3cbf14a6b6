//! Review comments back to the agent (issue 20): the session's owner (or an admin)
//! comments lines of its changes; "send" types every draft into the agent's pane as one
//! consolidated review (file:line, the quoted lines, the comment) when the agent waits
//! for input, or queues it until it next does. Comments stay with the session with their
//! state (draft → queued → sent, and resolved by the reviewer).

use aiops_types::{
    DiffSide, NewReviewComment, ReviewComment, ReviewSent, ReviewState, SessionState,
    UpdateReviewComment,
};
use serde_json::json;

use super::Host;
use super::ops::tmux_name;
use crate::ports::{AuditStore, NewAudit, ProjectStore, SessionStore};
use crate::{CoreError, CoreResult, Principal};

/// Longest comment body, characters.
pub const MAX_BODY_CHARS: usize = 8000;
/// Longest quote of the commented lines, bytes (8 KiB).
pub const MAX_QUOTE_BYTES: usize = 8 * 1024;
/// Most comments one session keeps.
pub const MAX_COMMENTS: usize = 500;

/// A comment as stored, without its id and times.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReviewRow {
    /// Session whose changes are commented.
    pub session_id: i64,
    /// User who wrote the comment.
    pub author_id: i64,
    /// File of the working copy, relative.
    pub path: String,
    /// Which side of the diff the lines are on: old (removed lines) or new.
    pub side: DiffSide,
    /// First commented line, 1-based.
    pub line_start: u32,
    /// Last commented line, not before `line_start`.
    pub line_end: u32,
    /// The commented lines as the reviewer saw them.
    pub quote: String,
    /// The comment, trimmed.
    pub body: String,
}

/// Storage of review comments.
pub trait ReviewStore {
    /// Oldest first; resolved ones only with `resolved`.
    fn review_comments(&self, session_id: i64, resolved: bool) -> CoreResult<Vec<ReviewComment>>;
    /// Stores a comment as a draft.
    fn insert_review_comment(&self, row: &NewReviewRow) -> CoreResult<ReviewComment>;
    /// Sets the body, the state, or both (`None` keeps); `NotFound` for an unknown id.
    fn update_review_comment(
        &self,
        id: i64,
        body: Option<&str>,
        state: Option<ReviewState>,
    ) -> CoreResult<ReviewComment>;
    /// Deletes the comment.
    fn delete_review_comment(&self, id: i64) -> CoreResult<()>;
    /// Moves the session's comments in `from` to `to` (stamping `sent_at` for `sent`);
    /// returns them.
    fn move_review_comments(
        &self,
        session_id: i64,
        from: ReviewState,
        to: ReviewState,
    ) -> CoreResult<Vec<ReviewComment>>;
}

/// The session, when the caller may review it: its owner, or an admin. A session key
/// never reviews (the agent must not write its own review).
fn session(
    store: &(impl ProjectStore + SessionStore),
    caller: &Principal,
    id: i64,
) -> CoreResult<aiops_types::Session> {
    if caller.session.is_some() {
        return Err(CoreError::Forbidden(
            "a session key cannot review its own session".into(),
        ));
    }
    super::ops::get_own(store, caller, id)
}

fn body(text: &str) -> CoreResult<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > MAX_BODY_CHARS {
        return Err(CoreError::invalid(
            "body",
            format!("a comment is 1..={MAX_BODY_CHARS} characters"),
        ));
    }
    crate::validate::no_nul("body", t)?;
    Ok(t.to_owned())
}

/// The session's review comments, oldest first; resolved ones only with `resolved`.
/// Only the session's owner or an admin; `Forbidden` for a session key.
pub fn list(
    store: &(impl ProjectStore + SessionStore + ReviewStore),
    caller: &Principal,
    session_id: i64,
    resolved: bool,
) -> CoreResult<Vec<ReviewComment>> {
    session(store, caller, session_id)?;
    store.review_comments(session_id, resolved)
}

/// Adds a draft comment on lines of a file of the session's changes. `Invalid` for an
/// absolute or empty path, bad line numbers, an empty or too long body or quote;
/// `Conflict` once the session has [`MAX_COMMENTS`]. Only the session's owner or an
/// admin; `Forbidden` for a session key.
pub fn create(
    store: &(impl ProjectStore + SessionStore + ReviewStore),
    caller: &Principal,
    session_id: i64,
    req: &NewReviewComment,
) -> CoreResult<ReviewComment> {
    session(store, caller, session_id)?;
    let path = req.path.trim();
    crate::validate::no_nul("path", path)?;
    if path.is_empty() || path.len() > 4096 || path.starts_with('/') {
        return Err(CoreError::invalid(
            "path",
            "path is a file of the working copy",
        ));
    }
    if req.line_start < 1 || req.line_end < req.line_start {
        return Err(CoreError::invalid(
            "line_end",
            "lines are 1-based and line_end is not before line_start",
        ));
    }
    if req.quote.len() > MAX_QUOTE_BYTES {
        return Err(CoreError::invalid("quote", "the quote is over 8 KiB"));
    }
    crate::validate::no_nul("quote", &req.quote)?;
    if store.review_comments(session_id, true)?.len() >= MAX_COMMENTS {
        return Err(CoreError::Conflict(format!(
            "session {session_id} has {MAX_COMMENTS} review comments already"
        )));
    }
    store.insert_review_comment(&NewReviewRow {
        session_id,
        author_id: caller.user_id,
        path: path.to_owned(),
        side: req.side,
        line_start: req.line_start,
        line_end: req.line_end,
        quote: req.quote.clone(),
        body: body(&req.body)?,
    })
}

fn find(
    store: &(impl ProjectStore + SessionStore + ReviewStore),
    caller: &Principal,
    session_id: i64,
    id: i64,
) -> CoreResult<ReviewComment> {
    session(store, caller, session_id)?;
    store
        .review_comments(session_id, true)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| CoreError::not_found(format!("review comment {id}")))
}

/// A new body (drafts only: what was sent stays as sent), or resolved / reopened.
pub fn update(
    store: &(impl ProjectStore + SessionStore + ReviewStore),
    caller: &Principal,
    session_id: i64,
    id: i64,
    req: &UpdateReviewComment,
) -> CoreResult<ReviewComment> {
    let c = find(store, caller, session_id, id)?;
    let text = match req.body.as_deref() {
        Some(_) if c.state != ReviewState::Draft => {
            return Err(CoreError::Conflict(format!(
                "review comment {id} was {} already: only drafts change",
                c.state.as_str()
            )));
        }
        Some(b) => Some(body(b)?),
        None => None,
    };
    let state = match req.resolved {
        Some(true) => Some(ReviewState::Resolved),
        // Reopened: back to where it was before (a sent one stays sent).
        Some(false) if c.state == ReviewState::Resolved => Some(if c.sent_at.is_some() {
            ReviewState::Sent
        } else {
            ReviewState::Draft
        }),
        _ => None,
    };
    store.update_review_comment(id, text.as_deref(), state)
}

/// Deletes a draft comment; `Conflict` for one queued, sent or resolved (resolve it
/// instead). Only the session's owner or an admin.
pub fn delete(
    store: &(impl ProjectStore + SessionStore + ReviewStore),
    caller: &Principal,
    session_id: i64,
    id: i64,
) -> CoreResult<()> {
    let c = find(store, caller, session_id, id)?;
    if c.state != ReviewState::Draft {
        return Err(CoreError::Conflict(format!(
            "review comment {id} was {} already: resolve it instead",
            c.state.as_str()
        )));
    }
    store.delete_review_comment(id)
}

/// The review as the agent reads it.
pub fn prompt(comments: &[ReviewComment]) -> String {
    let mut p = format!(
        "Review of your changes ({} comment{}). Address each one:\n",
        comments.len(),
        if comments.len() == 1 { "" } else { "s" }
    );
    for (i, c) in comments.iter().enumerate() {
        let lines = if c.line_start == c.line_end {
            c.line_start.to_string()
        } else {
            format!("{}-{}", c.line_start, c.line_end)
        };
        let side = match c.side {
            DiffSide::New => "",
            DiffSide::Old => " (removed lines)",
        };
        p.push_str(&format!("\n{}. {}:{lines}{side}\n", i + 1, c.path));
        for q in c.quote.lines().take(40) {
            p.push_str("> ");
            p.push_str(q);
            p.push('\n');
        }
        p.push_str(c.body.trim());
        p.push('\n');
    }
    p
}

/// Sends every draft: typed now when the agent waits for input, else queued until it
/// next does ([`deliver_queued`]). `Conflict` when there is nothing to send or the
/// session has ended.
pub fn send(
    store: &(impl ProjectStore + SessionStore + AuditStore + ReviewStore),
    host: &Host<'_>,
    caller: &Principal,
    session_id: i64,
) -> CoreResult<ReviewSent> {
    let s = session(store, caller, session_id)?;
    if !s.state.is_live() {
        return Err(CoreError::Conflict(format!(
            "session {session_id} has ended ({}): nothing can be typed into it",
            s.state.as_str()
        )));
    }
    let drafts: Vec<ReviewComment> = store
        .review_comments(session_id, false)?
        .into_iter()
        .filter(|c| c.state == ReviewState::Draft)
        .collect();
    if drafts.is_empty() {
        return Err(CoreError::Conflict(
            "no draft review comments to send".into(),
        ));
    }
    let text = prompt(&drafts);
    let typed = s.state == SessionState::Waiting;
    let comments = if typed {
        super::ops::on_site(host, &s, |h| h.runtime.send(tmux_name(&s), &text, true))?;
        store.move_review_comments(session_id, ReviewState::Draft, ReviewState::Sent)?
    } else {
        store.move_review_comments(session_id, ReviewState::Draft, ReviewState::Queued)?
    };
    store.append_audit(
        NewAudit::by(caller, "session.review")
            .target("session", session_id)
            .detail(json!({ "comments": comments.len(), "typed": typed })),
    )?;
    Ok(ReviewSent {
        comments,
        typed,
        prompt: text,
    })
}

/// Types the session's queued review into its pane, now that it waits; the comments
/// become `sent`. Nothing when none is queued.
pub fn deliver_queued(
    store: &impl ReviewStore,
    host: &Host<'_>,
    s: &aiops_types::Session,
) -> CoreResult<usize> {
    if s.state != SessionState::Waiting {
        return Ok(0);
    }
    let queued: Vec<ReviewComment> = store
        .review_comments(s.id, false)?
        .into_iter()
        .filter(|c| c.state == ReviewState::Queued)
        .collect();
    if queued.is_empty() {
        return Ok(0);
    }
    super::ops::on_site(host, s, |h| {
        h.runtime.send(tmux_name(s), &prompt(&queued), true)
    })?;
    Ok(store
        .move_review_comments(s.id, ReviewState::Queued, ReviewState::Sent)?
        .len())
}

/// A state report ([`super::ops::report`]); when it says the agent now waits for input,
/// the queued review is typed into its pane. A review that cannot be typed (the pane
/// just went away) stays queued: the report itself stands.
pub fn report(
    store: &(impl ProjectStore + SessionStore + ReviewStore),
    host: &Host<'_>,
    caller: &Principal,
    id: i64,
    req: &aiops_types::SessionReport,
) -> CoreResult<aiops_types::Session> {
    let s = super::ops::report(store, caller, id, req)?;
    let _ = deliver_queued(store, host, &s);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(path: &str, a: u32, b: u32, quote: &str, body: &str) -> ReviewComment {
        ReviewComment {
            id: 1,
            session_id: 1,
            author_id: 1,
            path: path.into(),
            side: DiffSide::New,
            line_start: a,
            line_end: b,
            quote: quote.into(),
            body: body.into(),
            state: ReviewState::Draft,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            sent_at: None,
        }
    }

    #[test]
    fn the_review_names_each_place_quotes_it_and_says_what_to_do() {
        let p = prompt(&[
            comment(
                "src/lib.rs",
                12,
                14,
                "fn parse(s: &str) -> u32 {\n    s.parse().unwrap()",
                "Return an error.",
            ),
            comment("README.md", 3, 3, "", "Typo: recieve."),
        ]);
        assert_eq!(
            p,
            "Review of your changes (2 comments). Address each one:\n\
             \n1. src/lib.rs:12-14\n> fn parse(s: &str) -> u32 {\n>     s.parse().unwrap()\nReturn an error.\n\
             \n2. README.md:3\nTypo: recieve.\n"
        );
    }
}
