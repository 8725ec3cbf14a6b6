//! Injection properties of the git wrapper, against real repositories: every wrapper
//! that takes a branch, revision, ref, path, URL, commit message or exclude pattern gets
//! hostile inputs (a fixed list, then generated mixes of it with arbitrary characters).
//! Each call must either fail (refused before git, or by git) or succeed treating the
//! input literally — a branch of exactly that name, the commit that revision names, a
//! file of exactly that path — and no input may ever run a command or write outside
//! the sandbox (see `fixture`).

#[path = "injection/fixture.rs"]
mod fixture;

use aiops_exec::git::{GitError, check_url};
use fixture::{Fx, MARKER, creatable, raw};
use proptest::prelude::*;

fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn check_branch_accepts_only_what_git_calls_a_branch() {
    let fx = Fx::new();
    let oks = fx.check(&["feat/ok", "aiops/12-x"], |s| {
        let r = fx.git.check_branch(s);
        match &r {
            Ok(()) => {
                prop_assert!(!s.starts_with('-'), "a leading - passed");
                let full = format!("refs/heads/{s}");
                prop_assert!(raw(&fx.sb, &["check-ref-format", &full]).is_some());
            }
            Err(e) => prop_assert!(matches!(e, GitError::Invalid(_)), "{e:?}"),
        }
        Ok(r.is_ok())
    });
    assert!(oks > 0, "plain names must pass");
}

/// What `check_url` promises, restated independently: https, ssh or scp-like (or a
/// local path with `allow_file`), no whitespace or control characters, no
/// `<helper>::` transport, and neither user nor host starting with `-` (git would hand
/// either to ssh as an option; a bracketed host loses its brackets first).
fn url_is_safe(url: &str, allow_file: bool) -> bool {
    let helper = url.split_once("::").is_some_and(|(scheme, _)| {
        scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if url.is_empty()
        || url.starts_with('-')
        || helper
        || url.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return false;
    }
    let authority_ok = |a: &str| !a.is_empty() && !a.split(['@', '[']).any(|p| p.starts_with('-'));
    if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("ssh://"))
    {
        return authority_ok(rest.split('/').next().unwrap_or(""));
    }
    if let Some(rest) = url.strip_prefix("file://") {
        return allow_file && rest.starts_with('/');
    }
    if url.starts_with('/') {
        return allow_file;
    }
    match url.split_once(':') {
        Some((a, path)) if !url.contains("://") && !a.contains('/') && !path.is_empty() => {
            authority_ok(a)
        }
        _ => false,
    }
}

#[test]
fn clone_takes_only_safe_urls_and_only_literally() {
    let fx = Fx::new();
    let origin = fx.origin.to_str().unwrap().to_owned();
    let file_url = format!("file://{origin}");
    let oks = fx.check(&[&origin, &file_url], |url| {
        let mut ok = false;
        for allow_file in [false, true] {
            let git = aiops_exec::git::Git {
                allow_file,
                // `Git::clone` is the git verb; this is `Clone`.
                ..Clone::clone(&fx.git)
            };
            let checked = check_url(url, allow_file);
            if checked.is_ok() {
                prop_assert!(
                    url_is_safe(url, allow_file),
                    "check_url let {url:?} through"
                );
            }
            let dest = fx.sb.join(format!("clone-{}", fx.next()));
            match git.clone(url, &dest) {
                Ok(_) => {
                    prop_assert!(checked.is_ok());
                    let remote = raw(&dest, &["config", "remote.origin.url"]);
                    prop_assert_eq!(remote.as_deref().map(str::trim_end), Some(url));
                    ok = true;
                }
                Err(e) if checked.is_err() => {
                    prop_assert!(matches!(e, GitError::Invalid(_)), "{e:?}");
                }
                Err(_) => {}
            }
            let _ = std::fs::remove_dir_all(&dest);
        }
        Ok(ok)
    });
    assert!(oks > 0, "the local origin must clone");
}

#[test]
fn worktrees_take_branch_base_and_path_literally() {
    let fx = Fx::new();
    let oks = fx.check(&["feat/ok", "main"], |s| {
        let n = fx.next();
        let component = s.replace('/', "_");
        let variants = [
            (s.to_owned(), "main", fx.wts.join(format!("wt-{n}"))),
            (format!("base-{n}"), s, fx.wts.join(format!("wt-base-{n}"))),
            (format!("path-{n}"), "main", fx.wts.join(&component)),
        ];
        let mut ok = false;
        for (branch, base, path) in variants {
            match fx.git.worktree_add(&fx.repo, &path, &branch, base) {
                Ok(_) => {
                    prop_assert!(!branch.starts_with('-') && !base.starts_with('-'));
                    prop_assert_eq!(fx.checked_out(&path), Some(format!("refs/heads/{branch}")));
                    prop_assert_eq!(fx.rev(&path, "HEAD"), fx.rev(&fx.repo, base));
                    fx.git
                        .worktree_remove(&fx.repo, &path, true)
                        .map_err(|e| TestCaseError::fail(format!("remove {path:?}: {e}")))?;
                    prop_assert!(!path.exists(), "the worktree is gone");
                    ok = true;
                }
                Err(e) if branch.starts_with('-') || base.starts_with('-') => {
                    prop_assert!(matches!(e, GitError::Invalid(_)), "{e:?}");
                }
                Err(_) => {}
            }
        }
        // A path that is no worktree is refused, whatever it looks like.
        let stray = fx.wts.join(&component);
        prop_assert!(fx.git.worktree_remove(&fx.repo, &stray, true).is_err());
        fx.reset();
        Ok(ok)
    });
    assert!(oks > 0);
}

