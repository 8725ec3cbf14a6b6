//! The server's session hosts as sites (issue 23): each host's [`SshRuntime`], connected
//! on first use and kept while the host's row is unchanged (a changed root, key or
//! address connects again). A connection that fails is not kept, so a host that comes
//! back is used again at the next session.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use aiops_core::hosts::{self, HostStore};
use aiops_core::sessions::sites::Site;
use aiops_core::{CoreError, CoreResult};
use aiops_exec::ssh_runtime::SshRuntime;
use aiops_types::Host;

/// Connected hosts by name, with the `updated_at` of the row they were made from.
#[derive(Default)]
pub struct SiteCache(Mutex<HashMap<String, (time::OffsetDateTime, Arc<Site>)>>);

impl SiteCache {
    /// Drops host `name`'s connection.
    pub fn forget(&self, name: &str) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(name);
    }
}

/// An id of this binary (size, modification time, version): a host whose copy has
/// another id gets this one.
pub fn binary_id(bin: &Path) -> String {
    let meta = std::fs::metadata(bin).ok();
    let len = meta.as_ref().map_or(0, std::fs::Metadata::len);
    let modified = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}-{len}-{modified}", env!("CARGO_PKG_VERSION"))
}

/// The site of host `name`: cached, or connected now.
pub fn open(
    db: &aiops_db::Db,
    key: &aiops_core::sealed::SecretKey,
    cache: &SiteCache,
    aiops_bin: &str,
    name: &str,
) -> CoreResult<Arc<Site>> {
    let host = db
        .list_hosts()?
        .into_iter()
        .find(|h| h.name == name)
        .ok_or_else(|| CoreError::not_found(format!("session host `{name}`")))?;
    if let Some((at, site)) = cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(name)
        && *at == host.updated_at
    {
        return Ok(site.clone());
    }
    let site = Arc::new(connect(db, key, aiops_bin, &host)?);
    cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(name.to_owned(), (host.updated_at, site.clone()));
    Ok(site)
}

fn connect(
    db: &aiops_db::Db,
    key: &aiops_core::sealed::SecretKey,
    aiops_bin: &str,
    host: &Host,
) -> CoreResult<Site> {
    let (target, material) = hosts::login(db, key, &aiops_exec::working_copy::LocalGit, host)?;
    let bin = Path::new(aiops_bin);
    let rt = SshRuntime::connect(
        &host.name,
        target.clone(),
        &material,
        &host.root,
        bin,
        &binary_id(bin),
    )?;
    let rt = Arc::new(rt);
    let root = rt.root().to_path_buf();
    tracing::info!(host = %host.name, root = %root.display(), "session host connected");
    Ok(Site {
        host_id: host.id,
        host_name: host.name.clone(),
        workspace_root: root.join("workspaces"),
        homes_root: root.join("homes"),
        tools: root.join("tools"),
        aiops_bin: rt.aiops_bin().display().to_string(),
        path: rt.path().to_owned(),
        login: (target.user, target.address, target.port),
        ssh_terminal: rt.terminal_prefix(),
        runtime: rt.clone(),
        git: rt,
    })
}
