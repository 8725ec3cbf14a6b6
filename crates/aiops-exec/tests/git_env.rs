//! What every git child of the wrapper receives, recorded by a fake `git` first on
//! `PATH` that logs its argv and its environment and then `exec`s the real git: the
//! hardening variables on every call, `Git.env` passed through, nothing else from
//! aiops's own environment, and every user-supplied value placed after
//! `--end-of-options` or `--` (or nowhere, for a commit message or exclude pattern).
//!
//! `Spec` takes `PATH` from this process's environment, so the test needs its own
//! environment changed. `std::env::set_var` is `unsafe` in edition 2024 (another thread
//! may read the environment at the same time, and test threads do), so the test does
//! not change it: it runs itself again as a child process, with `PATH` (the fake first)
//! and the leak marker set at spawn, and the child does the work. Nothing is mutated in
//! a running process and no `unsafe` is needed.
#![cfg(target_os = "linux")] // the fake reads /proc/<pid>/environ

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use aiops_exec::git::Git;

/// Set in the child: the directory with the fake `git` and its log.
const PROBE: &str = "AIOPS_GIT_ENV_PROBE";
/// Set in the child: the real git, for building fixtures without being logged.
const REAL_GIT: &str = "AIOPS_GIT_ENV_REAL_GIT";
/// Set in the child's own environment; must never reach git.
const LEAK: &str = "AIOPS_LEAK_CANARY";
/// What `Spec` passes through from aiops's environment (`process::INHERITED`).
const INHERITED: &[&str] = &[
    "PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME",
];
const IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "aiops probe"),
    ("GIT_AUTHOR_EMAIL", "probe@example.com"),
    ("GIT_COMMITTER_NAME", "aiops probe"),
    ("GIT_COMMITTER_EMAIL", "probe@example.com"),
];

#[test]
fn every_git_child_gets_a_hardened_env_and_user_values_last() {
    if let Some(dir) = std::env::var_os(PROBE) {
        return probe(Path::new(&dir));
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let real = std::env::split_paths(&path)
        .map(|d| d.join("git"))
        .find(|g| g.is_file())
        .expect("git on PATH");
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = tmp.path().join("log");
    // One record per call: RS, each argument NUL-terminated, GS, then the environment
    // exactly as the process received it (`env` in a shell would add PWD and the like).
    let script = format!(
        "#!/bin/sh\n{{ printf '\\036'; for a in \"$@\"; do printf '%s\\0' \"$a\"; done; \
         printf '\\035'; cat /proc/$$/environ; }} >> '{}'\nexec '{}' \"$@\"\n",
        log.display(),
        real.display()
    );
    std::fs::write(bin.join("git"), script).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(bin.join("git"), mode).unwrap();
    }
    let fake_first = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path)));
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "every_git_child_gets_a_hardened_env_and_user_values_last",
            "--exact",
            "--nocapture",
        ])
        .env("PATH", fake_first.unwrap())
        .env(LEAK, "1")
        .env(PROBE, tmp.path())
        .env(REAL_GIT, &real)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the probe run failed:\n{stdout}\n{stderr}"
    );
}

/// One recorded git invocation.
struct Call {
    argv: Vec<String>,
    env: BTreeMap<String, String>,
}

/// A repository with `main` and `probe-base`, a bare `origin` that also has
/// `probe-remote-only`, and the log of the fake git.
struct Probe {
    log: PathBuf,
    real: PathBuf,
    sb: PathBuf,
    repo: PathBuf,
}

impl Probe {
    fn git(&self, dir: &Path, args: &[&str]) {
        let ok = Command::new(&self.real)
            .arg("-C")
            .arg(dir)
            .args(args)
            .envs(IDENTITY)
            .status()
            .unwrap()
            .success();
        assert!(ok, "fixture: git {args:?}");
    }