#[test]
fn existing_branch_worktrees_check_out_exactly_that_branch() {
    let fx = Fx::new();
    let oks = fx.check(&["feat/ok"], |s| {
        let mut ok = false;
        // Once without the branch (nothing else may be checked out in its place), then
        // with it.
        for create in [false, true] {
            if create {
                let _ = fx.git.create_branch(&fx.repo, s, None);
            }
            let path = fx.wts.join(format!("wt-{}", fx.next()));
            if fx.git.worktree_add_existing(&fx.repo, &path, s).is_ok() {
                prop_assert_eq!(fx.checked_out(&path), Some(format!("refs/heads/{s}")));
                ok = true;
            }
            fx.reset();
        }
        Ok(ok)
    });
    assert!(oks > 0);
}

#[test]
fn exclude_writes_one_literal_line() {
    let fx = Fx::new();
    let exclude = fx.repo.join(".git/info/exclude");
    let oks = fx.check(&["/AGENTS.override.md"], |s| {
        std::fs::write(&exclude, "").unwrap();
        let r = fx.git.exclude(&fx.repo, s);
        match &r {
            Ok(()) => {
                prop_assert!(!s.contains(['\n', '\r']));
                fx.git.exclude(&fx.repo, s).unwrap();
                let text = std::fs::read_to_string(&exclude).unwrap();
                prop_assert_eq!(text, format!("{s}\n"), "once, as given");
            }
            Err(e) => prop_assert!(matches!(e, GitError::Invalid(_)), "{e:?}"),
        }
        Ok(r.is_ok())
    });
    assert!(oks > 0);
}

#[test]
fn ref_exists_answers_for_that_exact_ref() {
    let fx = Fx::new();
    let oks = fx.check(&["main"], |s| {
        let mut ok = false;
        for refname in [
            s.to_owned(),
            format!("refs/{s}"),
            format!("refs/heads/{s}"),
            format!("refs/heads/main{s}"),
        ] {
            match fx.git.ref_exists(&fx.repo, &refname) {
                Ok(exists) => {
                    prop_assert!(refname.starts_with("refs/"));
                    let literal = fx.show_ref(&fx.repo, &refname).is_some();
                    prop_assert_eq!(
                        exists,
                        literal,
                        "{:?} read as more than a ref name",
                        refname
                    );
                    ok |= exists;
                }
                Err(e) => prop_assert!(matches!(e, GitError::Invalid(_)), "{e:?}"),
            }
        }
        Ok(ok)
    });
    assert!(oks > 0, "refs/heads/main exists");
}

#[test]
fn resolve_log_and_diff_use_the_revision_git_names() {
    let fx = Fx::new();
    std::fs::write(fx.repo.join("README.md"), "changed\n").unwrap();
    let oks = fx.check(&["main", "origin/main"], |s| {
        let expected = fx.rev(&fx.repo, s).filter(|_| !s.starts_with('-'));
        let resolved = fx.git.resolve_commit(&fx.repo, s);
        match &resolved {
            Ok(sha) => {
                prop_assert!(is_sha(sha), "{sha:?}");
                prop_assert_eq!(Some(sha), expected.as_ref());
            }
            Err(e) => prop_assert!(matches!(e, GitError::Invalid(_)), "{e:?}"),
        }
        let log = fx.git.log(&fx.repo, Some(s), 3);
        prop_assert_eq!(
            log.ok().map(|l| l[0].sha.clone()),
            resolved.as_ref().ok().cloned()
        );
        for staged in [false, true] {
            let diff = fx.git.diff(&fx.repo, Some(s), staged);
            prop_assert_eq!(diff.is_ok(), resolved.is_ok(), "diff {:?}", diff);
        }
        Ok(resolved.is_ok())
    });
    assert!(oks > 0);
}

#[test]
fn push_sends_that_branch_only() {
    let fx = Fx::new();
    let oks = fx.check(&["feat/ok"], |s| {
        let full = format!("refs/heads/{s}");
        // Generated inputs may name a branch the fixture already has (`main`).
        let existed = fx.show_ref(&fx.repo, &full).is_some();
        let created = fx.git.create_branch(&fx.repo, s, None).is_ok();
        let r = fx.git.push(&fx.repo, s);
        if r.is_ok() {
            prop_assert!(
                created || existed,
                "pushed {:?}, which is no branch here",
                s
            );
            prop_assert!(fx.show_ref(&fx.origin, &full).is_some());
            prop_assert_eq!(fx.show_ref(&fx.origin, &full), fx.show_ref(&fx.repo, &full));
        }
        fx.reset();
        Ok(r.is_ok())
    });
    assert!(oks > 0);
}

