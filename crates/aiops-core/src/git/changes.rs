//! A session's changes, reviewable (issue 20): the files its worktree changed against
//! the merge-base with the project's default branch, each with its status, counts, index
//! state and unified diff; and staging.
//!
//! The port hands over git's own outputs ([`RawChanges`]); reading them is here, where
//! it is unit-tested: `git diff --numstat -z` (git-diff(1), "Other diff formats": `added
//! TAB deleted TAB path NUL`, or for a rename `added TAB deleted TAB NUL old NUL new
//! NUL`; `-` counts for a binary), the patch split at its `diff --git` headers (same
//! order as the numstat), and `git status --porcelain=v1 -z` (git-status(1), "Short
//! Format": `XY path`, a rename followed by its source path).

use std::collections::BTreeMap;

use aiops_types::{FileChange, FileChangeKind, SessionChanges, StagePaths};

use super::working_copy;
use crate::ports::{AuditStore, NewAudit, ProjectStore, RawChanges, SessionStore, UserStore};
use crate::sessions::Host;
use crate::validate::no_nul;
use crate::{CoreError, CoreResult, Principal};

/// A file's diff is not sent past this size (the file shows collapsed).
pub const MAX_FILE_DIFF_BYTES: usize = 256 * 1024;
/// Most files listed.
pub const MAX_FILES: usize = 1000;

/// The changes of session `id`'s worktree, for its owner (admins: anyone's).
pub fn get(
    store: &(impl UserStore + ProjectStore + SessionStore),
    host: &Host<'_>,
    caller: &Principal,
    id: i64,
) -> CoreResult<SessionChanges> {
    let s = crate::sessions::ops::get(store, caller, id)?;
    let wc = working_copy(store, host, caller, s.project_id, Some(id))?;
    let raw = wc.git(host).changes(&wc.ctx, &wc.project.default_branch)?;
    Ok(read(id, raw))
}

/// One numstat entry: counts (None for a binary), old path of a rename, path.
type Stat = (Option<(u32, u32)>, Option<String>, String);

