//! Reading a working copy's files for `aiops git files|cat`: a path from a user is
//! resolved inside the worktree or refused — absolute paths, `..`, `.git` and symlinks
//! that lead out are all errors, checked on the canonical (symlink-free) path.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Most bytes `cat` returns.
pub const MAX_CAT_BYTES: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The path is not inside the working copy (or names git's own files).
    #[error("{0}")]
    Outside(String),
    #[error("{0} does not exist")]
    Missing(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

/// `root/rel`, canonical, after checking it stays inside `root`.
pub fn resolve(root: &Path, rel: &str) -> Result<PathBuf, FileError> {
    let out = || FileError::Outside(format!("`{rel}` is not a path inside the working copy"));
    let p = Path::new(rel);
    if rel.contains('\0') || p.is_absolute() {
        return Err(out());
    }
    for c in p.components() {
        match c {
            Component::Normal(n) if n == ".git" => return Err(out()),
            Component::Normal(_) | Component::CurDir => {}
            _ => return Err(out()),
        }
    }
    let base = root.canonicalize().map_err(|e| FileError::Io {
        path: root.display().to_string(),
        message: e.to_string(),
    })?;
    let full = base.join(p).canonicalize().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => FileError::Missing(rel.to_owned()),
        _ => FileError::Io {
            path: rel.to_owned(),
            message: e.to_string(),
        },
    })?;
    // A symlink inside may point anywhere: judge where it really leads.
    if !full.starts_with(&base)
        || full
            .strip_prefix(&base)
            .is_ok_and(|r| r.starts_with(".git"))
    {
        return Err(out());
    }
    Ok(full)
}

/// One entry of a directory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub name: String,
    /// `file`, `dir` or `symlink` (not followed).
    pub kind: &'static str,
    /// Bytes, for files.
    pub size: Option<u64>,
}

/// The entries of directory `rel` (`""` = the root), `.git` left out, sorted by name.
pub fn list(root: &Path, rel: &str) -> Result<Vec<Entry>, FileError> {
    let dir = resolve(root, if rel.is_empty() { "." } else { rel })?;
    let io = |e: std::io::Error| FileError::Io {
        path: rel.to_owned(),
        message: e.to_string(),
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == ".git" {
            continue;
        }
        let meta = entry.path().symlink_metadata().map_err(io)?;
        let kind = if meta.file_type().is_symlink() {
            "symlink"
        } else if meta.is_dir() {
            "dir"
        } else {
            "file"
        };
        out.push(Entry {
            name,
            kind,
            size: meta.is_file().then_some(meta.len()),
        });
    }
    out.sort();
    Ok(out)
}

/// File `rel`: its size and at most [`MAX_CAT_BYTES`] of it (and whether that was all).
pub fn read(root: &Path, rel: &str) -> Result<(u64, Vec<u8>, bool), FileError> {
    let path = resolve(root, rel)?;
    let io = |e: std::io::Error| FileError::Io {
        path: rel.to_owned(),
        message: e.to_string(),
    };
    if !path.is_file() {
        return Err(FileError::Outside(format!("`{rel}` is not a file")));
    }
    // Open the canonical path again without following symlinks: one swapped in since
    // `resolve` looked (an agent racing `aiops git cat`) is refused, not followed.
    let base = root.canonicalize().map_err(io)?;
    let inside = path.strip_prefix(&base).map_err(|_| {
        FileError::Outside(format!("`{rel}` is not a path inside the working copy"))
    })?;
    let f = crate::beneath::open_in(&base, inside).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    let mut bytes = Vec::new();
    f.take(MAX_CAT_BYTES).read_to_end(&mut bytes).map_err(io)?;
    Ok((size, bytes, size > MAX_CAT_BYTES))
}
