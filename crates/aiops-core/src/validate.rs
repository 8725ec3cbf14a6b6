//! Input rules shared by every transport (API, CLI, desktop), so they are checked once.

use std::sync::LazyLock;

use regex::Regex;

use crate::{CoreError, CoreResult};

static SLUG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9-]{0,62}$").expect("valid regex"));
static COLOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^#[0-9a-fA-F]{6}$").expect("valid regex"));
static SCP_URL: LazyLock<Regex> = LazyLock::new(|| {
    // git's scp-like syntax: user@host:path (no scheme, no leading dash anywhere risky).
    Regex::new(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._/~-]+$").expect("valid regex")
});

/// Longest display name, characters.
pub const MAX_NAME_LEN: usize = 100;
/// Longest description, bytes.
pub const MAX_DESCRIPTION_LEN: usize = 10_000;

/// A display name: trimmed, 1..=100 characters, no control characters.
pub fn name(field: &'static str, value: &str) -> CoreResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(CoreError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if v.chars().count() > MAX_NAME_LEN {
        return Err(CoreError::invalid(
            field,
            format!("{field} must be at most {MAX_NAME_LEN} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(v.to_owned())
}

/// A description: trimmed, at most [`MAX_DESCRIPTION_LEN`] bytes; absent is empty.
pub fn description(value: Option<&str>) -> CoreResult<String> {
    let v = value.unwrap_or("").trim();
    if v.len() > MAX_DESCRIPTION_LEN {
        return Err(CoreError::invalid(
            "description",
            format!("description must be at most {MAX_DESCRIPTION_LEN} bytes"),
        ));
    }
    Ok(v.to_owned())
}

/// `^[a-z0-9][a-z0-9-]{0,62}$`, and not all digits (so it never reads as an id).
pub fn slug(value: &str) -> CoreResult<String> {
    if !SLUG.is_match(value) {
        return Err(CoreError::invalid(
            "slug",
            "slug must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit",
        ));
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CoreError::invalid("slug", "slug must not be all digits"));
    }
    Ok(value.to_owned())
}

/// Derives a slug from a name: `Acme Corp!` → `acme-corp`.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(63).collect();
    out = out.trim_end_matches('-').to_owned();
    if out.is_empty() || out.bytes().all(|b| b.is_ascii_digit()) {
        out.insert_str(0, "t-");
    }
    out
}

/// `#rrggbb`, normalised to lowercase.
pub fn color(value: &str) -> CoreResult<String> {
    if COLOR.is_match(value) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(CoreError::invalid("color", "color must look like #1e90ff"))
    }
}

/// A stable pleasant colour for a slug, so new tenants are told apart without a choice.
pub fn default_color(slug: &str) -> String {
    const PALETTE: [&str; 8] = [
        "#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#4b5563",
    ];
    let h = slug.bytes().fold(0u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    });
    PALETTE[(h as usize) % PALETTE.len()].to_owned()
}

/// A lowercase email with one `@` and something on both sides; 3..=254 bytes.
pub fn email(value: &str) -> CoreResult<String> {
    let v = value.trim().to_lowercase();
    let ok = v.len() <= 254
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
        && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(v)
    } else {
        Err(CoreError::invalid(
            "email",
            "email must look like name@example.com",
        ))
    }
}

/// Where a repository lives: `https://…`, `ssh://…`, `git@host:path`, or an absolute local
/// path (admins only: it reads the server's disk). Rejects anything git could take as an
/// option or as a transport helper (`ext::`, `fd::`).
pub fn repo_url(value: &str, caller_is_admin: bool) -> CoreResult<String> {
    let v = value.trim();
    let bad = |msg: &str| Err(CoreError::invalid("repo_url", msg.to_owned()));
    if v.is_empty() {
        return bad("repo_url must not be empty");
    }
    if v.len() > 2048 || v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return bad("repo_url must be one URL without spaces");
    }
    if v.starts_with('-') {
        return bad("repo_url must not start with '-'");
    }
    if let Some(rest) = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("ssh://"))
    {
        if rest.is_empty() || rest.starts_with('/') {
            return bad("repo_url has no host");
        }
        return Ok(v.to_owned());
    }
    if SCP_URL.is_match(v) {
        return Ok(v.to_owned());
    }
    if local_repo(v) {
        if !caller_is_admin {
            return Err(CoreError::Forbidden(
                "only admins may use a repository path on the server's disk".into(),
            ));
        }
        return Ok(v.to_owned());
    }
    bad("repo_url must be https://…, ssh://…, user@host:path, or an absolute path")
}