    /// The git invocations `f` made.
    fn calls<T, E: std::fmt::Debug>(
        &self,
        what: &str,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Vec<Call> {
        std::fs::write(&self.log, "").unwrap();
        if let Err(e) = f() {
            panic!("{what}: {e:?}");
        }
        let log = std::fs::read(&self.log).unwrap();
        let log = String::from_utf8_lossy(&log);
        let calls: Vec<Call> = log
            .split('\u{1e}')
            .filter(|r| !r.is_empty())
            .map(|record| {
                let (argv, env) = record.split_once('\u{1d}').expect("argv, then env");
                Call {
                    argv: argv.split_terminator('\0').map(str::to_owned).collect(),
                    env: env
                        .split_terminator('\0')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect(),
                }
            })
            .collect();
        assert!(
            !calls.is_empty(),
            "{what}: no git call went through the fake"
        );
        calls
    }
}

/// The git subcommand of `argv` (after `-C <dir>`).
fn subcommand(argv: &[String]) -> &str {
    // Global options first: `-C <dir>` and `-c <name=value>` each take one value.
    let mut i = 0;
    while argv.get(i).is_some_and(|a| a == "-C" || a == "-c") {
        i += 2;
    }
    argv.get(i).map_or("", String::as_str)
}

/// Whether the occurrence of user value `v` at `argv[i]` cannot be read as an option.
fn placed_safely(argv: &[String], i: usize, v: &str) -> bool {
    let end = argv
        .iter()
        .position(|a| a == "--end-of-options" || a == "--");
    if end.is_some_and(|e| i > e) {
        return true;
    }
    let before = i.checked_sub(1).map(|j| argv[j].as_str());
    match (subcommand(argv), before) {
        // The value of an option that takes one (`worktree add -b <branch>`,
        // `switch --create <branch>`): parse-options consumes the next argument
        // whatever it looks like, and `check_branch` refused a leading `-` before.
        ("worktree", Some("-b")) | ("switch", Some("--create")) => {
            argv[i] == v && !v.starts_with('-')
        }
        // `check-ref-format` takes no `--end-of-options`; the name sits behind the
        // fixed `refs/heads/`, so the argument never starts with `-`.
        ("check-ref-format", _) => argv[i] == format!("refs/heads/{v}"),
        _ => false,
    }
}

/// Every call of `what` has the hardened environment of `git` (plus `extra` keys),
/// nothing else, and `values` only where they cannot be options; `hidden` nowhere.
fn assert_calls(
    what: &str,
    calls: &[Call],
    git: &Git,
    values: &[&str],
    hidden: &[&str],
    extra: &[&str],
) {
    let protocols = if git.allow_file {
        "https:ssh:file"
    } else {
        "https:ssh"
    };
    let required = [
        ("GIT_TERMINAL_PROMPT", "0"),
        ("GIT_PROTOCOL_FROM_USER", "0"),
        ("GIT_ALLOW_PROTOCOL", protocols),
        ("LC_ALL", "C"),
        ("GIT_OPTIONAL_LOCKS", "0"),
    ];
    for call in calls {
        let argv = &call.argv;
        for (k, v) in required {
            assert_eq!(
                call.env.get(k).map(String::as_str),
                Some(v),
                "{what} {argv:?}: {k}"
            );
        }
        for (k, v) in &git.env {
            assert_eq!(
                call.env.get(k),
                Some(v),
                "{what} {argv:?}: Git.env {k} must arrive"
            );
        }
        assert!(
            !call.env.contains_key(LEAK),
            "{what} {argv:?}: {LEAK} leaked"
        );
        for k in call.env.keys() {
            // A main repository's common dir is pinned to its own `.git`.
            let pinned = k == "GIT_COMMON_DIR" && call.env[k].ends_with("/.git");
            let allowed = INHERITED.contains(&k.as_str())
                || pinned
                || required.iter().any(|(r, _)| r == k)
                || git.env.iter().any(|(e, _)| e == k)
                || extra.contains(&k.as_str());
            assert!(
                allowed,
                "{what} {argv:?}: unexpected {k} in git's environment"
            );
        }
        for k in INHERITED.iter().filter(|k| **k != "LC_ALL") {
            assert_eq!(
                call.env.get(*k),
                std::env::var(k).ok().as_ref(),
                "{what}: {k} passed as is"
            );
        }
        for v in values {
            for (i, a) in argv.iter().enumerate() {
                if a.contains(v) {
                    assert!(
                        placed_safely(argv, i, v),
                        "{what}: {v:?} at {i} in {argv:?} could be read as an option"
                    );
                }
            }
        }
        for h in hidden {
            assert!(
                argv.iter().all(|a| !a.contains(h)),
                "{what}: {h:?} must not be an argument: {argv:?}"
            );
        }
    }
}

/// The child: runs every wrapper through the fake and checks what it recorded.
fn probe(dir: &Path) {
    let sb = tempfile::tempdir().unwrap();
    let p = Probe {
        log: dir.join("log"),
        real: PathBuf::from(std::env::var_os(REAL_GIT).unwrap()),
        sb: sb.path().to_owned(),
        repo: sb.path().join("repo"),
    };
    assert_eq!(
        std::env::var(LEAK).as_deref(),
        Ok("1"),
        "the marker is set in this process"
    );
    let (repo, origin) = (p.repo.clone(), p.sb.join("origin.git"));
    p.git(&p.sb, &["init", "--quiet", "--initial-branch=main", "repo"]);
    std::fs::write(repo.join("README.md"), "one\n").unwrap();
    p.git(&repo, &["add", "README.md"]);
    p.git(&repo, &["commit", "--quiet", "-m", "one"]);
    p.git(&repo, &["branch", "probe-base"]);
    p.git(&p.sb, &["clone", "--quiet", "--bare", "repo", "origin.git"]);
    p.git(&origin, &["branch", "probe-remote-only", "main"]);
    p.git(
        &repo,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    p.git(&repo, &["fetch", "--quiet", "origin"]);
    p.git(
        &repo,
        &["branch", "--quiet", "--set-upstream-to=origin/main"],
    );

    let mut env: Vec<(String, String)> = IDENTITY
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env.push((
        "GIT_SSH_COMMAND".into(),
        "ssh -i /nonexistent/aiops-probe-key -o IdentitiesOnly=yes".into(),
    ));
    let git = Git {
        allow_file: true,
        env,
    };
    let no_file = Git {
        allow_file: false,
        ..Clone::clone(&git)
    };
    let lit = ["GIT_LITERAL_PATHSPECS"];
    let check = |what: &str, calls: &[Call], values: &[&str], hidden: &[&str]| {
        assert_calls(what, calls, &git, values, hidden, &[]);
    };

    let c = p.calls("check_branch", || git.check_branch("probe/env-branch"));
    check("check_branch", &c, &["probe/env-branch"], &[]);
    let url = format!("file://{}", origin.display());
    let dest = p.sb.join("clone-probe");
    let dest_s = dest.to_str().unwrap();
    let c = p.calls("clone", || git.clone(&url, &dest));
    check("clone", &c, &[&url, dest_s], &[]);

    let wt = p.sb.join("wt-probe");
    let wt_s = wt.to_str().unwrap();
    let c = p.calls("worktree_add", || {
        git.worktree_add(&repo, &wt, "probe/wt-branch", "probe-base")
    });
    check(
        "worktree_add",
        &c,
        &[wt_s, "probe/wt-branch", "probe-base"],
        &[],
    );
    let c = p.calls("worktrees", || git.worktrees(&repo));
    check("worktrees", &c, &[], &[]);
    let c = p.calls("exclude", || git.exclude(&wt, "/probe-excluded"));
    check("exclude", &c, &[], &["probe-excluded"]);
    std::fs::write(wt.join("untracked"), "x").unwrap();
    let c = p.calls("dirty_paths", || git.dirty_paths(&wt));
    check("dirty_paths", &c, &[], &[]);
    let c = p.calls("current_branch", || git.current_branch(&wt));
    check("current_branch", &c, &[], &[]);
    let c = p.calls("worktree_remove", || git.worktree_remove(&repo, &wt, true));
    check("worktree_remove", &c, &[wt_s], &[]);
    let wt2 = p.sb.join("wt-existing");
    let wt2_s = wt2.to_str().unwrap();
    let c = p.calls("worktree_add_existing", || {
        git.worktree_add_existing(&repo, &wt2, "probe-base")
    });
    check("worktree_add_existing", &c, &[wt2_s, "probe-base"], &[]);
    git.worktree_remove(&repo, &wt2, true).unwrap();

    let c = p.calls("ref_exists", || {
        git.ref_exists(&repo, "refs/heads/probe-base")
    });
    check("ref_exists", &c, &["refs/heads/probe-base"], &[]);
    let c = p.calls("fetch", || git.fetch(&repo));
    check("fetch", &c, &[], &[]);
    let c = p.calls("status", || git.status(&repo));
    check("status", &c, &[], &[]);
    let c = p.calls("resolve_commit", || git.resolve_commit(&repo, "probe-base"));
    check("resolve_commit", &c, &["probe-base"], &[]);
    let c = p.calls("head", || git.head(&repo));
    check("head", &c, &[], &[]);
    std::fs::write(repo.join("README.md"), "local change\n").unwrap();
    let c = p.calls("pull", || git.pull(&repo, true));
    check("pull", &c, &[], &[]);

    let c = p.calls("create_branch", || {
        git.create_branch(&repo, "probe/env-branch", Some("probe-base"))
    });
    check(
        "create_branch",
        &c,
        &["probe/env-branch", "probe-base"],
        &[],
    );
    std::fs::write(repo.join("probe-file.txt"), "x\n").unwrap();
    let mut c = p.calls("commit paths", || {
        git.commit(&repo, "probe message one", &["probe-file.txt".into()])
    });
    assert_calls(
        "commit paths",
        &c,
        &git,
        &["probe-file.txt"],
        &["probe message one"],
        &lit,
    );
    std::fs::write(repo.join("probe-file.txt"), "y\n").unwrap();
    let all = p.calls("commit all", || git.commit(&repo, "probe message two", &[]));
    assert_calls("commit all", &all, &git, &[], &["probe message two"], &lit);
    c.extend(all);
    for call in c
        .iter()
        .filter(|c| ["add", "commit"].contains(&subcommand(&c.argv)))
    {
        let literal = call.env.get("GIT_LITERAL_PATHSPECS").map(String::as_str);
        assert_eq!(literal, Some("1"), "pathspec magic off: {:?}", call.argv);
    }
    let c = p.calls("push", || git.push(&repo, "probe/env-branch"));
    check("push", &c, &["probe/env-branch"], &[]);
    let c = p.calls("checkout local", || git.checkout(&repo, "probe/env-branch"));
    check("checkout local", &c, &["probe/env-branch"], &[]);
    let c = p.calls("checkout from origin", || {
        git.checkout(&repo, "probe-remote-only")
    });
    check("checkout from origin", &c, &["probe-remote-only"], &[]);
    let c = p.calls("branches", || git.branches(&repo));
    check("branches", &c, &[], &[]);
    let c = p.calls("log", || git.log(&repo, Some("probe-base"), 5));
    check("log", &c, &["probe-base"], &[]);
    for staged in [false, true] {
        let c = p.calls("diff", || git.diff(&repo, Some("probe-base"), staged));
        check("diff", &c, &["probe-base"], &[]);
    }

    // Without `allow_file`, `file` drops out of the allowed protocols.
    let c = p.calls("status without file", || no_file.status(&repo));
    assert_calls("status without file", &c, &no_file, &[], &[], &[]);
    let c = p.calls("check_branch without file", || {
        no_file.check_branch("probe/other")
    });
    assert_calls(
        "check_branch without file",
        &c,
        &no_file,
        &["probe/other"],
        &[],
        &[],
    );
}
