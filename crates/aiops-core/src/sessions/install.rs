//! AI tool management (issue 17): installing and upgrading the agent CLIs into a prefix
//! aiops owns, and reporting what is installed.
//!
//! What goes where is decided here, as plain data: a recipe per tool kind (npm
//! `@anthropic-ai/claude-code` and `@openai/codex`, PyPI `aider-chat` in a venv), the
//! prefix layout under the data dir (`<data>/tools/{npm,venv/<tool>,bin}`), and which
//! program ends up in `bin/`. That `bin/` is first on every session's `PATH` and the
//! whole `<data>/tools` is read-only inside every session's sandbox (see
//! [`super::plan`]). Running npm, pip and `--version` is the [`Installer`] port's job
//! (`aiops-exec`). No sudo and nothing global: the prefix belongs to the server's account.
//!
//! Custom tools have no recipe of their own: a custom tool of kind `codex` installs what a
//! `codex` does. Homebrew is not used (see the README).

use std::path::{Path, PathBuf};

use aiops_types::{InstallTool, Tool, ToolStatus};
use serde_json::json;

use crate::jobs::JobContext;
use crate::ports::{AuditStore, NewAudit, ToolKind, ToolStore};
use crate::{CoreError, CoreResult, Principal};

/// Where managed tools live, under the data dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// `<data>/tools`: read-only in every sandbox.
    pub root: PathBuf,
    /// `<data>/cache/tools`: the package managers' `HOME` and default caches; never
    /// shown to a session.
    pub cache: PathBuf,
}

impl Layout {
    /// The layout under the data dir `data_dir`: `tools/` and `cache/tools/`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join("tools"),
            cache: data_dir.join("cache").join("tools"),
        }
    }
    /// Links to each installed tool's program: first on every session's `PATH`.
    pub fn bin(&self) -> PathBuf {
        self.root.join("bin")
    }
    /// The npm prefix (`npm install --prefix`): `node_modules/` and its `package.json`.
    pub fn npm(&self) -> PathBuf {
        self.root.join("npm")
    }
    /// The venv of a pip-installed tool.
    pub fn venv(&self, tool: &str) -> PathBuf {
        self.root.join("venv").join(tool)
    }
    /// `HOME` of the package managers and of `--version` runs: not the server account's
    /// home, so its `~/.npmrc`, pip config and dotfiles play no part.
    pub fn home(&self) -> PathBuf {
        self.cache.join("home")
    }
    /// npm's cache (`<data>/cache/tools/npm`).
    pub fn npm_cache(&self) -> PathBuf {
        self.cache.join("npm")
    }
    /// pip's cache (`<data>/cache/tools/pip`).
    pub fn pip_cache(&self) -> PathBuf {
        self.cache.join("pip")
    }
}

/// The package manager of a recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Manager {
    /// `npm install --prefix <data>/tools/npm`.
    Npm,
    /// A venv of the system Python, `pip install` inside it.
    Pip,
}

impl Manager {
    /// `npm` or `pip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Npm => "npm",
            Self::Pip => "pip",
        }
    }
}

/// How a tool kind is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipe {
    /// Which package manager installs it.
    pub manager: Manager,
    /// The package name (`@anthropic-ai/claude-code`, `@openai/codex`, `aider-chat`).
    pub package: &'static str,
    /// The program the package provides (in `node_modules/.bin` or the venv's `bin`).
    pub program: &'static str,
}

/// The recipe of a tool of `kind`; None for generic tools.
pub fn recipe(kind: ToolKind) -> Option<Recipe> {
    let (manager, package, program) = match kind {
        ToolKind::Claude => (Manager::Npm, "@anthropic-ai/claude-code", "claude"),
        ToolKind::Codex => (Manager::Npm, "@openai/codex", "codex"),
        ToolKind::Aider => (Manager::Pip, "aider-chat", "aider"),
        ToolKind::Generic => return None,
    };
    Some(Recipe {
        manager,
        package,
        program,
    })
}

/// Interpreters a venv is made from, in order: the system Python first, since a venv's
/// `python` is a symlink to its base interpreter and the sandbox shows `/usr`, not a
/// pyenv or asdf Python in the server account's home.
pub const PYTHONS: [&str; 2] = ["/usr/bin/python3", "python3"];