/// Whether a repository URL is a path on the server's disk (absolute, or `file://…`):
/// only admins may set one, and git then needs the `file` transport.
pub fn local_repo(url: &str) -> bool {
    url.starts_with('/') || url.starts_with("file://")
}

/// Text bound for a child's argv, a tmux pane or a file path: all of them end at a NUL
/// byte (C strings), so one is refused here with a clear message instead of failing in
/// the child (a 500). Other control characters are literal input a terminal takes.
pub fn no_nul(field: &'static str, value: &str) -> CoreResult<()> {
    if value.contains('\0') {
        return Err(CoreError::invalid(
            field,
            format!("{field} must not contain NUL bytes"),
        ));
    }
    Ok(())
}

/// `Invalid` when `name` is a full ref name (`refs/heads/main`) given as a branch name:
/// git would take it as a branch literally called `refs/heads/main`.
pub fn not_full_ref(field: &'static str, name: &str) -> CoreResult<()> {
    if name.starts_with("refs/") {
        let short = name.strip_prefix("refs/heads/").unwrap_or(name);
        return Err(CoreError::invalid(
            field,
            format!(
                "`{name}` is a full ref name; give the branch name alone (e.g. `{short}`), without refs/"
            ),
        ));
    }
    Ok(())
}

/// A branch name per `git check-ref-format --branch`'s main rules, never starting with `-`
/// nor with `refs/` (a full ref name).
pub fn branch(value: &str) -> CoreResult<String> {
    let v = value.trim();
    not_full_ref("default_branch", v)?;
    let bad = || {
        Err(CoreError::invalid(
            "default_branch",
            format!("`{v}` is not a valid branch name"),
        ))
    };
    if v.is_empty()
        || v.len() > 255
        || v.starts_with('-')
        || v.starts_with('/')
        || v.ends_with('/')
        || v.ends_with('.')
        || v.ends_with(".lock")
        || v.contains("..")
        || v.contains("//")
        || v.contains("@{")
        || v == "@"
        || v.split('/').any(|c| c.starts_with('.'))
        || v.chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c) || c == '\u{7f}')
    {
        return bad();
    }
    Ok(v.to_owned())
}

/// Most setup files per project.
const MAX_SETUP_FILES: usize = 50;

/// Relative paths inside a repository (`.env`, `config/local.toml`): no absolute paths,
/// no `..`, no `.git` component (git's own files are never setup files), no empty or
/// control characters, at most 50 (`MAX_SETUP_FILES`). Symlinks are judged when the files
/// are copied (`aiops-exec`'s `beneath`), since only the clone knows them.
pub fn setup_files(files: &[String]) -> CoreResult<Vec<String>> {
    if files.len() > MAX_SETUP_FILES {
        return Err(CoreError::invalid(
            "setup_files",
            format!("at most {MAX_SETUP_FILES} setup files"),
        ));
    }
    files
        .iter()
        .map(|f| {
            let f = f.trim();
            let ok = !f.is_empty()
                && f.len() <= 1024
                && !f.starts_with('/')
                && !f.starts_with('-')
                && !f.chars().any(char::is_control)
                && f.split('/')
                    .all(|c| !c.is_empty() && c != "." && c != ".." && c != ".git");
            if ok {
                Ok(f.to_owned())
            } else {
                Err(CoreError::invalid(
                    "setup_files",
                    format!(
                        "`{f}` must be a relative path inside the repository (no `..` or `.git`)"
                    ),
                ))
            }
        })
        .collect()
}

/// Most arguments of a command ([`argv`]), the program included.
pub const MAX_ARGS: usize = 64;

/// A command as argv (never a shell string): at most [`MAX_ARGS`] arguments of at most
/// 4,096 bytes without NUL; an empty list means "none". The program must not be empty.
pub fn argv(field: &'static str, argv: &[String]) -> CoreResult<Vec<String>> {
    if argv.len() > MAX_ARGS {
        return Err(CoreError::invalid(
            field,
            format!("{field} has more than {MAX_ARGS} arguments"),
        ));
    }
    if argv.first().is_some_and(|p| p.trim().is_empty()) {
        return Err(CoreError::invalid(
            field,
            format!("{field} names no program"),
        ));
    }
    if argv.iter().any(|a| a.len() > 4096 || a.contains('\0')) {
        return Err(CoreError::invalid(
            field,
            format!("{field} arguments must be under 4,096 characters without NUL"),
        ));
    }
    Ok(argv.to_vec())
}

