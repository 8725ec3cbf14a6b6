//! The sandbox the injection properties run in, the hostile inputs they feed the
//! wrappers, and the checks that nothing ran: a `canary` file that any executed
//! `touch canary` would create, and fences around the sandbox and the working directory
//! that nothing may write past.

use std::cell::Cell;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::SystemTime;

use aiops_exec::git::Git;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRng, TestRunner};

/// Generated cases per property, on top of the fixed list: enough to mix fragments
/// while the whole binary stays well under a minute.
const CASES: u32 = 64;

/// What the tests write into files they create themselves, so a file named `canary`
/// made by a test (a literal commit path ending in `/canary`) is told apart from one
/// made by an executed `touch canary` (empty) or `--output=canary` (a diff).
pub const MARKER: &str = "aiops-literal-file\n";

/// Every wrapper sees each of these, with `canary` relative (landing in whatever
/// directory git or a child of it runs in) and absolute (in the sandbox).
pub const FIXED: &[&str] = &[
    "-x",
    "--upload-pack=touch canary",
    "--output=canary",
    "ext::sh -c touch% canary",
    "ssh://-oProxyCommand=touch canary",
    "a:b.c",
    "$(touch canary)",
    "`touch canary`",
    "; touch canary",
    "x\ntouch canary",
    "..",
    "../../etc/passwd",
    "/etc/passwd",
    "-",
    "@{-1}",
    "HEAD~1",
    // Without whitespace, which most checks refuse on its own: the option rides in the
    // user or a bracketed host of an ssh URL, or in a remote-helper transport.
    "ssh://-oProxyCommand=touch${IFS}canary;@x/y",
    "ssh://[-oProxyCommand=touch${IFS}canary;]/y",
    "[-oProxyCommand=touch${IFS}canary;]:y",
    "ext::touch",
    "fd::3",
    "$(touch${IFS}canary)",
    "--exec=touch canary",
    "--receive-pack=touch canary",
    "origin/main",
];

/// Pieces the generated inputs are built from, besides [`FIXED`] and arbitrary chars.
const FRAGMENTS: &[&str] = &[
    "/",
    "//",
    "main",
    "refs/",
    "refs/heads/",
    "origin/main",
    "HEAD",
    "@",
    "@{0}",
    "~",
    "^",
    "^{}",
    ":",
    "::",
    "*",
    "?",
    "[",
    "]",
    "\\",
    " ",
    ".",
    "..",
    "./",
    ".git",
    ".lock",
    "%",
    "-o",
    "ssh://",
    "https://",
    "file://",
    "ext::",
    "-c",
    "${IFS}",
    "\u{0}",
    "\r",
];

/// Hostile strings: fixed inputs and fragments glued together with arbitrary unicode
/// and control characters; the flag says whether `canary` becomes the absolute path.
fn hostile() -> impl Strategy<Value = (String, bool)> {
    let piece = prop_oneof![
        4 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
        2 => prop::sample::select(FIXED).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => (0u8..0x20).prop_map(|b| char::from(b).to_string()),
        2 => "[a-z0-9._/-]{1,8}",
    ];
    (
        prop::collection::vec(piece, 1..5).prop_map(|v| v.concat()),
        any::<bool>(),
    )
}

/// The working directory of this test binary, shared by every test: git without `-C`
/// (clone) and anything it spawns resolves a relative `canary` here. It sits two levels
/// down in its own fence so an escape upwards is seen too.
struct Cwd {
    dir: PathBuf,
    fence_root: PathBuf,
    fence: Vec<Entry>,
    passwd: Option<Entry>,
}

fn cwd() -> &'static Cwd {
    static CWD: OnceLock<Cwd> = OnceLock::new();
    CWD.get_or_init(|| {
        // Outlives the process (a static is never dropped), so one fixed directory under
        // the target directory, reused by every run, rather than a new one in /tmp each
        // time. A canary left by an earlier run fails this one too, as it should.
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("injection-cwd");
        let dir = root.join("a/b/cwd");
        std::fs::create_dir_all(&dir).unwrap();
        // Process-wide, but set once before any test runs git (every test starts with
        // `Fx::new`, and `OnceLock` makes the others wait) and never changed again.
        std::env::set_current_dir(&dir).unwrap();
        Cwd {
            fence: snapshot(&root, None),
            fence_root: root,
            dir,
            passwd: entry(Path::new("/etc/passwd")),
        }
    })
}

/// A path with its size and modification time.
type Entry = (PathBuf, u64, Option<SystemTime>);

fn entry(p: &Path) -> Option<Entry> {
    let m = std::fs::symlink_metadata(p).ok()?;
    Some((p.to_owned(), m.len(), m.modified().ok()))
}

/// Every path under `root` (but not under `skip`), sorted.
fn snapshot(root: &Path, skip: Option<&Path>) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if Some(p.as_path()) == skip {
                continue;
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p.clone());
            }
            out.extend(entry(&p));
        }
    }
    out.sort();
    out
}