/// A version an admin may pin: 1-64 of `[0-9A-Za-z.+-]`, starting with a digit (`0.171.0`,
/// `2.1.3-beta.1`, `0.86.2`). Never an npm tag, range or URL, nor an option.
pub fn version(v: &str) -> CoreResult<String> {
    let v = v.trim();
    let ok = (1..=64).contains(&v.len())
        && v.starts_with(|c: char| c.is_ascii_digit())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(CoreError::invalid(
            "version",
            format!("`{v}` is not a version (digits first, then letters, digits, `.`, `+`, `-`)"),
        ))
    }
}

/// One install or upgrade, decided: the exec side runs exactly this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallPlan {
    /// Name of the tool in the tool table.
    pub tool: String,
    /// Which package manager installs it.
    pub manager: Manager,
    /// The package name.
    pub package: &'static str,
    /// None: the newest.
    pub version: Option<String>,
    /// The npm prefix or the tool's venv.
    pub prefix: PathBuf,
    /// The program inside the prefix once installed.
    pub program: PathBuf,
    /// Its link in `bin/` (what sessions run).
    pub link: PathBuf,
    /// Where managed tools and caches live.
    pub layout: Layout,
}

impl InstallPlan {
    /// The package argument: `pkg@1.2.3` / `pkg@latest` (npm), `pkg==1.2.3` / `pkg` (pip).
    pub fn spec(&self) -> String {
        match (self.manager, &self.version) {
            (Manager::Npm, Some(v)) => format!("{}@{v}", self.package),
            (Manager::Npm, None) => format!("{}@latest", self.package),
            (Manager::Pip, Some(v)) => format!("{}=={v}", self.package),
            (Manager::Pip, None) => self.package.to_owned(),
        }
    }

    /// The link's target relative to `bin/`, so the data dir may move.
    pub fn link_target(&self) -> PathBuf {
        let rel = self
            .program
            .strip_prefix(&self.layout.root)
            .unwrap_or(&self.program);
        Path::new("..").join(rel)
    }
}

/// The plan to install tool `tool` (of a kind with a recipe) at `version`.
pub fn plan(layout: &Layout, tool: &Tool, version: Option<&str>) -> CoreResult<InstallPlan> {
    let r = recipe(ToolKind::from_name(&tool.kind)).ok_or_else(|| {
        CoreError::invalid(
            "name",
            format!(
                "tool `{}` is of kind `{}`, which aiops does not install (claude, codex and \
                 aider kinds have install recipes)",
                tool.name, tool.kind
            ),
        )
    })?;
    let version = version
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "latest")
        .map(self::version)
        .transpose()?;
    let (prefix, program) = match r.manager {
        Manager::Npm => {
            let p = layout.npm();
            let prog = p.join("node_modules").join(".bin").join(r.program);
            (p, prog)
        }
        Manager::Pip => {
            // One venv per recipe program, so two aider-kind tools share it.
            let p = layout.venv(r.program);
            let prog = p.join("bin").join(r.program);
            (p, prog)
        }
    };
    Ok(InstallPlan {
        tool: tool.name.clone(),
        manager: r.manager,
        package: r.package,
        version,
        prefix,
        program,
        link: layout.bin().join(r.program),
        layout: layout.clone(),
    })
}

/// The port that runs package managers and programs (`aiops-exec`).
pub trait Installer: Send + Sync {
    /// Where `program` is: `bin/` of the managed prefix first, then (a bare name) the
    /// server's `PATH` or (a path) itself. `true` when it is the managed one.
    fn find(&self, program: &str) -> Option<(PathBuf, bool)>;
    /// The first line of `path --version`, within a short deadline.
    fn version(&self, path: &Path) -> Result<String, String>;
    /// The newest version of `package` the registry offers (briefly cached), within a
    /// short deadline.
    fn latest(&self, manager: Manager, package: &str) -> Result<String, String>;
    /// Runs the plan, each line of output to `ctx`; stops the package manager when
    /// `ctx.cancelled()`. Returns a one-line error.
    fn install(&self, plan: &InstallPlan, ctx: &dyn JobContext) -> Result<(), String>;
}