/// A project's setup command: [`argv`], and a relative program (`./scripts/setup`),
/// which runs from inside the new worktree, may not climb out of it with `..`.
pub fn setup_command(value: &[String]) -> CoreResult<Vec<String>> {
    let field = "setup_command";
    let argv = argv(field, value)?;
    if argv
        .first()
        .is_some_and(|p| !p.starts_with('/') && p.split('/').any(|c| c == ".."))
    {
        return Err(CoreError::invalid(
            field,
            "setup_command's program must not climb out of the worktree with `..`",
        ));
    }
    Ok(argv)
}

/// The origin of an absolute http(s) URL (RFC 6454, section 4): `scheme://host[:port]`,
/// lowercased, the scheme's default port dropped; None for anything else (no scheme,
/// user info, another scheme, the `null` origin of a sandboxed page). Used wherever
/// aiops compares origins: a WebSocket's `Origin`, a tracker redirect's target.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Corp!"), "acme-corp");
        assert_eq!(slugify("  --x--  "), "x");
        assert_eq!(slugify("123"), "t-123");
        assert_eq!(slugify("日本"), "t-");
        assert!(slug("acme").is_ok());
        assert!(slug("-acme").is_err());
        assert!(slug("Acme").is_err());
        assert!(slug("42").is_err());
    }

    #[test]
    fn repo_urls() {
        assert!(repo_url("https://github.com/o/r.git", false).is_ok());
        assert!(repo_url("git@github.com:o/r.git", false).is_ok());
        assert!(repo_url("ssh://git@host/o/r", false).is_ok());
        assert!(repo_url("/srv/git/r.git", true).is_ok());
        assert!(matches!(
            repo_url("/srv/git/r.git", false),
            Err(CoreError::Forbidden(_))
        ));
        assert!(repo_url("--upload-pack=touch /tmp/x", true).is_err());
        assert!(repo_url("ext::sh -c touch% /tmp/pwned", true).is_err());
        assert!(repo_url("", true).is_err());
    }

    #[test]
    fn branches() {
        assert!(branch("main").is_ok());
        assert!(branch("feature/x-1").is_ok());
        for bad in [
            "-x", "a..b", "a b", "x.lock", "a~1", "", ".hidden", "a/.b", "@",
        ] {
            assert!(branch(bad).is_err(), "{bad} should be refused");
        }
        let err = branch("refs/heads/main").unwrap_err().to_string();
        assert!(err.contains("refs/"), "a clear message: {err}");
    }

    #[test]
    fn names_and_emails() {
        assert_eq!(name("name", "  acme ").unwrap(), "acme");
        assert!(name("name", "   ").is_err());
        assert!(name("name", &"x".repeat(101)).is_err());
        assert_eq!(email(" A@B.io ").unwrap(), "a@b.io");
        assert!(email("nope").is_err());
        assert!(color("#A0b0C0").is_ok());
        assert!(color("red").is_err());
    }

    #[test]
    fn setup_files_stay_inside_the_repository() {
        assert!(setup_files(&[".env".into(), "config/local.toml".into()]).is_ok());
        for bad in [
            "/etc/passwd",
            "../x",
            "a/../../b",
            "",
            "-rf",
            "a//b",
            "./a",
            ".git/config",
            "sub/.git/hooks/pre-commit",
        ] {
            assert!(setup_files(&[bad.into()]).is_err(), "{bad:?} is refused");
        }
        assert!(argv("setup_command", &["npm".into(), "ci".into()]).is_ok());
        assert!(argv("setup_command", &[" ".into()]).is_err(), "no program");
        assert!(argv("setup_command", &["a\0b".into()]).is_err(), "NUL");
        assert!(setup_command(&["./scripts/setup".into()]).is_ok());
        assert!(
            setup_command(&["../../bin/x".into()]).is_err(),
            "a relative program stays inside the worktree"
        );
    }
}
