//! `git status` in its machine format.

use std::path::Path;

use super::{Git, GitError, LOCAL_TIMEOUT};

impl Git {
    /// Branch, upstream, ahead/behind, changed and untracked files of `dir`, from
    /// `git status --porcelain=v2 --branch` (machine format, stable across versions).
    pub fn status(&self, dir: &Path) -> Result<RepoStatus, GitError> {
        let out = self
            .spec(Some(dir), LOCAL_TIMEOUT)
            .args([
                "status",
                "--porcelain=v2",
                "--branch",
                "--untracked-files=all",
            ])
            .run()?;
        Ok(parse_status(&out.stdout))
    }
}

/// What [`Git::status`] reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoStatus {
    pub branch: String,
    pub upstream: Option<String>,
    pub ahead: u32,
    pub behind: u32,
    /// `XY path` (`XY` as in `git status --short`).
    pub changed: Vec<String>,
    pub untracked: Vec<String>,
}

/// Parses `git status --porcelain=v2 --branch` (git-status(1), "Porcelain Format Version 2").
pub fn parse_status(text: &str) -> RepoStatus {
    let mut s = RepoStatus::default();
    for line in text.lines() {
        if let Some(head) = line.strip_prefix("# branch.head ") {
            s.branch = if head == "(detached)" {
                String::new()
            } else {
                head.to_owned()
            };
        } else if let Some(up) = line.strip_prefix("# branch.upstream ") {
            s.upstream = Some(up.to_owned());
        } else if let Some(ab) = line.strip_prefix("# branch.ab ") {
            let mut it = ab.split_whitespace();
            s.ahead = it
                .next()
                .and_then(|a| a.trim_start_matches('+').parse().ok())
                .unwrap_or(0);
            s.behind = it
                .next()
                .and_then(|b| b.trim_start_matches('-').parse().ok())
                .unwrap_or(0);
        } else if let Some(path) = line.strip_prefix("? ") {
            s.untracked.push(path.to_owned());
        } else if let Some(rest) = line.strip_prefix("1 ") {
            // 1 XY sub mH mI mW hH hI path
            let f: Vec<&str> = rest.splitn(8, ' ').collect();
            if let (Some(xy), Some(path)) = (f.first(), f.get(7)) {
                s.changed.push(format!("{xy} {path}"));
            }
        } else if let Some(rest) = line.strip_prefix("2 ") {
            // 2 XY sub mH mI mW hH hI Xscore path<TAB>origPath
            let f: Vec<&str> = rest.splitn(9, ' ').collect();
            if let (Some(xy), Some(paths)) = (f.first(), f.get(8)) {
                let path = paths.split('\t').next().unwrap_or(paths);
                s.changed.push(format!("{xy} {path}"));
            }
        } else if let Some(rest) = line.strip_prefix("u ") {
            let f: Vec<&str> = rest.splitn(10, ' ').collect();
            if let (Some(xy), Some(path)) = (f.first(), f.get(9)) {
                s.changed.push(format!("{xy} {path}"));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn porcelain_v2_status_parses() {
        let s = super::parse_status(
            "# branch.oid abc\n# branch.head aiops/1-x\n# branch.upstream origin/aiops/1-x\n\
             # branch.ab +2 -1\n1 .M N... 100644 100644 100644 a b src/lib.rs\n\
             2 R. N... 100644 100644 100644 a b R100 new name.rs\told.rs\n? notes.txt\n",
        );
        assert_eq!(s.branch, "aiops/1-x");
        assert_eq!(s.upstream.as_deref(), Some("origin/aiops/1-x"));
        assert_eq!((s.ahead, s.behind), (2, 1));
        assert_eq!(s.changed, [".M src/lib.rs", "R. new name.rs"]);
        assert_eq!(s.untracked, ["notes.txt"]);
    }
}
