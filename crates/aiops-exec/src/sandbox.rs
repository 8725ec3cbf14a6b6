//! The session sandbox's mechanisms: bubblewrap on Linux, Seatbelt (`sandbox-exec`) on
//! macOS. Core's [`SandboxPlan`] says what a session may see; this module says how.
//!
//! Linux: `bwrap` (<https://github.com/containers/bubblewrap>, bwrap(1)) builds a new
//! mount namespace from nothing: the system read-only (`/usr`, `/etc`, `/bin`, `/lib*`,
//! `/sbin`, `/opt` as present; files and folders of `/etc` that are not world-readable
//! are masked, so a server running as root does not hand out `/etc/shadow` or its SSH
//! host keys), a private `/tmp`, `/dev` and `/proc` (`--unshare-pid`: no other process
//! is visible, so none can be signalled), the working copy and the tool home read-write,
//! and nothing else — not the data dir (database, `secret.key`, other sessions' files,
//! `tmux.sock`), not other workspaces, not the server account's home. It runs in a new
//! user namespace with every capability dropped. The network is shared: agents need
//! their model API, package registries and git remotes.
//!
//! aiops itself runs git in a session's working copy outside the sandbox (status,
//! commit, push), so what steers git stays read-only inside: the base clone's
//! `.git` itself, its `config`, `hooks`, `info` (`exclude`, `attributes`) and
//! `objects/info` (alternates), a worktree's `.git` pointer file and its admin folder's
//! `commondir` and `gitdir`. Those are mount points inside, so they can be neither
//! written nor renamed away. (aiops's git also pins `GIT_COMMON_DIR`, never runs the
//! fsmonitor hook and never looks inside submodules; see `git`.)

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aiops_core::sessions::sandbox::SandboxPlan;

/// The name `sessions.sandbox` records for each mechanism.
pub const BUBBLEWRAP: &str = "bubblewrap";
pub const SEATBELT: &str = "seatbelt";

/// System folders shown read-only (those that exist). `/bin`, `/lib*` and `/sbin` are
/// recreated as symlinks where the host has them as symlinks (merged `/usr`).
const SYSTEM: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt",
];

/// The mechanism that works here, probed once: `bwrap` on `PATH` that can actually make
/// its namespaces (a container may forbid them), or macOS's `sandbox-exec`.
pub fn mechanism() -> Option<&'static str> {
    static FOUND: OnceLock<Option<&'static str>> = OnceLock::new();
    *FOUND.get_or_init(|| {
        if cfg!(target_os = "macos") {
            return Path::new("/usr/bin/sandbox-exec")
                .is_file()
                .then_some(SEATBELT);
        }
        let probe = std::process::Command::new("bwrap")
            .args(["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"])
            .args(["--unshare-pid", "--unshare-user", "--cap-drop", "ALL"])
            .args(["--", "true"])
            .env_clear()
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        matches!(probe, Ok(s) if s.success()).then_some(BUBBLEWRAP)
    })
}

/// Whether this process (the server, so its sessions' commands) runs as root.
pub fn runs_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `argv` wrapped in `mechanism`'s sandbox for `plan`. `extra_read_only` is what the
/// runtime adds: the tool's install prefix when it lives outside the system folders.
pub fn wrap(
    mechanism: &str,
    plan: &SandboxPlan,
    extra_read_only: &[PathBuf],
    argv: &[String],
) -> Vec<String> {
    let mut out = match mechanism {
        SEATBELT => vec![
            "/usr/bin/sandbox-exec".to_owned(),
            "-p".to_owned(),
            seatbelt_profile(plan, extra_read_only),
        ],
        _ => bwrap_args(plan, extra_read_only),
    };
    out.push("--".to_owned());
    out.extend(argv.iter().cloned());
    out
}

/// Collects bwrap arguments as strings. aiops's own paths are UTF-8 (slugs under the
/// data dir, whose path tmux's hooks need as UTF-8 already); another path is passed
/// lossily and then simply not found inside.
#[derive(Default)]
struct Args(Vec<String>);

impl Args {
    fn flag(&mut self, f: &str) -> &mut Self {
        self.0.push(f.to_owned());
        self
    }
    fn path(&mut self, p: &Path) -> &mut Self {
        self.0.push(p.display().to_string());
        self
    }
    /// `--<how> p p`: `p` at its own path.
    fn same(&mut self, how: &str, p: &Path) -> &mut Self {
        self.flag(how).path(p).path(p)
    }
}

