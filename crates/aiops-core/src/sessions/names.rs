//! Names aiops derives from user text (issue titles, tracker ids): git branches, worktree
//! directories and tmux session names. They are built from a small alphabet, so a title
//! with `;`, `$(…)`, newlines, a leading `-` or any unicode can never become an option, a
//! shell word or a tmux target pattern; user text reaches a pane only through the PTY.

/// Longest slug taken from a title, in characters.
pub const MAX_SLUG_CHARS: usize = 40;
/// Longest external-id part of a branch name.
const MAX_ID_CHARS: usize = 32;

/// Lowercase ASCII letters and digits of `text`, runs of anything else turned into one
/// `-`, trimmed of `-`, cut to [`MAX_SLUG_CHARS`] at a `-` when possible; `issue` when
/// nothing is left (e.g. a title in another script).
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(MAX_SLUG_CHARS);
    let mut dash = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
            if out.len() >= MAX_SLUG_CHARS {
                break;
            }
        } else {
            dash = true;
        }
    }
    if out.len() > MAX_SLUG_CHARS {
        out.truncate(MAX_SLUG_CHARS);
    }
    if out.len() == MAX_SLUG_CHARS
        && let Some(cut) = out.rfind('-').filter(|&i| i >= MAX_SLUG_CHARS / 2)
    {
        out.truncate(cut);
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "issue".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The id part of a branch: `#12` → `12`, `PROJ-12` → `proj-12`.
fn id_part(external_id: &str) -> String {
    let s = slug(external_id);
    let s: String = s.chars().take(MAX_ID_CHARS).collect();
    s.trim_matches('-').to_owned()
}

/// `aiops/<external-id>-<slug>`: the branch of an issue's worktree (issue 4: "on branch
/// `aiops/<external-id>-<slug>`").
pub fn branch_name(external_id: &str, title: &str) -> String {
    format!("aiops/{}-{}", id_part(external_id), slug(title))
}

/// The directory of an issue's worktree inside the project's workspace.
pub fn worktree_dir(external_id: &str, title: &str) -> String {
    format!("{}-{}", id_part(external_id), slug(title))
}

/// tmux session name of an aiops session: `aiops-<id>-<slug of at most 20>`. Only
/// `[A-Za-z0-9_-]`, so it is safe as `=name` target on aiops's own socket.
pub fn tmux_session_name(session_id: i64, title: &str) -> String {
    let s: String = slug(title).chars().take(20).collect();
    format!(
        "aiops-{}-{}",
        session_id.unsigned_abs(),
        s.trim_matches('-')
    )
}

/// `^[A-Za-z0-9][A-Za-z0-9_-]*$`: what aiops accepts as a tmux session name (never a
/// leading `-`, which a program could read as an option).
pub fn is_tmux_safe(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(slug("Crash on save (v2)!"), "crash-on-save-v2");
        assert_eq!(slug("--rm -rf / ; $(reboot)"), "rm-rf-reboot");
        assert_eq!(slug("日本語のタイトル"), "issue");
        assert_eq!(
            branch_name("#12", "Crash on save"),
            "aiops/12-crash-on-save"
        );
        assert_eq!(
            branch_name("PROJ-7", "Fix\nlogin"),
            "aiops/proj-7-fix-login"
        );
        assert_eq!(tmux_session_name(42, "a;b"), "aiops-42-a-b");
        let long = slug(&"word ".repeat(30));
        assert!(
            long.len() <= MAX_SLUG_CHARS && !long.ends_with('-'),
            "{long}"
        );
    }

    /// What git accepts as a branch (git-check-ref-format(1)) and a shell or tmux cannot
    /// misread: a conservative superset of the rules, checked on the output alphabet.
    fn branch_is_safe(b: &str) -> bool {
        b.starts_with("aiops/")
            && b.len() <= 6 + MAX_ID_CHARS + 1 + MAX_SLUG_CHARS
            && b[6..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !b[6..].starts_with('-')
            && !b.ends_with('-')
            && !b.contains("--")
            && !b.ends_with(".lock")
    }

    proptest! {
        #[test]
        fn names_from_any_text_are_safe(id in "\\PC{0,40}|[#A-Z0-9-]{0,12}", title in "\\PC{0,200}|[-;$()`'\"\\n\\t ]{0,40}") {
            let b = branch_name(&id, &title);
            prop_assert!(branch_is_safe(&b), "{b:?}");
            let d = worktree_dir(&id, &title);
            prop_assert!(!d.starts_with('-') && !d.contains('/') && !d.contains(".."), "{d:?}");
            let t = tmux_session_name(7, &title);
            prop_assert!(is_tmux_safe(&t), "{t:?}");
            prop_assert!(t.len() <= 40, "{t:?}");
        }
    }
}
