//! Setup files and the setup command of a new worktree, against a real base clone and
//! worktree: a symlink in either tree (to a file or a directory, committed by anyone
//! with push access) is refused, never followed, and a source equal to its destination
//! is refused before it is truncated. Refusals are warnings, not errors.

use std::os::fd::AsFd;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use aiops_core::ports::{WorkspacePlan, WorktreePlan};
use aiops_exec::beneath::{self, BeneathError};
use aiops_exec::workspace::{copy_setup_files, prepare};
use rustix::fs::{Mode, OFlags};

struct Fixture {
    tmp: tempfile::TempDir,
    base: PathBuf,
    wt: PathBuf,
    /// Outside both trees: where planted symlinks point.
    outside: PathBuf,
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
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
}

/// A bare repository whose one commit holds `README.md`, a `.gitignore` for the setup
/// files, and `tools`: a committed symlink to a directory outside (whose `setup.sh`
/// would create `outside/ran` if it were ever run).
fn bare_repo(root: &Path, outside: &Path) -> PathBuf {
    let work = root.join("seed");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "--quiet", "--initial-branch=main"]);
    std::fs::write(work.join("README.md"), "hello\n").unwrap();
    std::fs::write(work.join(".gitignore"), ".env\nconf/\n").unwrap();
    symlink(outside.join("tools"), work.join("tools")).unwrap();
    git(&work, &["add", "README.md", ".gitignore", "tools"]);
    git(&work, &["commit", "--quiet", "-m", "first"]);
    let bare = root.join("origin.git");
    let (w, b) = (work.to_str().unwrap(), bare.to_str().unwrap());
    git(root, &["clone", "--quiet", "--bare", w, b]);
    bare
}

fn plan(f: &Fixture, bare: &Path, worktree: bool) -> WorkspacePlan {
    WorkspacePlan {
        repo_url: format!("file://{}", bare.display()),
        allow_file: true,
        default_branch: "main".into(),
        base: f.base.clone(),
        worktree: worktree.then(|| WorktreePlan {
            path: f.wt.clone(),
            branch: "aiops/1-setup".into(),
        }),
        setup_files: Vec::new(),
        setup_command: Vec::new(),
        git_env: Vec::new(),
        ssh: None,
    }
}