/// The bwrap command line up to (not including) `--`.
pub fn bwrap_args(plan: &SandboxPlan, extra_read_only: &[PathBuf]) -> Vec<String> {
    let mut a = Args::default();
    a.flag("bwrap");
    for f in [
        "--die-with-parent",
        "--unshare-user",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
    ] {
        a.flag(f);
    }
    a.flag("--cap-drop").flag("ALL");
    if runs_as_root() {
        // Root inside a user namespace without capabilities still looks privileged to a
        // nested bubblewrap (Codex's `--sandbox workspace-write`, Claude Code's sandbox),
        // which then fails to write its uid map: be `nobody` inside instead. Access
        // outside is unchanged (the namespace maps this id to the server's).
        a.flag("--uid").flag("65534").flag("--gid").flag("65534");
    }
    for dir in SYSTEM {
        let p = Path::new(dir);
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.file_type().is_symlink() => {
                if let Ok(target) = std::fs::read_link(p) {
                    a.flag("--symlink").path(&target).path(p);
                }
            }
            Ok(m) if m.is_dir() => {
                a.same("--ro-bind", p);
            }
            _ => {}
        }
    }
    mask_private(&mut a, Path::new("/etc"));
    a.flag("--proc").flag("/proc");
    a.flag("--dev").flag("/dev");
    for tmp in ["/tmp", "/var/tmp", "/run"] {
        a.flag("--tmpfs").flag(tmp);
    }
    // A resolv.conf that links out of /etc (systemd-resolved's stub under /run).
    if let Ok(target) = std::fs::canonicalize("/etc/resolv.conf")
        && !target.starts_with("/etc")
        && !target.starts_with("/usr")
    {
        a.same("--ro-bind-try", &target);
    }
    for p in plan.read_only.iter().chain(extra_read_only) {
        a.same("--ro-bind-try", p);
    }
    a.same("--bind", &plan.home);
    let git_dir = plan.repo.join(".git");
    if plan.work_dir != plan.repo {
        a.same("--bind-try", &git_dir);
        a.same("--bind", &plan.work_dir);
    } else {
        // In place: `.git` gets a mount of its own so it cannot be renamed away and
        // replaced by a `.git` file pointing at a repository the agent made.
        a.same("--bind", &plan.work_dir);
        a.same("--bind-try", &git_dir);
    }
    protect_git(&mut a, plan, &git_dir);
    // The folders bwrap made on its root to hold the binds (e.g. `<data>/homes`) would
    // take writes that vanish with the sandbox; refuse them instead.
    a.flag("--remount-ro").flag("/");
    a.flag("--setenv").flag("TMPDIR").flag("/tmp");
    a.flag("--chdir").path(&plan.work_dir);
    a.0
}

/// Masks what `dir` holds that is not world-readable (`/etc/shadow`, SSH host keys,
/// `ssl/private`): the sandbox sees what any user of the machine may see, even when the
/// server runs as root.
fn mask_private(a: &mut Args, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(meta) = e.path().symlink_metadata() else {
            continue;
        };
        let world_readable =
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o004 != 0;
        if meta.is_dir() {
            if world_readable {
                mask_private(a, &e.path());
            } else {
                a.flag("--tmpfs").path(&e.path());
            }
        } else if meta.is_file() && !world_readable {
            a.flag("--ro-bind").flag("/dev/null").path(&e.path());
        }
    }
}

/// Read-only mounts over what steers aiops's own git in the working copy (see the module
/// doc), after the read-write binds they sit in.
fn protect_git(a: &mut Args, plan: &SandboxPlan, git_dir: &Path) {
    for name in ["config", "hooks", "info", "objects/info"] {
        a.same("--ro-bind-try", &git_dir.join(name));
    }
    if plan.work_dir == plan.repo {
        return;
    }
    a.same("--ro-bind-try", &plan.work_dir.join(".git"));
    if let Some(admin) = worktree_admin_dir(git_dir, &plan.work_dir) {
        // Its own mount, so it cannot be renamed away and replaced.
        a.same("--bind", &admin);
        for name in ["commondir", "gitdir"] {
            a.same("--ro-bind-try", &admin.join(name));
        }
    }
}