/// Reads `git diff --numstat -z` output.
pub fn numstat(text: &str) -> Vec<Stat> {
    let mut out = Vec::new();
    let mut parts = text.split('\0');
    while let Some(head) = parts.next() {
        let mut f = head.splitn(3, '\t');
        let (Some(a), Some(d), Some(path)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let counts = a.parse().ok().zip(d.parse().ok());
        if path.is_empty() {
            // A rename: the old and new paths follow as their own fields.
            let (Some(old), Some(new)) = (parts.next(), parts.next()) else {
                break;
            };
            out.push((counts, Some(old.to_owned()), new.to_owned()));
        } else {
            out.push((counts, None, path.to_owned()));
        }
    }
    out
}

/// The patch cut into one chunk per file, in order.
pub fn split_patch(patch: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = patch
        .match_indices("diff --git ")
        .filter(|(i, _)| *i == 0 || patch.as_bytes()[i - 1] == b'\n')
        .map(|(i, _)| i)
        .collect();
    starts.push(patch.len());
    starts.windows(2).map(|w| &patch[w[0]..w[1]]).collect()
}

/// Index (staged) and working-tree (unstaged) state per path, from `status -z`.
pub fn index_state(status: &str) -> BTreeMap<String, (bool, bool)> {
    let mut out = BTreeMap::new();
    let mut parts = status.split('\0');
    while let Some(e) = parts.next() {
        if e.len() < 4 {
            continue;
        }
        let (x, y, path) = (e.as_bytes()[0], e.as_bytes()[1], &e[3..]);
        if x == b'R' || x == b'C' {
            parts.next(); // the source path
        }
        if x == b'?' {
            continue;
        }
        out.insert(path.to_owned(), (x != b' ', y != b' '));
    }
    out
}

/// A unified diff adding `text` as new file `path` (what `git diff --no-index /dev/null
/// path` prints), and its line count.
pub fn added_file_diff(path: &str, text: &str) -> (String, u32) {
    let lines: Vec<&str> = text.lines().collect();
    let mut d = format!(
        "diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
    );
    if !lines.is_empty() {
        d.push_str(&format!("@@ -0,0 +1,{} @@\n", lines.len()));
        for l in &lines {
            d.push('+');
            d.push_str(l);
            d.push('\n');
        }
        if !text.ends_with('\n') {
            d.push_str("\\ No newline at end of file\n");
        }
    }
    (d, lines.len() as u32)
}

fn kind_of(chunk: &str, renamed: bool) -> FileChangeKind {
    let header = chunk.split("\n@@").next().unwrap_or(chunk);
    if renamed || header.contains("\nrename from ") {
        FileChangeKind::Renamed
    } else if header.contains("\nnew file mode ") {
        FileChangeKind::Added
    } else if header.contains("\ndeleted file mode ") {
        FileChangeKind::Deleted
    } else {
        FileChangeKind::Modified
    }
}

/// Assembles the changes of session `session_id` from git's outputs.
pub fn read(session_id: i64, raw: RawChanges) -> SessionChanges {
    let stats = numstat(&raw.numstat);
    let chunks = split_patch(&raw.patch);
    let index = index_state(&raw.status);
    let mut files = Vec::new();
    for (i, (counts, old, path)) in stats.into_iter().enumerate() {
        // Same order as the numstat; a chunk that does not name the path (a patch cut
        // short) is not trusted.
        let chunk = chunks.get(i).copied().filter(|c| {
            c.lines()
                .next()
                .is_some_and(|h| h.ends_with(&format!(" b/{path}")))
        });
        let binary = counts.is_none();
        let kind = chunk.map_or(
            if old.is_some() {
                FileChangeKind::Renamed
            } else {
                FileChangeKind::Modified
            },
            |c| kind_of(c, old.is_some()),
        );
        let too_large =
            chunk.is_some_and(|c| c.len() > MAX_FILE_DIFF_BYTES) || (chunk.is_none() && !binary);
        let (staged, unstaged) = index.get(&path).copied().unwrap_or((false, false));
        let (additions, deletions) = counts.unwrap_or((0, 0));
        files.push(FileChange {
            diff: chunk.filter(|_| !binary && !too_large).map(str::to_owned),
            path,
            old_path: old,
            kind,
            additions,
            deletions,
            binary,
            staged,
            unstaged,
            too_large,
        });
    }
    for (path, text) in raw.untracked {
        let (diff, additions, binary) = match &text {
            Some(t) => {
                let (d, n) = added_file_diff(&path, t);
                (Some(d), n, false)
            }
            None => (None, 0, true),
        };
        files.push(FileChange {
            path,
            old_path: None,
            kind: FileChangeKind::Untracked,
            additions,
            deletions: 0,
            binary,
            staged: false,
            unstaged: true,
            diff,
            too_large: false,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let truncated = files.len() > MAX_FILES;
    files.truncate(MAX_FILES);
    SessionChanges {
        session_id,
        branch: raw.branch,
        base_ref: raw.base_ref,
        base: raw.base,
        head: raw.head,
        commits: raw.commits,
        files,
        truncated: truncated || raw.patch_truncated,
    }
}

fn paths(req: &StagePaths) -> CoreResult<Vec<String>> {
    if req.paths.len() > MAX_FILES {
        return Err(CoreError::invalid(
            "paths",
            format!("at most {MAX_FILES} paths at once"),
        ));
    }
    req.paths
        .iter()
        .map(|p| {
            let p = p.trim();
            no_nul("paths", p)?;
            if p.is_empty() || p.starts_with('/') || p.split('/').any(|c| c == "..") {
                return Err(CoreError::invalid(
                    "paths",
                    format!("`{p}` is not a path inside the working copy"),
                ));
            }
            Ok(p.to_owned())
        })
        .collect()
}

/// Stages (or with `unstage`, unstages) `req.paths` in the working copy.
pub fn stage(
    store: &(impl UserStore + ProjectStore + SessionStore + AuditStore),
    host: &Host<'_>,
    caller: &Principal,
    project_id: i64,
    req: &StagePaths,
    unstage: bool,
) -> CoreResult<SessionChanges> {
    let list = paths(req)?;
    let wc = working_copy(store, host, caller, project_id, req.session)?;
    if unstage {
        wc.git(host).unstage(&wc.ctx, &list)?;
    } else {
        wc.git(host).stage(&wc.ctx, &list)?;
    }
    let action = if unstage { "git.unstage" } else { "git.stage" };
    store.append_audit(
        NewAudit::by(caller, action)
            .target("project", project_id)
            .detail(serde_json::json!({ "paths": list, "session": req.session })),
    )?;
    let raw = wc.git(host).changes(&wc.ctx, &wc.project.default_branch)?;
    Ok(read(wc.session.map_or(0, |s| s.id), raw))
}

#[cfg(test)]
mod tests;