/// A base clone (prepared first, so files can be planted in it) and, with `files` and
/// `command` as the project's setup, its new worktree.
fn fixture(
    plant: impl FnOnce(&Fixture),
    files: &[&str],
    command: &[&str],
) -> (Fixture, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(outside.join("tools")).unwrap();
    let script = outside.join("tools/setup.sh");
    std::fs::write(&script, "#!/bin/sh\ntouch \"$0.ran\"\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bare = bare_repo(tmp.path(), &outside);
    let f = Fixture {
        base: tmp.path().join("ws/repo"),
        wt: tmp.path().join("ws/worktrees/1-setup"),
        outside,
        tmp,
    };
    prepare(&plan(&f, &bare, false)).expect("base clone");
    plant(&f);
    let mut p = plan(&f, &bare, true);
    p.setup_files = files.iter().map(|s| (*s).to_owned()).collect();
    p.setup_command = command.iter().map(|s| (*s).to_owned()).collect();
    let prepared = prepare(&p).expect("worktree");
    assert_eq!(prepared.dir, f.wt);
    (f, prepared.warnings)
}

fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

#[test]
fn regular_setup_files_are_copied_with_their_mode() {
    let (f, warnings) = fixture(
        |f| {
            std::fs::write(f.base.join(".env"), "A=1\n").unwrap();
            std::fs::create_dir_all(f.base.join("conf/deep")).unwrap();
            std::fs::write(f.base.join("conf/deep/local.toml"), "x = 1\n").unwrap();
            let perm = std::fs::Permissions::from_mode(0o600);
            std::fs::set_permissions(f.base.join(".env"), perm).unwrap();
        },
        &[".env", "conf/deep/local.toml", "missing.txt"],
        &[],
    );
    assert_eq!(std::fs::read_to_string(f.wt.join(".env")).unwrap(), "A=1\n");
    let mode = std::fs::metadata(f.wt.join(".env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the copy keeps the source's mode");
    assert_eq!(
        std::fs::read_to_string(f.wt.join("conf/deep/local.toml")).unwrap(),
        "x = 1\n"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("missing.txt does not exist"),
        "{warnings:?}"
    );
}

#[test]
fn a_setup_file_that_is_a_symlink_out_of_the_clone_is_not_copied() {
    let (f, warnings) = fixture(
        |f| {
            symlink("/etc/passwd", f.base.join(".env")).unwrap();
            std::fs::write(f.outside.join("secret"), "s3cret\n").unwrap();
            std::fs::create_dir_all(f.base.join("conf")).unwrap();
            symlink(f.outside.join("secret"), f.base.join("conf/key")).unwrap();
        },
        &[".env", "conf/key"],
        &[],
    );
    assert!(!exists(&f.wt.join(".env")), "/etc/passwd was not copied");
    assert!(
        !exists(&f.wt.join("conf/key")),
        "the outside file was not copied"
    );
    assert_eq!(
        warnings.len(),
        2,
        "one warning per refused file: {warnings:?}"
    );
    assert!(
        warnings.iter().all(|w| w.contains("symlink")),
        "{warnings:?}"
    );
}

#[test]
fn a_setup_file_under_a_symlinked_directory_is_refused() {
    let (f, warnings) = fixture(
        |f| {
            std::fs::create_dir_all(f.outside.join("conf")).unwrap();
            std::fs::write(f.outside.join("conf/local.toml"), "outside\n").unwrap();
            symlink(f.outside.join("conf"), f.base.join("conf")).unwrap();
        },
        &["conf/local.toml"],
        &[],
    );
    assert!(
        !exists(&f.wt.join("conf/local.toml")),
        "a file reached through a symlinked directory must not be copied"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("symlink"), "{warnings:?}");
}

#[test]
fn a_destination_symlink_in_the_worktree_is_not_written_through() {
    let (f, warnings) = fixture(|_| {}, &[], &[]);
    assert!(warnings.is_empty(), "{warnings:?}");
    std::fs::write(f.base.join(".env"), "from the clone\n").unwrap();
    std::fs::create_dir_all(f.base.join("conf")).unwrap();
    std::fs::write(f.base.join("conf/local.toml"), "from the clone\n").unwrap();
    // The worktree's content is whatever was committed: a file symlink and a directory
    // symlink, both pointing outside.
    let victim = f.outside.join("victim");
    std::fs::write(&victim, "original\n").unwrap();
    symlink(&victim, f.wt.join(".env")).unwrap();
    symlink(&f.outside, f.wt.join("conf")).unwrap();

    let warnings = copy_setup_files(&f.base, &f.wt, &[".env".into(), "conf/local.toml".into()]);

    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "original\n");
    assert!(
        !exists(&f.outside.join("local.toml")),
        "nothing written into the symlinked dir"
    );
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings.iter().all(|w| w.contains("symlink")),
        "{warnings:?}"
    );
}

#[test]
fn a_source_equal_to_its_destination_is_refused_and_keeps_its_content() {
    let (f, _) = fixture(
        |f| std::fs::write(f.base.join(".env"), "KEEP=1\n").unwrap(),
        &[],
        &[],
    );
    let warnings = copy_setup_files(&f.base, &f.base, &[".env".into()]);
    assert_eq!(
        std::fs::read_to_string(f.base.join(".env")).unwrap(),
        "KEEP=1\n",
        "copying a file onto itself must not truncate it"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("same file"), "{warnings:?}");
}

#[test]
fn a_setup_command_reached_through_a_committed_symlink_is_not_run() {
    let (f, warnings) = fixture(|_| {}, &[], &["./tools/setup.sh"]);
    assert!(
        !exists(&f.outside.join("tools/setup.sh.ran")),
        "the script outside the worktree must not run"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("setup command not run"),
        "{warnings:?}"
    );
    drop(f.tmp);
}

/// The fallback walk (used where openat2 is missing) refuses the same paths on its own.
#[test]
fn the_component_walk_refuses_symlinks_without_openat2() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("real")).unwrap();
    std::fs::write(root.join("real/f"), "x").unwrap();
    symlink(root.join("real"), root.join("link")).unwrap();
    symlink(root.join("real/f"), root.join("real/flink")).unwrap();
    let fd = beneath::open_root(root).unwrap();
    let open = |rel: &str| beneath::walk(fd.as_fd(), rel, OFlags::RDONLY, Mode::empty(), false);
    assert!(open("real/f").is_ok());
    assert!(matches!(open("link/f"), Err(BeneathError::Symlink(_))));
    assert!(matches!(open("real/flink"), Err(BeneathError::Symlink(_))));
    assert!(matches!(
        open("../etc/passwd"),
        Err(BeneathError::NotRelative(_))
    ));
    assert!(matches!(
        open("/etc/passwd"),
        Err(BeneathError::NotRelative(_))
    ));
    assert!(matches!(open("real/none"), Err(BeneathError::Missing(_))));
}