/// The folder under `.git/worktrees/` that belongs to the worktree at `work_dir`: the one
/// whose `gitdir` file names `<work_dir>/.git` (git-worktree(1), "DETAILS").
pub fn worktree_admin_dir(git_dir: &Path, work_dir: &Path) -> Option<PathBuf> {
    let want = work_dir.join(".git");
    std::fs::read_dir(git_dir.join("worktrees"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|admin| {
            std::fs::read_to_string(admin.join("gitdir")).is_ok_and(|t| Path::new(t.trim()) == want)
        })
}

/// Keeps the calling thread and its future children from connecting to abstract Unix
/// sockets and from signalling processes outside their Landlock domain (scopes of
/// Landlock ABI 6, Linux ≥ 6.12; see landlock(7), "Scope flags"). A mount namespace
/// cannot hide abstract sockets, which live in the network namespace the sandbox shares
/// with the host: an X11 display (`@/tmp/.X11-unix/X0`) would otherwise take keystrokes
/// from an agent. Best effort: an older kernel leaves the rest of the sandbox as it is.
/// bubblewrap runs under such a domain (it restricts no file system access or mount).
pub fn scope_ipc() {
    #[cfg(target_os = "linux")]
    {
        use landlock::{Ruleset, RulesetAttr, Scope};
        let applied = Ruleset::default()
            .scope(Scope::AbstractUnixSocket | Scope::Signal)
            .and_then(landlock::Ruleset::create)
            .and_then(landlock::RulesetCreated::restrict_self);
        if let Err(e) = applied {
            eprintln!("aiops: Landlock IPC scoping unavailable ({e}); the sandbox runs without it");
        }
    }
}

/// A Seatbelt profile (SBPL, the language of sandbox-exec(1)) with the same rules as the
/// bubblewrap sandbox, as far as Seatbelt can say them: writes only to the working copy,
/// the base clone's `.git` (not its config or hooks), the tool home and the temp folders;
/// no reads of the folders that hold the data dir and the workspaces, nor of the server
/// account's home, except what the plan shows; no signals to other processes.
///
/// Later rules win over earlier ones that match the same operation. Generated and unit
/// tested here; not verified on a Mac (see the README's security model).
pub fn seatbelt_profile(plan: &SandboxPlan, extra_read_only: &[PathBuf]) -> String {
    let q = |p: &Path| sbpl_string(&real(p));
    let git_dir = plan.repo.join(".git");
    let mut hidden: Vec<PathBuf> = Vec::new();
    // The data dir holds the homes, so hiding the homes' parent hides the rest of it;
    // the workspaces are the work dir's and the repo's ancestors at the user level.
    if let Some(homes) = plan.home.parent()
        && let Some(data) = homes.parent()
    {
        hidden.push(data.to_owned());
    }
    if let Some(root) = plan.repo.ancestors().nth(4) {
        hidden.push(root.to_owned());
    }
    if let Some(h) = std::env::var_os("HOME") {
        hidden.push(PathBuf::from(h));
    }
    let mut visible_rw = vec![plan.work_dir.clone(), git_dir.clone(), plan.home.clone()];
    visible_rw.dedup();
    let mut p = String::from("(version 1)\n(allow default)\n");
    p.push_str("(deny signal (target others))\n");
    p.push_str("(deny file-read* file-write*");
    for h in &hidden {
        p.push_str(&format!("\n    (subpath {})", q(h)));
    }
    p.push_str(")\n(allow file-read*");
    for r in plan.read_only.iter().chain(extra_read_only) {
        p.push_str(&format!("\n    (subpath {})", q(r)));
    }
    for w in &visible_rw {
        p.push_str(&format!("\n    (subpath {})", q(w)));
    }
    p.push_str(")\n(deny file-write*\n    (require-not (require-any");
    for w in &visible_rw {
        p.push_str(&format!("\n        (subpath {})", q(w)));
    }
    p.push_str(
        "\n        (subpath \"/private/tmp\")\n        (subpath \"/private/var/folders\")\
         \n        (literal \"/dev/null\")\n        (regex #\"^/dev/tty\"))))\n",
    );
    p.push_str("(deny file-write*");
    for name in ["config", "hooks", "objects/info"] {
        p.push_str(&format!("\n    (subpath {})", q(&git_dir.join(name))));
    }
    if plan.work_dir != plan.repo {
        p.push_str(&format!(
            "\n    (literal {})",
            q(&plan.work_dir.join(".git"))
        ));
    }
    p.push_str(")\n");
    p
}

/// The path with symlinks resolved where it exists (macOS's `/tmp` is `/private/tmp`,
/// and Seatbelt matches resolved paths).
fn real(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned())
}

/// A string literal of SBPL (a Scheme dialect): `"` and `\` escaped.
fn sbpl_string(p: &Path) -> String {
    let s = p.display().to_string();
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
#[path = "sandbox_tests.rs"]
mod tests;
