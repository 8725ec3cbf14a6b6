//! An issue for a page: description and comments rendered to sanitized HTML.

use aiops_types::{IssueView, RenderedComment};

use super::get;
use crate::markdown::to_safe_html;
use crate::page::PageQuery;
use crate::ports::IssueStore;
use crate::{CoreResult, Principal};

/// Most comments a view holds (oldest first).
const MAX_COMMENTS: usize = 1000;
const PAGE: u32 = 200;

/// The issue (the caller must see it) with HTML of its description and comments.
pub fn view(store: &impl IssueStore, caller: &Principal, id: i64) -> CoreResult<IssueView> {
    let issue = get(store, caller, id)?;
    let mut comments = Vec::new();
    let mut after = None;
    while comments.len() < MAX_COMMENTS {
        // The store reads one row past the limit to tell whether there are more.
        let mut page = store.list_comments(issue.id, PageQuery { after, limit: PAGE })?;
        let more = page.len() > PAGE as usize;
        page.truncate(PAGE as usize);
        after = page.last().map(|c| c.id);
        comments.extend(page.into_iter().map(|c| RenderedComment {
            body_html: to_safe_html(&c.body),
            comment: c,
        }));
        if !more {
            break;
        }
    }
    comments.truncate(MAX_COMMENTS);
    Ok(IssueView {
        description_html: to_safe_html(&issue.description),
        issue,
        comments,
    })
}