/// The program whose install a tool's status reports: its command when that is the
/// recipe's program (by name or path), else the recipe's program (a wrapper command such
/// as `env FOO=1 codex` runs it).
pub fn program_of(tool: &Tool, r: &Recipe) -> String {
    let cmd = Path::new(&tool.command);
    if cmd.file_name().is_some_and(|n| n == r.program) {
        tool.command.clone()
    } else {
        r.program.to_owned()
    }
}

/// The status of each tool that has a recipe, queried in parallel (each query has its
/// own deadline, so the whole takes as long as the slowest one).
pub fn status(installer: &dyn Installer, tools: &[Tool]) -> Vec<ToolStatus> {
    let with_recipe: Vec<(&Tool, Recipe)> = tools
        .iter()
        .filter_map(|t| recipe(ToolKind::from_name(&t.kind)).map(|r| (t, r)))
        .collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = with_recipe
            .iter()
            .map(|(t, r)| s.spawn(move || status_of(installer, t, r)))
            .collect();
        handles
            .into_iter()
            .zip(&with_recipe)
            .map(|(h, (t, r))| {
                h.join()
                    .unwrap_or_else(|_| missing(t, r, "the query failed"))
            })
            .collect()
    })
}

fn missing(tool: &Tool, r: &Recipe, note: &str) -> ToolStatus {
    ToolStatus {
        name: tool.name.clone(),
        kind: tool.kind.clone(),
        manager: Some(r.manager.as_str().to_owned()),
        package: Some(r.package.to_owned()),
        program: program_of(tool, r),
        installed: false,
        source: "missing".to_owned(),
        path: None,
        version: None,
        latest: None,
        upgrade_available: false,
        note: Some(note.to_owned()),
    }
}

/// One tool's status: found where, its `--version`, the registry's newest.
pub fn status_of(installer: &dyn Installer, tool: &Tool, r: &Recipe) -> ToolStatus {
    let program = program_of(tool, r);
    let mut notes = Vec::new();
    let found = installer.find(&program);
    // The registry and the program are asked at once: each has its own deadline.
    let (latest, version) = std::thread::scope(|s| {
        let latest = s.spawn(|| installer.latest(r.manager, r.package));
        let version = found.as_ref().map(|(p, _)| installer.version(p));
        let latest = latest
            .join()
            .unwrap_or_else(|_| Err("the query failed".into()));
        (latest, version)
    });
    let latest = match latest {
        Ok(v) => Some(v),
        Err(e) => {
            notes.push(format!("newest version unknown: {e}"));
            None
        }
    };
    let version = match version {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            notes.push(format!("--version failed: {e}"));
            None
        }
        None => None,
    };
    let upgrade_available = match (version.as_deref().and_then(version_number), &latest) {
        (Some(have), Some(newest)) => newer(newest, have),
        _ => false,
    };
    ToolStatus {
        name: tool.name.clone(),
        kind: tool.kind.clone(),
        manager: Some(r.manager.as_str().to_owned()),
        package: Some(r.package.to_owned()),
        program,
        installed: found.is_some(),
        source: match &found {
            Some((_, true)) => "managed",
            Some((_, false)) => "path",
            None => "missing",
        }
        .to_owned(),
        path: found.map(|(p, _)| p.display().to_string()),
        version,
        latest,
        upgrade_available,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

/// Checks an install or upgrade request of tool `name` (admin), audits it and returns
/// its plan; the caller runs [`run`] as a job. `upgrade` needs the tool installed in the
/// managed prefix already.
pub fn request(
    store: &(impl ToolStore + AuditStore),
    installer: &dyn Installer,
    layout: &Layout,
    caller: &Principal,
    name: &str,
    req: &InstallTool,
    upgrade: bool,
) -> CoreResult<InstallPlan> {
    caller.require_admin("only admins install tools")?;
    let tool = store
        .tool(name)?
        .ok_or_else(|| CoreError::not_found(format!("tool `{name}`")))?;
    let plan = plan(layout, &tool, req.version.as_deref())?;
    if upgrade
        && !matches!(
            installer.find(&plan.link.display().to_string()),
            Some((_, true))
        )
    {
        return Err(CoreError::Conflict(format!(
            "tool `{name}` is not installed by aiops yet: `aiops tools install {name}` first"
        )));
    }
    let action = if upgrade {
        "tool.upgrade"
    } else {
        "tool.install"
    };
    store.append_audit(
        NewAudit::by(caller, action)
            .target("tool", name)
            .detail(json!({
                "manager": plan.manager.as_str(),
                "package": plan.package,
                "version": plan.version.as_deref().unwrap_or("latest"),
            })),
    )?;
    Ok(plan)
}

/// The job's work: installs, checks the linked program answers `--version`, and returns
/// the tool's status as the job's result.
pub fn run(
    installer: &dyn Installer,
    tool: &Tool,
    plan: &InstallPlan,
    ctx: &dyn JobContext,
) -> Result<serde_json::Value, String> {
    ctx.line(&format!(
        "installing {} with {} into {}",
        plan.spec(),
        plan.manager.as_str(),
        plan.prefix.display()
    ));
    installer.install(plan, ctx)?;
    if ctx.cancelled() {
        return Err("cancelled".into());
    }
    let v = installer.version(&plan.link).map_err(|e| {
        format!(
            "installed, but `{} --version` failed: {e}",
            plan.link.display()
        )
    })?;
    ctx.line(&format!("{} --version: {v}", plan.link.display()));
    let r = recipe(ToolKind::from_name(&tool.kind)).ok_or("no recipe")?;
    let st = status_of(installer, tool, &r);
    serde_json::to_value(st).map_err(|e| e.to_string())
}

/// The first non-empty line of a program's output, trimmed.
pub fn first_line(out: &str) -> Option<String> {
    out.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
}

/// The version number in a `--version` line: its first word that looks like one
/// (`codex-cli 0.171.0` → `0.171.0`, `2.1.3 (Claude Code)` → `2.1.3`, `aider 0.86.2`,
/// `v1.2.3` → `1.2.3`).
pub fn version_number(line: &str) -> Option<&str> {
    line.split_whitespace()
        .map(|w| w.trim_start_matches('v').trim_end_matches([',', ')']))
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()) && w.contains('.'))
}

