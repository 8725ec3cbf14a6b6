//! `aiops sessions diff ID [--stat]`: what a session changed, against its branch's base.

use aiops_types::{FileChangeKind, SessionChanges};

use crate::cli::exit::CliError;
use crate::cli::output::{self, OutputFormat};

/// Prints `c` as unified diffs (or one line per file with `stat`); `-o json` prints the
/// whole answer.
pub fn print(out: OutputFormat, c: &SessionChanges, stat: bool) -> Result<(), CliError> {
    output::value(out, c, || {
        let mut text = format!(
            "{} against {} ({}, {} commit{} since): {} file{} changed\n",
            c.branch,
            c.base_ref,
            &c.base[..c.base.len().min(7)],
            c.commits,
            if c.commits == 1 { "" } else { "s" },
            c.files.len(),
            if c.files.len() == 1 { "" } else { "s" },
        );
        for f in &c.files {
            if stat {
                let kind = match f.kind {
                    FileChangeKind::Added => "A",
                    FileChangeKind::Modified => "M",
                    FileChangeKind::Deleted => "D",
                    FileChangeKind::Renamed => "R",
                    FileChangeKind::Untracked => "?",
                };
                let counts = if f.binary {
                    "binary".to_owned()
                } else {
                    format!("+{} -{}", f.additions, f.deletions)
                };
                let path = match &f.old_path {
                    Some(old) => format!("{old} -> {}", f.path),
                    None => f.path.clone(),
                };
                text.push_str(&format!("{kind} {counts:>12}  {path}\n"));
                continue;
            }
            match (&f.diff, f.binary, f.too_large) {
                (Some(d), _, _) => text.push_str(d),
                (None, true, _) => text.push_str(&format!("Binary file {} changed\n", f.path)),
                (None, _, _) => text.push_str(&format!(
                    "{}: diff too large to show (+{} -{})\n",
                    f.path, f.additions, f.deletions
                )),
            }
        }
        if c.truncated {
            text.push_str("[… more files changed than are listed]\n");
        }
        text
    })
}
