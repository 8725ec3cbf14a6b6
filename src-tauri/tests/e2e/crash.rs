//! `kill -9` durability: every write the server acknowledged survives a SIGKILL in the
//! middle of a burst of concurrent writes, and the database file is intact afterwards.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiops_types::{CreateTenant, PageParams};

use crate::common::{ServerProcess, have_tool, sqlite, wait_until};

/// Concurrent writers.
const WRITERS: usize = 4;
/// Tenant creations attempted in all.
const ATTEMPTS: usize = 1_000;
/// SIGKILL once this many creations were acknowledged.
const KILL_AFTER: usize = 300;

/// What the writers share with the test thread.
#[derive(Default)]
struct Progress {
    next: AtomicUsize,
    acked: AtomicUsize,
    killed: AtomicBool,
    /// Slugs of the tenants whose create answered 2xx.
    slugs: Mutex<Vec<String>>,
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let mut server = ServerProcess::start();
    let client = server.admin_client();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WRITERS)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let progress = Arc::new(Progress::default());

    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let client = client.clone();
            let progress = Arc::clone(&progress);
            // Ok(true): this writer saw a request fail after the kill.
            rt.spawn(async move {
                loop {
                    let n = progress.next.fetch_add(1, Ordering::SeqCst);
                    if n >= ATTEMPTS {
                        return Ok(false);
                    }
                    let req = CreateTenant {
                        name: format!("t-{n}"),
                        slug: None,
                        color: None,
                        description: None,
                    };
                    match client.create_tenant(&req).await {
                        Ok(tenant) => {
                            progress.slugs.lock().unwrap().push(tenant.slug);
                            progress.acked.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(_) if progress.killed.load(Ordering::SeqCst) => return Ok(true),
                        Err(e) => return Err(format!("t-{n} failed before the kill: {e}")),
                    }
                }
            })
        })
        .collect();

    let reached = wait_until(Duration::from_secs(60), || {
        progress.acked.load(Ordering::SeqCst) >= KILL_AFTER
            || writers.iter().all(tokio::task::JoinHandle::is_finished)
    });
    progress.killed.store(true, Ordering::SeqCst);
    server.kill();
    let acked_at_kill = progress.acked.load(Ordering::SeqCst);
    assert!(
        reached && acked_at_kill >= KILL_AFTER,
        "{KILL_AFTER} tenant creations are acknowledged within 60 s (got {acked_at_kill}); \
         stderr:\n{}",
        server.stderr()
    );

    let mut interrupted = 0;
    for writer in writers {
        match rt.block_on(writer).expect("a writer task") {
            Ok(saw_kill) => interrupted += usize::from(saw_kill),
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        interrupted > 0,
        "the kill lands while writes are still in flight ({acked_at_kill} of {ATTEMPTS} done)"
    );
    let slugs = std::mem::take(&mut *progress.slugs.lock().unwrap());
    eprintln!(
        "crash: {} creates acknowledged before SIGKILL, {} attempted",
        slugs.len(),
        progress.next.load(Ordering::SeqCst).min(ATTEMPTS)
    );

    server.restart();
    if have_tool("sqlite3") {
        assert_eq!(
            sqlite(&server.data_dir.join("aiops.db"), "PRAGMA integrity_check"),
            "ok",
            "the database is intact after SIGKILL and a restart"
        );
    }

    let client = server.admin_client();
    let rt = crate::common::runtime();
    let status = rt
        .block_on(client.status())
        .expect("GET /system/status answers after the restart");
    let mut present = HashSet::new();
    let mut cursor = None;
    loop {
        let params = PageParams {
            limit: Some(500),
            cursor: cursor.take(),
        };
        let page = rt
            .block_on(client.list_tenants(&params))
            .expect("GET /tenants after the restart");
        for tenant in page.items {
            assert!(
                present.insert(tenant.slug.clone()),
                "pagination returns each tenant once; {} came twice",
                tenant.slug
            );
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        status.tenants as usize,
        present.len(),
        "status counts the tenants the list pages through"
    );
    let lost: Vec<_> = slugs.iter().filter(|s| !present.contains(*s)).collect();
    assert!(
        lost.is_empty(),
        "every acknowledged create survives SIGKILL; lost {} of {}: {lost:?}",
        lost.len(),
        slugs.len()
    );
    assert!(
        present.len() <= ATTEMPTS,
        "no tenant appears that was never requested ({} present)",
        present.len()
    );
}
