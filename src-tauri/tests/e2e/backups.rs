//! Backups from the outside: made while 8 writers insert, downloaded with the CLI,
//! restored with `aiops admin restore` into a fresh data dir a new server then starts
//! on; archives without a passphrase hold no key material; wrong passphrases, truncated,
//! tampered and newer-schema archives are refused before anything is touched.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aiops_types::{CreateBackup, CreateIssue, Job, JobLogParams, JobState, RestoreBackup};

use crate::common::{ServerProcess, assert_success, run, runtime, sqlite, text};
use crate::sessions::{demo_issue, project_on, seeded_repo};

const PASSPHRASE: &str = "correct horse battery staple";

/// Follows a job to its end through the API.
async fn finish(client: &aiops_client::Client, job: Job) -> Job {
    let mut offset = 0;
    loop {
        let log = client
            .job_log(
                job.id,
                &JobLogParams {
                    offset: Some(offset),
                    wait: Some(10),
                },
            )
            .await
            .expect("the job's log");
        offset = log.next_offset;
        if log.job.state.is_done() {
            return log.job;
        }
    }
}

/// Makes a backup through the API; returns its archive's path on the server.
fn backup(server: &ServerProcess, passphrase: Option<&str>) -> PathBuf {
    let client = server.admin_client();
    let job = runtime().block_on(async {
        let job = client
            .create_backup(&CreateBackup {
                description: Some("e2e".into()),
                passphrase: passphrase.map(str::to_owned),
            })
            .await
            .expect("POST /system/backups");
        finish(&client, job).await
    });
    assert_eq!(job.state, JobState::Succeeded, "backup job: {job:?}");
    let id = job
        .result
        .as_ref()
        .and_then(|r| r["id"].as_str())
        .expect("the backup's id");
    server.data_dir.join("backups").join(id)
}

fn sha(path: &Path) -> String {
    let out = run(
        {
            let mut c = Command::new("sha256sum");
            c.arg(path);
            c
        },
        None,
    );
    text(&out.stdout)
}

/// `aiops admin restore` of `archive` into `data`.
fn admin_restore(
    server: &ServerProcess,
    data: &Path,
    archive: &Path,
    pass: Option<&str>,
) -> std::process::Output {
    let data = data.display().to_string();
    let archive = archive.display().to_string();
    let mut args = vec!["admin", "restore", "--data-dir", &data, "--yes", &archive];
    if pass.is_some() {
        args.push("--passphrase-stdin");
    }
    server.cli_offline(&args, pass.map(|p| format!("{p}\n")).as_deref())
}

#[test]
fn a_backup_under_8_writers_restores_into_a_fresh_data_dir_the_server_starts_on() {
    let (_repo_dir, repo) = seeded_repo();
    let server = ServerProcess::start();
    project_on(&server, &repo);
    let project = demo_issue(&server, "first")["project_id"].as_i64().unwrap();
    let client = server.admin_client();
    let rt = runtime();
    let stop = Arc::new(AtomicBool::new(false));
    let (acked_before, backup_id) = rt.block_on(async {
        let acked = Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
        let mut writers = Vec::new();
        for w in 0..8 {
            let (client, acked, stop) = (client.clone(), acked.clone(), stop.clone());
            writers.push(tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Acquire) {
                    let issue = client
                        .create_issue(&CreateIssue {
                            project,
                            provider: None,
                            title: format!("writer {w} row {n}"),
                            description: None,
                            labels: vec![],
                            assignee: None,
                            integration: None,
                        })
                        .await
                        .expect("a writer's insert");
                    acked.lock().unwrap().push(issue.id);
                    n += 1;
                }
            }));
        }
        // Start the backup once the writers are well under way.
        while acked.lock().unwrap().len() < 200 {
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let before = acked.lock().unwrap().clone();
        let job = client
            .create_backup(&CreateBackup::default())
            .await
            .expect("POST /system/backups");
        let job = finish(&client, job).await;
        stop.store(true, Ordering::Release);
        for w in writers {
            w.await.unwrap();
        }
        let after = acked.lock().unwrap().len();
        assert!(
            after > before.len(),
            "the writers kept writing during the backup"
        );
        assert_eq!(job.state, JobState::Succeeded, "the backup job: {job:?}");
        let id = job.result.unwrap()["id"].as_str().unwrap().to_owned();
        (before, id)
    });

    // Download with the CLI, into a directory of our own.
    let dl = tempfile::tempdir().unwrap();
    let dest = dl.path().join("copy.tar.gz");
    let out = server.cli(
        &[
            "system",
            "backup",
            "download",
            &backup_id,
            "--file",
            &dest.display().to_string(),
        ],
        None,
    );
    assert_success(&out, "system backup download");
    assert_eq!(
        std::fs::metadata(&dest).unwrap().len(),
        std::fs::metadata(server.data_dir.join("backups").join(&backup_id))
            .unwrap()
            .len(),
        "the download is the whole archive"
    );

    let admin_key = server.admin_key.clone();
    let restored = ServerProcess::start_prepared(&admin_key, |data| {
        let out = admin_restore(&server, data, &dest, None);
        assert_success(&out, "admin restore into a fresh data dir");
        let db = data.join("aiops.db");
        assert_eq!(sqlite(&db, "PRAGMA integrity_check").trim(), "ok");
        let ids: std::collections::HashSet<i64> = sqlite(&db, "SELECT id FROM issues")
            .lines()
            .map(|l| l.trim().parse().unwrap())
            .collect();
        let missing: Vec<_> = acked_before.iter().filter(|id| !ids.contains(id)).collect();
        assert!(
            missing.is_empty(),
            "every row acknowledged before the backup started is in it; missing {missing:?}"
        );
    });
    // The server starts on it, and the admin's key from the backup works.
    let n = rt.block_on(async {
        restored
            .admin_client()
            .get_issue(acked_before[0])
            .await
            .expect("an issue from the restored database")
            .id
    });
    assert_eq!(n, acked_before[0]);
}

