//! Whether an agent kept a conversation to resume in a directory, so that a respawn does
//! not ask for one that is not there: `claude --continue` without one exits at once with
//! "No conversation found to continue" (Claude Code 2.1; anthropics/claude-code#14844),
//! where Codex's `resume --last` starts a new session by itself.

use std::path::{Path, PathBuf};

/// Longest project folder name Claude Code uses as is; longer ones are cut here and get
/// a hash suffix.
const CLAUDE_NAME_MAX: usize = 200;

/// Whether Claude Code, run with `home` as `$HOME` in `dir`, kept a conversation there: a
/// `*.jsonl` in one of [`claude_folders`].
pub fn claude_has_conversation(home: &Path, dir: &Path) -> bool {
    claude_folders(home, dir).iter().any(|f| holds_jsonl(f))
}

/// The folders where Claude Code, run with `home` as `$HOME` in `dir`, keeps that
/// directory's conversations: `~/.claude/projects/<name>/`, where `<name>` is the
/// directory's path with every character but ASCII letters and digits turned into `-`
/// (as Claude Code 2.1.332 names them; a name past 200 characters is matched by its
/// first 200 and a `-`). The path is looked for as given and with symlinks resolved
/// (Claude sees its real cwd).
pub fn claude_folders(home: &Path, dir: &Path) -> Vec<PathBuf> {
    let projects = home.join(".claude").join("projects");
    let Ok(entries) = std::fs::read_dir(&projects) else {
        return Vec::new();
    };
    let mut names: Vec<String> = vec![claude_name(dir)];
    if let Ok(real) = dir.canonicalize() {
        names.push(claude_name(&real));
    }
    entries
        .flatten()
        .filter(|entry| {
            let folder = entry.file_name();
            let folder = folder.to_string_lossy();
            names.iter().any(|name| {
                if name.len() <= CLAUDE_NAME_MAX {
                    *folder == **name
                } else {
                    folder.starts_with(&format!("{}-", &name[..CLAUDE_NAME_MAX]))
                }
            })
        })
        .map(|entry| entry.path())
        .collect()
}

/// JavaScript's `path.replace(/[^a-zA-Z0-9]/g, "-")`: one `-` per UTF-16 unit.
fn claude_name(dir: &Path) -> String {
    dir.to_string_lossy()
        .encode_utf16()
        .map(|u| match char::from_u32(u32::from(u)) {
            Some(c) if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect()
}

fn holds_jsonl(folder: &Path) -> bool {
    std::fs::read_dir(folder).is_ok_and(|files| {
        files
            .flatten()
            .any(|f| f.path().extension().is_some_and(|e| e == "jsonl"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claude_conversation_is_found_only_for_its_own_directory() {
        let home = tempfile::tempdir().unwrap();
        let dir = Path::new("/srv/aiops/workspaces/1/acme/demo/worktrees/7-fix.it");
        assert!(
            !claude_has_conversation(home.path(), dir),
            "no projects at all"
        );
        let projects = home.path().join(".claude/projects");
        let folder = projects.join("-srv-aiops-workspaces-1-acme-demo-worktrees-7-fix-it");
        std::fs::create_dir_all(&folder).unwrap();
        assert!(
            !claude_has_conversation(home.path(), dir),
            "a folder without a conversation"
        );
        std::fs::write(folder.join("0b9e5f1c.jsonl"), "{}\n").unwrap();
        assert!(claude_has_conversation(home.path(), dir));
        assert!(
            !claude_has_conversation(home.path(), Path::new("/srv/aiops/other")),
            "another directory's"
        );

        let long = Path::new("/w").join("x".repeat(250));
        let name = claude_name(&long);
        let folder = projects.join(format!("{}-1x2y3z", &name[..CLAUDE_NAME_MAX]));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("a.jsonl"), "{}\n").unwrap();
        assert!(claude_has_conversation(home.path(), &long), "a cut name");
        assert_eq!(claude_name(Path::new("/a/é/😀")), "-a-----", "UTF-16 units");
    }
}