#[test]
fn commit_messages_are_stored_as_given() {
    let fx = Fx::new();
    let oks = fx.check(&["fix: a plain message"], |s| {
        std::fs::write(fx.repo.join("msg.txt"), format!("{}\n", fx.next())).unwrap();
        let r = fx.git.commit(&fx.repo, s, &[]);
        if !s.trim().is_empty() && !s.contains('\0') {
            prop_assert!(r.is_ok(), "{r:?}");
        }
        if r.is_ok() {
            let object = raw(&fx.repo, &["cat-file", "commit", "HEAD"]).unwrap();
            let body = object.split_once("\n\n").map_or("", |(_, b)| b);
            // git's `whitespace` clean-up trims line ends and blank lines, nothing else.
            for line in s.split('\n') {
                let line = line.trim_end_matches([' ', '\t', '\r']);
                prop_assert!(
                    line.is_empty() || body.lines().any(|l| l == line),
                    "{line:?} is not in {body:?}"
                );
            }
        }
        Ok(r.is_ok())
    });
    assert!(oks > 0);
}

#[test]
fn commit_paths_name_exactly_those_files() {
    let fx = Fx::new();
    let oks = fx.check(&["notes.txt", "dir/file.txt"], |s| {
        let file = fx.repo.join(s);
        if creatable(s) {
            let _ = std::fs::create_dir_all(file.parent().unwrap());
            let _ = std::fs::write(&file, format!("{MARKER}{}\n", fx.next()));
        }
        let r = fx.git.commit(&fx.repo, "literal path", &[s.to_owned()]);
        if r.is_ok() {
            let prefix: Vec<&str> = s
                .split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .collect();
            let prefix = prefix.join("/");
            let args = [
                "diff-tree",
                "--no-commit-id",
                "--name-only",
                "-r",
                "-z",
                "--end-of-options",
                "HEAD",
                // A file named `HEAD` (an earlier case) would make `HEAD` ambiguous.
                "--",
            ];
            let changed = raw(&fx.repo, &args).unwrap();
            let changed: Vec<&str> = changed.split('\0').filter(|p| !p.is_empty()).collect();
            prop_assert!(!changed.is_empty());
            for p in changed {
                prop_assert!(
                    prefix.is_empty() || p == prefix || p.starts_with(&format!("{prefix}/")),
                    "{p:?} committed for {s:?}"
                );
            }
        }
        Ok(r.is_ok())
    });
    assert!(oks > 0);
}

#[test]
fn create_branch_makes_that_branch_at_that_commit() {
    let fx = Fx::new();
    let head = fx.rev(&fx.repo, "HEAD");
    let oks = fx.check(&["feat/ok", "main"], |s| {
        let n = fx.next();
        let mut ok = false;
        for (name, from) in [(s.to_owned(), None), (format!("from-{n}"), Some(s))] {
            match fx.git.create_branch(&fx.repo, &name, from) {
                Ok(_) => {
                    let want = from.map_or(head.clone(), |f| fx.rev(&fx.repo, f));
                    let full = format!("refs/heads/{name}");
                    prop_assert_eq!(fx.show_ref(&fx.repo, &full), want);
                    ok = true;
                }
                Err(e) if name.starts_with('-') || from.is_some_and(|f| f.starts_with('-')) => {
                    prop_assert!(matches!(e, GitError::Invalid(_)), "{e:?}");
                }
                Err(_) => {}
            }
        }
        fx.reset();
        Ok(ok)
    });
    assert!(oks > 0);
}

#[test]
fn checkout_switches_to_that_branch_only() {
    let fx = Fx::new();
    let main = fx.rev(&fx.repo, "main").unwrap();
    let oks = fx.check(&["feat/ok", "main"], |s| {
        let full = format!("refs/heads/{s}");
        let mut ok = false;
        // As given; then as a branch only on origin; then as a local branch.
        for setup in 0..3 {
            if setup == 1 && fx.git.check_branch(s).is_ok() {
                raw(&fx.origin, &["update-ref", &full, &main]).unwrap();
                raw(&fx.repo, &["fetch", "--quiet", "origin"]).unwrap();
            }
            if setup == 2 {
                let _ = fx.git.create_branch(&fx.repo, s, None);
            }
            match fx.git.checkout(&fx.repo, s) {
                Ok(_) => {
                    prop_assert_eq!(fx.checked_out(&fx.repo), Some(full.clone()));
                    ok = true;
                }
                Err(e) if s.starts_with('-') => {
                    prop_assert!(matches!(e, GitError::Invalid(_)), "{e:?}");
                }
                Err(_) => {}
            }
            fx.reset();
        }
        Ok(ok)
    });
    assert!(oks > 0);
}
