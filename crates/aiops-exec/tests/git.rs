//! git wrapper against real repositories in temp dirs: clone from a local bare repository
//! (only when `file` is allowed), worktrees on new branches, hostile names refused before
//! git runs, and a timeout that stops a hanging child.

use std::path::Path;
use std::time::Duration;

use aiops_exec::git::{Git, GitError};
use aiops_exec::process::{ExecError, Spec};

/// A bare repository with one commit on `main`.
fn bare_repo(root: &Path) -> std::path::PathBuf {
    let work = root.join("seed");
    let bare = root.join("origin.git");
    let git = |dir: &Path, args: &[&str]| {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(work.join("README.md"), "hello\n").unwrap();
    git(&work, &["add", "README.md"]);
    git(&work, &["commit", "--quiet", "-m", "first"]);
    git(
        root,
        &[
            "clone",
            "--quiet",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    bare
}

#[test]
fn clones_a_local_bare_repo_only_when_file_is_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = bare_repo(tmp.path());
    let url = format!("file://{}", bare.display());
    let refused = Git::default().clone(&url, &tmp.path().join("a"));
    assert!(
        matches!(&refused, Err(GitError::Invalid(_))),
        "file:// needs allow_file, refused before git runs: {refused:?}"
    );
    let git = Git {
        allow_file: true,
        ..Git::default()
    };
    git.clone(&url, &tmp.path().join("b")).unwrap();
    assert_eq!(git.current_branch(&tmp.path().join("b")).unwrap(), "main");
    // And git itself refuses the transport (GIT_ALLOW_PROTOCOL) when a clone's remote is
    // a local path but the caller does not allow it.
    let fetched = Git::default().fetch(&tmp.path().join("b"));
    assert!(
        matches!(&fetched, Err(GitError::Exec(ExecError::Failed { stderr, .. })) if stderr.contains("not allowed")),
        "fetching from file:// needs allow_file: {fetched:?}"
    );
}

#[test]
fn worktrees_start_on_their_own_branch() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = bare_repo(tmp.path());
    let git = Git {
        allow_file: true,
        ..Git::default()
    };
    let clone = tmp.path().join("clone");
    git.clone(&format!("file://{}", bare.display()), &clone)
        .unwrap();
    let wt = tmp.path().join("wt-12");
    git.worktree_add(&clone, &wt, "aiops/12-crash-on-save", "main")
        .unwrap();
    assert_eq!(git.current_branch(&wt).unwrap(), "aiops/12-crash-on-save");
    assert!(wt.join("README.md").exists());
}

#[test]
fn hostile_names_never_reach_git_as_options() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = bare_repo(tmp.path());
    let git = Git {
        allow_file: true,
        ..Git::default()
    };
    let clone = tmp.path().join("clone");
    git.clone(&format!("file://{}", bare.display()), &clone)
        .unwrap();
    for bad in [
        "-x",
        "--upload-pack=touch /tmp/pwned",
        "a..b",
        "a b",
        "a\nb",
        "x.lock",
        "",
        "@",
    ] {
        assert!(
            matches!(git.check_branch(bad), Err(GitError::Invalid(_))),
            "{bad:?} must be refused"
        );
        assert!(
            git.worktree_add(&clone, &tmp.path().join("wt"), bad, "main")
                .is_err(),
            "{bad:?}"
        );
    }
    assert!(!tmp.path().join("wt").exists(), "nothing was created");
    assert!(matches!(
        git.clone("--upload-pack=touch /tmp/x", &tmp.path().join("c")),
        Err(GitError::Invalid(_))
    ));
    // A full ref name is not a branch name: `git branch refs/heads/x` would make
    // `refs/heads/refs/heads/x`, which later reads as the branch `x` or is ambiguous.
    for full in ["refs/heads/x", "refs/tags/v1", "refs/remotes/origin/main"] {
        match git.check_branch(full) {
            Err(GitError::Invalid(m)) => assert!(m.contains("refs/"), "{full}: {m}"),
            other => panic!("{full} must be refused, got {other:?}"),
        }
    }
    for good in [
        "aiops/12-crash",
        "feature/ünïcode",
        "fix-1.2",
        "refsx/y",
        "my-refs/x",
    ] {
        git.check_branch(good)
            .unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

#[test]
fn a_hanging_child_is_stopped_at_its_deadline() {
    let err = Spec::new("sleep", Duration::from_millis(200))
        .arg("30")
        .run()
        .unwrap_err();
    assert!(matches!(err, ExecError::Timeout { .. }), "{err:?}");
    let missing = Spec::new("aiops-no-such-program", Duration::from_secs(5))
        .run()
        .unwrap_err();
    assert_eq!(
        missing.to_string(),
        "`aiops-no-such-program` is not installed or not on PATH"
    );
}

#[test]
fn the_environment_is_cleared_and_stderr_redacted() {
    // SAFETY: this test binary sets the variable before spawning; no other thread reads it.
    unsafe { std::env::set_var("AIOPS_TEST_LEAK", "leaked") };
    let out = Spec::new("env", Duration::from_secs(5)).run().unwrap();
    assert!(!out.stdout.contains("AIOPS_TEST_LEAK"), "{}", out.stdout);
    let err = Spec::new("sh", Duration::from_secs(5))
        .args([
            "-c",
            "echo token ghp_abcdefghijklmnopqrstuvwxyz0123 >&2; exit 3",
        ])
        .run()
        .unwrap_err();
    match err {
        ExecError::Failed { code, stderr, .. } => {
            assert_eq!(code, Some(3));
            assert!(!stderr.contains("ghp_abcdef"), "{stderr}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn branches_made_from_hostile_titles_pass_gits_own_check() {
    use aiops_core::sessions::names::branch_name;
    let git = Git::default();
    for (id, title) in [
        ("#1", "; rm -rf / #"),
        ("#2", "$(reboot)"),
        ("PROJ-3", "line one\nline two"),
        ("#4", "--upload-pack=evil"),
        ("#5", "Ünïcödé 日本語 ✓"),
        ("-x", ".lock"),
        ("", ""),
    ] {
        let b = branch_name(id, title);
        git.check_branch(&b)
            .unwrap_or_else(|e| panic!("{id:?} {title:?} → {b:?}: {e}"));
    }
}

#[test]
fn the_context_file_is_excluded_from_commits() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = bare_repo(tmp.path());
    let git = Git {
        allow_file: true,
        ..Git::default()
    };
    let clone = tmp.path().join("clone");
    git.clone(&format!("file://{}", bare.display()), &clone)
        .unwrap();
    let wt = tmp.path().join("wt");
    git.worktree_add(&clone, &wt, "aiops/1-x", "main").unwrap();
    std::fs::write(wt.join("AGENTS.override.md"), "context").unwrap();
    assert_eq!(git.dirty_paths(&wt).unwrap(), ["AGENTS.override.md"]);
    git.exclude(&wt, "/AGENTS.override.md").unwrap();
    git.exclude(&wt, "/AGENTS.override.md").unwrap();
    assert!(git.dirty_paths(&wt).unwrap().is_empty(), "ignored now");
    let exclude = std::fs::read_to_string(clone.join(".git/info/exclude")).unwrap();
    assert_eq!(
        exclude.matches("/AGENTS.override.md").count(),
        1,
        "added once"
    );
    assert!(git.exclude(&wt, "a\nb").is_err());
}

#[test]
fn commit_staged_commits_the_index_as_it_is_and_refuses_an_empty_one() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = bare_repo(tmp.path());
    let git = Git {
        allow_file: true,
        ..Git::default()
    };
    let clone = tmp.path().join("clone");
    git.clone(&format!("file://{}", bare.display()), &clone)
        .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&clone)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let refused = git.commit_staged(&clone, "nothing yet");
    assert!(matches!(&refused, Err(GitError::Invalid(_))), "{refused:?}");

    // README.md staged with one line, a second line left in the working tree only; an
    // untracked file stays out.
    std::fs::write(clone.join("README.md"), "hello\nstaged\n").unwrap();
    run(&["add", "README.md"]);
    std::fs::write(clone.join("README.md"), "hello\nstaged\nnot staged\n").unwrap();
    std::fs::write(clone.join("new.txt"), "untracked\n").unwrap();
    git.commit_staged(&clone, "the staged line").unwrap();
    assert_eq!(run(&["show", "HEAD:README.md"]), "hello\nstaged\n");
    assert_eq!(
        run(&["show", "--name-only", "--format=%s", "HEAD"]),
        "the staged line\n\nREADME.md\n"
    );
    assert_eq!(
        run(&["status", "--porcelain"]),
        " M README.md\n?? new.txt\n",
        "the rest is left as it was"
    );
}
