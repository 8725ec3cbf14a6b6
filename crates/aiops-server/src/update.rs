//! Replacing this binary with a newer signed release (see `aiops_core::releases`). A
//! binary a package manager installed is left to it: the answer names its command.
//! Otherwise: fetch and verify the manifest, download the target's binary next to the
//! running one, check its sum and its `--version`, then rename it over the running
//! binary (atomic; the running process keeps its old image until it restarts).

use std::io::Write;
use std::path::{Path, PathBuf};

use aiops_core::releases::{self, MAX_MANIFEST_BYTES, Releases};
use aiops_core::{CoreError, CoreResult};
use sha2::{Digest, Sha256};

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Updated {
    pub from: String,
    pub to: String,
    /// False when the running version was already the newest.
    pub replaced: bool,
    pub binary: String,
}

/// The command to run instead when a package manager owns `exe`, else None.
pub fn package_manager_command(exe: &Path) -> Option<&'static str> {
    let p = exe.to_string_lossy();
    if p.contains("/Cellar/") || p.starts_with("/opt/homebrew/") || p.contains("/linuxbrew/") {
        return Some("brew upgrade aiops");
    }
    // dpkg lists every file a .deb installed; a binary in it belongs to apt.
    let listed = std::fs::read_to_string("/var/lib/dpkg/info/aiops.list")
        .is_ok_and(|list| list.lines().any(|l| Path::new(l) == exe));
    listed.then_some("sudo apt update && sudo apt install --only-upgrade aiops")
}

/// The refusals that need no download: `Conflict` when no `url` is set or a package
/// manager owns `exe` (the message names its command).
pub fn preflight(url: &str, exe: &Path) -> CoreResult<()> {
    if url.is_empty() {
        return Err(CoreError::Conflict(
            "no update_url is configured: set update_url (or AIOPS_UPDATE_URL) to the signed \
             release manifest, or update with your package manager"
                .into(),
        ));
    }
    if let Some(cmd) = package_manager_command(exe) {
        return Err(CoreError::Conflict(format!(
            "{} was installed by a package manager: run `{cmd}` instead",
            exe.display()
        )));
    }
    Ok(())
}

/// `aiops update`: updates this binary where it runs, with no server (a CLI-only
/// install), from `url` over HTTPS.
pub fn self_update(url: &str, public_key: &str, progress: &dyn Fn(&str)) -> CoreResult<Updated> {
    let exe = aiops_exec::reexec::current_exe()
        .map_err(|e| CoreError::Internal(format!("cannot locate the running binary: {e}")))?;
    let releases = aiops_trackers::releases::HttpReleases::new(DOWNLOAD_TIMEOUT);
    update(&releases, url, public_key, &exe, progress)
}

/// Longest a manifest or binary download may take.
pub const DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// Updates the binary at `exe` from the manifest at `url` (see the module doc). Errors:
/// those of [`preflight`]; `Invalid` for a bad signature, a missing target, a sum or
/// version that does not match; `Upstream` when a download fails. Nothing is replaced
/// unless every check passed.
pub fn update(
    releases: &dyn Releases,
    url: &str,
    public_key: &str,
    exe: &Path,
    progress: &dyn Fn(&str),
) -> CoreResult<Updated> {
    preflight(url, exe)?;
    let current = env!("CARGO_PKG_VERSION");
    progress(&format!("reading {url}"));
    let manifest = releases.fetch(url, MAX_MANIFEST_BYTES)?;
    let signature = releases.fetch(&format!("{url}.minisig"), MAX_MANIFEST_BYTES)?;
    let signature = String::from_utf8(signature)
        .map_err(|_| CoreError::invalid("update", "the release signature is not text"))?;
    let m = releases::verify_manifest(&manifest, &signature, public_key)?;
    progress(&format!(
        "signature ok: release {} (running {current})",
        m.version
    ));
    let done = |replaced| Updated {
        from: current.to_owned(),
        to: m.version.clone(),
        replaced,
        binary: exe.display().to_string(),
    };
    if !releases::is_newer(current, &m.version) {
        progress("already up to date");
        return Ok(done(false));
    }
    let asset = releases::asset_for(&m, &releases::target())?;
    let dir = exe
        .parent()
        .ok_or_else(|| CoreError::Internal("the binary has no directory".into()))?;
    let tmp = Temp(dir.join(format!(".aiops-update-{}", m.version)));
    let mut file = create_exec(&tmp.0)?;
    let mut hashing = HashWrite {
        inner: &mut file,
        hash: Sha256::new(),
    };
    let size = releases.download(&asset.url, &mut hashing, &|n| {
        if n % (8 * 1024 * 1024) < 64 * 1024 {
            progress(&format!("downloaded {} MiB", n / (1024 * 1024)));
        }
    })?;
    let sum: String = hashing
        .hash
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if !sum.eq_ignore_ascii_case(&asset.sha256) {
        return Err(CoreError::invalid(
            "update",
            format!(
                "the downloaded binary's sha256 {sum} is not the signed {}: refusing it",
                asset.sha256
            ),
        ));
    }
    file.sync_all().map_err(|e| io(&tmp.0, e))?;
    drop(file);
    progress(&format!("sha256 ok ({size} bytes)"));
    let line =
        aiops_exec::host_info::version(&tmp.0.to_string_lossy(), "--version").unwrap_or_default();
    releases::check_version_line(&line, &m.version)?;
    std::fs::rename(&tmp.0, exe).map_err(|e| io(exe, e))?;
    std::mem::forget(tmp);
    progress(&format!("replaced {} with {}", exe.display(), m.version));
    Ok(done(true))
}

fn io(p: &Path, e: std::io::Error) -> CoreError {
    CoreError::Internal(format!("{}: {e}", p.display()))
}

fn create_exec(path: &Path) -> CoreResult<std::fs::File> {
    let _ = std::fs::remove_file(path);
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o755);
    }
    o.open(path).map_err(|e| io(path, e))
}

/// A download removed unless it was moved into place.
struct Temp(PathBuf);

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

struct HashWrite<'a> {
    inner: &'a mut std::fs::File,
    hash: Sha256,
}

impl Write for HashWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write_all(buf)?;
        self.hash.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