/// Whether version `a` is newer than `b`: part by part (split at `.`, `-`, `+`), as
/// numbers where both are, else as text; false when equal or unsure.
pub fn newer(a: &str, b: &str) -> bool {
    let pa: Vec<&str> = a.split(['.', '-', '+']).collect();
    let pb: Vec<&str> = b.split(['.', '-', '+']).collect();
    for i in 0..pa.len().max(pb.len()) {
        let x = pa.get(i).copied().unwrap_or("0");
        let y = pb.get(i).copied().unwrap_or("0");
        match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) if x != y => return x > y,
            (Ok(_), Ok(_)) => {}
            _ if x != y => return x > y,
            _ => {}
        }
    }
    false
}

/// The newest version in `npm view PKG version` output.
pub fn parse_npm_view(out: &str) -> Option<String> {
    first_line(out).filter(|l| self::version(l).is_ok())
}

/// The newest version in `pip index versions PKG` output (`aider-chat (0.86.2)`).
pub fn parse_pip_index(out: &str, package: &str) -> Option<String> {
    out.lines().find_map(|l| {
        let rest = l.trim().strip_prefix(package)?.trim();
        let v = rest.strip_prefix('(')?.strip_suffix(')')?;
        self::version(v).ok()
    })
}

/// The `PATH` `tool` runs with on `host`'s machine: the tools aiops installed there
/// first (`aiops tools install`), then the tool's own `PATH` if an admin set one, else
/// that machine's: a session host's as its SSH login has it, or the server's.
pub fn tool_path(tool: &aiops_types::Tool, host: &super::Host<'_>) -> String {
    let base = tool.env.get("PATH").cloned().or_else(|| match host.site {
        Some(site) => Some(site.path.clone()),
        None => std::env::var("PATH").ok(),
    });
    session_path(&host.sandbox.tools.join("bin"), base.as_deref())
}

/// A session's `PATH`: the managed `bin/` first, then `base` (the server's own `PATH`,
/// or the usual system folders without one).
pub fn session_path(bin: &Path, base: Option<&str>) -> String {
    let base = base
        .filter(|b| !b.is_empty())
        .unwrap_or("/usr/local/bin:/usr/bin:/bin");
    format!("{}:{base}", bin.display())
}

#[cfg(test)]
#[path = "install_tests.rs"]
mod tests;