/// A real repository `repo` on `main` (two commits) whose `origin` is the bare
/// `origin.git` next to it, inside `outer/a/b/c/sb` so that `..` escapes stay in
/// `outer`, where they are seen.
pub struct Fx {
    _outer: tempfile::TempDir,
    outer: PathBuf,
    pub sb: PathBuf,
    pub repo: PathBuf,
    pub origin: PathBuf,
    /// Where worktrees go; holds one file so that `wts/.` is never an empty directory.
    pub wts: PathBuf,
    pub canary: PathBuf,
    pub git: Git,
    fence: Vec<Entry>,
    n: Cell<u32>,
}

/// The identity commits are made with.
pub const IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "aiops test"),
    ("GIT_AUTHOR_EMAIL", "test@example.com"),
    ("GIT_COMMITTER_NAME", "aiops test"),
    ("GIT_COMMITTER_EMAIL", "test@example.com"),
];

impl Fx {
    pub fn new() -> Self {
        cwd();
        let outer = tempfile::tempdir().unwrap();
        let sb = outer.path().join("a/b/c/sb");
        let (repo, origin, wts) = (sb.join("repo"), sb.join("origin.git"), sb.join("wts"));
        std::fs::create_dir_all(&wts).unwrap();
        std::fs::write(wts.join("keep"), MARKER).unwrap();
        raw(&sb, &["init", "--quiet", "--initial-branch=main", "repo"]).unwrap();
        for (i, text) in ["one\n", "two\n"].iter().enumerate() {
            std::fs::write(repo.join("README.md"), text).unwrap();
            raw(&repo, &["add", "README.md"]).unwrap();
            raw(&repo, &["commit", "--quiet", "-m", &format!("commit {i}")]).unwrap();
        }
        raw(&sb, &["clone", "--quiet", "--bare", "repo", "origin.git"]).unwrap();
        let origin_url = origin.to_str().unwrap();
        raw(&repo, &["remote", "add", "origin", origin_url]).unwrap();
        raw(&repo, &["fetch", "--quiet", "origin"]).unwrap();
        raw(
            &repo,
            &["branch", "--quiet", "--set-upstream-to=origin/main"],
        )
        .unwrap();
        // Stands in for ssh without a network, and like ssh runs any ProxyCommand it is
        // handed: an option smuggled in through a URL would create the canary.
        let ssh = sb.join("fake-ssh");
        std::fs::write(
            &ssh,
            "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in\n\
             -oProxyCommand=*) sh -c \"${a#-oProxyCommand=}\" ;;\n\
             ProxyCommand=*) sh -c \"${a#ProxyCommand=}\" ;;\nesac; done\nexit 255\n",
        )
        .unwrap();
        make_executable(&ssh);
        let mut env: Vec<(String, String)> = IDENTITY
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.push(("GIT_SSH_COMMAND".into(), ssh.to_str().unwrap().into()));
        env.push(("GIT_SSH_VARIANT".into(), "ssh".into()));
        // https URLs that pass the checks must fail at once, not wait on DNS or a network.
        for k in ["https_proxy", "http_proxy", "ALL_PROXY"] {
            env.push((k.into(), "http://127.0.0.1:1".into()));
        }
        let fence = snapshot(outer.path(), Some(&sb));
        Self {
            outer: outer.path().to_owned(),
            _outer: outer,
            canary: sb.join("canary"),
            sb,
            repo,
            origin,
            wts,
            git: Git {
                allow_file: true,
                env,
            },
            fence,
            n: Cell::new(0),
        }
    }

    /// A number not handed out before, for fresh names.
    pub fn next(&self) -> u32 {
        self.n.set(self.n.get() + 1);
        self.n.get()
    }

    /// Runs `case` on every fixed input (plus `extra`), then on [`CASES`] generated
    /// ones, checking after each that no canary exists and nothing outside the
    /// sandbox changed. `case` returns whether the wrapper succeeded; the count of
    /// successes is returned so a test can insist the literal path was taken at all.
    pub fn check(&self, extra: &[&str], case: impl Fn(&str) -> Result<bool, TestCaseError>) -> u32 {
        let oks = Cell::new(0);
        let run = |s: &str| {
            let result = case(s);
            self.assert_clean()?;
            if result? {
                oks.set(oks.get() + 1);
            }
            Ok(())
        };
        for s in FIXED.iter().chain(extra) {
            let mut inputs = vec![s.to_string()];
            if s.contains("canary") {
                inputs.push(self.expand(s, true));
            }
            for input in inputs {
                run(&input).unwrap_or_else(|e: TestCaseError| panic!("input {input:?}: {e}"));
            }
        }
        let config = Config {
            failure_persistence: None,
            ..Config::with_cases(CASES)
        };
        // A fixed seed: the same generated inputs on every run, so the test command never
        // passes or fails by chance (the fixed list above carries the known attacks).
        let rng = TestRng::deterministic_rng(config.rng_algorithm);
        TestRunner::new_with_rng(config, rng)
            .run(&hostile(), |(s, absolute)| run(&self.expand(&s, absolute)))
            .unwrap_or_else(|e| panic!("{e}"));
        oks.get()
    }