/// Every file of a (plain) archive, unpacked with tar(1), as one byte string.
fn unpacked(archive: &Path) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let mut tar = Command::new("tar");
    tar.arg("-xzf").arg(archive).arg("-C").arg(dir.path());
    assert_success(&run(tar, None), "tar -xzf of a plain backup");
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir.path()).unwrap() {
        all.extend(std::fs::read(e.unwrap().path()).unwrap());
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn archives_keep_the_key_only_encrypted_and_bad_ones_touch_nothing() {
    let server = ServerProcess::start();
    let key_text = std::fs::read_to_string(server.data_dir.join("secret.key")).unwrap();
    let key_line = key_text.lines().last().unwrap().trim().to_owned();
    assert!(
        key_line.len() > 20,
        "secret.key holds a key line: {key_text:?}"
    );

    // Without a passphrase: no key material anywhere inside.
    let plain = backup(&server, None);
    let inside = unpacked(&plain);
    assert!(contains(&inside, b"\"includes_secret_key\": false"));
    assert!(
        !contains(&inside, key_line.as_bytes()) && !contains(&inside, b"aiops-secret-key"),
        "a plain archive must not contain secret.key"
    );
    // With one: encrypted, so neither the key nor the database is readable in it.
    let sealed = backup(&server, Some(PASSPHRASE));
    assert!(sealed.display().to_string().ends_with(".tar.gz.enc"));
    let bytes = std::fs::read(&sealed).unwrap();
    assert!(bytes.starts_with(b"AIOPSENC"));
    assert!(!contains(&bytes, key_line.as_bytes()) && !contains(&bytes, b"SQLite format"));

    // A wrong passphrase through the API: the job fails, the server never restarts.
    let client = server.admin_client();
    let id = sealed.file_name().unwrap().to_str().unwrap().to_owned();
    rt_block(|| async {
        let before = client.system_status().await.unwrap().started_at;
        let job = client
            .restore_backup(
                &id,
                &RestoreBackup {
                    passphrase: Some("not the passphrase".into()),
                },
            )
            .await
            .expect("POST restore");
        let job = finish(&client, job).await;
        assert_eq!(job.state, JobState::Failed);
        assert!(
            job.error
                .as_deref()
                .unwrap_or("")
                .contains("wrong passphrase"),
            "{job:?}"
        );
        assert_eq!(
            client.system_status().await.unwrap().started_at,
            before,
            "no restart"
        );
    });
    assert!(!server.data_dir.join("restore-pending").exists());

    // Offline: a data dir with a database of its own, which each bad archive must leave
    // exactly as it was.
    let target = tempfile::tempdir().unwrap();
    let out = admin_restore(&server, target.path(), &plain, None);
    assert_success(&out, "a first restore gives the target a database");
    let db = target.path().join("aiops.db");
    let before = sha(&db);
    let bad_dir = tempfile::tempdir().unwrap();
    let raw = std::fs::read(&plain).unwrap();
    let truncated = bad_dir.path().join("truncated.tar.gz");
    std::fs::write(&truncated, &raw[..raw.len() * 2 / 3]).unwrap();
    let tampered = changed_member(&plain, bad_dir.path());
    let cases = [
        (truncated, None, "truncated"),
        (tampered, None, "tampered"),
        (
            sealed.clone(),
            Some("wrong passphrase!!"),
            "wrong passphrase",
        ),
        (sealed.clone(), None, "encrypted without a passphrase"),
        (newer_schema(&plain, bad_dir.path()), None, "newer schema"),
    ];
    for (archive, pass, what) in cases {
        let out = admin_restore(&server, target.path(), &archive, pass);
        assert!(!out.status.success(), "{what}: admin restore must fail");
        let err = text(&out.stderr);
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
        assert!(
            errors.len() == 1 && !err.contains("panicked"),
            "{what}: one error line, got {err:?}"
        );
        assert_eq!(sha(&db), before, "{what}: the database is untouched");
        assert!(
            !target.path().join("restore-pending").exists(),
            "{what}: nothing staged"
        );
        if what == "newer schema" {
            assert!(err.contains("schema 999"), "{what}: says why: {err}");
        }
        if what == "tampered" {
            assert!(err.contains("checksum"), "{what}: says why: {err}");
        }
    }
    // The right passphrase restores, with the key.
    let out = admin_restore(&server, target.path(), &sealed, Some(PASSPHRASE));
    assert_success(&out, "restore of the encrypted archive with its passphrase");
    assert_eq!(
        std::fs::read_to_string(target.path().join("secret.key")).unwrap(),
        key_text,
        "the encrypted archive brings the key back"
    );
}

fn rt_block<F: std::future::Future<Output = ()>>(f: impl FnOnce() -> F) {
    runtime().block_on(f());
}

/// A copy of the plain archive `plain`, unpacked with tar(1), changed by `edit` (its
/// directory and parsed manifest, written back after), and packed again with the
/// manifest first, as `dir/<name>.tar.gz`.
fn repacked(
    plain: &Path,
    dir: &Path,
    name: &str,
    edit: impl FnOnce(&Path, &mut serde_json::Value),
) -> PathBuf {
    let work = dir.join(name);
    std::fs::create_dir(&work).unwrap();
    let mut tar = Command::new("tar");
    tar.arg("-xzf").arg(plain).arg("-C").arg(&work);
    assert_success(&run(tar, None), "unpack");
    let manifest = work.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    edit(&work, &mut m);
    std::fs::write(&manifest, serde_json::to_vec(&m).unwrap()).unwrap();
    let names: Vec<String> = m["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_owned())
        .collect();
    let out_path = dir.join(format!("{name}.tar.gz"));
    let mut tar = Command::new("tar");
    tar.arg("-czf")
        .arg(&out_path)
        .arg("-C")
        .arg(&work)
        .arg("manifest.json")
        .args(&names);
    assert_success(&run(tar, None), "repack");
    out_path
}

/// A copy whose database has one byte changed under the original manifest (a valid
/// tar.gz: only the sums can tell).
fn changed_member(plain: &Path, dir: &Path) -> PathBuf {
    repacked(plain, dir, "changed", |work, _| {
        let db = work.join("aiops.db");
        let mut bytes = std::fs::read(&db).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x20;
        std::fs::write(&db, bytes).unwrap();
    })
}

/// A copy whose database (and manifest) claim schema 999, with correct sums: only the
/// schema check can refuse it.
fn newer_schema(plain: &Path, dir: &Path) -> PathBuf {
    repacked(plain, dir, "newer", |work, m| {
        let db = work.join("aiops.db");
        sqlite(&db, "PRAGMA user_version = 999");
        let bytes = std::fs::read(&db).unwrap();
        m["schema_version"] = 999.into();
        for member in m["members"].as_array_mut().unwrap() {
            if member["name"] == "aiops.db" {
                member["sha256"] = sha(&db).split_whitespace().next().unwrap().into();
                member["size"] = bytes.len().into();
            }
        }
    })
}

#[test]
fn retention_keeps_the_newest_and_only_admins_reach_backups_and_jobs() {
    let server = ServerProcess::start_with(true, &[("AIOPS_BACKUP_KEEP", "2")]);
    let made: Vec<String> = (0..3)
        .map(|_| {
            backup(&server, None)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let listed: Vec<String> = runtime()
        .block_on(server.admin_client().list_backups())
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(
        listed,
        vec![made[2].clone(), made[1].clone()],
        "the newest two, newest first"
    );
    assert!(
        !server.data_dir.join("backups").join(&made[0]).exists(),
        "the oldest is deleted"
    );

    // A member (even of a tenant) and an anonymous caller reach none of it.
    let out = server.cli(&["tenants", "create", "--name", "acme"], None);
    assert_success(&out, "tenants create acme");
    let member = crate::trackers::Member::create(&server, "mia@example.com");
    let http = reqwest::Client::new();
    let paths = [
        ("GET", "/api/v1/system/backups".to_owned()),
        ("POST", "/api/v1/system/backups".to_owned()),
        (
            "GET",
            format!("/api/v1/system/backups/{}/download", made[2]),
        ),
        ("DELETE", format!("/api/v1/system/backups/{}", made[2])),
        (
            "POST",
            format!("/api/v1/system/backups/{}/restore", made[2]),
        ),
        ("GET", "/api/v1/system/jobs".to_owned()),
        ("POST", "/api/v1/system/restart".to_owned()),
        ("POST", "/api/v1/system/update".to_owned()),
    ];
    runtime().block_on(async {
        for (method, path) in &paths {
            let url = format!("{}{path}", server.url);
            let m: reqwest::Method = method.parse().unwrap();
            let anon = http
                .request(m.clone(), &url)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(anon.status(), 401, "{method} {path} without a credential");
            let as_member = http
                .request(m, &url)
                .bearer_auth(&member.key)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                as_member.status(),
                403,
                "{method} {path} with a member's key"
            );
        }
    });
    assert!(
        server.data_dir.join("backups").join(&made[2]).exists(),
        "nothing was deleted"
    );
}
