//! The global agent instructions (admin-editable, versioned): read by everyone, since
//! every session's context file starts with them; changed, diffed and rolled back by
//! admins. A rollback appends the old text as a new version, so history only grows.

use aiops_types::{AgentInstructions, AgentInstructionsDiff, Page, SetAgentInstructions};
use serde_json::json;

use crate::page::PageQuery;
use crate::ports::{AgentStore, NewAudit};
use crate::{CoreError, CoreResult, Principal};

/// Longest instructions body, bytes (256 KiB).
pub const MAX_BODY_BYTES: usize = 262_144;

/// Version 0: nothing set yet.
fn empty() -> AgentInstructions {
    AgentInstructions {
        version: 0,
        body: String::new(),
        author: String::new(),
        note: String::new(),
        created_at: None,
    }
}

/// The current instructions (version 0, empty, before the first change).
pub fn current(store: &impl AgentStore) -> CoreResult<AgentInstructions> {
    Ok(store.agent_instructions(None)?.unwrap_or_else(empty))
}

fn version(store: &impl AgentStore, v: i64) -> CoreResult<AgentInstructions> {
    if v == 0 {
        return Ok(empty());
    }
    store
        .agent_instructions(Some(v))?
        .ok_or_else(|| CoreError::not_found(format!("version {v} of the agent instructions")))
}

/// Every version, newest first.
pub fn history(store: &impl AgentStore, page: PageQuery) -> CoreResult<Page<AgentInstructions>> {
    Ok(page.finish(store.list_agent_instructions(page)?, |a| a.version))
}

/// Unified diff from version `from` to `to` (default: current).
pub fn diff(
    store: &impl AgentStore,
    from: i64,
    to: Option<i64>,
) -> CoreResult<AgentInstructionsDiff> {
    let a = version(store, from)?;
    let b = match to {
        Some(t) => version(store, t)?,
        None => current(store)?,
    };
    let text = similar::TextDiff::from_lines(&a.body, &b.body)
        .unified_diff()
        .context_radius(3)
        .header(&format!("v{}", a.version), &format!("v{}", b.version))
        .to_string();
    Ok(AgentInstructionsDiff {
        from: a.version,
        to: b.version,
        diff: if a.body == b.body {
            String::new()
        } else {
            text
        },
    })
}

/// Appends a new version with `req.body` and its note (one line, at most 200
/// characters). With `req.base_version`, `Conflict` when another version was appended
/// since. Admins only (`Forbidden`); `Invalid` for a body over [`MAX_BODY_BYTES`].
pub fn set(
    store: &impl AgentStore,
    caller: &Principal,
    req: &SetAgentInstructions,
) -> CoreResult<AgentInstructions> {
    caller.require_admin("only admins change the global agent instructions")?;
    if req.body.len() > MAX_BODY_BYTES {
        return Err(CoreError::invalid(
            "body",
            format!("at most {MAX_BODY_BYTES} bytes"),
        ));
    }
    let note = req.note.as_deref().unwrap_or("").trim();
    if note.chars().count() > 200 || note.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "note",
            "one line of at most 200 characters",
        ));
    }
    let audit = NewAudit::by(caller, "agents.global.set")
        .detail(json!({ "bytes": req.body.len(), "note": note }));
    store.append_agent_instructions(&req.body, note, req.base_version, audit)
}

/// Makes version `v` current again, as a new version.
pub fn rollback(
    store: &impl AgentStore,
    caller: &Principal,
    v: i64,
) -> CoreResult<AgentInstructions> {
    caller.require_admin("only admins change the global agent instructions")?;
    let old = version(store, v)?;
    let audit = NewAudit::by(caller, "agents.global.rollback").detail(json!({ "to": v }));
    store.append_agent_instructions(&old.body, &format!("rollback to version {v}"), None, audit)
}