    fn expand(&self, s: &str, absolute: bool) -> String {
        if absolute {
            s.replace("canary", self.canary.to_str().unwrap())
        } else {
            s.to_owned()
        }
    }

    /// No canary in the sandbox or the working directory, and nothing written outside.
    fn assert_clean(&self) -> Result<(), TestCaseError> {
        let cwd = cwd();
        for (path, ..) in snapshot(&self.sb, None)
            .into_iter()
            .chain(snapshot(&cwd.dir, None))
        {
            if path.file_name() == Some(OsStr::new("canary"))
                && !std::fs::read(&path).is_ok_and(|b| b.starts_with(MARKER.as_bytes()))
            {
                return Err(TestCaseError::fail(format!(
                    "{} exists: an input was executed or used as an option",
                    path.display()
                )));
            }
        }
        let outside = [
            (
                snapshot(&self.outer, Some(&self.sb)) == self.fence,
                &self.outer,
            ),
            (
                snapshot(&cwd.fence_root, None) == cwd.fence,
                &cwd.fence_root,
            ),
            (
                entry(Path::new("/etc/passwd")) == cwd.passwd,
                &PathBuf::from("/etc/passwd"),
            ),
        ];
        for (same, what) in outside {
            if !same {
                return Err(TestCaseError::fail(format!(
                    "something was written outside the sandbox, in {}",
                    what.display()
                )));
            }
        }
        Ok(())
    }

    /// Back to `main` with no worktrees and no refs but `main` and `origin/main`, in
    /// both repositories, so one case's success does not decide the next.
    pub fn reset(&self) {
        let head = std::fs::read_to_string(self.repo.join(".git/HEAD")).unwrap_or_default();
        if head != "ref: refs/heads/main\n" {
            raw(&self.repo, &["switch", "--quiet", "--force", "main"]).unwrap();
        }
        let mut removed = false;
        for e in std::fs::read_dir(&self.wts).unwrap().flatten() {
            if e.file_name() != "keep" {
                let p = e.path();
                let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
                removed = true;
            }
        }
        if removed {
            raw(&self.repo, &["worktree", "prune"]).unwrap();
        }
        let keep = [
            "refs/heads/main",
            "refs/remotes/origin/main",
            "refs/remotes/origin/HEAD",
        ];
        for dir in [&self.repo, &self.origin] {
            let refs = raw(dir, &["for-each-ref", "--format=%(refname)"]).unwrap();
            let doomed: String = refs
                .lines()
                .filter(|r| !keep.contains(r))
                .map(|r| format!("delete {r}\n"))
                .collect();
            if !doomed.is_empty() {
                raw_with_input(dir, &["update-ref", "--stdin"], &doomed).unwrap();
            }
        }
    }

    /// The commit `rev` names in `dir`, asked of git directly: what a literal use of
    /// the revision must agree with.
    pub fn rev(&self, dir: &Path, rev: &str) -> Option<String> {
        let spec = format!("{rev}^{{commit}}");
        let args = [
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ];
        raw(dir, &args).map(|s| s.trim().to_owned())
    }

    /// The object `full` (a full ref name) points at, if that exact ref exists.
    pub fn show_ref(&self, dir: &Path, full: &str) -> Option<String> {
        let args = ["show-ref", "--verify", "--hash", "--end-of-options", full];
        raw(dir, &args).map(|s| s.trim().to_owned())
    }

    /// `refs/heads/<branch>` when `dir` has that branch checked out, else `None`.
    pub fn checked_out(&self, dir: &Path) -> Option<String> {
        raw(dir, &["symbolic-ref", "--quiet", "HEAD"]).map(|s| s.trim_end_matches('\n').to_owned())
    }
}

/// Whether the test may create `p` under the repository: relative, only plain
/// components, nothing git keeps for itself. (Independent of `check_path`.)
pub fn creatable(p: &str) -> bool {
    !p.is_empty()
        && !p.ends_with('/')
        && !p.chars().any(char::is_control)
        && Path::new(p).components().all(|c| match c {
            Component::Normal(n) => n.to_str().is_some_and(|n| !n.eq_ignore_ascii_case(".git")),
            _ => false,
        })
}

/// Runs the real git in `dir` (outside the wrapper under test); stdout on success.
pub fn raw(dir: &Path, args: &[&str]) -> Option<String> {
    run_git(dir, args, None)
}

fn raw_with_input(dir: &Path, args: &[&str], input: &str) -> Option<String> {
    run_git(dir, args, Some(input))
}

fn run_git(dir: &Path, args: &[&str], input: Option<&str>) -> Option<String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .envs(IDENTITY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        // An argument with a NUL byte cannot be passed at all.
        .ok()?;
    if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
        stdin.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}
