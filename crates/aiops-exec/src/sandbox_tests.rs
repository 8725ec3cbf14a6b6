use std::path::{Path, PathBuf};

use aiops_core::sessions::sandbox::SandboxPlan;

use super::*;

fn plan(root: &Path, in_place: bool) -> SandboxPlan {
    let ws = root.join("workspaces/5/acme/web");
    SandboxPlan {
        work_dir: if in_place {
            ws.join("repo")
        } else {
            ws.join("worktrees/12-fix")
        },
        repo: ws.join("repo"),
        home: root.join("data/homes/5"),
        read_only: vec![PathBuf::from("/opt/aiops/bin/aiops")],
    }
}

/// The index of `--flag a b` in `args`, if present.
fn bound(args: &[String], flag: &str, p: &Path) -> Option<usize> {
    let p = p.display().to_string();
    args.windows(3)
        .position(|w| w[0] == flag && w[1] == p && w[2] == p)
}

#[test]
fn a_worktree_session_sees_its_worktree_and_home_and_git_controls_read_only() {
    let root = Path::new("/srv/aiops");
    let p = plan(root, false);
    let args = bwrap_args(&p, &[]);
    assert_eq!(args[0], "bwrap");
    for f in ["--unshare-pid", "--unshare-user", "--die-with-parent"] {
        assert!(args.iter().any(|a| a == f), "{f} missing: {args:?}");
    }
    let work = bound(&args, "--bind", &p.work_dir).expect("worktree read-write");
    let git = bound(&args, "--bind-try", &p.repo.join(".git")).expect("objects and refs");
    bound(&args, "--bind", &p.home).expect("home read-write");
    let config = bound(&args, "--ro-bind-try", &p.repo.join(".git/config")).expect("config ro");
    let pointer = bound(&args, "--ro-bind-try", &p.work_dir.join(".git")).expect("pointer ro");
    assert!(
        config > git && pointer > work,
        "read-only mounts come after the read-write ones they sit in"
    );
    assert!(
        bound(&args, "--bind", &p.repo).is_none(),
        "a worktree session does not see its base clone's files"
    );
    let tmp = args.windows(2).position(|w| w == ["--tmpfs", "/tmp"]);
    assert!(
        tmp.is_some_and(|t| t < work),
        "a private /tmp, before the binds"
    );
    assert!(
        !args
            .iter()
            .any(|a| a.contains("/srv/aiops/data") && !a.contains("homes/5")),
        "nothing else of the data dir: {args:?}"
    );
}

#[test]
fn an_in_place_session_binds_the_base_clone_once() {
    let p = plan(Path::new("/srv/aiops"), true);
    let args = bwrap_args(&p, &[]);
    let repo = bound(&args, "--bind", &p.repo).expect("the base clone read-write");
    let git = bound(&args, "--bind-try", &p.repo.join(".git")).expect(".git a mount of its own");
    assert!(git > repo, "inside the base clone's bind");
    bound(&args, "--ro-bind-try", &p.repo.join(".git/hooks")).expect("hooks read-only");
}

#[test]
fn private_system_files_are_masked() {
    let args = bwrap_args(&plan(Path::new("/srv/aiops"), false), &[]);
    // /etc/shadow is 0640 on Debian: not world-readable.
    if Path::new("/etc/shadow").exists() {
        assert!(
            args.windows(3)
                .any(|w| w == ["--ro-bind", "/dev/null", "/etc/shadow"]),
            "{args:?}"
        );
    }
}

#[test]
fn wrap_ends_options_before_the_command() {
    let p = plan(Path::new("/srv/aiops"), false);
    let argv = vec!["bash".to_owned(), "-l".to_owned()];
    let out = wrap(BUBBLEWRAP, &p, &[], &argv);
    assert_eq!(&out[out.len() - 3..], ["--", "bash", "-l"]);
    let out = wrap(SEATBELT, &p, &[], &argv);
    assert_eq!(out[0], "/usr/bin/sandbox-exec");
    assert_eq!(&out[out.len() - 3..], ["--", "bash", "-l"]);
}

#[test]
fn the_seatbelt_profile_hides_the_data_dir_and_confines_writes() {
    let p = plan(Path::new("/srv/ai\"ops"), false);
    let extras = vec![PathBuf::from("/Users/me/.nvm/versions/node/v22")];
    let profile = seatbelt_profile(&p, &extras);
    assert!(profile.starts_with("(version 1)"), "{profile}");
    assert!(
        profile.contains("(deny file-read* file-write*\n    (subpath \"/srv/ai\\\"ops/data\")"),
        "the data dir is hidden, the quote escaped: {profile}"
    );
    assert!(profile.contains("(subpath \"/srv/ai\\\"ops/workspaces\")"));
    assert!(profile.contains("(subpath \"/Users/me/.nvm/versions/node/v22\")"));
    assert!(profile.contains("(deny signal (target others))"));
    let confine = profile
        .find("(require-not (require-any")
        .expect("writes confined");
    let worktree = profile[confine..]
        .find("workspaces/5/acme/web/worktrees/12-fix")
        .expect("the worktree writable");
    assert!(worktree > 0);
    assert!(
        profile.ends_with(
            "(literal \"/srv/ai\\\"ops/workspaces/5/acme/web/worktrees/12-fix/.git\"))\n"
        ),
        "the worktree's .git pointer is read-only, last: {profile}"
    );
}

#[test]
fn the_worktree_admin_dir_is_found_by_its_gitdir_file() {
    let tmp = tempfile::tempdir().unwrap();
    let git = tmp.path().join("repo/.git");
    for (name, points) in [("a", "/elsewhere/.git"), ("b", "/ws/worktrees/b/.git")] {
        std::fs::create_dir_all(git.join("worktrees").join(name)).unwrap();
        std::fs::write(
            git.join("worktrees").join(name).join("gitdir"),
            format!("{points}\n"),
        )
        .unwrap();
    }
    assert_eq!(
        worktree_admin_dir(&git, Path::new("/ws/worktrees/b")),
        Some(git.join("worktrees/b"))
    );
    assert_eq!(worktree_admin_dir(&git, Path::new("/ws/worktrees/c")), None);
}
